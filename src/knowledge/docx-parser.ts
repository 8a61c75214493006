// DOCX through mammoth: the document is converted to semantic HTML (headings from Word styles,
// lists, tables) and read by the HTML parser, so both formats share one layout.
import mammoth from 'mammoth';
import { ValidationError } from '../core/errors.js';
import type { ParsedDocument } from './document-model.js';
import { parseHtml } from './html-parser.js';

/** Parses DOCX bytes. Throws ValidationError when they are not a Word document. */
export async function parseDocx(name: string, bytes: Uint8Array): Promise<ParsedDocument> {
  let html: string;
  try {
    ({ value: html } = await mammoth.convertToHtml({ buffer: Buffer.from(bytes) }));
  } catch (err) {
    throw new ValidationError(`${name} is not a readable DOCX: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseHtml(name, `<body>${html}</body>`, 'docx');
}
