// Finds entity mentions in prose without a model download: on top of compromise's tokens
// (prose-tokens), proper-name runs, code-like identifiers, known technologies and "<modifiers>
// <head noun>" phrases become mentions typed by prose-typing, and "Long Name (ABBR)" defines an
// abbreviation.
import { FIRST_HEADS, TRAILING_HEADS } from './prose-heads.js';
import { GAZETTEER, HONORIFICS, IDENTIFIER_SUFFIXES, ROLE_WORDS, STOP_NAMES, type ProseType } from './prose-lexicon.js';
import {
  camelCase,
  hasTag,
  isCapitalised,
  isIdentifier,
  pluralNoun,
  splitsAfter,
  type KnownNames,
  type Token,
  type TokenisedSentence,
} from './prose-tokens.js';
import { gerundSubject, joinPlaceRegions, PHRASE_HEADS, phraseStart, properRun, VERSION } from './prose-runs.js';
import { appositiveCue, facilityTail, trailingCue, typeOf, type Cue } from './prose-typing.js';

export {
  namesInsideSentences,
  tokeniseProse,
  type KnownNames,
  type Token,
  type TokenisedSentence,
} from './prose-tokens.js';

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
  /** A lowercase type noun after the name said its type ("the Orbit team"): the plainest evidence. */
  readonly stated?: boolean;
}

export interface Sentence {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly tokens: readonly Token[];
  readonly mentions: readonly Mention[];
}

