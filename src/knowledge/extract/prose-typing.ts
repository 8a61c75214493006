// Typing of a mention from its own words and the words around it: gazetteer of technologies,
// head words ("Beaumont Building", "Project Nimbus"), a lowercase type noun after the name ("the
// Orbit team"), an appositive ("X, our scheduling tool"), compromise's tags.
import {
  APPOSITIVE_HEADS,
  FIRST_HEADS,
  NAME_HEADS,
  TRAILING_HEADS,
  UNIT_GROUP_WORDS,
  UNIT_NAMES,
} from './prose-heads.js';
import { GAZETTEER, IDENTIFIER_SUFFIXES, OF_HEADS, ORG_SUFFIXES, type ProseType } from './prose-lexicon.js';
import { camelCase, hasTag, isIdentifier, pluralNoun, splitsAfter, SPLITTING, type Token } from './prose-tokens.js';

/** What the words around a name say of its type: an appositive about it, a lowercase noun after it. */
export interface Cue {
  readonly appositive?: ProseType | undefined;
  readonly trailing?: ProseType | undefined;
}

/** The type the words of a mention give it, if any; `cue` is what the words around it say. */
export function typeOf(words: readonly Token[], name: string, cue: Cue): ProseType | undefined {
  const first = words[0];
  const last = words.at(-1);
  if (first === undefined || last === undefined) return undefined;
  const known = GAZETTEER[name.toLowerCase()];
  if (known !== undefined) return known;
  // "St Anne's Primary": a place or body named for a saint, not a person.
  if (words.length > 2 && /^(?:st\.?|saint)$/.test(first.lower) && words[1]?.possessive === true)
    return NAME_HEADS[last.lower] ?? 'organization';
  // What an appositive says of the name ("X, the group's maintenance subsidiary") outweighs its last word.
  if (cue.appositive !== undefined) return cue.appositive;
  // NOTE: a type noun after the name says what it is more plainly than the name's last word
  // ("the Security Platform team"); a facility's noun is part of its name instead.
  if (cue.trailing !== undefined && cue.trailing !== 'facility') return cue.trailing;
  if (words.length > 1) {
    // NOTE: "Department for Transport" is a ministry, "Department of Surgery" a unit.
    const lead = FIRST_HEADS[first.lower];
    if (lead !== undefined && words[1]?.lower !== 'for') return lead;
    // NOTE: a year after a name is its edition ("AgriTech Expo 2025"); the word before it types the name.
    const edition = /^(?:19|20)\d\d$/.test(last.text) && words.length > 2;
    // NOTE: "Harbour Security Office", "Device Services": an office or services of a function or a
    // thing is a unit; "Acme Services", "the Foreign Office" are bodies.
    const before = words.at(-2)?.lower ?? '';
    if (last.lower === 'office' && UNIT_GROUP_WORDS.has(before)) return 'team';
    if (last.lower === 'services' && words.length === 2 && (UNIT_GROUP_WORDS.has(before) || SERVED.has(before)))
      return 'team';
    const head = NAME_HEADS[(edition ? (words.at(-2) ?? last) : last).lower.replace(/\.$/, '')];
    if (head !== undefined) return refinedHead(words, head);
  }
  // NOTE: "Tovari 410e", "Vireo X5": a model code of letters and digits after a name makes a product.
  if (words.length > 1 && /^(?=.*\d)(?=.*\p{L})[\p{L}\d]+$/u.test(last.text) && !/^\d+[A-Z]?$/u.test(last.text))
    return 'product';
  // NOTE: "Fenner CIS", "Vellum EDC": a system's acronym after a brand names a product (a legal
  // suffix such as AG or LLP, or a head such as API, is read before).
  if (words.length > 1 && /^[A-Z]{2,4}$/.test(last.text) && !ORG_SUFFIXES.has(last.lower)) return 'product';
  // A business function named alone ("Tom Ferris in Procurement", "Platform Security, part of IT") is a unit.
  if (words.length === 1 && (UNIT_NAMES.has(last.lower) || last.text === 'IT')) return 'team';
  // "Sun-hee Park", "Min-jun Lee": a given name hyphenated in lowercase before one capitalised word is a person's.
  if (words.length === 2 && /^\p{Lu}\p{Ll}+-\p{Ll}+$/u.test(first.text) && /^\p{Lu}\p{Ll}+$/u.test(last.text))
    return 'person';
  // NOTE: a coined name ending in DB or SQL ("CockroachDB", "TiDB") is a database engine.
  if (words.length === 1 && /^\p{Lu}[\p{L}\d]*\p{Ll}[\p{L}\d]*(?:DB|SQL)$/u.test(name)) return 'technology';
  // A conference's CamelCase name ("ReactConf") ends in Conf.
  if (words.length === 1 && /^\p{Lu}\p{L}+Conf$/u.test(name)) return 'event';
  // An incident ticket ("INC-1042", ServiceNow's prefix).
  if (words.length === 1 && /^INC-?\d+$/i.test(name)) return 'incident';
  if (cue.trailing !== undefined) return cue.trailing;
  if (words.length === 1 && isIdentifier(last))
    return IDENTIFIER_SUFFIXES.find(([re]) => re.test(last.text))?.[1] ?? 'service';
  if (words.length > 1 && (ORG_SUFFIXES.has(last.lower.replace(/\.$/, '')) || words.some((w) => w.text === '&')))
    return 'organization';
  if (words.length > 2 && OF_HEADS.has(first.lower) && words[1]?.lower === 'of') return 'organization';
  // "Dallow County Office of Education": a body's head word before "of" inside a name.
  const of = words.findIndex((w, k) => k > 1 && w.lower === 'of');
  if (
    of > 1 &&
    OF_HEADS.has(words[of - 1]?.lower ?? '') &&
    !['city', 'state', 'kingdom'].includes(words[of - 1]?.lower ?? '')
  )
    return 'organization';
  const joined = words.findIndex((w, k) => k > 0 && w.lower === 'for' && FOR_HEADS.has(words[k - 1]?.lower ?? ''));
  if (joined > 0) return NAME_HEADS[words[joined - 1]?.lower ?? ''] ?? 'organization';
  // NOTE: a word with a capital inside ("PagerDuty", "CardioView") is a made-up brand, never a place.
  const place = !words.some(camelCase) && words.some((w) => hasTag(w, 'Place', 'City', 'Country', 'Region'));
  // NOTE: one word tagged both a place and a first name ("Shannon", "Florence") is read as the place.
  if (words.length === 1 && place) return 'location';
  // NOTE: one word tagged a first name ("Shannon", "Jordan") is a person only with a title; a
  // person named once in full is then called by a short form, which resolution joins.
  // NOTE: "Keller Foundations", "Rowan Sports": a plural common noun ends a business's name, not a person's.
  const plural = words.length > 1 && pluralNoun(last.text);
  if (
    words.length > 1 &&
    !plural &&
    (words.every((w) => hasTag(w, 'Person', 'Honorific')) || hasTag(first, 'FirstName'))
  )
    return 'person';
  if (place) return 'location';
  if (words.some((w) => hasTag(w, 'Organization'))) return 'organization';
  return undefined;
}

