// The baseline the graph's modes are measured against: plain Okapi BM25 (k1 = 1.2, b = 0.75)
// over paragraphs, no graph, no tricks (no rare-term candidates, no proximity bonus, no
// entities), in memory, as a generic search library would index the same documents. A
// paragraph is a block of the parsed text between blank lines; each remembers the chunk
// (as ingest chunks the text) it starts in, so chunk-level gold can score it too.
import { chunkText, parseDocument } from '../../src/knowledge/index.js';
import { termsOf } from '../../src/knowledge/graph/vocabulary.js';

export interface Paragraph {
  readonly documentId: string;
  /** The ingest chunk the paragraph starts in. */
  readonly chunkIndex: number;
  readonly text: string;
}

export interface SourceDocument {
  readonly documentId: string;
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** The paragraphs of a parsed text, each with the chunk it starts in. */
export function paragraphsOf(documentId: string, text: string): Paragraph[] {
  const chunks = chunkText(text);
  const out: Paragraph[] = [];
  const re = /\n[ \t]*\n/g;
  let start = 0;
  const push = (end: number): void => {
    const raw = text.slice(start, end);
    const body = raw.trim();
    if (body === '') return;
    const at = start + (raw.length - raw.trimStart().length);
    const chunk = chunks.findLast((c) => c.start <= at) ?? chunks[0];
    out.push({ documentId, chunkIndex: chunk?.index ?? 0, text: body });
  };
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    push(m.index);
    start = m.index + m[0].length;
  }
  push(text.length);
  return out;
}

const K1 = 1.2;
const B = 0.75;

/** An inverted index of paragraphs ranked by plain BM25. */
export class ParagraphIndex {
  readonly #paragraphs: Paragraph[] = [];
  readonly #lengths: number[] = [];
  /** term -> [paragraph, term frequency] pairs. */
  readonly #postings = new Map<string, [number, number][]>();

  /** Indexes every paragraph of every document (parsed as ingest parses it). */
  static async of(documents: readonly SourceDocument[]): Promise<ParagraphIndex> {
    const index = new ParagraphIndex();
    for (const d of documents)
      for (const p of paragraphsOf(d.documentId, (await parseDocument(d.name, d.bytes)).text)) index.add(p);
    return index;
  }

  get size(): number {
    return this.#paragraphs.length;
  }

  add(p: Paragraph): void {
    const id = this.#paragraphs.length;
    const terms = termsOf(p.text);
    this.#paragraphs.push(p);
    this.#lengths.push(terms.length);
    const tf = new Map<string, number>();
    for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const [t, f] of tf) {
      let list = this.#postings.get(t);
      if (list === undefined) this.#postings.set(t, (list = []));
      list.push([id, f]);
    }
  }

  /** The `k` best paragraphs for `question`, best first (ties by index order). */
  search(question: string, k: number): Paragraph[] {
    const n = this.#paragraphs.length;
    const avg = this.#lengths.reduce((a, b) => a + b, 0) / Math.max(1, n);
    const scores = new Map<number, number>();
    for (const term of new Set(termsOf(question))) {
      const list = this.#postings.get(term);
      if (list === undefined) continue;
      const idf = Math.log(1 + (n - list.length + 0.5) / (list.length + 0.5));
      for (const [id, f] of list) {
        const norm = 1 - B + (B * (this.#lengths[id] ?? 0)) / Math.max(1, avg);
        scores.set(id, (scores.get(id) ?? 0) + (idf * f * (K1 + 1)) / (f + K1 * norm));
      }
    }
    return [...scores]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, k)
      .map(([id]) => this.#paragraphs[id] as Paragraph);
  }
}
