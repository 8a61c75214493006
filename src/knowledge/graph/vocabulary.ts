// The vocabulary a tenant's text is indexed and searched in, shared by the graph's SQL (full-text
// candidates) and by ranking: lower-cased word tokens without stopwords, the term each token
// counts as (an English word's Porter stem, anything else as it is: 'write', 'writes' and
// 'writes_to' all count as 'write'), and the `to_tsquery('simple', …)` text that finds them.
import { stemmer } from 'stemmer';

const STOPWORDS = new Set([
  'a',
  'an',
  'and',
  'are',
  'as',
  'at',
  'be',
  'by',
  'does',
  'do',
  'for',
  'from',
  'has',
  'have',
  'how',
  'in',
  'is',
  'it',
  'its',
  'of',
  'on',
  'or',
  'that',
  'the',
  'to',
  'was',
  'what',
  'when',
  'where',
  'which',
  'who',
  'whom',
  'why',
  'with',
  'about',
  'tell',
  'me',
  'there',
  'their',
  'this',
  'these',
  'those',
  'can',
  'our',
  'we',
  'you',
  'your',
  'list',
  'show',
  'any',
  'all',
]);

/** Lower-cased word tokens without stopwords (what both queries and passages are reduced to). */
export function tokenize(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 1 && !STOPWORDS.has(t));
}

const ENGLISH_WORD = /^[a-z]+$/;

/** Stems already computed: ranking stems every candidate chunk of every question. */
const stems = new Map<string, string>();
const MAX_STEMS = 100_000;

/** The term a token counts as: an English word's Porter stem, any other token as it is. */
export function termOf(token: string): string {
  if (token.length <= 2 || !ENGLISH_WORD.test(token)) return token;
  let stem = stems.get(token);
  if (stem === undefined) {
    // NOTE: a vocabulary this large is not English prose any more; start over rather than grow.
    if (stems.size >= MAX_STEMS) stems.clear();
    stem = stemmer(token);
    stems.set(token, stem);
  }
  return stem;
}

/** The `to_tsquery('simple', …)` text matching any of `terms` (see tsqueryOperand). */
export function tsqueryAny(terms: readonly string[]): string {
  return [...new Set(terms)].map(tsqueryOperand).join(' | ');
}

/** The terms of a text: its tokens, stemmed. */
export function termsOf(text: string): string[] {
  return tokenize(text).map(termOf);
}

/**
 * A `to_tsquery('simple', …)` operand matching every word of a 'simple' tsvector whose term is
 * `term`, and some more. A stem is not always a prefix of its words ('gatewai' of 'gateway',
 * 'write' of 'writing'), so the prefix drops a stem's final 'e' or 'i'. BM25 then counts only
 * the words whose own term is `term`; the surplus costs candidate slots and slightly
 * overstates a term's document frequency, never a wrong match. PostgreSQL's parser reads the
 * number of a hyphenated id (INC-10036, AI-7-2) as a signed integer ('-10036'), so a number
 * matches either sign.
 */
export function tsqueryOperand(term: string): string {
  if (/^[0-9]+$/.test(term)) return `(${term} | -${term})`;
  if (!ENGLISH_WORD.test(term)) return term;
  return `${term.length > 2 && /[ei]$/.test(term) ? term.slice(0, -1) : term}:*`;
}
