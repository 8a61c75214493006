// BM25 ranking, pure: corpus statistics and the Okapi BM25 score (k1 = 1.2, b = 0.75) over the
// terms of the shared vocabulary (graph/vocabulary.ts). The SQL side only supplies candidates
// and statistics.
import { termsOf } from '../graph/vocabulary.js';

/** Statistics of the whole corpus the candidates were drawn from. */
export interface CorpusStats {
  /** Number of passages in the corpus. */
  readonly count: number;
  /** Average passage length in tokens. */
  readonly averageLength: number;
  /** Passages containing each query term. */
  readonly documentFrequency: ReadonlyMap<string, number>;
}

export interface Scored<T> {
  readonly item: T;
  readonly score: number;
}

const K1 = 1.2;
const B = 0.75;

/** Inverse document frequency, never negative (the "+1" variant). */
export function idf(stats: CorpusStats, term: string): number {
  const df = stats.documentFrequency.get(term) ?? 0;
  return Math.log(1 + (stats.count - df + 0.5) / (df + 0.5));
}

/** The BM25 score of one passage's tokens for the query terms. */
export function bm25(queryTerms: readonly string[], passage: readonly string[], stats: CorpusStats): number {
  const tf = new Map<string, number>();
  for (const t of passage) tf.set(t, (tf.get(t) ?? 0) + 1);
  const norm = 1 - B + (B * passage.length) / Math.max(1, stats.averageLength);
  let score = 0;
  for (const term of new Set(queryTerms)) {
    const f = tf.get(term) ?? 0;
    if (f > 0) score += (idf(stats, term) * f * (K1 + 1)) / (f + K1 * norm);
  }
  return score;
}

/** Statistics computed from the passages themselves (when they are the whole corpus). */
export function statsOf(passages: readonly (readonly string[])[], terms: readonly string[]): CorpusStats {
  const documentFrequency = new Map<string, number>();
  for (const term of new Set(terms)) documentFrequency.set(term, passages.filter((p) => p.includes(term)).length);
  const total = passages.reduce((n, p) => n + p.length, 0);
  return {
    count: passages.length,
    averageLength: passages.length === 0 ? 0 : total / passages.length,
    documentFrequency,
  };
}

/** Ranks items by BM25 of the terms of `textOf(item)`, best first; items scoring 0 are dropped. Ties keep input order. */
export function rank<T>(
  query: string,
  items: readonly T[],
  textOf: (item: T) => string,
  stats?: CorpusStats,
  boost: (item: T) => number = () => 0,
): Scored<T>[] {
  return rankTokens(
    termsOf(query),
    items,
    items.map((i) => termsOf(textOf(i))),
    stats,
    boost,
  );
}

/**
 * What `rank` does for passages already reduced to terms (`tokens[i]` belongs to `items[i]`),
 * so a caller that needs the terms for its statistics too computes each passage's once.
 */
export function rankTokens<T>(
  terms: readonly string[],
  items: readonly T[],
  tokens: readonly (readonly string[])[],
  stats?: CorpusStats,
  boost: (item: T) => number = () => 0,
): Scored<T>[] {
  const s = stats ?? statsOf(tokens, terms);
  const pairs = adjacentPairs(terms, s);
  return items
    .map((item, i) => ({
      item,
      score: bm25(terms, tokens[i] ?? [], s) + proximity(pairs, tokens[i] ?? []) + boost(item),
      i,
    }))
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .map(({ item, score }) => ({ item, score }));
}

/** Share of a pair's mean idf a passage earns when it holds the pair's two terms side by side. */
const PAIR_WEIGHT = 0.5;

/** The question's neighbouring terms ("root caus", "inc 1234"), each with its weight. */
function adjacentPairs(terms: readonly string[], stats: CorpusStats): Map<string, number> {
  const pairs = new Map<string, number>();
  for (let i = 1; i < terms.length; i++) {
    const [a, b] = [terms[i - 1] as string, terms[i] as string];
    if (a !== b) pairs.set(`${a} ${b}`, (PAIR_WEIGHT * (idf(stats, a) + idf(stats, b))) / 2);
  }
  return pairs;
}

/**
 * A term-proximity bonus: the weight of every question pair the passage holds as neighbours
 * (stopwords are already gone on both sides), so "the root cause of INC-7" outranks a passage
 * that names INC-7 and, elsewhere, a root cause.
 */
function proximity(pairs: ReadonlyMap<string, number>, passage: readonly string[]): number {
  if (pairs.size === 0) return 0;
  let bonus = 0;
  const seen = new Set<string>();
  for (let i = 1; i < passage.length; i++) {
    const key = `${passage[i - 1]} ${passage[i]}`;
    const w = pairs.get(key);
    if (w !== undefined && !seen.has(key)) {
      seen.add(key);
      bonus += w;
    }
  }
  return bonus;
}

/** A tenant's corpus totals at one graph version, with the document frequencies counted so far. */
export interface CachedCorpus {
  readonly count: number;
  readonly averageChars: number;
  readonly documentFrequency: Map<string, number>;
}

/**
 * Corpus statistics per (tenant, graph version), filled term by term as questions ask for
 * them. Every change to a tenant's chunks bumps its graph version, so an entry of an older
 * version is never read: the next question of that tenant replaces it. Bounded in tenants
 * (least recently used leaves first) and in terms per tenant (an entry that outgrows it
 * starts over). One cache per database: versions of different databases do not compare.
 */
export class CorpusStatsCache {
  readonly #entries = new Map<string, { version: number; corpus: CachedCorpus }>();

  constructor(
    readonly maxTenants = 1000,
    readonly maxTermsPerTenant = 50_000,
  ) {}

  /** The entry of `tenantId` at `version`, if one is cached. */
  get(tenantId: string, version: number): CachedCorpus | undefined {
    const e = this.#entries.get(tenantId);
    if (e === undefined || e.version !== version) return undefined;
    this.#entries.delete(tenantId);
    this.#entries.set(tenantId, e);
    if (e.corpus.documentFrequency.size > this.maxTermsPerTenant) e.corpus.documentFrequency.clear();
    return e.corpus;
  }

  /** Starts the entry of `tenantId` at `version` (replacing any other version's). */
  set(tenantId: string, version: number, totals: { count: number; averageChars: number }): CachedCorpus {
    const corpus: CachedCorpus = {
      count: totals.count,
      averageChars: totals.averageChars,
      documentFrequency: new Map(),
    };
    this.#entries.delete(tenantId);
    this.#entries.set(tenantId, { version, corpus });
    while (this.#entries.size > this.maxTenants) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    return corpus;
  }
}
