// Finds entity mentions in prose without a model download: compromise (which ships its lexicon
// inside the package) segments sentences and tags words; on top of that, proper-name runs,
// code-like identifiers, known technologies and "<modifiers> <head noun>" phrases become
// typed mentions, and "Long Name (ABBR)" defines an abbreviation.
import nlp from 'compromise';
import {
  GAZETTEER,
  GENERIC_MODIFIERS,
  HEAD_NOUNS,
  HONORIFICS,
  IDENTIFIER_SUFFIXES,
  OF_HEADS,
  ORG_SUFFIXES,
  ROLE_WORDS,
  STOP_NAMES,
  type ProseType,
} from './prose-lexicon.js';

export interface Token {
  readonly text: string;
  readonly lower: string;
  readonly start: number;
  readonly end: number;
  readonly pre: string;
  readonly post: string;
  readonly tags: ReadonlySet<string>;
}

export interface Mention {
  readonly name: string;
  /** Undefined when nothing in the words tells the type; relation patterns may tell it later. */
  readonly type: ProseType | undefined;
  readonly start: number;
  readonly end: number;
  /** Index of the first and one past the last token. */
  readonly from: number;
  readonly to: number;
  readonly aliases: string[];
}

export interface Sentence {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly tokens: readonly Token[];
  readonly mentions: readonly Mention[];
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

const CLOSED_CLASS = [
  'Determiner',
  'Preposition',
  'Conjunction',
  'Pronoun',
  'Copula',
  'Auxiliary',
  'Modal',
  'Adverb',
  'QuestionWord',
];
/** Verbs that start relation phrases; never part of a noun phrase even when mis-tagged as nouns. */
const RELATION_VERBS = new Set([
  'calls',
  'uses',
  'reads',
  'writes',
  'owns',
  'depends',
  'leads',
  'manages',
  'runs',
  'stores',
  'sends',
  'publishes',
  'emits',
  'consumes',
  'provides',
  'exposes',
  'serves',
  'queries',
  'invokes',
  'replaces',
  'joined',
  'joins',
  'acquired',
  'founded',
  'heads',
  'maintains',
  'requires',
  'supplies',
  'partners',
  'reports',
  'works',
  'fetches',
  'pulls',
  'persists',
  'saves',
  'handles',
]);
const SPLITTING = /[,;:()[\]"“”]/;

const isCapitalised = (t: Token): boolean =>
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
const NUMBER_OR_TIME =
  /^(one|two|three|four|five|six|seven|eight|nine|ten|twelve|\d+|year|years|month|months|week|weeks|day|days|hour|hours|minute|minutes|time|times)$/;
/** Code-like names: payments-api, ledger_db, node.js, paymentsApi; not on-call or start-up. */
function isIdentifier(t: Token): boolean {
  if (!/^[\p{L}\d]+(?:[-_./][\p{L}\d]+)+$/u.test(t.text) || !/\p{L}/u.test(t.text) || /^\d/.test(t.text)) return false;
  if (/[_.]/.test(t.text) || IDENTIFIER_SUFFIXES.some(([re]) => re.test(t.text))) return true;
  const parts = t.lower.split('-');
  if (parts.some((p) => NUMBER_OR_TIME.test(p))) return false;
  return !COMPOUNDS.has(t.lower) && t.text.length >= 10 && parts.every((p) => p.length >= 3);
}
const hasTag = (t: Token, ...tags: string[]): boolean => tags.some((tag) => t.tags.has(tag));
const splitsAfter = (t: Token): boolean => SPLITTING.test(t.post) || /[.!?]/.test(t.post);

/** Terms of a sentence, with hyphen/underscore/dot-joined terms merged ("checkout" "-" "service"). */
function tokens(sentence: RawSentence): Token[] {
  const out: Token[] = [];
  for (const term of sentence.terms) {
    const start = term.offset.start;
    const tok: Token = {
      text: term.text.replace(/['’]s$/, ''),
      lower: '',
      start,
      end: start + term.text.length,
      pre: term.pre,
      post: term.post,
      tags: new Set(term.tags),
    };
    const prev = out.at(-1);
    if (prev !== undefined && /^[-_./]$/.test(prev.post) && term.pre === '') {
      const text = `${prev.text}${prev.post}${tok.text}`;
      out[out.length - 1] = {
        ...tok,
        text,
        lower: text.toLowerCase(),
        start: prev.start,
        pre: prev.pre,
        tags: new Set(['Noun']),
      };
    } else out.push({ ...tok, lower: tok.text.toLowerCase() });
  }
  return out;
}

/** The type the words of a mention give it, if any. */
function typeOf(words: readonly Token[], name: string): ProseType | undefined {
  const last = words.at(-1);
  if (last === undefined) return undefined;
  const head = HEAD_NOUNS[last.lower];
  if (head !== undefined && words.length > 1) return head;
  const known = GAZETTEER[name.toLowerCase()];
  if (known !== undefined) return known;
  if (words.length === 1 && isIdentifier(last))
    return IDENTIFIER_SUFFIXES.find(([re]) => re.test(last.text))?.[1] ?? 'service';
  if (ORG_SUFFIXES.has(last.lower.replace(/\.$/, '')) && words.length > 1) return 'organization';
  if (words.length > 2 && OF_HEADS.has((words[0] as Token).lower) && words[1]?.lower === 'of') return 'organization';
  if (words.every((w) => hasTag(w, 'Person', 'Honorific')) || hasTag(words[0] as Token, 'FirstName', 'Honorific'))
    return 'person';
  if (words.some((w) => hasTag(w, 'Place', 'City', 'Country', 'Region'))) return 'location';
  if (words.some((w) => hasTag(w, 'Organization'))) return 'organization';
  return undefined;
}

/** A proper-name run starting at `i` (capitalised words, "&", "of" after an org head); its end. */
function properRun(toks: readonly Token[], i: number): number {
  let j = i + 1;
  while (j < toks.length && !splitsAfter(toks[j - 1] as Token) && !SPLITTING.test((toks[j] as Token).pre)) {
    const t = toks[j] as Token;
    const next = toks[j + 1];
    if ((isCapitalised(t) && !hasTag(t, 'Pronoun', 'Date', 'Month')) || /^\d+[A-Za-z]?$/.test(t.text)) j++;
    else if (
      (t.text === '&' || (t.lower === 'of' && OF_HEADS.has((toks[j - 1] as Token).lower))) &&
      next !== undefined &&
      isCapitalised(next)
    )
      j += 2;
    else break;
  }
  // A lowercase head noun right after the name belongs to it ("Payments team").
  const head = toks[j];
  if (
    head !== undefined &&
    !splitsAfter(toks[j - 1] as Token) &&
    !SPLITTING.test(head.pre) &&
    HEAD_NOUNS[head.lower] !== undefined &&
    /^\p{Ll}/u.test(head.text)
  )
    j++;
  return j;
}

/** A noun phrase ending in the head noun at `h`: its first token, or undefined. */
function phraseStart(toks: readonly Token[], h: number, taken: readonly boolean[]): number | undefined {
  let i = h;
  while (i > 0 && h - i < 3) {
    const t = toks[i - 1] as Token;
    if (
      taken[i - 1] ||
      splitsAfter(t) ||
      hasTag(t, ...CLOSED_CLASS, 'Value', 'Possessive') ||
      RELATION_VERBS.has(t.lower)
    )
      break;
    if (hasTag(t, 'Verb') && !hasTag(t, 'Infinitive', 'Gerund', 'Noun', 'Adjective')) break;
    if (!/^[\p{L}\d][\p{L}\d\-_.]*$/u.test(t.text)) break;
    i--;
  }
  while (i < h && GENERIC_MODIFIERS.has((toks[i] as Token).lower)) i++;
  return i < h ? i : undefined;
}

function mentionOf(text: string, toks: readonly Token[], from: number, to: number, base: number): Mention | undefined {
  let f = from;
  const bare = (k: number): string => (toks[k] as Token).lower.replace(/\.$/, '');
  // Leading titles and calendar words are not part of a name ("Dr. Amara Okafor", "June Helix Biosciences").
  let honorific = false;
  while (f < to && (ROLE_WORDS.has(bare(f)) || hasTag(toks[f] as Token, 'Date', 'Month', 'WeekDay')))
    honorific ||= HONORIFICS.has(bare(f++));
  if (f === to) return undefined;
  const words = toks.slice(f, to);
  const first = words[0];
  const last = words.at(-1);
  if (first === undefined || last === undefined) return undefined;
  const name = text.slice(first.start, last.end).replace(/['’]s$/, '');
  if (STOP_NAMES.has(name.toLowerCase()) || name.length < 2) return undefined;
  // NOTE: a capitalised name right after "in" with nothing else to type it is most often a place.
  const type =
    (honorific ? 'person' : undefined) ??
    typeOf(words, name) ??
    (toks[f - 1]?.lower === 'in' && isCapitalised(first) ? 'location' : undefined);
  return { name, type, start: base + first.start, end: base + last.end, from: f, to, aliases: [] };
}

/** A sentence of a block: its span in the block's text and its tokens (offsets in the block's text). */
export interface TokenisedSentence {
  readonly start: number;
  readonly end: number;
  readonly tokens: readonly Token[];
}

/** Splits a block's text into sentences of tokens (compromise). */
export function tokeniseProse(text: string): TokenisedSentence[] {
  const raw = nlp(text).json({ offset: true, terms: { offset: true } }) as RawSentence[];
  return raw.map((s) => ({ start: s.offset.start, end: s.offset.start + s.offset.length, tokens: tokens(s) }));
}

/** Lower-cased capitalised words seen inside sentences (not first): evidence that a word is a name. */
export function namesInsideSentences(sentences: readonly TokenisedSentence[]): Set<string> {
  const out = new Set<string>();
  for (const s of sentences) for (const t of s.tokens.slice(1)) if (isCapitalised(t)) out.add(t.lower);
  return out;
}

/**
 * Mentions of one sentence of `text` (the block, found at `base` in the document). A capitalised
 * first word counts only when tagged a name, followed by another capitalised word, or in `known`.
 */
export function findMentions(
  sentence: TokenisedSentence,
  text: string,
  base: number,
  known: ReadonlySet<string>,
): Sentence {
  const toks = sentence.tokens;
  const taken = toks.map(() => false);
  const mentions: Mention[] = [];
  const add = (from: number, to: number): Mention | undefined => {
    const m = mentionOf(text, toks, from, to, base);
    if (m === undefined) return undefined;
    for (let k = from; k < to; k++) taken[k] = true;
    mentions.push(m);
    return m;
  };
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i] as Token;
    const listed = GAZETTEER[t.lower] !== undefined;
    const sentenceStart =
      i === 0 && !hasTag(t, 'ProperNoun', 'Person', 'Place', 'Organization', 'Acronym') && !known.has(t.lower);
    // A capitalised verb opening a sentence ("Extends Metro Line 2 ...") is not part of a name.
    if (sentenceStart && hasTag(t, 'Verb')) continue;
    if (isCapitalised(t) && !hasTag(t, 'Pronoun', 'Determiner', 'Date', 'Month', 'Preposition', 'Conjunction')) {
      const end = properRun(toks, i);
      if (sentenceStart && end === i + 1 && !listed) continue;
      const m = add(i, end);
      // "Payments Gateway (PGW)": the abbreviation is an alias, not a mention of its own.
      const next = toks[end];
      if (
        m !== undefined &&
        next !== undefined &&
        next.pre.includes('(') &&
        next.post.includes(')') &&
        /^[A-Z][A-Z0-9&]{1,5}s?$/.test(next.text)
      ) {
        m.aliases.push(next.text);
        taken[end] = true;
        i = end;
      } else i = Math.max(i, end - 1);
    } else if (isIdentifier(t) || listed) add(i, i + 1);
  }
  for (let h = 0; h < toks.length; h++) {
    const t = toks[h] as Token;
    if (taken[h] || HEAD_NOUNS[t.lower] === undefined || t.lower === 'apis') continue;
    const from = phraseStart(toks, h, taken);
    if (from !== undefined) add(from, h + 1);
  }
  mentions.sort((a, b) => a.start - b.start);
  return {
    start: base + sentence.start,
    end: base + sentence.end,
    text: text.slice(sentence.start, sentence.end),
    tokens: toks,
    mentions,
  };
}
