// Picks a document's format (by file name, then by sniffing its bytes) and runs the parser for
// it. The one entry point from bytes to the document model.
import { ValidationError } from '../core/errors.js';
import { parseData } from './data-parser.js';
import { parseDelimited } from './delimited-parser.js';
import type { DocumentFormat, ParsedDocument } from './document-model.js';
import { DOCUMENT_FORMATS } from './document-model.js';
import { parseDocx } from './docx-parser.js';
import { parseHtml } from './html-parser.js';
import { parseMarkdown } from './markdown-parser.js';
import { parsePdf } from './pdf-parser.js';
import { parsePlainText } from './plain-text-parser.js';

const BY_EXTENSION: Readonly<Record<string, DocumentFormat>> = {
  md: 'markdown', markdown: 'markdown', mdx: 'markdown',
  html: 'html', htm: 'html', xhtml: 'html',
  txt: 'text', text: 'text',
  csv: 'csv', tsv: 'tsv', tab: 'tsv',
  json: 'json', yaml: 'yaml', yml: 'yaml',
  pdf: 'pdf', docx: 'docx',
};
/** File extensions ingest reads (lower case, no dot); folders are walked for these. */
export const INGESTIBLE_EXTENSIONS: readonly string[] = Object.keys(BY_EXTENSION);

/** Documents larger than this are refused unless the caller raises the limit. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;

const startsWith = (bytes: Uint8Array, magic: readonly number[]): boolean => magic.every((b, i) => bytes[i] === b);

/** The format of a document: its extension if known, else what its first bytes look like. */
export function detectFormat(name: string, bytes: Uint8Array): DocumentFormat {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase();
  const known = ext === undefined ? undefined : BY_EXTENSION[ext];
  if (known !== undefined) return known;
  if (startsWith(bytes, [0x25, 0x50, 0x44, 0x46])) return 'pdf';
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return 'docx';
  const head = new TextDecoder().decode(bytes.subarray(0, 512)).trimStart();
  if (head.startsWith('{') || head.startsWith('[')) return 'json';
  if (/^<(!doctype html|html|head|body)/i.test(head)) return 'html';
  if (head.startsWith('---\n') || /^apiVersion:/m.test(head)) return /^---\n[\s\S]*?\n---\n/.test(head) && !/^apiVersion:/m.test(head) ? 'markdown' : 'yaml';
  return 'text';
}

export interface ParseOptions {
  /** Overrides detection. */
  readonly format?: DocumentFormat;
  readonly maxBytes?: number;
}

/** Decodes UTF-8 text, dropping a byte-order mark. */
function decode(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { ignoreBOM: false }).decode(bytes);
}

/**
 * Parses one document into the common model. Throws ValidationError for an unknown format, a
 * document over the size limit, or content its format's parser cannot read.
 */
export async function parseDocument(name: string, bytes: Uint8Array, options: ParseOptions = {}): Promise<ParsedDocument> {
  const max = options.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  if (bytes.byteLength > max) throw new ValidationError(`${name} is ${bytes.byteLength} bytes; the limit is ${max}`, { limit: max });
  const format = options.format ?? detectFormat(name, bytes);
  if (!DOCUMENT_FORMATS.includes(format)) throw new ValidationError(`unknown document format '${String(format)}'`);
  switch (format) {
    case 'markdown':
      return parseMarkdown(name, decode(bytes));
    case 'html':
      return parseHtml(name, decode(bytes));
    case 'text':
      return parsePlainText(name, decode(bytes));
    case 'csv':
    case 'tsv':
      return parseDelimited(name, decode(bytes), format);
    case 'json':
    case 'yaml':
      return parseData(name, decode(bytes), format);
    case 'pdf':
      return parsePdf(name, bytes);
    case 'docx':
      return parseDocx(name, bytes);
    default: {
      const never: never = format;
      return never;
    }
  }
}
