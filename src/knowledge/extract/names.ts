// How names and types are compared: one normal form for entity names (case, whitespace,
// punctuation, a leading article, possessives), one for types and relation types
// (snake_case), display cleanup, and acronyms for abbreviation matching.

/** Characters that print as nothing (zero-width spaces and joiners, word joiner, BOM); NBSP becomes a space via NFKC. */
const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF\u00AD]/g;
const LEADING_ARTICLE = /^(the|a|an) /;
const ACRONYM_SKIP = new Set(['of', 'and', 'the', 'for', 'to', 'in', 'on', 'at', 'a', 'an', '&']);

/** The comparison key of an entity name: "The Payments-API's" and "payments api" agree. */
export function normaliseName(name: string): string {
  return name
    .replace(INVISIBLE, '')
    .normalize('NFKC')
    .toLowerCase()
    .replace(/['’]s\b/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .replace(LEADING_ARTICLE, '');
}

/** The canonical form of an entity type or relation type: `dependsOn`, `Depends On`, `DEPENDS-ON` -> `depends_on`. */
export function normaliseType(type: string): string {
  return type
    .normalize('NFKC')
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1_$2')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '_')
    .replace(/^_+|_+$/g, '');
}

/** A name as displayed: trimmed, inner whitespace collapsed, wrapping quotes and stray punctuation removed. */
export function cleanName(name: string): string {
  return name
    .replace(INVISIBLE, '')
    .normalize('NFKC')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^["'`“‘([]+|["'`”’)\].,;:!?]+$/gu, '')
    .trim();
}

/** Initials of a multi-word name ("Customer Relationship Management" -> "CRM"); undefined for one word. */
export function acronymOf(name: string): string | undefined {
  const words = name.split(/[\s\-_/]+/).filter((w) => w !== '' && !ACRONYM_SKIP.has(w.toLowerCase()));
  if (words.length < 2) return undefined;
  return words.map((w) => (w[0] ?? '').toUpperCase()).join('');
}

/** Whether `name` looks like an abbreviation: 2-6 capitals or digits, maybe with a trailing s. */
export function isAbbreviation(name: string): boolean {
  return /^[A-Z][A-Z0-9&]{1,5}s?$/.test(name.trim());
}
