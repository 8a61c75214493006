// Plain text into the document model: paragraphs separated by blank lines, with the text kept
// exactly as written so offsets are also offsets into the source.
import type { ParsedDocument, TextBlock } from './document-model.js';

/** Parses plain text; a paragraph is a run of non-blank lines. */
export function parsePlainText(name: string, source: string): ParsedDocument {
  const text = source.replace(/\r\n?/g, '\n');
  const blocks: TextBlock[] = [];
  const paragraph = /[^\n]*\S[^\n]*(?:\n[^\n]*\S[^\n]*)*/g;
  for (const m of text.matchAll(paragraph)) {
    const raw = m[0];
    const lead = raw.length - raw.trimStart().length;
    const body = raw.trim();
    const start = m.index + lead;
    blocks.push({ kind: 'paragraph', text: body, start, end: start + body.length });
  }
  return { name, format: 'text', text, blocks, tables: [], data: [] };
}
