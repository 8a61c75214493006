// Shadow GraphRAG: how far a shadow answer (the candidate colour's pipeline run on a copy of
// the query, off the request path) agrees with the answer the tenant was served, and a tally of
// those agreements per (release, ring) for the status page and, later, a Mann-Whitney metric.
//
// Tenant isolation: the comparison reads both answers of ONE tenant's query; the tally keeps
// numbers only (overlap, similarity, latency delta, error flag, time), never text, citations or
// tenant ids, so what it aggregates across a ring's tenants are counts and means.

/** What identifies a cited chunk; `Citation` of the knowledge context has these fields. */
export interface CitationRef {
  readonly documentId: string;
  readonly chunkIndex: number;
}

/** A citation's identity: `documentId#chunkIndex` (the index is a number, so the last `#` splits). */
const citationKey = (c: CitationRef): string => `${c.documentId}#${c.chunkIndex}`;

/**
 * Jaccard similarity of two citation sets: |A ∩ B| / |A ∪ B| over `documentId#chunkIndex`, in
 * 0..1. Duplicates count once; two empty sets agree fully (1).
 */
export function citationOverlap(a: readonly CitationRef[], b: readonly CitationRef[]): number {
  const left = new Set(a.map(citationKey));
  const right = new Set(b.map(citationKey));
  if (left.size === 0 && right.size === 0) return 1;
  let shared = 0;
  for (const k of left) if (right.has(k)) shared += 1;
  return shared / (left.size + right.size - shared);
}

