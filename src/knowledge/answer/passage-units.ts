// The units an extractive answer quotes: what a reader would point at in a chunk. Prose splits
// into sentences; structured text (tables, YAML, pretty-printed JSON, as parse/ writes them)
// splits into records, because a single line of a record ("owner: payments-collections") says
// nothing without the line that names the record, and a whole export is no answer either:
// - a table row becomes "Header: cell; Header: cell" with the header row of its block;
// - a run of `key: value` lines at one indentation (a YAML list item, a JSON object's fields)
//   becomes one record, its lines joined with "; ".

/** A line that reads as a field: `key: value`, `"key": value` or a YAML list item `- key: value`. */
const FIELD = /^\s*(?:-\s+)?["']?[\p{L}\p{N}_ .-]{1,40}["']?\s*:(?:\s|$)/u;
/** JSON or YAML punctuation only: braces, brackets, commas. */
const PUNCTUATION = /^\s*[{}[\],]*\s*$/;
const isRow = (line: string): boolean => line.split(' | ').length >= 3 || /^\s*\|.*\|\s*$/.test(line);

/** Cells of a table row, in either form parse/ writes ("a | b" or "| a | b |"). */
const cellsOf = (line: string): string[] =>
  line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim());

/** Whether most non-blank lines of `text` are table rows or fields. */
function isStructured(lines: readonly string[]): boolean {
  const body = lines.filter((l) => l.trim() !== '' && !PUNCTUATION.test(l));
  const fields = body.filter((l) => FIELD.test(l) || isRow(l)).length;
  return body.length >= 2 && (fields === body.length || (body.length >= 3 && fields >= body.length * 0.6));
}

/** Where a field line's content starts: its indentation, a YAML item's "- " counted as indentation. */
const indentOf = (line: string): number => (/^(\s*(?:-\s+)?)/.exec(line)?.[1] ?? '').length;

/** Prose sentences: a single line break inside a paragraph is not a sentence end; a blank line, a list item, a table row or a heading is. */
function sentencesOf(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n\s*\n|\n(?=\s*(?:[-*+|#>]|\d+[.)])\s?)/)
    .map((s) => s.replace(/\s*\n\s*/g, ' ').trim())
    .filter((s) => s.length > 15);
}

/** The records of structured lines (see the header comment); other lines become sentences. */
function recordsOf(lines: readonly string[]): string[] {
  const out: string[] = [];
  let header: string[] | undefined;
  let run: string[] = [];
  let runIndent = -1;
  let prose: string[] = [];
  const flushRun = (): void => {
    if (run.length > 0) out.push(run.join('; '));
    run = [];
    runIndent = -1;
  };
  const flushProse = (): void => {
    if (prose.length > 0) out.push(...sentencesOf(prose.join('\n')));
    prose = [];
  };
  for (const line of lines) {
    if (line.trim() === '' || PUNCTUATION.test(line)) {
      flushRun();
      flushProse();
      if (line.trim() === '') header = undefined;
      continue;
    }
    if (isRow(line)) {
      flushRun();
      flushProse();
      const cells = cellsOf(line);
      // NOTE: a Markdown delimiter row (|---|---|) separates the header from the rows.
      if (cells.every((c) => /^:?-{2,}:?$/.test(c) || c === '')) continue;
      if (header === undefined) {
        header = cells;
        continue;
      }
      const h = header;
      out.push(
        cells
          .map((c, i) => (c === '' || c === '–' || c === '-' ? '' : h[i] === undefined ? c : `${h[i]}: ${c}`))
          .filter(Boolean)
          .join('; '),
      );
      continue;
    }
    if (FIELD.test(line)) {
      flushProse();
      const indent = indentOf(line);
      // A YAML list item starts a new record; so does a field at another indentation.
      if (/^\s*-\s/.test(line) || indent !== runIndent) flushRun();
      runIndent = indent;
      run.push(
        line
          .trim()
          .replace(/^-\s+/, '')
          .replace(/^"([^"]*)"\s*:/, '$1:')
          .replace(/,$/, ''),
      );
      continue;
    }
    flushRun();
    prose.push(line);
  }
  flushRun();
  flushProse();
  return out.filter((u) => u.length > 3);
}

/** The quotable units of a chunk's text: each block (between blank lines) as records when it is structured, as sentences otherwise. */
export function passageUnits(text: string): string[] {
  return text.split(/\n[ \t]*\n/).flatMap((block) => {
    const lines = block.split('\n');
    return isStructured(lines) ? recordsOf(lines) : sentencesOf(block);
  });
}
