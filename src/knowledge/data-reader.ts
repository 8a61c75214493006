// Reads YAML (one or several documents) and JSON into plain values, remembering where each
// object and array starts in the text (for provenance) and which string values are prose.
import { isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document } from 'yaml';
import { ValidationError } from '../core/errors.js';
import type { DataDocument, TextBlock } from './document-model.js';

/** Strings with at least this many words are treated as prose (descriptions, summaries). */
const PROSE_MIN_WORDS = 6;

/** Long enough to be prose, and not embedded code or data (an OpenAPI definition, a script). */
function isProse(v: string): boolean {
  if (v.trim().split(/\s+/).length < PROSE_MIN_WORDS) return false;
  const lines = v.trim().split('\n');
  const codeLike = lines.filter((l) => /^\s*[\w$.-]+\s*:(\s|$)|[{};=<>]\s*$|^\s*[-#/]/.test(l)).length;
  return codeLike * 2 < lines.length;
}

export interface DataReading {
  readonly documents: DataDocument[];
  /** Long string values, as paragraph blocks spanning their source. */
  readonly prose: TextBlock[];
}

/**
 * Parses `source` (YAML, or JSON, which YAML 1.2 contains) found at `base` in the document text.
 * Throws ValidationError naming the first syntax error.
 */
export function readData(source: string, base: number, role: DataDocument['role'], what: string): DataReading {
  const documents: DataDocument[] = [];
  const prose: TextBlock[] = [];
  for (const doc of parseAllDocuments(source, { uniqueKeys: false, prettyErrors: false })) {
    const error = doc.errors[0];
    if (error !== undefined) {
      throw new ValidationError(`${what} is not valid YAML/JSON: ${error.message.split('\n')[0] ?? ''}`, { offset: base + (error.pos[0] ?? 0) });
    }
    if (doc.contents === null) continue;
    const positions = new Map<object, number>();
    const value = toValue(doc.contents, doc, base, positions, prose, 0);
    const [start, , end] = doc.range;
    documents.push({ value, positions, role, start: base + start, end: base + end });
  }
  return { documents, prose };
}

/** Converts a YAML node to a plain value, recording object positions and prose strings. */
function toValue(node: unknown, doc: Document.Parsed, base: number, positions: Map<object, number>, prose: TextBlock[], depth: number): unknown {
  // NOTE: aliases can form cycles; a depth bound keeps hostile input from recursing forever.
  if (depth > 64) throw new ValidationError('structured data is nested more than 64 levels deep');
  if (isAlias(node)) return toValue(node.resolve(doc), doc, base, positions, prose, depth + 1);
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const item of node.items) {
      if (!isPair(item)) continue;
      const key = isScalar(item.key) ? String(item.key.value) : String(item.key);
      out[key] = toValue(item.value, doc, base, positions, prose, depth + 1);
    }
    if (node.range) positions.set(out, base + node.range[0]);
    return out;
  }
  if (isSeq(node)) {
    const out = node.items.map((item) => toValue(item, doc, base, positions, prose, depth + 1));
    if (node.range) positions.set(out, base + node.range[0]);
    return out;
  }
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === 'string' && node.range && isProse(v)) {
      prose.push({ kind: 'paragraph', text: v.trim(), start: base + node.range[0], end: base + node.range[1] });
    }
    return v;
  }
  return null;
}