/** Lowercased (NFKC) words: runs of letters and digits in any script. */
function words(text: string): string[] {
  return (
    text
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/** Counts of word unigrams and bigrams (a bigram is `w1 w2`; a space never occurs in a word). */
function features(text: string): Map<string, number> {
  const w = words(text);
  const counts = new Map<string, number>();
  const bump = (k: string): void => {
    counts.set(k, (counts.get(k) ?? 0) + 1);
  };
  // Unigrams carry the vocabulary; bigrams reward the same phrasing, so a reordering scores below 1.
  w.forEach((word, i) => {
    bump(word);
    if (i > 0) bump(`${w[i - 1] ?? ''} ${word}`);
  });
  return counts;
}

/**
 * A cheap text similarity in 0..1: the cosine of the two answers' count vectors over lowercased
 * word unigrams and bigrams (no stemming, no stop words, no embeddings: microseconds per pair,
 * deterministic, language-neutral beyond word splitting). 1 for the same words in the same
 * order (case and punctuation ignored); 0 when no word is shared; two answers without words
 * count as identical (1), one empty and one not as 0. Paraphrases land in between, lower the
 * more they reword: it measures drift, not meaning.
 */
export function answerSimilarity(a: string, b: string): number {
  const fa = features(a);
  const fb = features(b);
  if (fa.size === 0 && fb.size === 0) return 1;
  if (fa.size === 0 || fb.size === 0) return 0;
  let dot = 0;
  for (const [k, n] of fa) dot += n * (fb.get(k) ?? 0);
  const norm = (f: Map<string, number>): number => Math.sqrt([...f.values()].reduce((s, n) => s + n * n, 0));
  // NOTE: clamp float noise (identical vectors can give 1.0000000000000002).
  return Math.min(1, dot / (norm(fa) * norm(fb)));
}

/** One answer as observed: its text, citations and how long it took. */
export interface ObservedAnswer {
  readonly answer: string;
  readonly citations: readonly CitationRef[];
  readonly latencyMs: number;
}

/** What the shadow run gave: an answer, or an error (with the time spent, when known). */
export type ShadowOutcome =
  | ({ readonly ok: true } & ObservedAnswer)
  | { readonly ok: false; readonly error: string; readonly latencyMs?: number };

/** How a shadow answer agrees with the served one; numbers only. */
export interface ShadowAgreement {
  readonly error: boolean;
  /** Citation Jaccard, null when the shadow failed. */
  readonly overlap: number | null;
  /** `answerSimilarity`, null when the shadow failed. */
  readonly similarity: number | null;
  /** Shadow latency minus served latency in ms (positive: the candidate is slower); null when unknown. */
  readonly latencyDeltaMs: number | null;
}

/** Compares one tenant's served answer with the shadow run of the same query. */
export function shadowAgreement(served: ObservedAnswer, shadow: ShadowOutcome): ShadowAgreement {
  if (!shadow.ok) {
    const latency = shadow.latencyMs;
    const delta = latency !== undefined && Number.isFinite(latency) ? latency - served.latencyMs : null;
    return { error: true, overlap: null, similarity: null, latencyDeltaMs: delta };
  }
  return {
    error: false,
    overlap: citationOverlap(served.citations, shadow.citations),
    similarity: answerSimilarity(served.answer, shadow.answer),
    latencyDeltaMs: shadow.latencyMs - served.latencyMs,
  };
}

/** Which release and ring a shadow sample belongs to. */
export interface ShadowKey {
  readonly releaseId: string;
  readonly ring: string;
}

/** The running summary of one (release, ring). Means are over successful shadows only. */
export interface ShadowSummary extends ShadowKey {
  readonly samples: number;
  readonly errors: number;
  readonly meanOverlap: number | null;
  readonly meanSimilarity: number | null;
  /** Over the retained samples (the latest `maxSamplesPerKey`); null without latency data. */
  readonly latencyDeltaMs: { readonly p50: number; readonly p95: number } | null;
}

/** Per-query values of a window, for a rank test (each array in time order). */
export interface ShadowWindow {
  readonly samples: number;
  readonly errors: number;
  readonly overlap: readonly number[];
  readonly similarity: readonly number[];
  readonly latencyDeltaMs: readonly number[];
}

interface Sample {
  readonly at: number;
  readonly a: ShadowAgreement;
}

interface Entry {
  samples: number;
  errors: number;
  overlapSum: number;
  similaritySum: number;
  ok: number;
  /** A ring buffer of the latest samples, oldest at `head` once full. */
  readonly kept: Sample[];
  head: number;
}

export interface ShadowTally {
  /** Adds one agreement at time `at` (ms); `key` is where the shadow ran. */
  record(key: ShadowKey, at: number, agreement: ShadowAgreement): void;
  /** The summary of one (release, ring); zero samples when none was recorded. */
  summary(key: ShadowKey): ShadowSummary;
  /** Every (release, ring) with samples. */
  summaries(): ShadowSummary[];
  /** Retained per-query values with `from <= at < to`. */
  window(key: ShadowKey, from: number, to: number): ShadowWindow;
  /** Forgets a release (when it finishes). */
  forget(releaseId: string): void;
}

/** The nearest-rank quantile of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

/**
 * A tally of shadow agreements per (release, ring). Counts and sums are kept for every sample;
 * per-query values only for the latest `maxSamplesPerKey` (default 10 000) per key, so memory
 * stays bounded by the number of live (release, ring) pairs. No clock: times are passed in.
 */
export function makeShadowTally(options: { readonly maxSamplesPerKey?: number } = {}): ShadowTally {
  const cap = Math.max(1, Math.floor(options.maxSamplesPerKey ?? 10_000));
  const entries = new Map<string, Entry & ShadowKey>();
  const keyOf = (k: ShadowKey): string => JSON.stringify([k.releaseId, k.ring]);
  // The retained samples oldest first (the buffer wraps at `head` once full).
  const ordered = (e: Entry): Sample[] => [...e.kept.slice(e.head), ...e.kept.slice(0, e.head)];

  function summarise(key: ShadowKey, e: Entry | undefined): ShadowSummary {
    const base = { releaseId: key.releaseId, ring: key.ring };
    if (e === undefined) {
      return { ...base, samples: 0, errors: 0, meanOverlap: null, meanSimilarity: null, latencyDeltaMs: null };
    }
    const deltas = e.kept
      .map((s) => s.a.latencyDeltaMs)
      .filter((d): d is number => d !== null)
      .sort((x, y) => x - y);
    return {
      ...base,
      samples: e.samples,
      errors: e.errors,
      meanOverlap: e.ok === 0 ? null : e.overlapSum / e.ok,
      meanSimilarity: e.ok === 0 ? null : e.similaritySum / e.ok,
      latencyDeltaMs: deltas.length === 0 ? null : { p50: quantile(deltas, 0.5), p95: quantile(deltas, 0.95) },
    };
  }

  return {
    record(key, at, a) {
      const k = keyOf(key);
      let e = entries.get(k);
      if (e === undefined) {
        e = {
          releaseId: key.releaseId,
          ring: key.ring,
          samples: 0,
          errors: 0,
          overlapSum: 0,
          similaritySum: 0,
          ok: 0,
          kept: [],
          head: 0,
        };
        entries.set(k, e);
      }
      e.samples += 1;
      if (a.error) e.errors += 1;
      if (!a.error && a.overlap !== null && a.similarity !== null) {
        e.ok += 1;
        e.overlapSum += a.overlap;
        e.similaritySum += a.similarity;
      }
      // Keep numbers only, copied: the caller's object may carry more than the agreement.
      const sample: Sample = {
        at,
        a: { error: a.error, overlap: a.overlap, similarity: a.similarity, latencyDeltaMs: a.latencyDeltaMs },
      };
      if (e.kept.length < cap) e.kept.push(sample);
      else {
        e.kept[e.head] = sample;
        e.head = (e.head + 1) % cap;
      }
    },
    summary: (key) => summarise(key, entries.get(keyOf(key))),
    summaries: () => [...entries.values()].map((e) => summarise(e, e)),
    window(key, from, to) {
      const e = entries.get(keyOf(key));
      const inside = e === undefined ? [] : ordered(e).filter((s) => s.at >= from && s.at < to);
      const values = (pick: (a: ShadowAgreement) => number | null): number[] =>
        inside.map((s) => pick(s.a)).filter((v): v is number => v !== null);
      return {
        samples: inside.length,
        errors: inside.filter((s) => s.a.error).length,
        overlap: values((a) => a.overlap),
        similarity: values((a) => a.similarity),
        latencyDeltaMs: values((a) => a.latencyDeltaMs),
      };
    },
    forget(releaseId) {
      for (const [k, e] of entries) if (e.releaseId === releaseId) entries.delete(k);
    },
  };
}