/** Generic nouns that a number makes a label, not a name ("Gallery 4", "Phase 2", "Series C"). */
const NUMBERED_GENERIC = new Set(
  'gallery case phase room floor level stage step gate table figure chapter section page series round tier wave sprint week day year version release episode season part box hall ward bay lane track item note option plan point unit wing zone sev severity priority p'.split(
    ' ',
  ),
);
/** Last words of job titles ("Chief Medical Officer", "Clinical Director"): a role, not a name. */
const TITLE_ENDS = new Set(
  'officer director manager president executive chair chairman chairwoman secretary treasurer lead head partner engineer architect analyst consultant coordinator administrator nurse surgeon physician registrar curator editor correspondent spokesperson'.split(
    ' ',
  ),
);
const TITLE_OPENERS = new Set([...TITLE_ENDS, 'keeper', 'professor', 'dean', 'vice', 'master', 'chief']);
const MONTHS = /^(?:january|february|march|april|may|june|july|august|september|october|november|december)$/;
const PLACE_BEFORE = new Set(['in', 'near', 'outside', 'around', 'across']);
const DEGREES = new Set(['phd', 'md', 'mba', 'msc', 'bsc', 'ba', 'ma', 'obe', 'mbe', 'cbe', 'frs', 'jr', 'sr']);
function mentionOf(
  text: string,
  toks: readonly Token[],
  from: number,
  to: number,
  base: number,
  cue: Cue,
): Mention | undefined {
  let f = from;
  let t = to;
  const bare = (k: number): string => (toks[k] as Token).lower.replace(/\.$/, '');
  // "31 January Tarnow Networks": a month after a day's number is a date, whatever a tagger made of it.
  const dated = (k: number): boolean =>
    MONTHS.test(bare(k)) && /^\d{1,2}(?:st|nd|rd|th)?$/.test(toks[k - 1]?.lower ?? '');
  // Leading titles and calendar words are not part of a name ("Dr. Amara Okafor", "June Helix Biosciences").
  let honorific = false;
  while (f < t && /^(its|our|their|his|her|my|your)$/.test(bare(f))) f++;
  const unprefixed = f;
  while (f < t && (ROLE_WORDS.has(bare(f)) || hasTag(toks[f] as Token, 'Date', 'Month', 'WeekDay') || dated(f)))
    honorific ||= HONORIFICS.has(bare(f++));
  // NOTE: "Once Brindle is complete": an adverb or a conjunction opening a sentence is no part of a name.
  if (f === 0 && t > 1 && hasTag(toks[0] as Token, 'Adverb', 'Conjunction') && !hasTag(toks[0] as Token, 'ProperNoun'))
    f++;
  // NOTE: role words joined by "&" to a name are a unit's name ("Product & Engineering"), not a title.
  if (f > unprefixed && f < t && (toks[f] as Token).text === '&') f = unprefixed;
  // "Chief Technology Officer Lena Fischer": a capitalised job title before a person's name ends in
  // its title word; the name is what follows it.
  const titled = f > unprefixed || ROLE_WORDS.has(bare(unprefixed));
  for (let k = t - 3; k >= f; k--)
    if (
      TITLE_ENDS.has(bare(k)) &&
      t - k - 1 <= 3 &&
      isCapitalised(toks[k + 1] as Token) &&
      (titled || hasTag(toks[k + 1] as Token, 'FirstName'))
    ) {
      f = k + 1;
      honorific = true;
      break;
    }
  while (f < t - 1 && HONORIFICS.has(bare(f))) f++;
  if (f === t) return undefined;
  // NOTE: "the engineering team" less its role word is no name.
  if (f > unprefixed && t - f === 1 && /^\p{Ll}/u.test((toks[f] as Token).text)) return undefined;
  // Degrees and generational suffixes are not part of a name ("Ben Carter PhD").
  while (t - f >= 2 && DEGREES.has((toks[t - 1] as Token).lower.replace(/\./g, ''))) t--;
  // A version after a name is not part of it ("Quill 3.0", "Node.js 20"); the full form is an alias.
  const aliases: string[] = [];
  const lastTok = toks[t - 1] as Token;
  if (t - f >= 2 && (VERSION.test(lastTok.text) || (/^\d+$/.test(lastTok.text) && t - f === 2))) {
    if (t - f === 2 && NUMBERED_GENERIC.has(bare(f))) return undefined;
    aliases.push(text.slice((toks[f] as Token).start, lastTok.end));
    t--;
  }
  const words = toks.slice(f, t);
  const first = words[0];
  const last = words.at(-1);
  if (first === undefined || last === undefined) return undefined;
  const name = text.slice(first.start, last.end).replace(/['’]s$/, '');
  if (STOP_NAMES.has(name.toLowerCase()) || name.length < 2) return undefined;
  // Labels and roles are not names: "Gallery 4", "SEV-1", "Chief Medical Officer", "Norwegian".
  if (NUMBERED_GENERIC.has(first.lower) && words.length === 2 && /^[\dA-Z]{1,3}$/.test(last.text)) return undefined;
  if (/^(sev|p)-?\d$/i.test(name)) return undefined;
  // NOTE: "5G", "4K", "3D": a number and one capital name a generation or a format, not one thing.
  if (/^\d+[A-Z]$/.test(name)) return undefined;
  if (
    !honorific &&
    words.length >= 1 &&
    TITLE_ENDS.has(last.lower) &&
    cue.trailing === undefined &&
    cue.appositive === undefined
  )
    return undefined;
  if (words.length === 1 && hasTag(first, 'Demonym')) return undefined;
  // NOTE: "the old Victorian crossing", "a Kenyan runner": an adjective of a people or a period before its noun.
  const noun = toks[t];
  if (
    words.length === 1 &&
    /^\p{Lu}\p{Ll}+(?:ian|ean|ish|ese)$/u.test(first.text) &&
    noun !== undefined &&
    /^\p{Ll}/u.test(noun.text) &&
    hasTag(noun, 'Noun') &&
    !splitsAfter(first)
  )
    return undefined;
  // NOTE: a capitalised name right after "in", "at", "near" with nothing else to type it is most often a place.
  const typed = typeOf(words, name, cue);
  // NOTE: "the Tui Mobile support team": a name after "the" is a thing's, whatever its words' tags say of a person.
  const thing = !honorific && typed === 'person' && toks[f - 1]?.lower === 'the';
  const type =
    (honorific ? 'person' : undefined) ??
    (thing ? undefined : typed) ??
    // A version after a name ("Godot 4", "Node.js 20") is a piece of software's.
    (aliases.length > 0 ? 'technology' : undefined) ??
    (PLACE_BEFORE.has(toks[f - 1]?.lower ?? '') && /^\p{Lu}\p{Ll}/u.test(first.text) && !words.some(camelCase)
      ? 'location'
      : undefined);
  const stated = cue.trailing !== undefined && type === cue.trailing && !honorific;
  return { name, type, start: base + first.start, end: base + last.end, from: f, to: t, aliases, stated };
}

/** "Nairobi-based", "Leeds-headquartered": a place made an adjective. */
const BASED = /^\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?-(?:based|headquartered)$/u;

/**
 * Mentions of one sentence of `text` (the block, found at `base` in the document). A capitalised
 * first word counts only when tagged a name, followed by another capitalised word, or in `known`.
 */
export function findMentions(sentence: TokenisedSentence, text: string, base: number, known: KnownNames): Sentence {
  const toks = sentence.tokens;
  const mentions: Mention[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i] as Token;
    const listed = GAZETTEER[t.lower] !== undefined;
    const sentenceStart =
      i === 0 && !hasTag(t, 'ProperNoun', 'Person', 'Place', 'Organization', 'Acronym') && !known.inside.has(t.lower);
    // A capitalised verb opening a sentence ("Extends Metro Line 2 ...") is not part of a name.
    const named =
      FIRST_HEADS[t.lower] !== undefined && toks[i + 1] !== undefined && isCapitalised(toks[i + 1] as Token);
    // NOTE: "Ledgerwise, our billing service, …": an appositive after the word says it is a name.
    if (
      sentenceStart &&
      hasTag(t, 'Verb') &&
      !named &&
      !gerundSubject(toks, i) &&
      !(/,/.test(t.post) && appositiveCue(toks, i, i + 1) !== undefined)
    )
      continue;
    // "Keeper of Maritime History", "Director of Engineering": a job title, not a name.
    if (isCapitalised(t) && TITLE_OPENERS.has(t.lower) && toks[i + 1]?.lower === 'of' && toks[i + 2] !== undefined) {
      const after = toks[i + 2] as Token;
      if (isCapitalised(after)) {
        const end = properRun(toks, i + 2);
        // NOTE: "Director of Asset Management", "Head of Claims Operations": a unit or a body its own
        // words type is a name after the title ("Keeper of Maritime History" names a subject).
        const unit = end - i - 2 >= 2 ? typeOf(toks.slice(i + 2, end), '', {}) : undefined;
        i = unit === 'team' || unit === 'organization' ? i + 1 : end - 1;
        continue;
      }
    }
    if (
      isCapitalised(t) &&
      !hasTag(t, 'Pronoun', 'Determiner', 'Date', 'Month', 'Preposition', 'Conjunction', 'Compound')
    ) {
      const end = properRun(toks, i);
      const tail = facilityTail(toks, end);
      const trailing = tail > 0 ? 'facility' : trailingCue(toks, end, i);
      // NOTE: a lone capitalised word opening a sentence is a name only when something types it; a
      // word known only as part of a longer name ("Routing" of "Routing Log") is no name alone.
      if (
        (sentenceStart ||
          (i === 0 && !known.alone.has(t.lower) && !hasTag(t, 'Person', 'Place', 'Organization', 'Acronym'))) &&
        end === i + 1 &&
        !listed &&
        trailing === undefined &&
        appositiveCue(toks, i, end) === undefined
      )
        continue;
      // NOTE: a facility's lowercase noun is part of its name ("Castleford substation"); a software
      // noun is not ("the Recommendations service" is Recommendations).
      // NOTE: "Orchard Schools Network (OSN), a fibre consortium": the appositive follows the abbreviation.
      const next = toks[end];
      const abbreviation =
        next !== undefined &&
        next.pre.includes('(') &&
        next.post.includes(')') &&
        /^[A-Z][A-Z0-9&]{1,5}s?$/.test(next.text);
      const m =
        tail > 0
          ? mentionOf(text, toks, i, end + tail, base, { trailing })
          : mentionOf(text, toks, i, end, base, {
              trailing,
              appositive: appositiveCue(toks, i, abbreviation ? end + 1 : end),
            });
      // NOTE: "AOG (aircraft on ground)": an abbreviation spelt out in lowercase is a term, not a name.
      const term =
        end === i + 1 &&
        /^[A-Z]{2,6}$/.test(t.text) &&
        /^\s*\((?:[\p{Ll}-]+\s*){2,6}\)/u.test(text.slice(t.end, t.end + 60));
      if (m !== undefined && !term) mentions.push(m);
      // "Payments Gateway (PGW)": the abbreviation is an alias, not a mention of its own.
      if (m !== undefined && next !== undefined && abbreviation) {
        m.aliases.push(next.text);
        i = end;
      } else i = Math.max(i, end - 1 + (tail > 0 ? tail : trailing === undefined ? 0 : 1));
    } else if (BASED.test(t.text) && !pluralNoun(t.text.slice(0, t.text.indexOf('-')))) {
      // NOTE: "a Handlebars-based renderer": a plural everyday noun is a technique, not a place.
      // "the Nairobi-based maker": the place of a "<Place>-based" compound is a location.
      const place = t.text.slice(0, t.text.indexOf('-'));
      mentions.push({
        name: place,
        type: 'location',
        start: base + t.start,
        end: base + t.start + place.length,
        from: i,
        to: i + 1,
        aliases: [],
      });
    } else if (listed || isIdentifier(t)) {
      const next = toks[i + 1];
      const trailing = trailingCue(toks, i + 1, i);
      // NOTE: a lowercase compound before an ordinary noun is a modifier ("cross-dock operations").
      if (
        !listed &&
        /^\p{Ll}/u.test(t.text) &&
        !/[_.\d]/.test(t.text) &&
        trailing === undefined &&
        !IDENTIFIER_SUFFIXES.some(([re]) => re.test(t.text)) &&
        next !== undefined &&
        /^\p{Ll}/u.test(next.text) &&
        hasTag(next, 'Noun', 'Adjective') &&
        !hasTag(next, 'Verb') &&
        !splitsAfter(t)
      )
        continue;
      const m = mentionOf(text, toks, i, i + 1, base, { trailing, appositive: appositiveCue(toks, i, i + 1) });
      if (m !== undefined) mentions.push(m);
      if (trailing !== undefined) i++;
    }
  }
  const taken = new Set(mentions.flatMap((m) => Array.from({ length: m.to - m.from }, (_, k) => m.from + k)));
  for (let h = 1; h < toks.length; h++) {
    if (taken.has(h) || taken.has(h - 1) || !PHRASE_HEADS.has((toks[h] as Token).lower)) continue;
    const from = phraseStart(toks, h);
    // NOTE: "the shipment database" after a proper name and a comma describes that name; it is not
    // one (after another phrase it is the next item of a list: "the pricing API, the stock API").
    const described = mentions.find((m) => from !== undefined && m.to === from - 1);
    if (described !== undefined && /,/.test(toks[described.to - 1]?.post ?? '') && /^\p{Lu}/u.test(described.name))
      continue;
    const m =
      from === undefined
        ? undefined
        : mentionOf(text, toks, from, h + 1, base, { trailing: TRAILING_HEADS[(toks[h] as Token).lower] });
    if (m !== undefined) mentions.push(m);
  }
  mentions.sort((a, b) => a.start - b.start);
  return {
    start: base + sentence.start,
    end: base + sentence.end,
    text: text.slice(sentence.start, sentence.end),
    tokens: toks,
    mentions: joinPlaceRegions(mentions, toks, text, base),
  };
}