/**
 * A head word's type, corrected by the word before it: "Group" is a company's after anything but a
 * function or activity ("Brisa Hotels Group" against "Yard Planning Group"); a place's head after
 * a body's ("Pine Ridge School District", "Tarr Water Authority Region") names that body.
 */
function refinedHead(words: readonly Token[], head: ProseType): ProseType {
  const last = words.at(-1)?.lower ?? '';
  const before = words.at(-2)?.lower ?? '';
  if (last === 'group' || last === 'groups')
    return UNIT_GROUP_WORDS.has(before) || /ing$/.test(before) ? 'team' : 'organization';
  if (head === 'location' && words.length > 2 && NAME_HEADS[before] === 'organization') return 'organization';
  // NOTE: "Larchmere Middle School": a school named by its level is one of its district's sites.
  if (last === 'school' && SCHOOL_LEVELS.has(before)) return 'facility';
  // "Kallvik Fire Service", "Ambulance Service": a public service is a body, not software.
  if (last === 'service' && PUBLIC_SERVICES.has(before)) return 'organization';
  return head;
}

/** What an internal services unit looks after ("Customer Services", "Device Services"). */
const SERVED = new Set(
  'technology customer customers client clients student students patient patients member members device devices data information library property estate'.split(
    ' ',
  ),
);

