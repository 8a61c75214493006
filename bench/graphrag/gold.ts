// The labelled question set's gold, resolved the way ingest sees the documents: each
// question's gold document is parsed and chunked exactly as `ingest` does (default chunk
// options), and its gold chunk is the one chunk whose text holds the question's evidence.
// Also hit@5: whether the gold chunk (or only the gold document) is among the first 5 citations.
import { chunkText, parseDocument, type Citation } from '../../src/knowledge/index.js';
import type { Corpus, Question } from './corpus.js';

export interface GoldQuestion extends Question {
  readonly chunkIndex: number;
}

/** Resolves every question's gold chunk; throws when evidence is missing or ambiguous. */
export async function resolveGold(corpus: Corpus): Promise<GoldQuestion[]> {
  const byId = new Map(corpus.documents.map((d) => [d.documentId, d]));
  const chunksOf = new Map<string, string[]>();
  const out: GoldQuestion[] = [];
  for (const q of corpus.questions) {
    const doc = byId.get(q.documentId);
    if (doc === undefined) throw new Error(`${q.id}: gold document ${q.documentId} is not in the corpus`);
    let chunks = chunksOf.get(doc.documentId);
    if (chunks === undefined) {
      chunks = chunkText((await parseDocument(doc.name, doc.bytes)).text).map((c) => c.text);
      chunksOf.set(doc.documentId, chunks);
    }
    const hits = chunks.flatMap((text, i) => (text.includes(q.evidence) ? [i] : []));
    if (hits.length !== 1)
      throw new Error(`${q.id}: evidence '${q.evidence}' is in ${hits.length} chunks of ${q.documentId}`);
    out.push({ ...q, chunkIndex: hits[0] as number });
  }
  return out;
}

/** Whether the gold chunk is among the first `k` citations. */
export const chunkHit = (q: GoldQuestion, citations: readonly Citation[], k = 5): boolean =>
  citations.slice(0, k).some((c) => c.documentId === q.documentId && c.chunkIndex === q.chunkIndex);

/** Whether any chunk of the gold document is among the first `k` citations. */
export const documentHit = (q: GoldQuestion, citations: readonly Citation[], k = 5): boolean =>
  citations.slice(0, k).some((c) => c.documentId === q.documentId);
