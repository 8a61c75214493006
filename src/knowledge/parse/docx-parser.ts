// DOCX through mammoth: the document is converted to semantic HTML (headings from Word styles,
// lists, tables) and read by the HTML parser, so both formats share one layout. The package is
// checked against the parse budget (zip-package.ts) before mammoth inflates anything.
import mammoth from 'mammoth';
import { errorMessage, ValidationError } from '../../core/errors.js';
import type { ParsedDocument } from './document-model.js';
import { parseHtml } from './html-parser.js';
import { startParse, within, type ParseLimits } from './parse-budget.js';
import { checkZipBudget } from './zip-package.js';

/**
 * Parses DOCX bytes. Throws ValidationError when they are not a Word document, ParseBudgetError
 * when the package expands past the budget (a zip bomb) or its HTML breaks the HTML budgets.
 */
export async function parseDocx(
  name: string,
  bytes: Uint8Array,
  limits: ParseLimits = startParse(),
): Promise<ParsedDocument> {
  checkZipBudget(name, bytes, limits.budget);
  let html: string;
  try {
    ({ value: html } = await mammoth.convertToHtml({ buffer: Buffer.from(bytes) }));
  } catch (err) {
    throw new ValidationError(`${name} is not a readable DOCX: ${errorMessage(err)}`);
  }
  limits.deadline.check(`converting ${name}`);
  within(limits.budget, 'textChars', html.length, `the HTML of ${name}`);
  return parseHtml(name, `<body>${html}</body>`, 'docx', limits);
}
