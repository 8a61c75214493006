// Scoring of the parse benchmark, independent of the extractor's own normalisation: an entity
// is type + normalised name, a relation source + type + target; names are compared after the
// gold file's declared aliases, case folding and punctuation removal; micro-F1 over records.

export const CATEGORIES = ['structured', 'llm_reply', 'prose'] as const;
export type Category = (typeof CATEGORIES)[number];

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

/** Lower-case, punctuation to spaces, whitespace collapsed. */
export function benchName(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** snake_case of a type or relation type ("Depends On", "dependsOn" -> depends_on). */
export function benchType(type: string): string {
  return type
    .normalize('NFKC')
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1_$2')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '_')
    .replace(/^_+|_+$/g, '');
}

/** Maps names through declared aliases (alias -> canonical), then normalises. */
export function aliasResolver(aliases: Readonly<Record<string, string>> = {}): (name: string) => string {
  const table = new Map(Object.entries(aliases).map(([a, c]) => [benchName(a), benchName(c)]));
  return (name) => {
    const n = benchName(name);
    return table.get(n) ?? n;
  };
}

/** The comparison key of an entity: type and resolved name. */
export const entityKey = (resolve: (n: string) => string, type: string, name: string): string =>
  `${benchType(type)}|${resolve(name)}`;
/** The comparison key of a relation: resolved source, type and resolved target. */
export const relationKey = (resolve: (n: string) => string, source: string, type: string, target: string): string =>
  `${resolve(source)}|${benchType(type)}|${resolve(target)}`;

/** True positives, false positives and false negatives of predicted keys against gold keys. */
export function compare(
  predicted: ReadonlySet<string>,
  gold: ReadonlySet<string>,
): Counts & { missing: string[]; extra: string[] } {
  const extra = [...predicted].filter((k) => !gold.has(k));
  const missing = [...gold].filter((k) => !predicted.has(k));
  return { tp: predicted.size - extra.length, fp: extra.length, fn: missing.length, missing, extra };
}

/** Adds `c` into `into` and returns `into`. */
export function add(into: Counts, c: Counts): Counts {
  into.tp += c.tp;
  into.fp += c.fp;
  into.fn += c.fn;
  return into;
}

/** Micro-F1; 1 when there was nothing to find and nothing was found. */
export function f1(c: Counts): number {
  if (c.tp + c.fp + c.fn === 0) return 1;
  return (2 * c.tp) / (2 * c.tp + c.fp + c.fn);
}

/** Empty counts. */
export const zero = (): Counts => ({ tp: 0, fp: 0, fn: 0 });