/** Levels of schooling before "School". */
const SCHOOL_LEVELS = new Set(['primary', 'middle', 'high', 'secondary', 'junior', 'infant', 'infants', 'grammar']);

/** Words before "Service" that make it a public body. */
const PUBLIC_SERVICES = new Set([
  'fire',
  'ambulance',
  'police',
  'rescue',
  'prison',
  'probation',
  'postal',
  'coastguard',
  'lifeboat',
  'forestry',
  'parks',
  'diplomatic',
  'civil',
  'meteorological',
  'weather',
]);

/** Heads of bodies named for their purpose after a name ("Aldmoor Institute for Marine Science", "Centre for Ageing Studies"). */
export const FOR_HEADS = new Set([
  'institute',
  'centre',
  'center',
  'society',
  'association',
  'commission',
  'council',
  'foundation',
  'trust',
  'alliance',
  'coalition',
  'hospital',
  'school',
  'college',
  'museum',
]);

/** The type a lowercase noun right after a name gives it ("the Orbit team"); that noun is then not in the name. */
export function trailingCue(toks: readonly Token[], end: number, start?: number): ProseType | undefined {
  const head = toks[end];
  const before = toks[end - 1];
  if (head === undefined || before === undefined || splitsAfter(before) || before.possessive) return undefined;
  if (SPLITTING.test(head.pre) || !/^\p{Ll}/u.test(head.text)) return undefined;
  const type = TRAILING_HEADS[head.lower];
  // NOTE: "a Tui store", "an Acme app": after "a" the noun is an unnamed thing of the name's maker, not the name's type.
  const indefinite = start !== undefined && /^(?:a|an)$/.test(toks[start - 1]?.lower ?? '');
  return indefinite && type !== 'facility' ? undefined : type;
}

/** "Lower Dene primary substation": one lowercase adjective before a facility's noun; tokens to add to the name. */
export function facilityTail(toks: readonly Token[], end: number): number {
  if (trailingCue(toks, end) === 'facility') return 1;
  const adjective = toks[end];
  if (adjective === undefined || !hasTag(adjective, 'Adjective') || splitsAfter(adjective)) return 0;
  return trailingCue(toks, end + 1) === 'facility' && /^\p{Ll}/u.test(adjective.text) ? 2 : 0;
}

/** Nouns of software that a vendor's product is called as often as an organisation's own service. */
const BOUGHT_NOUNS = new Set(['system', 'platform', 'software', 'application']);
/** Words saying a thing is the organisation's own. */
const IN_HOUSE = new Set(['in-house', 'internal', 'own', 'bespoke', 'homegrown', 'home-grown']);

/** Kinds an appositive's noun gives that "from <maker>" does not make a product ("a spin-out team from X"). */
const NOT_BOUGHT: ReadonlySet<ProseType> = new Set(['organization', 'team', 'person', 'location', 'event', 'project']);

