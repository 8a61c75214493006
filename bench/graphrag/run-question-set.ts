// The file-kept question set's part of a run: its documents are ingested as one more tenant of
// the store under test, every question is asked in every mode (extractively, so the answer
// text is the engine's own), and the plain paragraph BM25 baseline answers the same questions
// over the same documents. Citations must stay within the tenant (counted like run-store's).
import type { Database } from '../../src/core/db.js';
import { makeKnowledgeService, QUERY_MODES, type QueryMode } from '../../src/knowledge/index.js';
import { ParagraphIndex } from './paragraph-bm25.js';
import { paragraphCitations, scoreSet, type Asked, type QuestionSet, type SetScore } from './question-set.js';

export interface QuestionSetFigures {
  readonly modes: Readonly<Record<QueryMode, SetScore>>;
  readonly bm25: SetScore;
  readonly foreignCitations: number;
}

/** Ingests `set` as `tenantId` into `db` and scores every mode and the baseline. */
export async function runQuestionSet(db: Database, tenantId: string, set: QuestionSet): Promise<QuestionSetFigures> {
  const kg = makeKnowledgeService({ db });
  for (const d of set.documents) await kg.ingest(tenantId, d);
  const own = new Set(set.documents.map((d) => d.documentId));
  let foreignCitations = 0;
  const modes = {} as Record<QueryMode, SetScore>;
  for (const mode of QUERY_MODES) {
    const answers: Asked[] = [];
    for (const q of set.questions) {
      const a = await kg.query(tenantId, q.question, mode, { llm: 'off' });
      foreignCitations += a.citations.filter((c) => !own.has(c.documentId)).length;
      answers.push({ citations: a.citations, answer: a.answer });
    }
    modes[mode] = scoreSet(set.questions, answers);
  }
  const index = await ParagraphIndex.of(set.documents);
  const bm25 = scoreSet(
    set.questions,
    set.questions.map((q) => paragraphCitations(index.search(q.question, 5))),
  );
  return { modes, bm25, foreignCitations };
}
