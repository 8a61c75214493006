// CSV and TSV through csv-parse: the first record is the header row, every other record a
// table row. Ragged rows are kept (padded), not rejected: a short row is still knowledge.
import { parse } from 'csv-parse/sync';
import { errorMessage, ValidationError } from '../../core/errors.js';
import type { ParsedDocument } from './document-model.js';
import { TextLayout } from './text-layout.js';

/** Parses delimited text; `format` picks the delimiter (comma or tab). */
export function parseDelimited(name: string, source: string, format: 'csv' | 'tsv'): ParsedDocument {
  let records: string[][];
  try {
    records = parse(source, {
      delimiter: format === 'csv' ? ',' : '\t',
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      trim: true,
      // NOTE: TSV has no quoting convention; a stray quote must stay part of the cell.
      quote: format === 'csv' ? '"' : false,
    });
  } catch (err) {
    throw new ValidationError(`${name} is not valid ${format.toUpperCase()}: ${errorMessage(err)}`);
  }
  const layout = new TextLayout();
  const [headers, ...rows] = records;
  if (headers !== undefined) layout.table(headers, rows);
  return layout.finish(name, format);
}