const DETERMINERS = new Set(['the', 'our', 'its', 'their', 'his', 'her', 'a', 'an', 'your', 'my']);
/** The type an appositive gives a name: "X, our scheduling tool," or "the regulator, X". */
export function appositiveCue(toks: readonly Token[], from: number, to: number): ProseType | undefined {
  const before = toks[to - 1];
  // "X is a citizen-science survey": a definition types the name like an appositive.
  // "replace X with Y as our document capture platform": a role given with "as" types the name too.
  // NOTE: "started by X as a weekend project": "as a" may describe the subject; "as our" describes the name.
  const copula =
    (/^(is|was)$/.test(toks[to]?.lower ?? '') && /^(a|an|the|our|their|its)$/.test(toks[to + 1]?.lower ?? '')) ||
    (toks[to]?.lower === 'as' && /^(our|their|its)$/.test(toks[to + 1]?.lower ?? ''));
  const at = copula ? to + 1 : to;
  if (before !== undefined && (copula || /,/.test(before.post)) && DETERMINERS.has(toks[at]?.lower ?? '')) {
    let cue: ProseType | undefined;
    // NOTE: software "we license from" or "bought from" a vendor is a product.
    const rest = toks
      .slice(at + 1, at + 9)
      .map((t) => t.lower)
      .join(' ');
    if (
      /^(?:[\w-]+ ){0,3}(?:(?:we|they|it|he|she) (?:license|licence|licensed|licenced|lease|leased|buy|bought|purchase|purchased) from|(?:licensed|licenced|leased|bought|purchased|supplied) (?:from|by))\b/.test(
        rest,
      )
    )
      return 'product';
    let named = false;
    let noun = false;
    let own = false;
    let headWord = '';
    for (let k = at + 1; k < Math.min(toks.length, at + 6); k++) {
      const t = toks[k] as Token;
      const prev = toks[k - 1] as Token;
      // NOTE: a name or a number inside the description modifies its noun ("the Phase 2 trial", "the
      // lab's PostgreSQL database"); a possessive is a determiner, not the noun.
      if (!/^\p{Ll}/u.test(t.text) && !splitsAfter(prev) && (k === at + 1 || prev.possessive || named)) {
        named = true;
        cue = undefined;
        if (splitsAfter(t)) break;
        // NOTE: "DockSlot, the Authority's vehicle booking service": a name's possessive is a determiner too.
        if (t.possessive) named = false;
        continue;
      }
      named = false;
      if (t.possessive && /^\p{Ll}/u.test(t.text)) {
        cue = undefined;
        continue;
      }
      // NOTE: "Velta Core, a cloud-native core network from Velta Systems": a thing described as coming
      // from a named maker is bought from it, a product (a body's or a unit's noun keeps its type).
      // NOTE: a person's name, or anything from a place, is no product ("Ada Vell, a herring girl from Shetland").
      const maker = toks[k + 1];
      const personal = toks.slice(from, to).some((w) => hasTag(w, 'Person', 'FirstName'));
      if (
        t.lower === 'from' &&
        noun &&
        !personal &&
        maker !== undefined &&
        /^\p{Lu}/u.test(maker.text) &&
        // NOTE: the maker is named as a business: tagged one, or a name of several words ("from Velta Systems").
        (hasTag(maker, 'Organization') || (!splitsAfter(maker) && /^\p{Lu}/u.test(toks[k + 2]?.text ?? ''))) &&
        !hasTag(maker, 'Place', 'City', 'Country', 'Region') &&
        !(cue !== undefined && NOT_BOUGHT.has(cue))
      )
        return 'product';
      if (!/^\p{Ll}/u.test(t.text) || hasTag(t, 'Pronoun', 'Preposition', 'Conjunction', 'Determiner')) break;
      const head = APPOSITIVE_HEADS[t.lower];
      if (head === undefined && hasTag(t, 'Verb') && !hasTag(t, 'Noun', 'Gerund', 'Adjective')) break;
      cue = head ?? (hasTag(t, 'Noun') ? undefined : cue);
      noun ||= head !== undefined || hasTag(t, 'Noun');
      own ||= t.possessive || IN_HOUSE.has(t.lower);
      if (head !== undefined) headWord = t.lower;
      if (splitsAfter(t)) break;
    }
    // NOTE: "Slate, the learning management system": a system named with "the" and not said to be
    // anyone's own is software bought in, a product; "our … system" or "the in-house tool" is a service.
    if (cue === 'service' && BOUGHT_NOUNS.has(headWord) && !own && /^(?:the|a|an)$/.test(toks[at]?.lower ?? ''))
      return 'product';
    if (cue !== undefined) return cue;
  }
  const prev = toks[from - 1];
  // "the regulator, X" or "the charity X": a describing noun right before the name, after a determiner.
  if (prev !== undefined && /^\p{Ll}/u.test(prev.text) && (/,/.test(prev.post) || /^\s*$/.test(prev.post))) {
    for (let k = from - 2; k >= Math.max(0, from - 5); k--) {
      const t = toks[k] as Token;
      if (splitsAfter(t)) break;
      if (DETERMINERS.has(t.lower) || t.possessive) return APPOSITIVE_HEADS[prev.lower];
    }
  }
  return undefined;
}
