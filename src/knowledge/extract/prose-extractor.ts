// Deterministic extraction from prose: typed mentions (prose-mentions) become entity records,
// relation patterns between mentions of one sentence become relation records, with lists
// ("uses X, Y and Z") and shared subjects ("reads from X and writes to Y") followed. Headings
// (and plain-text title lines) give only names their own words type, never relations.
import nlp from 'compromise';
import type { TextBlock } from '../parse/document-model.js';
import { emptyRecords, type GraphRecords } from './graph-records.js';
import {
  findMentions,
  namesInsideSentences,
  tokeniseProse,
  type Mention,
  type KnownNames,
  type Sentence,
} from './prose-mentions.js';
import { FIRST_HEADS, NAME_HEADS, TRAILING_HEADS } from './prose-heads.js';
import { ORG_SUFFIXES, type ProseType } from './prose-lexicon.js';
import { LIST_CONTINUATION, matchRelation, SHARED_SUBJECT, type RelationPattern } from './relation-patterns.js';

/** Type given to a capitalised name nothing else types (most such names in business text are organisations). */
const FALLBACK_TYPE: ProseType = 'organization';

interface Found {
  readonly source: Mention;
  readonly target: Mention;
  readonly pattern: RelationPattern;
  /** The earlier of the two mentions (the subject an appositive returns to). */
  readonly head: Mention;
  /** Matched words began with a comma (an appositive or a relative clause). */
  readonly appositive?: boolean;
}

/** A lowercase type noun right after a name, before the words of a relation ("team led by"). */
const TRAILING_NOUN = new RegExp(`^(?:${Object.keys(TRAILING_HEADS).join('|')})\\b,? ?`);

/** The mention a relation reached last in reading order. */
const laterOf = (f: Found): Mention => (f.pattern.reverse ? f.source : f.target);

