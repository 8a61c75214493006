// Picks a document's format (by file name, then by sniffing its bytes), checks that the bytes can
// be that format (content-sniff.ts), and runs the parser for it under the parse budget
// (parse-budget.ts). The one entry point from bytes to the document model.
import { ValidationError } from '../../core/errors.js';
import { assertDocumentContent } from './content-sniff.js';
import { parseData } from './data-parser.js';
import { parseDelimited } from './delimited-parser.js';
import type { DocumentFormat, ParsedDocument } from './document-model.js';
import { BY_EXTENSION, DOCUMENT_FORMATS } from './document-model.js';
import { parseDocx } from './docx-parser.js';
import { parseHtml } from './html-parser.js';
import { parseMarkdown } from './markdown-parser.js';
import { parsePdf } from './pdf-parser.js';
import { DEFAULT_PARSE_BUDGET, startParse, type ParseBudget } from './parse-budget.js';
import { parsePlainText } from './plain-text-parser.js';

/** Documents larger than this are refused unless the caller raises the limit. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;

const startsWith = (bytes: Uint8Array, magic: readonly number[]): boolean => magic.every((b, i) => bytes[i] === b);

/** The extension of a file name (lower case, no dot); a purely numeric suffix ("v1.2") is none. */
export function extensionOf(name: string): string | undefined {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase();
  return ext === undefined || /^\d+$/.test(ext) ? undefined : ext;
}

/**
 * The format a name declares: its listed extension's, `null` for an extension Iris does not
 * read, undefined for a name without one (the content decides).
 */
export function declaredFormat(name: string): DocumentFormat | null | undefined {
  const ext = extensionOf(name);
  return ext === undefined ? undefined : (BY_EXTENSION[ext] ?? null);
}

/** The format of a document: its extension if known, else what its first bytes look like. */
export function detectFormat(name: string, bytes: Uint8Array): DocumentFormat {
  const known = declaredFormat(name);
  if (known !== undefined && known !== null) return known;
  if (startsWith(bytes, [0x25, 0x50, 0x44, 0x46])) return 'pdf';
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return 'docx';
  const head = new TextDecoder().decode(bytes.subarray(0, 512)).trimStart();
  if (head.startsWith('{') || head.startsWith('[')) return 'json';
  if (/^<(!doctype html|html|head|body)/i.test(head)) return 'html';
  if (head.startsWith('---\n') || /^apiVersion:/m.test(head))
    return /^---\n[\s\S]*?\n---\n/.test(head) && !/^apiVersion:/m.test(head) ? 'markdown' : 'yaml';
  return 'text';
}

export interface ParseOptions {
  /** Overrides detection. */
  readonly format?: DocumentFormat;
  readonly maxBytes?: number;
  /** The budgets the parse runs under (default DEFAULT_PARSE_BUDGET). */
  readonly budget?: ParseBudget;
}

/**
 * Throws UnsupportedDocumentError (415) unless `bytes` can be a document named `name`: a listed
 * extension (or none) and content that agrees with it (text for text formats, the magic numbers
 * of PDF and DOCX). What ingest checks at submission, and every parse again.
 */
export function assertIngestible(name: string, bytes: Uint8Array): DocumentFormat {
  const declared = declaredFormat(name);
  const format = declared === null ? undefined : (declared ?? detectFormat(name, bytes));
  assertDocumentContent(name, bytes, format, extensionOf(name));
  return format as DocumentFormat;
}

/** Decodes UTF-8 text, dropping a byte-order mark. */
function decode(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { ignoreBOM: false }).decode(bytes);
}

/**
 * Parses one document into the common model. Throws ValidationError for an unknown format, a
 * document over the size limit, or content its format's parser cannot read;
 * UnsupportedDocumentError for binary data or an unlisted extension; ParseBudgetError for a
 * document over a parse budget (a zip bomb, an alias bomb, nesting, inline work, time).
 */
export async function parseDocument(
  name: string,
  bytes: Uint8Array,
  options: ParseOptions = {},
): Promise<ParsedDocument> {
  const max = options.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  if (bytes.byteLength > max)
    throw new ValidationError(`${name} is ${bytes.byteLength} bytes; the limit is ${max}`, { limit: max });
  const format = options.format ?? assertIngestible(name, bytes);
  if (!DOCUMENT_FORMATS.includes(format)) throw new ValidationError(`unknown document format '${String(format)}'`);
  if (options.format !== undefined) assertDocumentContent(name, bytes, format, extensionOf(name));
  const limits = startParse(options.budget ?? DEFAULT_PARSE_BUDGET);
  switch (format) {
    case 'markdown':
      return parseMarkdown(name, decode(bytes), limits);
    case 'html':
      return parseHtml(name, decode(bytes), 'html', limits);
    case 'text':
      return parsePlainText(name, decode(bytes));
    case 'csv':
    case 'tsv':
      return parseDelimited(name, decode(bytes), format);
    case 'json':
    case 'yaml':
      return parseData(name, decode(bytes), format, limits);
    case 'pdf':
      return parsePdf(name, bytes, limits);
    case 'docx':
      return parseDocx(name, bytes, limits);
    default: {
      const never: never = format;
      return never;
    }
  }
}
