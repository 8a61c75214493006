// Measures a Markdown document in one linear pass before the Markdown parser (micromark, through
// remark) sees it, and refuses what would make that parser blow up:
// - container nesting (block quotes, lists): 600 nested quotes took seconds, ten thousand
//   overflowed the stack, and a 210 KB file of deep nesting took over 30 s of CPU;
// - inline work: micromark's text resolvers splice the event list of a paragraph once per
//   delimiter run that fails to pair (brackets, emphasis, word starts for GFM autolinks), so a
//   paragraph costs about its length times its delimiters: 100 KB of "[a]" took 11 s and 50 KB
//   of "a*" 21 s. Each paragraph's length times its delimiters is summed and bounded.
// NOTE: paragraphs are found by a simplified reading of CommonMark's block rules. Where the
// scan cannot be sure two lines are separate paragraphs it counts them as one (more work,
// never less), so a crafted document cannot hide a paragraph from it; a real document only
// risks being counted larger than it is.
import { ParseBudgetError, type ParseBudget } from './parse-budget.js';

export interface MarkdownShape {
  /** Deepest container nesting of a line (block quotes plus list levels). */
  readonly depth: number;
  /** Sum over paragraphs of length x delimiters. */
  readonly inlineWork: number;
}

/** Word starts weigh this much less than delimiters (measured: a failed autolink try is cheap). */
const WORD_START_WEIGHT = 1 / 64;

const isSpaceCode = (c: number): boolean => c === 0x20 || c === 0x09;
const isAlnumCode = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c > 0x7f;

/** A line's container prefix read: block quote markers, list markers, and what follows them. */
interface LinePrefix {
  readonly quotes: number;
  readonly listMarkers: number;
  /** Columns of indentation before the first list marker (after the quotes). */
  readonly markerIndent: number;
  /** The first list marker and whether content follows it on the line. */
  readonly marker: { readonly bullet: boolean; readonly one: boolean; readonly content: boolean } | undefined;
  /** Columns of indentation of the rest, after all markers. */
  readonly indent: number;
  /** The rest of the line after the prefix and its indentation. */
  readonly rest: string;
}

function readPrefix(line: string): LinePrefix {
  let i = 0;
  let quotes = 0;
  let listMarkers = 0;
  let markerIndent = -1;
  let marker: LinePrefix['marker'];
  let indent: number;
  // Each pass reads one container marker (with up to 3 columns before it) or stops.
  for (;;) {
    let cols = 0;
    let j = i;
    while (j < line.length && isSpaceCode(line.charCodeAt(j))) {
      cols += line[j] === '\t' ? 4 - (cols % 4) : 1;
      j++;
    }
    const c = line[j];
    if (c === '>' && cols <= 3) {
      quotes++;
      i = j + 1;
      if (line[i] === ' ') i++;
      continue;
    }
    const ordered = /^(\d{1,9})([.)])/.exec(line.slice(j, j + 11));
    const width = ordered !== null ? (ordered[0]?.length ?? 0) : c === '-' || c === '+' || c === '*' ? 1 : 0;
    const after = line.charCodeAt(j + width);
    if (width > 0 && (j + width === line.length || isSpaceCode(after))) {
      // NOTE: indentation nests lists, so a marker indented n columns counts n/2 levels deep.
      if (markerIndent < 0) {
        markerIndent = cols;
        marker = { bullet: ordered === null, one: ordered?.[1] === '1', content: line.slice(j + width).trim() !== '' };
      }
      listMarkers++;
      i = j + width;
      continue;
    }
    indent = cols;
    i = j;
    break;
  }
  return { quotes, listMarkers, markerIndent: Math.max(0, markerIndent), marker, indent, rest: line.slice(i) };
}

/** The markup delimiters and word starts of a piece of inline text, weighted. */
function delimitersOf(text: string): number {
  let delimiters = 0;
  let words = 0;
  let prevAlnum = false;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === 0x5b || c === 0x5d || c === 0x2a || c === 0x5f || c === 0x7e) delimiters++; // [ ] * _ ~
    const alnum = isAlnumCode(c);
    if (alnum && !prevAlnum) words++;
    prevAlnum = alnum;
  }
  return delimiters + words * WORD_START_WEIGHT;
}

/** Cells of a table row: split at unescaped pipes, outer pipes dropped. */
function cellsOf(rest: string): string[] {
  const t = rest.trim();
  const cells = t.split(/(?<!\\)\|/);
  if (t.startsWith('|')) cells.shift();
  if (t.endsWith('|') && !t.endsWith('\\|')) cells.pop();
  return cells;
}
const isDelimiterRow = (rest: string): boolean =>
  rest.includes('-') && /^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/.test(rest.trim());

/**
 * Scans `source` and throws ParseBudgetError when its container nesting passes `budget.depth`
 * or its inline work passes `budget.inlineWork`. Linear in the source.
 */
