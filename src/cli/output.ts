// How results reach the user: `--output json` prints the API's JSON and nothing else on
// stdout; `--output table` prints aligned columns (cli-table3, no borders, like kubectl).
// Notes and warnings always go to stderr so stdout stays machine-readable.
import Table from 'cli-table3';

export const OUTPUT_FORMATS = ['table', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface Output {
  readonly format: OutputFormat;
  /** Prints a value as JSON (json mode) or calls `table` to render it (table mode). */
  result(value: unknown, table: () => string): void;
  /** A line of human output on stdout (table mode only; ignored in json mode). */
  line(text: string): void;
  /** A note or warning on stderr, in either mode. */
  note(text: string): void;
}

export interface Streams {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
}

export function makeOutput(format: OutputFormat, streams: Streams = process): Output {
  return {
    format,
    result(value, table) {
      streams.stdout.write(format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : ensureNewline(table()));
    },
    line(text) {
      if (format === 'table') streams.stdout.write(ensureNewline(text));
    },
    note(text) {
      streams.stderr.write(ensureNewline(text));
    },
  };
}

const ensureNewline = (s: string): string => (s === '' || s.endsWith('\n') ? s : `${s}\n`);

const plain = {
  chars: {
    top: '',
    'top-mid': '',
    'top-left': '',
    'top-right': '',
    bottom: '',
    'bottom-mid': '',
    'bottom-left': '',
    'bottom-right': '',
    left: '',
    'left-mid': '',
    mid: '',
    'mid-mid': '',
    right: '',
    'right-mid': '',
    middle: '  ',
  },
  style: { 'padding-left': 0, 'padding-right': 0, head: [] as string[], border: [] as string[] },
};

export type Cell = string | number | boolean | null | undefined;

/** Columns with a header row; an empty list says so instead of printing a bare header. */
export function renderTable(head: readonly string[], rows: readonly (readonly Cell[])[], empty = 'No items.'): string {
  if (rows.length === 0) return `${empty}\n`;
  const t = new Table({ ...plain, head: [...head] });
  for (const r of rows) t.push(r.map((c) => (c === null || c === undefined || c === '' ? '-' : String(c))));
  return `${trimLines(t.toString())}\n`;
}

/** One object as `KEY  value` lines. */
export function renderFields(fields: readonly (readonly [string, Cell])[]): string {
  const t = new Table(plain);
  for (const [k, v] of fields) t.push([k, v === null || v === undefined || v === '' ? '-' : String(v)]);
  return `${trimLines(t.toString())}\n`;
}

const trimLines = (s: string): string =>
  s
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');

/** `2026-01-02T03:04:05.678Z` -> `2026-01-02 03:04:05Z` (tables only; JSON keeps the API's). */
export function shortTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '-';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
