// Word tables: lookups keyed by words read from documents.

/**
 * A word table with no prototype: looked up with words from documents, a plain object would
 * answer "constructor" or "__proto__" with Object's own members (a sentence like "Use the Widget
 * constructor" once failed extraction with a TypeError).
 */
export const wordTable = <T>(entries: Record<string, T>): Readonly<Record<string, T>> =>
  Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));

/** Entries giving each of the space-separated `words` the same value. */
export const each = <T>(words: string, value: T): Record<string, T> =>
  Object.fromEntries(words.split(' ').map((w) => [w, value]));
