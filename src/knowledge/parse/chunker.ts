// Splits a document's text into chunks of bounded size at the best boundary available
// (paragraph, line, sentence, word), so every chunk is a span of the text and citations and
// provenance can point at it.
import type { Span } from './document-model.js';

export interface Chunk extends Span {
  /** Position of the chunk in its document, from 0. */
  readonly index: number;
  readonly text: string;
}

export interface ChunkOptions {
  /** Upper bound of a chunk's length in characters (default 1200). */
  readonly maxChars?: number;
  /** Characters of the previous chunk repeated at the start of the next (default 0). */
  readonly overlap?: number;
}

const BOUNDARIES: readonly RegExp[] = [/\n\s*\n/g, /\n/g, /[.!?]["')\]]?\s+/g, /\s+/g];

/** The end of the chunk starting at `start`: the last boundary of the strongest kind before the limit. */
function chunkEnd(text: string, start: number, limit: number): number {
  if (limit >= text.length) return text.length;
  const window = text.slice(start, limit);
  for (const boundary of BOUNDARIES) {
    let best = -1;
    for (const m of window.matchAll(boundary)) if (m.index > window.length / 3) best = m.index + m[0].length;
    if (best > 0) return start + best;
  }
  return limit;
}

/** Chunks `text`; whitespace-only chunks are skipped, spans are trimmed. */
export function chunkText(text: string, options: ChunkOptions = {}): Chunk[] {
  const maxChars = Math.max(64, options.maxChars ?? 1200);
  const overlap = Math.min(Math.max(0, options.overlap ?? 0), Math.floor(maxChars / 2));
  const chunks: Chunk[] = [];
  let start = 0;
  while (start < text.length) {
    const end = chunkEnd(text, start, start + maxChars);
    const raw = text.slice(start, end);
    const lead = raw.length - raw.trimStart().length;
    const body = raw.trim();
    if (body !== '')
      chunks.push({ index: chunks.length, start: start + lead, end: start + lead + body.length, text: body });
    start = end - overlap > start ? end - overlap : end;
  }
  return chunks;
}

/** The index of the chunk containing `offset` (the nearest before it when it falls in a gap). */
export function chunkAt(chunks: readonly Chunk[], offset: number): number {
  let lo = 0;
  let hi = chunks.length - 1;
  let found = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((chunks[mid] as Chunk).start <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
