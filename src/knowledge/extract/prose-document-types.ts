// One type per name over a document: the votes of its mentions' own words and of the relation
// patterns around them, a person's context (roles, "said", he/she), a given name alone, a place's
// preposition, codes, and a fallback; then list items share types and short forms take the type
// of the longer name they begin or end.
import nlp from 'compromise';
import { NAME_HEADS } from './prose-heads.js';
import { ORG_SUFFIXES, type ProseType } from './prose-lexicon.js';
import type { Mention, Sentence } from './prose-mentions.js';
import { pluralNoun } from './prose-tokens.js';

/** Type given to a capitalised name nothing else types (most such names in business text are organisations). */
const FALLBACK_TYPE: ProseType = 'organization';

/** Words joining the items of a list ("A, B and C", "A or B", "from A to B"). */
const LIST_JOIN =
  /^(?:,|,?\s*and|,?\s*or|\/|and\s+(?:the|a|an)|,\s*(?:the|a|an)|instead of|rather than|as well as|alongside|along with)$/;

/**
 * Whether two neighbouring mentions of a sentence are items of one list; `strict` asks for "and",
 * "or" or "from … to" (a bare comma also opens an appositive: "CLD-204, Caldera's lead drug").
 */
export function listJoined(a: Mention, b: Mention, sentence: Sentence, strict = false): boolean {
  const text = sentence.text;
  const at = (offset: number): number => offset - sentence.start;
  const words = text.slice(at(a.end), at(b.start)).trim().toLowerCase().replace(/\s+/g, ' ');
  return (
    (LIST_JOIN.test(words) && !(strict && /^,(?: (?:the|a|an))?$/.test(words))) ||
    (words === 'to' && /\bfrom\s*$/i.test(text.slice(Math.max(0, at(a.start) - 6), at(a.start))))
  );
}

/** Nouns of people's roles and occupations: "<role> X", "X, our <role>", "X, a <role>". */
const ROLES =
  'head|chief|director|manager|engineer|lead|leader|officer|partner|founder|co-founder|curator|keeper|editor|professor|researcher|analyst|designer|developer|programmer|architect|president|chair|chairman|chairwoman|ceo|cfo|cto|coo|vp|deputy|associate|consultant|nurse|surgeon|doctor|physician|cardiologist|clinician|captain|pilot|mayor|councillor|student|students|fellow|member|historian|producer|artist|writer|author|composer|musician|photographer|scientist|specialist|coordinator|administrator|secretary|spokesperson|spokeswoman|spokesman|volunteer|minister|governor|senator|colleague|adviser|advisor|lawyer|solicitor|barrister|attorney|accountant|economist|journalist|reporter|teacher|lecturer|intern|apprentice|technician|owner|chef|skipper|supervisor|inspector|registrar|matron|midwife|therapist|pharmacist|investigator|postdoc|treasurer|controller|strategist|recruiter|auditor|archivist|librarian|conservator|illustrator|animator|tester';

/** Words after a name that say it is a person's: "X, our head of …", "X said", "X - PhD students". */
const PERSON_AFTER = new RegExp(
  `^\\s*(,\\s*(the|our|its|their|a|an|who|\\p{Lu}\\p{L}* ?\\p{Lu}?\\p{L}*'s)?\\s*([\\p{L}-]+ ){0,2}(${ROLES})\\b|\\s*[-–—]\\s*([\\p{L}-]+ ){0,2}(${ROLES})\\b|,\\s*who\\b|,?\\s+(said|says|added|explained|wrote|told|noted|commented|confirmed|joins|joined|will join|will lead|leads|led|has led|retires|leaves|has moved|moves|thanked|apologised|apologized|presented|spoke|warned|stressed|praised|argued|believes|hopes|welcomed|recalled|recalls|admitted|insisted|emphasi[sz]ed|chaired|signed off))`,
  'iu',
);

