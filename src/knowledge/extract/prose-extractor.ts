// Deterministic extraction from prose: typed mentions (prose-mentions) become entity records,
// relation patterns between mentions of one sentence become relation records, with lists
// ("uses X, Y and Z") and shared subjects ("reads from X and writes to Y") followed. Headings
// (and plain-text title lines) give only names their own words type, never relations.
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
import { documentTypes, listJoined, personShaped, type TypedMention } from './prose-document-types.js';
import { FIRST_HEADS, NAME_HEADS, TRAILING_HEADS } from './prose-heads.js';
import { ORG_SUFFIXES, type ProseType } from './prose-lexicon.js';
import { firstHolding } from './prose-relation-checks.js';
import { ourRelations, signatoryOf, signatoryRelations, writerOf } from './prose-self.js';
import {
  BASED_AFTER,
  BASED_DESCRIBED,
  LIST_CONTINUATION,
  matchRelation,
  matchRelations,
  REPLACE_WITH,
  REPLACED_WITH,
  SHARED_SUBJECT,
  type RelationPattern,
} from './relation-patterns.js';

interface Found {
  readonly source: Mention;
  readonly target: Mention;
  readonly pattern: RelationPattern;
  /** The earlier of the two mentions (the subject an appositive returns to). */
  readonly head: Mention;
  /** Matched words began with a comma (an appositive or a relative clause). */
  readonly appositive?: boolean;
  /** Later patterns of the same direction that the words match too, tried when `pattern` does not hold. */
  readonly alternatives?: readonly RelationPattern[];
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
      // NOTE: "Glint, the reporting service owned by X": the noun of an open appositive before a participle.
      .replace(
        /^, (?:the|our|its|their|a|an) (?:[\w-]+ ){0,4}(?=(?:owned|run|built|maintained|consumed|operated|managed|developed|held) by\b)/,
        ', ',
      )
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
    const person = b.type === 'person' || (b.type === undefined && personShaped(b, sentence));
    // NOTE: nor with a person where the pattern wants another kind ("supplied by Arkive Ltd, and Tom Ferris …").
    const fits = wanted === 'person' ? person : wanted === undefined || !person;
    // NOTE: "funded by X, and Y is the principal contractor": a name before a verb opens a new clause;
    // "advised by X and Novara by Y": before "by" it is the subject of the verb left out.
    const clause = /^(?:is|are|was|were|has|have|had|will|by)$/.test(sentence.tokens[b.to]?.lower ?? '');
    if (last !== undefined && laterOf(last) === a && LIST_CONTINUATION.test(words) && fits && !clause) {
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
    // "replace X with Y", "swap X for Y": the verb comes before both names.
    const lead = text.slice(Math.max(0, a.start - base - 24), a.start - base);
    const based = BASED_AFTER.test(text.slice(b.end - base, b.end - base + 16)) && BASED_DESCRIBED.pattern.test(words);
    const pattern =
      REPLACED_WITH.test(lead) && /^(?:with|for|by)$/.test(words)
        ? REPLACE_WITH
        : based
          ? BASED_DESCRIBED
          : matchRelation(words, b.type);
    if (pattern === undefined) continue;
    // NOTE: "owned by the Infirmary's parent organisation, X": a possessive names the owner of the end, not the end.
    const owner = sentence.tokens[b.to - 1];
    if (owner?.possessive === true && /^\p{Ll}/u.test(sentence.tokens[b.to]?.text ?? '')) continue;
    // "X, the CTO of Y, leads Z": after an appositive closes with a comma, X is the subject again.
    // NOTE: "the Route Engineering team in Leeds, led by X": a place the subject was put in is no subject.
    const placed = last?.pattern.type === 'located_in' && last.pattern.reverse !== true && last.target === a;
    const closesAppositive =
      last !== undefined && laterOf(last) === a && (last.appositive === true || placed) && words.startsWith(',');
    const subject = closesAppositive && last !== undefined ? last.head : a;
    const appositive = words.startsWith(',');
    const alternatives = matchRelations(words, b.type).filter(
      (p) => p !== pattern && (p.reverse === true) === (pattern.reverse === true),
    );
    found.push(
      (last = pattern.reverse
        ? { source: b, target: subject, pattern, appositive, head: subject, alternatives }
        : { source: subject, target: b, pattern, appositive, head: subject, alternatives }),
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
        // NOTE: a thing is replaced by a thing of its kind ("replace Scanwise with DocuFlow, our capture platform").
        if (r.pattern.type === 'replaces') {
          imply(r.source, r.target.type ?? implied.get(r.target));
          imply(r.target, r.source.type ?? implied.get(r.source));
        }
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
  // NOTE: software bought or licensed from a vendor is a product, whatever noun described it (bench/blind/NOTES.md).
  for (const { r } of held) {
    const k = r.source.name.toLowerCase();
    const type = typeOfName.get(k);
    const reading = firstHolding(
      [r.pattern, ...(r.alternatives ?? [])],
      type,
      typeOfName.get(r.target.name.toLowerCase()),
    );
    if (reading?.type === 'supplied_by' && (type === 'service' || type === 'organization'))
      typeOfName.set(k, 'product');
  }
  // NOTE: relation types that depend on an end's type are decided with the document's types, so a
  // name typed in another sentence ("joined Northwind" once Northwind is a company) counts.
  for (const { r, sentence } of held) {
    const targetType = typeOfName.get(r.target.name.toLowerCase());
    const sourceType = typeOfName.get(r.source.name.toLowerCase());
    const pattern = firstHolding([r.pattern, ...(r.alternatives ?? [])], sourceType, targetType);
    if (pattern === undefined) continue;
    const reversed = targetType === undefined ? undefined : pattern.reverseByTarget?.[targetType];
    const type = (targetType === undefined ? undefined : pattern.byTarget?.[targetType]) ?? pattern.type;
    // NOTE: "our first store in Scotland, in Glasgow": a country or region is never inside a city.
    const region = (m: Mention): boolean =>
      sentence.tokens.slice(m.from, m.to).some((t) => t.tags.has('Country') || t.tags.has('Region'));
    // NOTE: "in Belgium, the Netherlands and Poland": a country is never inside another.
    const country = (m: Mention): boolean => sentence.tokens.slice(m.from, m.to).some((t) => t.tags.has('Country'));
    if (type === 'located_in' && country(r.source) && country(r.target)) continue;
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
  const writer = writerOf(
    found.map((f) => f.m),
    typeOfName,
  );
  const sentences = [...new Set(found.map((f) => f.sentence))];
  const signatory = signatoryOf(found, typeOfName, Math.max(0, ...sentences.map((s) => s.end)));
  const seen = new Set(out.relations.map((r) => `${r.source}|${r.type}|${r.target}`.toLowerCase()));
  for (const sentence of sentences)
    for (const r of [
      ...(writer === undefined ? [] : ourRelations(sentence, writer, typeOfName)),
      ...(signatory === undefined ? [] : signatoryRelations(sentence, signatory, typeOfName)),
    ]) {
      const k = `${r.source}|${r.type}|${r.target}`.toLowerCase();
      if (!seen.has(k)) out.relations.push(r);
      seen.add(k);
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
  // NOTE: "BRELLAND INSURANCE PLC - INTERNAL MEMO" alone as a paragraph is a title line too.
  const alone = block.kind === 'paragraph' ? TITLE_LINE.exec(`${block.text.trimEnd()}\n.`) : null;
  if (alone !== null && alone[0].length >= block.text.trimEnd().length && !/:\s/.test(alone[1] ?? ''))
    if ((alone[1] ?? '').split(/\s+/).length <= 8) return [{ ...block, kind: 'heading' }];
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
