// Tokens of prose: compromise (which ships its lexicon inside the package) segments sentences
// and tags words; hyphen/underscore/dot-joined terms are merged, and word shapes (capitalised,
// code-like identifiers, CamelCase) are read here.
import nlp from 'compromise';
import { IDENTIFIER_SUFFIXES } from './prose-lexicon.js';

export interface Token {
  readonly text: string;
  readonly lower: string;
  readonly start: number;
  readonly end: number;
  readonly pre: string;
  readonly post: string;
  readonly tags: ReadonlySet<string>;
  /** The word ended in 's or ’s ("Acme's"): a name ends there. */
  readonly possessive: boolean;
}

interface RawTerm {
  text: string;
  pre: string;
  post: string;
  tags: string[];
  offset: { start: number; length: number };
}
interface RawSentence {
  offset: { start: number; length: number };
  terms: RawTerm[];
}

export const SPLITTING = /[,;:()[\]"“”]/;

export const isCapitalised = (t: Token): boolean =>
  /^\p{Lu}/u.test(t.text) ||
  /^\p{Ll}+\p{Lu}/u.test(t.text) ||
  (/^[A-Z0-9]*\d[A-Z0-9]*$/.test(t.text) && /[A-Z]/.test(t.text));
/** Hyphenated English words that are not identifiers. */
const COMPOUNDS = new Set([
  'well-known',
  'so-called',
  'follow-up',
  'built-in',
  'end-to-end',
  'open-source',
  'third-party',
  'multi-tenant',
  'read-only',
  'high-level',
  'low-level',
  'long-running',
  'day-to-day',
  'self-service',
  'cross-team',
  'full-time',
  'part-time',
  'co-founder',
  'e-commerce',
  'first-class',
  'state-of-the-art',
  'real-world',
  'year-over-year',
  'start-up',
  'world-class',
  'long-time',
  'high-quality',
  'low-cost',
  'short-term',
  'long-term',
  'real-time',
  'cutting-edge',
  'best-in-class',
  'privately-held',
  'family-owned',
  'state-owned',
  'ready-made',
]);
export const NUMBER_OR_TIME =
  /^(one|two|three|four|five|six|seven|eight|nine|ten|twelve|first|second|third|fourth|fifth|last|next|\d+|year|years|month|months|week|weeks|day|days|hour|hours|minute|minutes|time|times)$/;
/** Endings of English nouns of action or state. */
const ACTIVITY_ENDING = /(?:ing|ment|tion|sion|ance|ence|ity|ness|ship)$/;
/** Code-like names: payments-api, ledger_db, node.js, paymentsApi; not on-call or start-up. */
export function isIdentifier(t: Token): boolean {
  if (!/^[\p{L}\d]+(?:[-_./][\p{L}\d]+)+$/u.test(t.text) || !/\p{L}/u.test(t.text) || /^\d/.test(t.text)) return false;
  // NOTE: "first-team", "two-team": a number or an ordinal before a unit's noun makes an English compound.
  if (/^[\p{Ll}-]+$/u.test(t.text) && NUMBER_OR_TIME.test(t.lower.split('-')[0] ?? '')) return false;
  if (/[_.]/.test(t.text) || IDENTIFIER_SUFFIXES.some(([re]) => re.test(t.text))) return true;
  if (t.tags.has('Compound')) return false;
  // NOTE: "KRAS2-mutant": a code before a lowercase word is an English compound adjective.
  if (/^[\p{Lu}\d]+-\p{Ll}+$/u.test(t.text) && /\d/.test(t.text)) return false;
  const parts = t.lower.split('-');
  if (parts.some((p) => NUMBER_OR_TIME.test(p))) return false;
  // NOTE: a lowercase compound ending in a noun of action ("video-transcoding", "practice-management")
  // names an activity that modifies the noun after it, not a component.
  if (/^\p{Ll}/u.test(t.text) && ACTIVITY_ENDING.test(parts.at(-1) ?? '')) return false;
  return !COMPOUNDS.has(t.lower) && t.text.length >= 10 && parts.every((p) => p.length >= 3);
}
/** A word with a capital after lowercase letters inside it ("PagerDuty", "iPhone"): a coined name. */
export const camelCase = (t: Token): boolean => /\p{Ll}\p{Lu}/u.test(t.text);
export const hasTag = (t: Token, ...tags: string[]): boolean => tags.some((tag) => t.tags.has(tag));
export const splitsAfter = (t: Token): boolean => SPLITTING.test(t.post) || /[.!?–—]|\s-/.test(t.post);

/** Terms of a sentence, with hyphen/underscore/dot-joined terms merged ("checkout" "-" "service"). */
function tokens(sentence: RawSentence): Token[] {
  const out: Token[] = [];
  for (const term of sentence.terms) {
    const start = term.offset.start;
    const possessive = /['’]s$/.test(term.text) || /^['’]\s*$/.test(term.post);
    const tags = new Set(term.tags);
    // NOTE: "IT" in capitals is the department, not the pronoun compromise reads ("sit with IT").
    if (/^\p{Lu}{2,}$/u.test(term.text)) tags.delete('Pronoun');
    const tok: Token = {
      text: term.text.replace(/['’]s$/, ''),
      lower: '',
      start,
      end: start + term.text.length,
      pre: term.pre,
      post: term.post,
      tags,
      possessive,
    };
    const prev = out.at(-1);
    if (prev !== undefined && /^[-_./]$/.test(prev.post) && term.pre === '') {
      const text = `${prev.text}${prev.post}${tok.text}`;
      // NOTE: a hyphenated word with an adjective or a participle among its parts is an English
      // compound ("London-based", "long-standing", "part-funded"), never a name or an identifier.
      const adjectival =
        prev.tags.has('Adjective') ||
        tok.tags.has('Adjective') ||
        (tok.tags.has('Verb') && !tok.tags.has('Noun')) ||
        prev.tags.has('Compound') ||
        // "arm's-length": a possessive inside a hyphenated word makes an English compound.
        prev.possessive;
      out[out.length - 1] = {
        ...tok,
        text,
        lower: text.toLowerCase(),
        start: prev.start,
        pre: prev.pre,
        tags: new Set(adjectival && !/[_.\d]/.test(text) ? ['Adjective', 'Compound'] : ['Noun']),
      };
    } else out.push({ ...tok, lower: tok.text.toLowerCase() });
  }
  return out;
}

/** A sentence of a block: its span in the block's text and its tokens (offsets in the block's text). */
export interface TokenisedSentence {
  readonly start: number;
  readonly end: number;
  readonly tokens: readonly Token[];
}

/** Splits a block's text into sentences of tokens (compromise). */
export function tokeniseProse(text: string): TokenisedSentence[] {
  // NOTE: compromise ends no sentence at a full stop inside closing quotes ('… in Portugal." The
  // hotel'); the stop moved after the quote (same length, so offsets hold) ends it.
  const split = text.replace(/([.!?])(["”’])(?=\s+["“‘]?\p{Lu})/gu, '$2$1');
  const raw = nlp(split).json({ offset: true, terms: { offset: true } }) as RawSentence[];
  return raw.map((s) => ({ start: s.offset.start, end: s.offset.start + s.offset.length, tokens: tokens(s) }));
}

/** Capitalised words seen inside sentences (not first), lower-cased: evidence that a word is a name. */
export interface KnownNames {
  /** Every such word, alone or in a longer name. */
  readonly inside: ReadonlySet<string>;
  /** Words seen capitalised with no capitalised word beside them: one-word names. */
  readonly alone: ReadonlySet<string>;
}

/** The capitalised words seen inside the sentences of a document. */
export function namesInsideSentences(sentences: readonly TokenisedSentence[]): KnownNames {
  const inside = new Set<string>();
  const alone = new Set<string>();
  for (const s of sentences)
    s.tokens.forEach((t, k) => {
      if (k === 0 || !isCapitalised(t)) return;
      inside.add(t.lower);
      const prev = s.tokens[k - 1] as Token;
      const next = s.tokens[k + 1];
      if ((k === 1 || !isCapitalised(prev)) && (next === undefined || !isCapitalised(next))) alone.add(t.lower);
    });
  return { inside, alone };
}

const plurals = new Map<string, boolean>();
/**
 * Whether a word, read alone in lowercase, is the plural of an everyday noun ("Foundations",
 * "Sports", "Tyres"), not a surname ("Williams", "Jones"): compromise's tagger decides.
 */
export function pluralNoun(word: string): boolean {
  const w = word.toLowerCase();
  let known = plurals.get(w);
  if (known === undefined) {
    const doc = nlp(w);
    // NOTE: "Campos", "Barros": Iberian surnames in -os read as plurals; few English plurals end so.
    known = doc.has('#Plural') && !doc.has('#Person') && !/os$/.test(w);
    plurals.set(w, known);
  }
  return known;
}
