// Deterministic extraction from prose: typed mentions (prose-mentions) become entity records,
// relation patterns between mentions of one sentence become relation records, with lists
// ("uses X, Y and Z") and shared subjects ("reads from X and writes to Y") followed.
import type { TextBlock } from '../parse/document-model.js';
import { emptyRecords, type GraphRecords } from './graph-records.js';
import { findMentions, namesInsideSentences, tokeniseProse, type Mention, type Sentence } from './prose-mentions.js';
import type { ProseType } from './prose-lexicon.js';
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

/** The mention a relation reached last in reading order. */
const laterOf = (f: Found): Mention => (f.pattern.reverse ? f.source : f.target);

/** Relations of one sentence, in order. */
function sentenceRelations(sentence: Sentence, text: string, base: number): Found[] {
  const ms = sentence.mentions;
  // NOTE: an abbreviation in parentheses right after a name is part of the name, not of the words between.
  const between = (a: Mention, b: Mention): string =>
    text
      .slice(a.end - base, b.start - base)
      .replace(/^\s*\([^)]*\)/, '')
      .toLowerCase()
      .replace(/\s+/g, ' ')
      .trim();
  const found: Found[] = [];
  let last: Found | undefined;
  for (let i = 0; i + 1 < ms.length; i++) {
    const a = ms[i] as Mention;
    const b = ms[i + 1] as Mention;
    const words = between(a, b);
    if (last !== undefined && laterOf(last) === a && LIST_CONTINUATION.test(words)) {
      found.push((last = last.pattern.reverse ? { ...last, source: b } : { ...last, target: b }));
      continue;
    }
    const shared = last !== undefined && laterOf(last) === a ? SHARED_SUBJECT.exec(words) : null;
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

/** Entity and relation records of prose blocks. */
export function proseRecords(blocks: readonly TextBlock[]): GraphRecords {
  const out = emptyRecords();
  const tokenised = blocks.map((block) => ({ block, sentences: tokeniseProse(block.text) }));
  const known = namesInsideSentences(tokenised.flatMap((t) => t.sentences));
  for (const { block, sentences } of tokenised) {
    for (const tokenisedSentence of sentences) {
      const sentence = findMentions(tokenisedSentence, block.text, block.start, known);
      const relations = sentenceRelations(sentence, block.text, block.start);
      // Patterns imply the types of their ends when the words did not tell them.
      const implied = new Map<Mention, ProseType>();
      for (const r of relations) {
        if (r.source.type === undefined && r.pattern.sourceType !== undefined)
          implied.set(r.source, r.pattern.sourceType);
        if (r.target.type === undefined && r.pattern.targetType !== undefined)
          implied.set(r.target, r.pattern.targetType);
      }
      for (const m of sentence.mentions) {
        const type = m.type ?? implied.get(m) ?? FALLBACK_TYPE;
        out.entities.push({
          name: m.name,
          type,
          aliases: m.aliases,
          method: 'prose',
          span: { start: m.start, end: m.end },
        });
      }
      for (const r of relations) {
        const targetType = r.target.type ?? implied.get(r.target);
        const type = (targetType === undefined ? undefined : r.pattern.byTarget?.[targetType]) ?? r.pattern.type;
        out.relations.push({
          source: r.source.name,
          target: r.target.name,
          type,
          method: 'prose',
          span: { start: sentence.start, end: sentence.end },
        });
      }
    }
  }
  return out;
}
