// GraphRAG-style tuple replies: ("entity"<|>NAME<|>TYPE<|>DESCRIPTION)##("relationship"<|>
// SOURCE<|>TARGET<|>[TYPE<|>]DESCRIPTION<|>WEIGHT)<|COMPLETE|>. Corrupted delimiters (<||>,
// < | >, |>, bare pipes, newlines or ;; between records) are read too, and counted.
import type { Span } from '../../parse/document-model.js';
import { DEFAULT_RELATION_TYPE, emptyRecords, type GraphRecords } from '../graph-records.js';
import { cleanName, normaliseType } from '../names.js';
import type { RejectedRecord, RepairKind } from './reply-outcome.js';

const FIELD = '<|>';
const COMPLETION = /<\|?\s*COMPLETE\s*\|?>|\[COMPLETE\]/i;
/** Spellings of the field delimiter seen in the wild; the canonical one is matched first. */
const FIELD_VARIANTS = /\s*(?:<\|>|<\s*\|{1,3}\s*>|<\|(?!>)|(?<!<)\|>|\|\|)\s*/g;
const RECORD_KIND = /^\(?\s*["'“]?\s*(entity|relationship|relation|edge|rel)\s*["'”]?\s*$/i;

/** Whether a reply looks like tuples rather than JSON. */
export function looksLikeTuples(text: string): boolean {
  return (
    /\(\s*["'“]?(entity|relationship|relation)["'”]?\s*(<|\|)/i.test(text) ||
    (text.includes('<|>') && !/^\s*[{[]/.test(text))
  );
}

/** Splits a record's fields; bare single pipes count as delimiters only when no other spelling is present. */
function fields(record: string, repairs: Set<RepairKind>): string[] {
  const canonical = record.split(FIELD).length;
  const normalised = record.replace(FIELD_VARIANTS, FIELD);
  let parts = normalised.split(FIELD);
  if (parts.length !== canonical) repairs.add('delimiter_corruption');
  if (parts.length === 1 && record.includes('|')) {
    repairs.add('delimiter_corruption');
    parts = record.split(/\s*\|\s*/);
  }
  return parts.map((p) =>
    p
      .trim()
      .replace(/^["'“”]+|["'“”]+$/g, '')
      .trim(),
  );
}

/** Parses tuple text into records; malformed tuples go to `rejected`. */
export function parseTuples(
  text: string,
  span: Span,
  repairs: Set<RepairKind>,
  rejected: RejectedRecord[],
): GraphRecords {
  const out = emptyRecords();
  const body = text.replace(new RegExp(COMPLETION.source, 'gi'), '\n');
  // Records are separated by ## (canonical), or by newlines, ;; or nothing at all between ")(".
  const pieces = body
    .split(/#{2,}|;;|\n+|(?<=\))\s*(?=\(\s*["'“]?(?:entity|relationship|relation|edge)\b)/i)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const canonicalSeparators = body.split('##').length - 1;
  // NOTE: when records are parenthesised and no completion marker came, an unclosed last record was cut off.
  const closed = (p: string): boolean => /\)\s*[,.]?$/.test(p);
  const last = pieces.at(-1);
  if (last !== undefined && !COMPLETION.test(text) && pieces.some(closed) && !closed(last)) {
    repairs.add('truncated');
    rejected.push({ record: pieces.pop(), reason: 'the last tuple was cut off (the reply ended early)' });
  }
  let records = 0;
  for (const piece of pieces) {
    const raw = piece
      .replace(/^[-*\d.\s]*\(/, '(')
      .replace(/\)\s*[,.]?$/, '')
      .replace(/^\(/, '');
    const parts = fields(raw, repairs);
    const kind = RECORD_KIND.exec(parts[0] ?? '')?.[1]?.toLowerCase();
    if (kind === undefined) {
      // Prose between records ("Here are the entities:") is not a record; a tuple-like line is.
      if (/<\|>|\|/.test(piece))
        rejected.push({ record: piece, reason: 'a tuple does not start with "entity" or "relationship"' });
      continue;
    }
    records++;
    if (kind === 'entity') {
      const [, name = '', type = '', ...desc] = parts;
      if (cleanName(name) === '' || cleanName(type) === '')
        rejected.push({ record: piece, reason: 'an entity tuple needs a name and a type' });
      else
        out.entities.push({
          name: cleanName(name),
          type: normaliseType(type),
          aliases: [],
          method: 'llm',
          span,
          ...(desc.join(' ').trim() ? { description: desc.join(' ').trim() } : {}),
        });
      continue;
    }
    const [, source = '', target = '', ...rest] = parts;
    if (cleanName(source) === '' || cleanName(target) === '') {
      rejected.push({ record: piece, reason: 'a relationship tuple needs a source and a target' });
      continue;
    }
    const last = rest.at(-1);
    const weight = last !== undefined && /^-?\d+(\.\d+)?$/.test(last) ? Number(rest.pop()) : undefined;
    // With two fields left they are type and description; one short field is a type, a sentence a description.
    let type = DEFAULT_RELATION_TYPE;
    let description: string | undefined;
    if (rest.length >= 2) [type = DEFAULT_RELATION_TYPE, description] = [rest[0], rest.slice(1).join(' ')];
    else if (
      rest.length === 1 &&
      /^[\p{L}][\p{L}\d _-]{0,40}$/u.test(rest[0] ?? '') &&
      (rest[0] ?? '').split(/\s+/).length <= 3
    )
      type = rest[0] ?? type;
    else description = rest[0];
    out.relations.push({
      source: cleanName(source),
      target: cleanName(target),
      type: normaliseType(type) || DEFAULT_RELATION_TYPE,
      method: 'llm',
      span,
      ...(description ? { description } : {}),
      ...(weight === undefined ? {} : { weight }),
    });
  }
  if (records > 1 && canonicalSeparators < records - 1) repairs.add('delimiter_corruption');
  return out;
}