/** Relations of one sentence, in order. */
function sentenceRelations(sentence: Sentence, text: string, base: number): Found[] {
  const ms = sentence.mentions;
  // NOTE: an abbreviation in parentheses right after a name is part of the name, not of the words between.
  const between = (a: Mention, b: Mention): string => {
    const words = text
      .slice(a.end - base, b.start - base)
      .replace(/^\s*\([^)]*\)/, '')
      // NOTE: a version after a name is an alias's part, not a word of the relation ("Quill 3.0 needs X").
      .replace(/^\s*v?\d+(?:\.\d+)+(?=\s)/, '')
      .toLowerCase()
      .replace(/\s+/g, ' ')
      .trim()
      // NOTE: a closed appositive without a name adds nothing to the relation after it ("Rally, our
      // matchmaking service, which is hosted on Nimbus") and a type noun after a name is no verb
      // ("the Ops team led by X").
      .replace(/^, (?:the|our|its|their|a|an) [^,;:()]{1,60}, (?=\S)/, ', ')
      .replace(TRAILING_NOUN, (noun) => (noun.includes(',') ? ', ' : ''))
      .trim();
    // "X's Y": patterns read the possessive ("'s chief executive,").
    return /['’]s$/.test(text.slice(a.start - base, a.end - base)) ? `'s ${words}`.trim() : words;
  };
  const found: Found[] = [];
  let last: Found | undefined;
  for (let i = 0; i + 1 < ms.length; i++) {
    const a = ms[i] as Mention;
    const b = ms[i + 1] as Mention;
    const words = between(a, b);
    // NOTE: a list goes on only with items of the kind the pattern wants ("signed by X's chief
    // executive, Y, and Lumio co-founder Z": Lumio is no second chief executive).
    const wanted = last?.pattern.reverse === true ? last.pattern.sourceType : last?.pattern.targetType;
    const fits = wanted !== 'person' || b.type === 'person' || (b.type === undefined && personShaped(b, sentence));
    if (last !== undefined && laterOf(last) === a && LIST_CONTINUATION.test(words) && fits) {
      found.push((last = last.pattern.reverse ? { ...last, source: b } : { ...last, target: b }));
      continue;
    }
    // NOTE: "and" after an appositive ("led by X, head of Y, and funded by Z") goes back to a subject the appositive hides.
    const shared =
      last !== undefined && laterOf(last) === a && last.appositive !== true ? SHARED_SUBJECT.exec(words) : null;
    const sharedPattern = shared ? matchRelation(` ${shared[1] ?? ''}`.trim(), b.type) : undefined;
    if (last !== undefined && sharedPattern !== undefined) {
      const subject = last.head;
      found.push(
        (last = sharedPattern.reverse
          ? { source: b, target: subject, pattern: sharedPattern, head: subject }
          : { source: subject, target: b, pattern: sharedPattern, head: subject }),
      );
      continue;
    }
    const pattern = matchRelation(words, b.type);
    if (pattern === undefined) continue;
    // "X, the CTO of Y, leads Z": after an appositive closes with a comma, X is the subject again.
    const closesAppositive =
      last !== undefined && laterOf(last) === a && last.appositive === true && words.startsWith(',');
    const subject = closesAppositive && last !== undefined ? last.head : a;
    const appositive = words.startsWith(',');
    found.push(
      (last = pattern.reverse
        ? { source: b, target: subject, pattern, appositive, head: subject }
        : { source: subject, target: b, pattern, appositive, head: subject }),
    );
  }
  return found;
}

/** The names a subject pronoun may stand for: the last thing a sentence opened with, the last person named. */
interface Antecedents {
  thing?: Mention;
  person?: Mention;
}

/** Subject pronouns and what they stand for. */
const PRONOUNS: Readonly<Record<string, keyof Antecedents>> = { it: 'thing', she: 'person', he: 'person' };

/**
 * The sentence's mentions with its subject pronouns read as the names they stand for ("It is run
 * by X", "she leads Y"): a pronoun stands for the subject of the sentences before when that was a
 * thing, or for the last person named. A pronoun's mention takes the pronoun's span, so relation
 * patterns read the words after it.
 */
function pronounMentions(sentence: Sentence, base: number, antecedents: Antecedents): readonly Mention[] {
  const pronouns: Mention[] = [];
  sentence.tokens.forEach((t, k) => {
    // NOTE: "IT" in capitals is the department, never the pronoun.
    const kind = t.text === 'IT' ? undefined : PRONOUNS[t.lower];
    const start = base + t.start;
    // NOTE: a person named earlier in the same sentence comes first ("X - researcher; he coordinates Y").
    const before =
      kind === 'person'
        ? sentence.mentions.findLast((m) => m.end <= start && (m.type === 'person' || personShaped(m, sentence)))
        : undefined;
    const meant = kind === undefined || t.possessive ? undefined : (before ?? antecedents[kind]);
    if (meant === undefined) return;
    pronouns.push({ ...meant, start, end: start + t.text.length, from: k, to: k + 1 });
  });
  if (pronouns.length === 0) return sentence.mentions;
  return [...sentence.mentions, ...pronouns].sort((a, b) => a.start - b.start);
}

/** Keeps the subject of a sentence (its first mention, a thing) and its last person for the pronouns after it. */
function noteAntecedents(sentence: Sentence, antecedents: Antecedents): void {
  // NOTE: a sentence opening with "It" keeps the thing "it" stood for; a place is no subject "it" returns to.
  const first = sentence.mentions[0];
  if (first !== undefined && !personShaped(first, sentence) && first.type !== 'person' && first.type !== 'location')
    antecedents.thing = first;
  const person = sentence.mentions.findLast((m) => personShaped(m, sentence) || m.type === 'person');
  if (person !== undefined) antecedents.person = person;
}

/** Words joining the items of a list ("A, B and C", "A or B", "from A to B"). */
const LIST_JOIN = /^(?:,|,?\s*and|,?\s*or|\/|and\s+(?:the|a|an)|,\s*(?:the|a|an))$/;

/**
 * Whether two neighbouring mentions of a sentence are items of one list; `strict` asks for "and",
 * "or" or "from … to" (a bare comma also opens an appositive: "CLD-204, Caldera's lead drug").
 */
function listJoined(a: Mention, b: Mention, sentence: Sentence, strict = false): boolean {
  const text = sentence.text;
  const at = (offset: number): number => offset - sentence.start;
  const words = text.slice(at(a.end), at(b.start)).trim().toLowerCase().replace(/\s+/g, ' ');
  return (
    (LIST_JOIN.test(words) && !(strict && /^,(?: (?:the|a|an))?$/.test(words))) ||
    (words === 'to' && /\bfrom\s*$/i.test(text.slice(Math.max(0, at(a.start) - 6), at(a.start))))
  );
}

/**
 * Items of one list are things of one kind: an item nothing typed takes the type of the item
 * beside it that its words typed ("Palma and Barcelona", "from Unity to Godot").
 */
function shareAcrossLists(sentence: Sentence, implied: Map<Mention, ProseType>): void {
  const ms = sentence.mentions;
  const typeOf = (m: Mention): ProseType | undefined => m.type ?? implied.get(m);
  for (let pass = 0; pass < 2; pass++)
    for (let i = 0; i + 1 < ms.length; i++) {
      const a = ms[i] as Mention;
      const b = ms[i + 1] as Mention;
      if (!listJoined(a, b, sentence)) continue;
      const ta = typeOf(a);
      const tb = typeOf(b);
      // NOTE: a person's name beside a team's is an owner and a unit ("owner: X, Platform"), not a list of one kind.
      // A person's type passes only to a name shaped like a person's ("Ottilie Marsh and Ben Hale").
      const passes = (to: Mention, type: ProseType): boolean => (type === 'person') === personShaped(to, sentence);
      if (ta === undefined && tb !== undefined && passes(a, tb)) implied.set(a, tb);
      if (tb === undefined && ta !== undefined && passes(b, ta)) implied.set(b, ta);
    }
}

/** Entity and relation records of prose blocks and of the headings above them. */
export function proseRecords(blocks: readonly TextBlock[]): GraphRecords {
  const out = emptyRecords();
  const split = blocks.flatMap(titleLine);
  const headings = split.filter((b) => b.kind === 'heading');
  const tokenised = split
    .filter((b) => b.kind !== 'heading')
    .map((block) => ({ block, sentences: tokeniseProse(block.text) }));
  const known = namesInsideSentences(tokenised.flatMap((t) => t.sentences));
  const found: TypedMention[] = [];
  const held: { readonly r: Found; readonly sentence: Sentence }[] = [];
  const antecedents: Antecedents = {};
  for (const { block, sentences } of tokenised) {
    for (const tokenisedSentence of sentences) {
      const sentence = findMentions(tokenisedSentence, block.text, block.start, known);
      const withPronouns = { ...sentence, mentions: pronounMentions(sentence, block.start, antecedents) };
      const relations = sentenceRelations(withPronouns, block.text, block.start).filter(
        (r) => sentence.mentions.includes(r.source) || sentence.mentions.includes(r.target),
      );
      noteAntecedents(withPronouns, antecedents);
      // Patterns imply the types of their ends when the words did not tell them.
      const implied = new Map<Mention, ProseType>();
      // NOTE: a pattern makes a person only of a name shaped like one ("Kestrel is running Greenlane").
      const imply = (m: Mention, type: ProseType | undefined): void => {
        if (m.type === undefined && type !== undefined) implied.set(m, type);
      };
      const isPerson = (m: Mention): boolean =>
        m.type === 'person' || (m.type === undefined && personShaped(m, sentence));
      for (const r of relations) {
        // NOTE: when the end a pattern wants a person is not one, the reading is doubtful and implies nothing.
        if (r.pattern.sourceType === 'person' && !isPerson(r.source)) continue;
        if (r.pattern.targetType === 'person' && !isPerson(r.target)) continue;
        imply(r.source, r.pattern.sourceType);
        imply(r.target, r.pattern.targetType);
      }
      shareAcrossLists(sentence, implied);
      for (const m of sentence.mentions)
        found.push({ m, type: m.type ?? implied.get(m), byWords: m.type !== undefined, sentence });
      for (const r of relations) held.push({ r, sentence });
    }
  }
  // NOTE: headings count only above running text; a table document's headings are labels of its tables.
  if (tokenised.reduce((n, t) => n + t.sentences.length, 0) >= RUNNING_TEXT)
    found.push(...headingMentions(headings, known));
  const typeOfName = documentTypes(found);
  // NOTE: relation types that depend on an end's type are decided with the document's types, so a
  // name typed in another sentence ("joined Northwind" once Northwind is a company) counts.
  for (const { r, sentence } of held) {
    const targetType = typeOfName.get(r.target.name.toLowerCase());
    const sourceType = typeOfName.get(r.source.name.toLowerCase());
    if (r.pattern.requireSource !== undefined && r.pattern.requireSource !== sourceType) continue;
    if (r.pattern.targetIs !== undefined && r.pattern.targetIs !== targetType) continue;
    if (targetType !== undefined && r.pattern.skipTargets?.includes(targetType)) continue;
    // NOTE: a place where the pattern wants a person or a unit ("moved to Seattle to lead the
    // region", "the team in Leeds led by X") is a misreading of the words around it.
    const misplaced = (type: ProseType | undefined, wanted: ProseType | undefined): boolean =>
      type === 'location' && (wanted === 'person' || wanted === 'team');
    if (misplaced(sourceType, r.pattern.sourceType) || misplaced(targetType, r.pattern.targetType)) continue;
    const reversed = targetType === undefined ? undefined : r.pattern.reverseByTarget?.[targetType];
    const type = (targetType === undefined ? undefined : r.pattern.byTarget?.[targetType]) ?? r.pattern.type;
    // NOTE: "our first store in Scotland, in Glasgow": a country or region is never inside a city.
    const region = (m: Mention): boolean =>
      sentence.tokens.slice(m.from, m.to).some((t) => t.tags.has('Country') || t.tags.has('Region'));
    const outward =
      type === 'located_in' &&
      sourceType === 'location' &&
      targetType === 'location' &&
      region(r.source) &&
      !region(r.target);
    out.relations.push({
      source: reversed === undefined && !outward ? r.source.name : r.target.name,
      target: reversed === undefined && !outward ? r.target.name : r.source.name,
      type: reversed ?? type,
      method: 'prose',
      span: { start: sentence.start, end: sentence.end },
    });
  }
  for (const { m } of found) {
    const type = typeOfName.get(m.name.toLowerCase());
    if (type === undefined) continue;
    out.entities.push({
      name: m.name,
      type,
      aliases: m.aliases,
      method: 'prose',
      span: { start: m.start, end: m.end },
    });
  }
  return out;
}

/** A plain-text title line: a few words on their own line, no sentence punctuation at the end. */
const TITLE_LINE = /^([^\n]{1,80}?[^\s.!?:;,])[ \t]*\n(?=\s*\S)/;

/**
 * A paragraph whose first line is a title ("ROYAL FENWICK INFIRMARY", "2. Rotas" above the text of
 * a plain-text document): that line is a heading, the rest the paragraph.
 */
function titleLine(block: TextBlock): TextBlock[] {
  const title = block.kind === 'paragraph' ? TITLE_LINE.exec(block.text) : null;
  const line = title?.[1];
  // NOTE: "Policy owner: X" is a field and its value, read as text.
  if (title === null || line === undefined || line.split(/\s+/).length > 8 || /:\s/.test(line)) return [block];
  const rest = title[0].length;
  return [
    { kind: 'heading', text: line, start: block.start, end: block.start + line.length },
    { kind: block.kind, text: block.text.slice(rest), start: block.start + rest, end: block.end },
  ];
}

/** Sentences of body text from which a document is running prose rather than tables with captions. */
const RUNNING_TEXT = 5;

/**
 * Names in headings ("Ridgeway Power Networks — outage report"): a title is no sentence, so it
 * gives no relations, and its capitalised words are often plain words in title case; only a name
 * of several words that its head words type (a head noun, a legal suffix) or a person's name counts
 * (a signature's name line).
 */
function headingMentions(headings: readonly TextBlock[], known: KnownNames): TypedMention[] {
  const out: TypedMention[] = [];
  for (const block of headings)
    for (const s of tokeniseProse(block.text)) {
      const sentence = findMentions(s, block.text, block.start, known);
      for (const m of sentence.mentions)
        if (
          m.type !== undefined &&
          m.stated !== true &&
          m.to - m.from >= 2 &&
          (m.type === 'person' || headed(m, sentence))
        )
          out.push({ m, type: m.type, byWords: true, sentence });
    }
  return out;
}

/** Whether a name's own head words type it (a last word such as Air or Council, a first word such as Project). */
function headed(m: Mention, sentence: Sentence): boolean {
  const words = sentence.tokens.slice(m.from, m.to).map((t) => t.lower.replace(/\.$/, ''));
  const last = words.at(-1) ?? '';
  return NAME_HEADS[last] !== undefined || ORG_SUFFIXES.has(last) || FIRST_HEADS[words[0] ?? ''] !== undefined;
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
function personShaped(m: Mention, sentence: Sentence): boolean {
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
    !(last.tags.has('Plural') && !PERSON_TAGS.some((tag) => last.tags.has(tag)))
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
    words.length > 1 &&
    words.every((w) => {
      const tags = LEXICON[w] ?? LEXICON[w.replace(/s$/, '')];
      return tags !== undefined && [tags].flat().some((t) => COMMON_TAGS.has(t));
    })
  );
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

/** Prepositions of place right before a name ("from Faro", "out of Wick", "at Anstruther"). */
const PLACE_PREPOSITION = /\b(?:at|from|out of|near|to|via)\s+$/i;

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
 * One type per name over the whole document: the type any mention was given (the most frequent),
 * else a person's when the context says so (a role after the name, "said"; a first name or surname
 * used alone elsewhere), else an organisation for a name of several words or one that recurs.
 * Names nothing types and that occur once as a single word are dropped (most are sentence-initial
 * or generic capitalised words).
 */
interface TypedMention {
  readonly m: Mention;
  readonly type: ProseType | undefined;
  /** The mention's own words typed it (rather than a relation pattern around it). */
  readonly byWords: boolean;
  readonly sentence: Sentence;
}

function documentTypes(found: readonly TypedMention[]): Map<string, ProseType> {
  const votes = new Map<string, Map<ProseType, number>>();
  const count = new Map<string, number>();
  const personal = new Set<string>();
  const placeHinted = new Set<string>();
  for (const { m, type, byWords, sentence } of found) {
    const k = m.name.toLowerCase();
    if (
      PLACE_PREPOSITION.test(sentence.text.slice(Math.max(0, m.start - sentence.start - 8), m.start - sentence.start))
    )
      placeHinted.add(k);
    count.set(k, (count.get(k) ?? 0) + 1);
    if (personShaped(m, sentence) && (personContext(m, sentence) || personTagged(m, sentence))) personal.add(k);
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
    const voted = [...(votes.get(k)?.entries() ?? [])].sort((a, b) => b[1] - a[1])[0]?.[0];
    // What the context says of a person outweighs the organisation fallback of patterns and tags.
    if (personal.has(k) && (voted === undefined || voted === 'organization' || voted === 'location')) {
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
      if (placeHinted.has(k)) {
        out.set(k, 'location');
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
    else if (!commonWords(m.name)) {
      out.set(k, FALLBACK_TYPE);
      guessed.add(k);
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
  for (const { m } of found) {
    const k = m.name.toLowerCase();
    if (/\s/.test(k) || NAME_HEADS[k] !== undefined) continue;
    const types = longer.get(k);
    const own = out.get(k);
    if (types?.size !== 1 || (own !== undefined && own !== 'location' && own !== 'organization' && !guessed.has(k)))
      continue;
    const [type] = types;
    if (type !== undefined) out.set(k, type);
  }
}
