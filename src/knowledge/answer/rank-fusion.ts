// Reciprocal rank fusion (Cormack, Clarke and Büttcher, SIGIR 2009): several rankings of the same
// kind of item (chunks found by BM25, by the graph's entities, by a second hop) become one, each
// item scoring sum(weight / (k + rank)) over the lists that hold it. Only ranks are used, so
// lists whose scores are on different scales (BM25, mention counts) combine without tuning;
// an item that several lists agree on rises above one that a single list put first.

/** One ranking to fuse: its items, best first, and how much its ranks count. */
export interface Ranking<T> {
  readonly items: readonly T[];
  /** Multiplies the list's reciprocal ranks (1 = a full vote). */
  readonly weight: number;
}

/** The constant of the paper: it damps the difference between the first ranks of a list. */
export const RRF_K = 60;

/**
 * Fuses `rankings` into one list, best first. Items are the same when `keyOf` gives the same
 * key; the first list holding an item supplies the object kept. Ties keep the order in which
 * items were first seen (lists in order, each best first), so fusing one list returns it.
 */
export function fuseRankings<T>(rankings: readonly Ranking<T>[], keyOf: (item: T) => string, k = RRF_K): T[] {
  const fused = new Map<string, { item: T; score: number; seen: number }>();
  for (const { items, weight } of rankings) {
    // A list may repeat an item; only its best rank counts.
    const counted = new Set<string>();
    items.forEach((item, rank) => {
      const key = keyOf(item);
      if (counted.has(key)) return;
      counted.add(key);
      const entry = fused.get(key) ?? { item, score: 0, seen: fused.size };
      entry.score += weight / (k + rank + 1);
      fused.set(key, entry);
    });
  }
  return [...fused.values()].sort((a, b) => b.score - a.score || a.seen - b.seen).map((e) => e.item);
}