/** Words before a name that make it a person's: a title or role ("Mayor", "our lead programmer,", "led by"). */
const PERSON_BEFORE = new RegExp(
  `\\b(${ROLES.replace(/\b(head|lead|chief|deputy|associate|member|partner|fellow)\|/g, '')}|prof\\.?|dr\\.?|sister|led by|headed by|reports to|reporting to|founded by|chaired by|presented by|under|overseen by|coached by|supervised by|assisted by|introduced by|succeeds|succeeded|written by|authored by|curated by|illustrated by|edited by|composed by|painted by)\\s*[,:]?\\s*$`,
  'i',
);

const PERSON_TAGS = ['Person', 'FirstName', 'LastName', 'MaleName', 'FemaleName', 'Honorific'];
/** Whether a name has the shape of a person's: two or three capitalised words, none naming a unit or a thing. */
export function personShaped(m: Mention, sentence: Sentence): boolean {
  const words = sentence.tokens.slice(m.from, m.to);
  const last = words.at(-1);
  return (
    words.length >= 2 &&
    words.length <= 3 &&
    last !== undefined &&
    !/^(?:st|saint)$/i.test(words[0]?.text ?? '') &&
    words.every((w) => /^\p{Lu}[\p{Ll}'’-]*\p{Ll}$/u.test(w.text)) &&
    !words.some((w) => UNIT_WORDS.test(w.text) || NAME_HEADS[w.lower] !== undefined || ORG_SUFFIXES.has(w.lower)) &&
    // NOTE: "Fernhill Grocers": a plural common noun ends a business's name, not a person's.
    !(last.tags.has('Plural') && !PERSON_TAGS.some((tag) => last.tags.has(tag))) &&
    !pluralNoun(last.text)
  );
}
const UNIT_WORDS =
  /^(team|group|lab|laboratory|department|office|unit|platform|service|services|system|systems|council|board|committee|trust|foundation|university|school|college|hospital|bank|fund|line|station|street|road|building|wing|centre|center|park|project|programme|program|network|club|society|museum|library|gallery|company|corporation|holdings|partners|group|labs|studio|studios|games|air|airlines|logistics|energy|metro|city|county|river|valley|bay|harbour|port|terminal|app|api|corp|inc|ltd|llc|llp|plc|gmbh|co|exchange|market|house|hall|trade|retail|foods|group)$/i;

const LEXICON = (nlp.model() as { one: { lexicon: Readonly<Record<string, string | string[] | undefined>> } }).one
  .lexicon;
const COMMON_TAGS = new Set([
  'Singular',
  'Plural',
  'Uncountable',
  'Infinitive',
  'PastTense',
  'Gerund',
  'Adjective',
  'Verb',
]);
/** Whether every word of a multi-word name is an everyday word in compromise's lexicon. */
function commonWords(name: string): boolean {
  const words = name.toLowerCase().split(/\s+/);
  return (
    // NOTE: one word in capitals ("MEMO", "NOTICE") is a label when it is an everyday word.
    (words.length > 1 || /^\p{Lu}{3,}$/u.test(name)) &&
    words.every((w) => {
      const tags = LEXICON[w] ?? LEXICON[w.replace(/s$/, '')];
      return tags !== undefined && [tags].flat().some((t) => COMMON_TAGS.has(t));
    })
  );
}

/** Whether a one-word name is an everyday noun in compromise's lexicon ("Board", "Trust"). */
function commonNoun(name: string): boolean {
  const tags = /\s/.test(name) ? undefined : LEXICON[name.toLowerCase()];
  return tags !== undefined && [tags].flat().some((t) => t === 'Singular' || t === 'Plural' || t === 'Uncountable');
}

/** Whether a one-word name is tagged a given name and not a place ("Jess", but not "Shannon" or "Florence"). */
function firstNameOnly(m: Mention, sentence: Sentence): boolean {
  const word = sentence.tokens[m.from];
  return (
    word !== undefined &&
    m.to - m.from === 1 &&
    /^\p{Lu}\p{Ll}+$/u.test(m.name) &&
    word.tags.has('FirstName') &&
    !['Place', 'City', 'Country', 'Region', 'Organization'].some((tag) => word.tags.has(tag))
  );
}

/**
 * "in Fenbridge", "Arnau Enginyers of Tarrant": a word after "in", or after "of" following a
 * name, is most often a place (a unit in a function's name is typed before: "in Procurement").
 */
const PLACE_IN = /(?:\b(?:in|across|around|outside)|\p{Lu}[\p{L}'’]*\s+of)\s+$/u;

/** Prepositions of place right before a name ("from Faro", "out of Wick", "at Anstruther"). */
const PLACE_PREPOSITION = /\b(?:at|from|out of|near|to|via)\s+$/i;
/**
 * Words right before a name that only one kind of thing follows: software is built with or
 * written in a technology, a company is joined, worked at or funded by, a place is where things
 * are based. A cue weighs like a relation pattern's implied type: a name's own words outweigh it.
 */
const CONTEXT_CUES: readonly (readonly [RegExp, ProseType])[] = [
  [/\b(?:built|written|implemented|rewritten|developed) (?:on|with|in|using)\s+$/i, 'technology'],
  [/\b(?:runs|running|run) on(?: top of)?\s+$/i, 'technology'],
  [/\b(?:based|headquartered|located|born|situated) in\s+$/i, 'location'],
  [
    /\b(?:joined|joins|join|works? for|worked for|employed by|(?:funded|sponsored|acquired|regulated|financed) by)\s+$/i,
    'organization',
  ],
];
const contextType = (before: string): ProseType | undefined => CONTEXT_CUES.find(([re]) => re.test(before))?.[1];

/** Nouns after a possessive that only a business has ("X's shareholders", "X's chief executive"). */
const BUSINESS_OWNED =
  /^(?:['’]s?)?\s+(?:[\w-]+\s+)?(?:operations|customers|shareholders|investors|headquarters|subsidiary|subsidiaries|portfolio|workforce|employees|board|chief executive|ceo|cfo|coo|cto|founders?|co-founders?|chairman|chairwoman|acquisition|revenues?|profits?|stores|hotels|factories|plants|offices|consultants|clients|merchants|invoices)\b/i;

/** A verb of making, supplying or running in the passive, right before its agent. */
const MADE_BY =
  /\b(?:supplied|built|made|manufactured|developed|designed|provided|hosted|operated|maintained|installed|delivered|sold|distributed) by\s+$/i;

/** People a business has, named right after it without a possessive ("Acme customers", "TallyCoin merchants"). */
const BUSINESS_PEOPLE = /^\s+(?:customers|merchants|shareholders|investors|employees|staff|subscribers|clients)\b/i;

/**
 * "at" or "from" after a unit, a person's job, a thing bought or a grant: the name after it is an
 * organisation's ("the lab at Helix", "engineers at Tally", "a platform from Clerkwell").
 */
const ORG_PREPOSITION =
  /\b(?:team|teams|lab|labs|group|unit|staff|colleagues?|engineers?|researchers?|scientists?|employees?|works|worked|working|employed|job|role|platform|software|products?|units|equipment|kit|system|systems|tools?|services|licen[cs]ed|bought|purchased|supplied|ordered|hired|rented|sourced|funding|grant|investment|contracts?)\s+(?:at|from)\s+$/i;
const camelCase = (name: string): boolean => /\p{Ll}\p{Lu}/u.test(name);
/** A one-word name with a capital after lowercase letters ("NetWarden"), not a Mc/Mac surname. */
const coined = (name: string): boolean => !/\s/.test(name) && camelCase(name) && !/^(?:Mc|Mac|O')/u.test(name);

/** Whether the words of a name are tagged a person's name by compromise's lexicon. */
const personTagged = (m: Mention, sentence: Sentence): boolean =>
  sentence.tokens.slice(m.from, m.to).some((w) => PERSON_TAGS.some((tag) => w.tags.has(tag)));

/** Whether the sentence around a name says it is a person's: a role before or after it, "said", a he/she after it. */
function personContext(m: Mention, sentence: Sentence): boolean {
  const start = m.start - sentence.start;
  const end = m.end - sentence.start;
  const text = sentence.text;
  const after = text.slice(end);
  return (
    PERSON_AFTER.test(after) ||
    PERSON_BEFORE.test(text.slice(Math.max(0, start - 40), start)) ||
    (personTagged(m, sentence) && /^[^.;]{0,80}\b(she|he|his|her|herself|himself)\b/i.test(after))
  );
}

/**
 * Whether the sentence around a name shows it is a thing, not a person: "the" before it ("the
 * Tui Mobile support team"), or "its" after it before any he/she ("Tui Mobile will upgrade its sites").
 */
function thingContext(m: Mention, sentence: Sentence): boolean {
  const start = m.start - sentence.start;
  const before = sentence.text.slice(Math.max(0, start - 12), start);
  const after = sentence.text.slice(m.end - sentence.start);
  return (
    /\bthe\s+$/i.test(before) ||
    /^\s+(?:\w+\s+){1,3}its\b/i.test(after) ||
    // "takes over at Villa Serena", "who led Villa Serena": places and units are where people work and what they lead.
    /\b(?:at|in|into|inside|within|joined|joins|led|leads|heads|headed|manages|managed|runs|ran)\s+$/i.test(before)
  );
}

/**
 * One type per name over the whole document: the type any mention was given (the most frequent),
 * else a person's when the context says so (a role after the name, "said"; a first name or surname
 * used alone elsewhere), else an organisation for a name of several words or one that recurs.
 * Names nothing types and that occur once as a single word are dropped (most are sentence-initial
 * or generic capitalised words).
 */
export interface TypedMention {
  readonly m: Mention;
  readonly type: ProseType | undefined;
  /** The mention's own words typed it (rather than a relation pattern around it). */
  readonly byWords: boolean;
  readonly sentence: Sentence;
}

export function documentTypes(found: readonly TypedMention[]): Map<string, ProseType> {
  const votes = new Map<string, Map<ProseType, number>>();
  const count = new Map<string, number>();
  const personal = new Set<string>();
  /** Names a context shows are things: "the X", "X … its". */
  const things = new Set<string>();
  /** Names a role, "said" or a he/she around them shows are people's. */
  const roled = new Set<string>();
  const placeHinted = new Set<string>();
  /** Names after a preposition of place that a unit, a thing or employment does not precede ("the lab at Helix"). */
  const orgHinted = new Set<string>();
  /** Names after "at", "near", "via", "out of" (not "from" or "to", which also take companies and software). */
  const siteHinted = new Set<string>();
  for (const { m, type, byWords, sentence } of found) {
    const k = m.name.toLowerCase();
    const before = sentence.text.slice(Math.max(0, m.start - sentence.start - 48), m.start - sentence.start);
    // NOTE: what people join, lead or run is a body, even where it is also somewhere they work ("led Villa Serena").
    if (ORG_PREPOSITION.test(before) || /\b(?:joined|joins|led|leads|heads|headed|runs|ran)\s+$/i.test(before))
      orgHinted.add(k);
    // NOTE: "supplied by Norlux", "built by Ticketeo": what makes, supplies or runs a thing is a body.
    else if (MADE_BY.test(before)) orgHinted.add(k);
    else if (PLACE_PREPOSITION.test(before.slice(-8))) {
      placeHinted.add(k);
      if (!/\b(?:from|to)\s+$/i.test(before)) siteHinted.add(k);
    } else if (PLACE_IN.test(before)) placeHinted.add(k);
    count.set(k, (count.get(k) ?? 0) + 1);
    if (personShaped(m, sentence) && (personContext(m, sentence) || personTagged(m, sentence))) personal.add(k);
    if (thingContext(m, sentence)) things.add(k);
    if (personContext(m, sentence)) roled.add(k);
    // "Fieldwise's operations", "Solmar's shareholders": what only a business has makes its owner one.
    // NOTE: "TallyCoin merchants": people a business serves or employs, right after its name, make it one too.
    const after = sentence.text.slice(m.end - sentence.start);
    const owner =
      ((sentence.tokens[m.to - 1]?.possessive === true && BUSINESS_OWNED.test(after)) ||
        BUSINESS_PEOPLE.test(after) ||
        // "Brackwell, whose database consultants": "whose" is the name's possessive.
        (/^,\s*whose\b/i.test(after) && BUSINESS_OWNED.test(after.replace(/^,\s*whose\b/i, '')))) &&
      !personShaped(m, sentence);
    // The verb or preposition before a name says what kind of thing takes it ("built with X", "based in X").
    const cued = contextType(sentence.text.slice(Math.max(0, m.start - sentence.start - 40), m.start - sentence.start));
    if (cued !== undefined && m.type === undefined) {
      const v = votes.get(k) ?? new Map<ProseType, number>();
      votes.set(k, v.set(cued, (v.get(cued) ?? 0) + 0.6));
    }
    if (owner) {
      const v = votes.get(k) ?? new Map<ProseType, number>();
      votes.set(k, v.set('organization', (v.get('organization') ?? 0) + 1.5));
    }
    if (type === undefined) continue;
    const v = votes.get(k) ?? new Map<ProseType, number>();
    // NOTE: the majority type wins; what the words of a mention say outweighs what a relation implies.
    // A type noun after a name of several words ("the Security Platform team") outweighs its last word
    // elsewhere; after one word it may name a place's unit ("the Leeds team").
    const stated = m.stated === true && /\s/.test(m.name);
    v.set(type, (v.get(type) ?? 0) + (stated && byWords ? 3 : byWords ? 1 : 0.6));
    votes.set(k, v);
  }
  const out = new Map<string, ProseType>();
  /** Names typed by the fallback, not by any evidence. */
  const guessed = new Set<string>();
  for (const { m, sentence } of found) {
    const k = m.name.toLowerCase();
    if (out.has(k)) continue;
    // NOTE: a person's type that only compromise's name tags gave gives way to a thing's context.
    const doubted = things.has(k) && !roled.has(k);
    const voted = [...(votes.get(k)?.entries() ?? [])]
      .filter(([type]) => !(doubted && type === 'person'))
      .sort((a, b) => b[1] - a[1])[0]?.[0];
    // What the context says of a person outweighs the organisation fallback of patterns and tags.
    if (
      personal.has(k) &&
      !things.has(k) &&
      (voted === undefined || voted === 'organization' || voted === 'location')
    ) {
      out.set(k, 'person');
      continue;
    }
    if (voted !== undefined) {
      out.set(k, voted);
      continue;
    }
    // A lone word compromise knows as a given name, and not as a place, is a person called by first
    // name ("Jess here", "Ben on the survey"); resolution joins it to the full name.
    if (firstNameOnly(m, sentence)) {
      out.set(k, 'person');
      guessed.add(k);
      continue;
    }
    // A plain capitalised word seen once and typed by nothing is most often no name (an acronym, a
    // CamelCase or numbered word still is).
    const plainWord = !/\s/.test(m.name) && /^\p{Lu}\p{Ll}+$/u.test(m.name);
    if (plainWord && (count.get(k) ?? 0) < 2) {
      // NOTE: except after a preposition of place ("a report from Faro", "built at Anstruther").
      if (placeHinted.has(k) || orgHinted.has(k)) {
        out.set(k, orgHinted.has(k) ? 'organization' : 'location');
        guessed.add(k);
      }
      continue;
    }
    // A code of letters and digits ("XR-450", "A350neo") names a model or a product, rarely a company.
    // NOTE: "HER2-low": a lowercase word after the hyphen makes an English compound, not a name.
    if (/^[\p{L}\d]+-\p{Ll}+$/u.test(m.name) && /\d/.test(m.name)) continue;
    if (/^(?=.*\d)(?=.*\p{Lu})[\p{L}\d]+(?:-[\p{L}\d]+)*$/u.test(m.name)) out.set(k, 'product');
    // NOTE: capitalised everyday words that nothing types ("Press Release", "Loading Dock") are
    // headings or emphasis, not names.
    // NOTE: "the Board", "the Trust": an everyday noun in capitals after "the" refers back to a body named in full.
    else if (!commonWords(m.name) && !(things.has(k) && commonNoun(m.name))) {
      // NOTE: a name nothing types that is only ever a place's ("sites at Pukeora and Te Mata") is one.
      const site = siteHinted.has(k) && !orgHinted.has(k) && !camelCase(m.name);
      // NOTE: a coined word with a capital inside ("NetWarden", "SiteBook") is far more often a
      // product than a company when nothing else types it.
      out.set(k, site ? 'location' : coined(m.name) ? 'product' : FALLBACK_TYPE);
      // NOTE: a place's preposition is evidence a list neighbour may share ("at Pukeora and Te Mata").
      if (!site) guessed.add(k);
    }
  }
  shareAcrossDocument(found, out, guessed);
  shortForms(found, out, guessed);
  return out;
}

/**
 * Items of one list are things of one kind, over the whole document: a list item that only the
 * fallback typed, or that nothing typed, takes the type its neighbour has from evidence elsewhere
 * ("sponsored by Netherby and Ostrava Cloud" once Ostrava Cloud is known; "from Unity to Godot"
 * once "Godot 4" said Godot is software).
 */
function shareAcrossDocument(found: readonly TypedMention[], out: Map<string, ProseType>, guessed: Set<string>): void {
  const shared = new Map<string, ProseType>();
  for (const { m: a, sentence } of found) {
    const b = sentence.mentions[sentence.mentions.indexOf(a) + 1];
    if (b === undefined || !listJoined(a, b, sentence, true)) continue;
    for (const [to, from] of [
      [a, b],
      [b, a],
    ] as const) {
      const k = to.name.toLowerCase();
      const type = out.get(from.name.toLowerCase());
      // NOTE: a guess passes only to a name nothing typed (a word seen once beside a name is a name too).
      const takes = !out.has(k) || (guessed.has(k) && !guessed.has(from.name.toLowerCase()));
      if (type !== undefined && takes && !to.aliases.length && (type === 'person') === personShaped(to, sentence))
        shared.set(k, type);
    }
  }
  for (const [k, type] of shared) {
    out.set(k, type);
    guessed.delete(k);
  }
}

/**
 * A one-word name that begins or ends one longer name of the document is its short form ("Helix"
 * for Helix Biosciences, "Okafor" for Amara Okafor, "Leeds" for the University of Leeds): it takes
 * that name's type unless its own words gave it a type other than a place or an organisation (a
 * guess, such as a lone given name, gives way).
 */
function shortForms(found: readonly TypedMention[], out: Map<string, ProseType>, guessed: ReadonlySet<string>): void {
  const longer = new Map<string, Set<ProseType>>();
  for (const [name, type] of out) {
    const words = name.split(/\s+/);
    if (words.length < 2) continue;
    for (const w of new Set([words[0] ?? '', words.at(-1) ?? '']))
      longer.set(w, (longer.get(w) ?? new Set<ProseType>()).add(type));
  }
  // "Pemberton Hale" beside "Pemberton Hale LLP": a name that an organisation's suffix completes
  // elsewhere is that organisation, even where its words looked like a person's or a place's.
  for (const [name, type] of [...out]) {
    const words = name.split(/\s+/);
    const suffix = words.at(-1) ?? '';
    if (type !== 'organization' || words.length < 3) continue;
    if (!ORG_SUFFIXES.has(suffix.replace(/\.$/, '')) && NAME_HEADS[suffix] !== 'organization') continue;
    const short = words.slice(0, -1).join(' ');
    const own = out.get(short);
    if (own === 'person' || own === 'location' || guessed.has(short)) out.set(short, 'organization');
  }
  for (const { m, sentence } of found) {
    const k = m.name.toLowerCase();
    if (/\s/.test(k) || NAME_HEADS[k] !== undefined) continue;
    const types = longer.get(k);
    const own = out.get(k);
    // NOTE: a country or a city compromise knows stays a place beside a body named after it ("Kenya", "Kenya Seed Company").
    const knownPlace =
      sentence.tokens[m.from]?.tags.has('Country') === true || sentence.tokens[m.from]?.tags.has('City') === true;
    if (own === 'location' && knownPlace) continue;
    if (types?.size !== 1 || (own !== undefined && own !== 'location' && own !== 'organization' && !guessed.has(k)))
      continue;
    const [type] = types;
    if (type !== undefined) out.set(k, type);
  }
}
