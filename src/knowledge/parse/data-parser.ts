// JSON and YAML documents: the text is the source itself, each YAML document (or the JSON
// value) a data document, long string values prose blocks, and arrays of flat objects tables.
import { readData } from './data-reader.js';
import type { DataDocument, DocumentTable, ParsedDocument, TableRow } from './document-model.js';
import { ParseBudgetError, startParse, type ParseLimits } from './parse-budget.js';

type Scalar = string | number | boolean | null;
const isScalar = (v: unknown): v is Scalar => v === null || ['string', 'number', 'boolean'].includes(typeof v);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Arrays of objects whose values are all scalars, anywhere in `doc`, as tables. */
function flatTables(doc: DataDocument, text: string): DocumentTable[] {
  const tables: DocumentTable[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth > 8) return;
    if (Array.isArray(v)) {
      const rows = v.filter(isRecord);
      if (rows.length > 0 && rows.length === v.length && rows.every((r) => Object.values(r).every(isScalar))) {
        const headers = [...new Set(rows.flatMap((r) => Object.keys(r)))];
        const start = doc.positions.get(v) ?? doc.start;
        const bodyRows: TableRow[] = rows.map((r) => {
          const at = doc.positions.get(r) ?? start;
          return {
            cells: headers.map((h) => (r[h] === undefined || r[h] === null ? '' : String(r[h] as Scalar))),
            start: at,
            end: at,
          };
        });
        tables.push({ headers, rows: bodyRows, start, end: Math.min(text.length, doc.end) });
        return;
      }
      for (const item of v) walk(item, depth + 1);
    } else if (isRecord(v)) for (const item of Object.values(v)) walk(item, depth + 1);
  };
  walk(doc.value, 0);
  return tables;
}

/**
 * The deepest nesting of JSON arrays and objects in `text` (strings skipped), stopping once it
 * passes `max`: the YAML parser recurses per level, so 1 MB of "[" must not reach it.
 */
function jsonDepthOver(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip a string, honouring backslash escapes.
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/**
 * Parses JSON or YAML text (several YAML documents separated by `---` are all read). Throws
 * ValidationError for a syntax error, ParseBudgetError past the alias, depth or node budget.
 */
export function parseData(
  name: string,
  source: string,
  format: 'json' | 'yaml',
  limits: ParseLimits = startParse(),
): ParsedDocument {
  const text = source.replace(/\r\n?/g, '\n');
  if (format === 'json' && jsonDepthOver(text, limits.budget.depth)) {
    throw new ParseBudgetError('depth', `${name} nests JSON arrays and objects more than ${limits.budget.depth} deep`, {
      budget: limits.budget.depth,
    });
  }
  const { documents, prose } = readData(text, 0, 'data', name, limits.budget);
  limits.deadline.check(`parsing ${name}`);
  return { name, format, text, blocks: prose, tables: documents.flatMap((d) => flatTables(d, text)), data: documents };
}
