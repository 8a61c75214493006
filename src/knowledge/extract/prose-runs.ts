// Spans of names in a sentence's tokens: proper-name runs (capitalised words, "&", "of" after a
// body's head, particles such as "del"), "the <noun> <head>" phrases of software teams, a
// capitalised gerund opening a name, and a place joined to its region.
import { FIRST_HEADS, NAME_HEADS } from './prose-heads.js';
import { OF_HEADS } from './prose-lexicon.js';
import type { Mention } from './prose-mentions.js';
import { hasTag, isCapitalised, NUMBER_OR_TIME, splitsAfter, SPLITTING, type Token } from './prose-tokens.js';
import { FOR_HEADS } from './prose-typing.js';

export const VERSION = /^v?\d+(\.\d+)+$|^v\d+$/i;
/** Lowercase particles inside names of places and people ("Costa del Sol", "Vincent van Gogh"). */
const PARTICLES = new Set([
  'de',
  'del',
  'della',
  'di',
  'da',
  'du',
  'des',
  'dos',
  'das',
  'la',
  'le',
  'van',
  'von',
  'der',
  'den',
  'y',
  'los',
  'las',
]);

/** A proper-name run starting at `i` (capitalised words, "&", "of" after an org head); its end. */
export function properRun(toks: readonly Token[], i: number): number {
  let j = i + 1;
  // NOTE: "St Anne's Primary", "St Thomas' Hospital": a saint's possessive is inside the name.
  const saint = /^(?:st|st\.|saint)$/i.test((toks[i] as Token).text);
  while (
    j < toks.length &&
    !splitsAfter(toks[j - 1] as Token) &&
    (!(toks[j - 1] as Token).possessive || (saint && j === i + 2 && isCapitalised(toks[j] as Token))) &&
    !SPLITTING.test((toks[j] as Token).pre)
  ) {
    const t = toks[j] as Token;
    const next = toks[j + 1];
    if ((isCapitalised(t) && !hasTag(t, 'Pronoun', 'Date', 'Month', 'Compound')) || /^\d+[A-Za-z]?$/.test(t.text)) j++;
    // NOTE: "Cardiac Day Unit", "Night Bus Service": a calendar noun between capitalised words is inside the name.
    else if (/^(?:Day|Night|Week|Year)$/.test(t.text) && next !== undefined && isCapitalised(next) && !splitsAfter(t))
      j++;
    else if (VERSION.test(t.text)) j++;
    // "Costa del Sol", "Ursula von der Leyen": lowercase particles between capitalised words are inside the name.
    else if (PARTICLES.has(t.lower) && j > i && !splitsAfter(t)) {
      let k = j;
      while (k < toks.length && PARTICLES.has((toks[k] as Token).lower) && !splitsAfter(toks[k] as Token)) k++;
      const after = toks[k];
      if (k - j > 2 || after === undefined || !isCapitalised(after) || /^\p{Lu}/u.test(t.text)) break;
      j = k + 1;
    } else if (
      (t.text === '&' ||
        (t.lower === 'of' && OF_HEADS.has((toks[j - 1] as Token).lower)) ||
        (t.lower === 'for' &&
          FOR_HEADS.has((toks[j - 1] as Token).lower) &&
          j - 1 > i &&
          FIRST_HEADS[next?.lower ?? ''] === undefined)) &&
      next !== undefined &&
      isCapitalised(next)
    )
      j += 2;
    else if (
      (t.lower === 'of' || t.lower === 'for') &&
      FIRST_HEADS[(toks[j - 1] as Token).lower] !== undefined &&
      j - 1 === i &&
      next !== undefined &&
      isCapitalised(next)
    )
      j += 2;
    else break;
  }
  return j;
}

/**
 * Heads of lowercase noun phrases that software teams use as names ("the checkout service", "the
 * pricing API", "the payments team"). Other lowercase phrases ("the crew app", "the imaging
 * system") are descriptions of unnamed things, not entities.
 */
export const PHRASE_HEADS = new Set([
  'service',
  'api',
  'database',
  'db',
  'queue',
  'cache',
  'bucket',
  'topic',
  'team',
  'squad',
]);
/** "the <noun> <head>": the one plain noun before the head, right after "the"; its index. */
export function phraseStart(toks: readonly Token[], h: number): number | undefined {
  const mod = toks[h - 1] as Token;
  const det = toks[h - 2];
  if (det === undefined || det.lower !== 'the' || splitsAfter(det) || splitsAfter(mod)) return undefined;
  // NOTE: "billing", "pricing" are tagged adjectives or gerunds; in front of a software head they are nouns.
  if (!/^\p{Ll}[\p{Ll}-]*$/u.test(mod.text) || !(hasTag(mod, 'Noun', 'Gerund') || /ing$/.test(mod.lower)))
    return undefined;
  // NOTE: "the first-team squad", "the two-person team": a count or an ordinal describes the unit, it names none.
  if (NUMBER_OR_TIME.test(mod.lower.split('-')[0] ?? '')) return undefined;
  return h - 1;
}

/**
 * "Billing Engine will bill …": a capitalised gerund opening a sentence, one capitalised head noun
 * after it and a verb after that is a name in subject position, not a verb ("Using Kafka Streams we").
 */
export function gerundSubject(toks: readonly Token[], i: number): boolean {
  const [t, head, verb] = [toks[i], toks[i + 1], toks[i + 2]];
  return (
    t !== undefined &&
    head !== undefined &&
    verb !== undefined &&
    hasTag(t, 'Gerund') &&
    !splitsAfter(t) &&
    isCapitalised(head) &&
    NAME_HEADS[head.lower] !== undefined &&
    hasTag(verb, 'Verb') &&
    /^\p{Ll}/u.test(verb.text)
  );
}

/** "Cambridge, Massachusetts": a place followed by its region or country is one place (the first part an alias). */
export function joinPlaceRegions(
  mentions: readonly Mention[],
  toks: readonly Token[],
  text: string,
  base: number,
): Mention[] {
  const out: Mention[] = [];
  for (const m of mentions) {
    const prev = out.at(-1);
    const region = toks.slice(m.from, m.to);
    if (
      prev !== undefined &&
      prev.type === 'location' &&
      m.type === 'location' &&
      text.slice(prev.end - base, m.start - base) === ', ' &&
      region.every((t) => hasTag(t, 'Region', 'Country')) &&
      !toks.slice(prev.from, prev.to).some((t) => hasTag(t, 'Region', 'Country'))
    ) {
      out[out.length - 1] = {
        ...prev,
        name: text.slice(prev.start - base, m.end - base),
        end: m.end,
        to: m.to,
        aliases: [...prev.aliases, prev.name],
      };
      continue;
    }
    out.push(m);
  }
  return out;
}