export function scanMarkdown(name: string, source: string, budget: ParseBudget): MarkdownShape {
  let depth = 0;
  let work = 0;
  // The paragraph being read: its characters, its weighted delimiters, its quote depth, and
  // whether a table is being read (then every row is a paragraph of its own).
  let runChars = 0;
  let runDelimiters = 0;
  let runQuotes = 0;
  let table: { readonly quotes: number } | undefined;
  let fence: { readonly char: string; readonly length: number } | undefined;
  let previous: { readonly prefix: LinePrefix; readonly first: boolean } | undefined;
  const endRun = (): void => {
    work += runChars * runDelimiters;
    runChars = 0;
    runDelimiters = 0;
    if (work > budget.inlineWork) {
      throw new ParseBudgetError(
        'inlineWork',
        `${name} has paragraphs whose length times markup delimiters (${Math.round(work)}) is over the inlineWork budget of ${budget.inlineWork}; split it with blank lines`,
        { budget: budget.inlineWork },
      );
    }
  };
  let start = 0;
  // One pass over the lines; each line is read a constant number of times.
  while (start <= source.length) {
    let end = source.indexOf('\n', start);
    if (end < 0) end = source.length;
    const line = source.charCodeAt(end - 1) === 0x0d ? source.slice(start, end - 1) : source.slice(start, end);
    start = end + 1;
    if (fence !== undefined) {
      // Inside a top-level fence only its closing fence matters (no container can end it).
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
      if (close?.[1] !== undefined && close[1][0] === fence.char && close[1].length >= fence.length) fence = undefined;
      continue;
    }
    const p = readPrefix(line);
    const levels = p.quotes + p.listMarkers + Math.floor(p.markerIndent / 2);
    if (levels > depth) {
      depth = levels;
      if (depth > budget.depth)
        throw new ParseBudgetError(
          'depth',
          `${name} nests Markdown block quotes and lists more than ${budget.depth} deep`,
          { budget: budget.depth },
        );
    }
    const blank = p.rest.trim() === '' && p.marker === undefined;
    const opener = /^(`{3,}|~{3,})(.*)$/.exec(p.rest);
    const isFence = p.indent <= 3 && opener !== null && !(opener[1]?.startsWith('`') && opener[2]?.includes('`'));
    const heading = p.indent <= 3 && /^#{1,6}(\s|$)/.test(p.rest);
    // A thematic break, or a setext underline (either ends a paragraph).
    const rule =
      p.indent <= 3 &&
      p.marker === undefined &&
      (/^([-*_])([ \t]*\1){2,}[ \t]*$/.test(p.rest) || /^(=+|-+)[ \t]*$/.test(p.rest));
    const interruptingMarker =
      p.marker !== undefined && p.marker.content && (p.marker.bullet || p.marker.one) && p.markerIndent <= 3;
    const deeperQuote = p.quotes > runQuotes;
    if (table !== undefined) {
      const row =
        !blank &&
        p.quotes === table.quotes &&
        p.marker === undefined &&
        p.indent <= 3 &&
        !isFence &&
        !heading &&
        !p.rest.startsWith('<') &&
        p.rest.includes('|');
      if (row) {
        runChars = p.rest.length;
        runDelimiters = delimitersOf(p.rest);
        endRun();
        previous = { prefix: p, first: false };
        continue;
      }
      table = undefined;
    }
    if (blank || isFence || heading || rule || interruptingMarker || deeperQuote) endRun();
    if (blank) {
      runQuotes = p.quotes;
      previous = undefined;
      continue;
    }
    if (isFence && p.quotes === 0 && p.marker === undefined && p.indent === 0 && opener?.[1] !== undefined) {
      // NOTE: only a fence at column 0 of the document is surely top level; others are read as text.
      fence = { char: opener[1][0] as string, length: opener[1].length };
      previous = undefined;
      continue;
    }
    // A header row starting a paragraph, then a delimiter row with as many cells: a GFM table.
    if (
      previous?.first === true &&
      isDelimiterRow(p.rest) &&
      p.quotes === previous.prefix.quotes &&
      p.marker === undefined &&
      previous.prefix.marker === undefined &&
      cellsOf(previous.prefix.rest).length === cellsOf(p.rest).length &&
      previous.prefix.rest.includes('|') &&
      previous.prefix.indent <= 3
    ) {
      endRun();
      table = { quotes: p.quotes };
      previous = undefined;
      continue;
    }
    const startsRun = runChars === 0;
    runQuotes = Math.max(runQuotes, p.quotes);
    if (startsRun) runQuotes = p.quotes;
    runChars += line.length + 1;
    runDelimiters += delimitersOf(p.rest);
    previous = { prefix: p, first: startsRun };
    if (heading || rule) endRun();
  }
  endRun();
  return { depth, inlineWork: work };
}
