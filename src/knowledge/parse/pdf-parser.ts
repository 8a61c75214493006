// PDF text through pdf.js (pdfjs-dist, legacy build for Node): positioned text runs are grouped
// into lines by baseline, lines into paragraphs by spacing, larger type into headings, and runs
// of lines split into aligned columns into tables.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { errorMessage, ValidationError } from '../../core/errors.js';
import type { ParsedDocument } from './document-model.js';
import { isDocumentFault, startParse, within, type ParseLimits } from './parse-budget.js';
import { squashSpace, TextLayout } from './text-layout.js';

interface Run {
  readonly text: string;
  readonly x: number;
  readonly end: number;
  readonly y: number;
  readonly size: number;
}
interface Line {
  readonly page: number;
  readonly y: number;
  readonly size: number;
  readonly cells: string[];
}

/** Runs on one baseline become one line; a wide horizontal gap starts a new cell. */
function toLines(runs: readonly Run[], page: number): Line[] {
  const sorted = [...runs].sort((a, b) => b.y - a.y || a.x - b.x);
  const lines: { y: number; size: number; runs: Run[] }[] = [];
  for (const run of sorted) {
    const last = lines.at(-1);
    if (last !== undefined && Math.abs(last.y - run.y) < 0.5 * Math.max(run.size, last.size)) last.runs.push(run);
    else lines.push({ y: run.y, size: run.size, runs: [run] });
  }
  return lines.map((l) => {
    const cells: string[] = [];
    let prevEnd = -Infinity;
    for (const run of l.runs.sort((a, b) => a.x - b.x)) {
      // NOTE: a gap of more than ~3 spaces' width is a column boundary, not a word space.
      if (run.x - prevEnd > 1.2 * run.size || cells.length === 0) cells.push(run.text);
      else cells[cells.length - 1] += (run.x - prevEnd > 0.15 * run.size ? ' ' : '') + run.text;
      prevEnd = run.end;
    }
    return { page, y: l.y, size: Math.max(...l.runs.map((r) => r.size)), cells: cells.map(squashSpace) };
  });
}

function continuesTable(prev: Line, next: Line): boolean {
  if (next.cells.length < 2) return false;
  if (next.page !== prev.page) return next.cells.length === prev.cells.length;
  return prev.y - next.y <= next.size * 1.8;
}

/** Lays lines out as headings, paragraphs and tables. */
function layoutLines(lines: readonly Line[], layout: TextLayout): void {
  const sizes = lines.map((l) => l.size).sort((a, b) => a - b);
  const body = sizes[Math.floor(sizes.length / 2)] ?? 10;
  let paragraph: string[] = [];
  const flush = (): void => {
    layout.block(
      'paragraph',
      paragraph.reduce((acc, l) => (acc.endsWith('-') ? acc + l : acc === '' ? l : `${acc} ${l}`), ''),
    );
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as Line;
    const prev = lines[i - 1];
    if (line.cells.length >= 2) {
      flush();
      const rows: string[][] = [];
      rows.push(line.cells);
      // A table ends at a line without columns or at a paragraph-sized vertical gap.
      while (i + 1 < lines.length && continuesTable(lines[i] as Line, lines[i + 1] as Line))
        rows.push((lines[++i] as Line).cells);
      const [headers, ...rest] = rows;
      if (headers !== undefined) layout.table(headers, rest);
      continue;
    }
    const text = line.cells.join(' ');
    if (line.size >= body * 1.25) {
      flush();
      layout.block('heading', text);
      continue;
    }
    const newParagraph =
      prev === undefined || prev.page !== line.page || prev.y - line.y > line.size * 1.8 || prev.size !== line.size;
    if (newParagraph) flush();
    paragraph.push(text);
  }
  flush();
}

/**
 * Parses PDF bytes. Throws ValidationError when pdf.js cannot read them, ParseBudgetError past the
 * page, text or time budget (checked page by page; a worker thread's limits cover one page).
 */
export async function parsePdf(
  name: string,
  bytes: Uint8Array,
  limits: ParseLimits = startParse(),
): Promise<ParsedDocument> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const fonts = join(dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'standard_fonts/');
  const task = pdfjs.getDocument({
    data: new Uint8Array(bytes),
    verbosity: 0,
    isEvalSupported: false,
    useSystemFonts: false,
    disableFontFace: true,
    standardFontDataUrl: fonts,
  });
  const lines: Line[] = [];
  let chars = 0;
  try {
    const pdf = await task.promise;
    within(limits.budget, 'pages', pdf.numPages, `the page count of ${name}`);
    for (let p = 1; p <= pdf.numPages; p++) {
      limits.deadline.check(`parsing ${name} (page ${p} of ${pdf.numPages})`);
      const page = await pdf.getPage(p);
      const content = await page.getTextContent();
      const runs: Run[] = [];
      for (const item of content.items) {
        if (!('str' in item) || item.str.trim() === '') continue;
        chars += item.str.length;
        const [a = 0, b = 0, , , x = 0, y = 0] = item.transform as number[];
        const size = Math.hypot(a, b) || item.height;
        runs.push({ text: item.str, x, end: x + item.width, y, size });
      }
      within(limits.budget, 'textChars', chars, `the text of ${name}`);
      for (const line of toLines(runs, p)) lines.push(line);
      page.cleanup();
    }
  } catch (err) {
    if (isDocumentFault(err)) throw err;
    throw new ValidationError(`${name} is not a readable PDF: ${errorMessage(err)}`);
  } finally {
    await task.destroy();
  }
  const layout = new TextLayout();
  layoutLines(lines, layout);
  return layout.finish(name, 'pdf');
}
