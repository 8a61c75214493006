// A question set kept as files (bench/blind/questions: documents beside a questions.json written
// blind), scored the way its NOTES.md says: a question is a hit@5 when one of the first 5
// citations is a document among its `sources` (or a file its `altSources` names as able to
// replace that source); all@5 asks the same of every source (what a multi-hop chain needs);
// answer facts are matched in the answer's text (answer-facts.ts). The set is read as it is:
// nothing here knows its file names, questions or entities.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Citation } from '../../src/knowledge/index.js';
import { factsFound } from './answer-facts.js';
import type { Paragraph, SourceDocument } from './paragraph-bm25.js';

export interface SetQuestion {
  readonly id: string;
  readonly question: string;
  readonly answerFacts: readonly string[];
  readonly sources: readonly string[];
  readonly hops: number;
  readonly kind: string;
  readonly altSources?: Readonly<Record<string, readonly string[]>>;
}

export interface QuestionSet {
  readonly documents: readonly SourceDocument[];
  readonly questions: readonly SetQuestion[];
}

/** Reads every file of `dir` but `questions.json` as a document (its file name is its id) and the questions. */
export async function loadQuestionSet(dir: string): Promise<QuestionSet> {
  const names = (await readdir(dir)).filter((n) => n !== 'questions.json').sort();
  const documents = await Promise.all(
    names.map(async (name) => ({ documentId: name, name, bytes: new Uint8Array(await readFile(join(dir, name))) })),
  );
  const questions = JSON.parse(await readFile(join(dir, 'questions.json'), 'utf8')) as SetQuestion[];
  return { documents, questions };
}

/** The documents that satisfy each source of `q`: the source itself and its alternatives. */
const sourceSets = (q: SetQuestion): Set<string>[] => q.sources.map((s) => new Set([s, ...(q.altSources?.[s] ?? [])]));

/** Whether one of the first `k` cited documents is a source of `q` (or its alternative). */
export function anySourceHit(q: SetQuestion, cited: readonly string[], k = 5): boolean {
  const top = new Set(cited.slice(0, k));
  return sourceSets(q).some((alts) => [...alts].some((d) => top.has(d)));
}

/** Whether every source of `q` (or its alternative) is among the first `k` cited documents. */
export function allSourcesHit(q: SetQuestion, cited: readonly string[], k = 5): boolean {
  const top = new Set(cited.slice(0, k));
  return sourceSets(q).every((alts) => [...alts].some((d) => top.has(d)));
}

/** One mode's (or the baseline's) figures over a question set. */
export interface SetScore {
  readonly questions: number;
  readonly hit5: number;
  readonly all5: number;
  /** hit@5 over the multi-document questions only. */
  readonly multiHit5: number;
  readonly multiAll5: number;
  /** Expected facts found in the answers' text, over all facts (undefined for the baseline). */
  readonly factRecall: number | undefined;
  /** Questions whose answer states every expected fact. */
  readonly factComplete: number | undefined;
  /** Ids of the questions missed at hit@5. */
  readonly missed: readonly string[];
}

export interface Asked {
  readonly citations: readonly Pick<Citation, 'documentId'>[];
  /** The answer text, when there is one (a search baseline has none). */
  readonly answer?: string;
}

/** Scores one mode over `questions`, given each question's answer. */
export function scoreSet(questions: readonly SetQuestion[], answers: readonly Asked[]): SetScore {
  let hit = 0;
  let all = 0;
  let multi = 0;
  let multiHit = 0;
  let multiAll = 0;
  let facts = 0;
  let found = 0;
  let complete = 0;
  let withText = 0;
  const missed: string[] = [];
  questions.forEach((q, i) => {
    const a = answers[i];
    const cited = (a?.citations ?? []).map((c) => c.documentId);
    const h = anySourceHit(q, cited);
    const every = allSourcesHit(q, cited);
    if (h) hit++;
    else missed.push(q.id);
    if (every) all++;
    if (q.hops > 1) {
      multi++;
      if (h) multiHit++;
      if (every) multiAll++;
    }
    if (a?.answer !== undefined) {
      withText++;
      const n = factsFound(q.answerFacts, a.answer);
      facts += q.answerFacts.length;
      found += n;
      if (n === q.answerFacts.length) complete++;
    }
  });
  const n = Math.max(1, questions.length);
  return {
    questions: questions.length,
    hit5: hit / n,
    all5: all / n,
    multiHit5: multiHit / Math.max(1, multi),
    multiAll5: multiAll / Math.max(1, multi),
    factRecall: withText === 0 ? undefined : found / Math.max(1, facts),
    factComplete: withText === 0 ? undefined : complete / n,
    missed,
  };
}

/** The baseline's answer: the documents of its first paragraphs, as citations. */
export const paragraphCitations = (paragraphs: readonly Paragraph[]): Asked => ({
  citations: paragraphs.map((p) => ({ documentId: p.documentId })),
});
