// The second hop of hybrid retrieval, pure: the terms that the best evidence found so far puts
// next to the question's own terms. "Who leads the team that owns the service at the root of
// INC-7?" finds the incident's record, whose `root_service: billing-api` names the bridge
// (billing-api); looked up in its turn, the bridge finds the catalogue entry that names the
// owning team. The graph gives bridges too: the far end of every relation the question's
// entities take part in. Rarity decides among candidates (the caller knows document frequencies).
import { termsOf } from '../graph/vocabulary.js';
import { rank } from './bm25.js';
import { passageUnits } from './passage-units.js';

/** Words either side of a question word that count as its neighbours in a field. */
const WINDOW = 3;

/** Words as a reader sees them: a slug, an id or a dotted name is one word ("dd-service", "INC-7"). */
const WORD = /[\p{L}\p{N}]+(?:[-_./][\p{L}\p{N}]+)*/gu;

/** Whether a word reads as a name or an id: a slug or id, a number of three digits or more, a capital. */
const nameLike = (word: string): boolean =>
  /[-_./]/.test(word) || /^[0-9]{3,}$/.test(word) || /[0-9]/.test(word) || /^\p{Lu}/u.test(word);

/**
 * Candidate bridge terms, in order of discovery: the ends of `relations` that the question does
 * not name, then the names within WINDOW words of a question word in the best unit of each
 * chunk (in a record, per field: "root_service: dd-service" links "root" to dd-service; a
 * field's key is never a candidate). None of the question's own terms is returned.
 */
export function bridgeCandidates(
  question: string,
  chunks: readonly { readonly text: string }[],
  relations: readonly { readonly source: string; readonly target: string }[],
): string[][] {
  const asked = new Set(termsOf(question));
  const out = new Map<string, string[]>();
  // A name is a bridge when it holds a term the question does not; it is looked up whole.
  const add = (name: string): void => {
    // NOTE: a one- or two-digit number is a day, a month or a count, never a bridge.
    const terms = termsOf(name).filter((t) => !/^[0-9]{1,2}$/.test(t));
    if (terms.some((t) => !asked.has(t))) out.set(terms.join(' '), terms);
  };
  for (const r of relations) for (const end of [r.source, r.target]) add(end);
  for (const c of chunks) {
    const best = rank(question, passageUnits(c.text), (u) => u)[0]?.item;
    if (best === undefined) continue;
    for (const field of best.split('; ')) {
      const colon = /^[^:]{1,40}:\s/.exec(field);
      const keyWords = colon === null ? [] : (colon[0].match(WORD) ?? []);
      const valueWords = (colon === null ? field : field.slice(colon[0].length)).match(WORD) ?? [];
      const words = [...keyWords.map((w) => ({ w, key: true })), ...valueWords.map((w) => ({ w, key: false }))];
      const hits = words.flatMap((x, i) => (termsOf(x.w).some((t) => asked.has(t)) ? [i] : []));
      words.forEach((x, i) => {
        // A sentence's first word is capitalised whatever it is.
        if (x.key || !nameLike(x.w) || (colon === null && i === 0 && !/[-_./0-9]/.test(x.w))) return;
        if (hits.some((h) => Math.abs(h - i) <= WINDOW)) add(x.w);
      });
    }
  }
  return [...out.values()];
}

/**
 * Most passages a bridge's rarest term may be in: a name or an id, not a word every record
 * repeats (a quarter of a small tenant's passages, at most 20). At least 3: a bridge is in the
 * passage it was found in and the one it leads to.
 */
export const bridgeRarity = (count: number): number => Math.min(20, Math.max(3, Math.floor(count / 4)));

/**
 * The `max` bridges whose rarest new term is in at least one and at most bridgeRarity(count)
 * of the `count` passages (by `documentFrequency`), rarest first, each with all its terms.
 */
export function pickBridges(
  candidates: readonly (readonly string[])[],
  question: string,
  documentFrequency: ReadonlyMap<string, number>,
  count: number,
  max = 3,
): (readonly string[])[] {
  const asked = new Set(termsOf(question));
  return candidates
    .map((terms, i) => {
      const dfs = terms.filter((t) => !asked.has(t)).map((t) => documentFrequency.get(t) ?? 0);
      return { terms, i, df: Math.min(...dfs.filter((d) => d > 0), Number.POSITIVE_INFINITY) };
    })
    .filter((x) => x.df <= bridgeRarity(count))
    .sort((a, b) => a.df - b.df || a.i - b.i)
    .slice(0, max)
    .map((x) => x.terms);
}
