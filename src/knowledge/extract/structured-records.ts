// Reads declared knowledge exactly: front-matter and data `entities`/`relations` lists, tables
// whose headers name entities (name, type) or relations (source, relation, target), and
// Backstage catalog descriptors. Nothing here guesses; prose is another module's job.
import { catalogRecords, isCatalogDescriptor } from './backstage-catalog.js';
import type { DataDocument, DocumentTable, ParsedDocument, Span } from '../parse/document-model.js';
import { endpointEntities } from './endpoint-types.js';
import { DEFAULT_RELATION_TYPE, emptyRecords, type ExtractionMethod, type GraphRecords } from './graph-records.js';
import { cleanName, normaliseType } from './names.js';
import { dataDocumentRecords, exportTableRecords, frontMatterRecords } from './record-reader.js';
import {
  ALIAS_KEYS,
  DESCRIPTION_KEYS,
  ENTITY_NAME_KEYS,
  ENTITY_TYPE_KEYS,
  fieldKey,
  listOf,
  pickKey,
  relationColumn,
  RELATION_TYPE_KEYS,
  SOURCE_KEYS,
  TARGET_KEYS,
  targetsOf,
  textOf,
  WEIGHT_KEYS,
} from './record-fields.js';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const UNKNOWN_TYPE = 'unknown';
/** Keys of an entity's own identifiers (not `parent_id`: that names another entity). */
const IDENTIFIER_KEY = /^(id|uid|uuid|key|slug|entity_id|node_id)$/;
/** Keys of a data document's declared entity and relation lists. */
const DECLARED_LISTS = new Set(['entities', 'nodes', 'relations', 'relationships', 'edges']);

/** An object with canonical keys (`Entity Type` -> entity_type). */
const canonical = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [fieldKey(k), v]));

/**
 * Reads one entity-or-relation object (a table row as an object, or a list item) into `out`.
 * `expect` says which list it came from; a table row says `either`.
 */
function readItem(
  item: Record<string, unknown>,
  expect: 'entity' | 'relation' | 'either',
  method: ExtractionMethod,
  span: Span,
  out: GraphRecords,
  nameColumn?: string,
): void {
  const o = canonical(item);
  const keys = Object.keys(o);
  const sourceKey = pickKey(keys, SOURCE_KEYS);
  const targetKey = pickKey(keys, TARGET_KEYS);
  if (expect !== 'entity' && sourceKey !== undefined && targetKey !== undefined) {
    const source = cleanName(textOf(o[sourceKey]) ?? '');
    const typeKey = pickKey(keys, RELATION_TYPE_KEYS, [sourceKey, targetKey]);
    const type = normaliseType(textOf(typeKey === undefined ? undefined : o[typeKey]) ?? DEFAULT_RELATION_TYPE);
    const description = textOf(o[pickKey(keys, DESCRIPTION_KEYS) ?? '']);
    const weight = Number(textOf(o[pickKey(keys, WEIGHT_KEYS) ?? '']));
    for (const target of targetsOf(o[targetKey], type).map(cleanName)) {
      if (source === '' || target === '') continue;
      out.relations.push({
        source,
        target,
        type: type || DEFAULT_RELATION_TYPE,
        method,
        span,
        ...(description ? { description } : {}),
        ...(Number.isFinite(weight) ? { weight } : {}),
      });
    }
    // Typed endpoints (source_type / target_type) declare their entities too.
    for (const [nameKey, typeField] of [
      [sourceKey, 'source_type'],
      [targetKey, 'target_type'],
    ] as const) {
      const t = textOf(o[typeField]);
      const n = cleanName(textOf(o[nameKey]) ?? '');
      if (t !== undefined && n !== '')
        out.entities.push({ name: n, type: normaliseType(t), aliases: [], method, span });
    }
    return;
  }
  if (expect === 'relation') return;
  // A typed table whose name column has its own header ("Warehouse | Type | ...") names entities in its first column.
  const nameKey =
    pickKey(keys, ENTITY_NAME_KEYS) ??
    (expect === 'either' && nameColumn !== undefined && pickKey(keys, ENTITY_TYPE_KEYS) !== undefined
      ? nameColumn
      : undefined);
  const typeKey = pickKey(keys, ENTITY_TYPE_KEYS, nameKey === undefined ? [] : [nameKey]);
  if (nameKey === undefined || (typeKey === undefined && expect === 'either')) return;
  const name = cleanName(textOf(o[nameKey]) ?? '');
  if (name === '') return;
  const description = textOf(o[pickKey(keys, DESCRIPTION_KEYS) ?? '']);
  // An entity's own identifiers are aliases, so relations that give their ends as ids resolve to it.
  const ids = keys.filter((k) => k !== nameKey && IDENTIFIER_KEY.test(k)).map((k) => textOf(o[k]));
  const aliases = [
    ...listOf(o[pickKey(keys, ALIAS_KEYS) ?? '']).map(cleanName),
    ...ids.filter((i): i is string => i !== undefined && cleanName(i) !== name),
  ];
  const type = normaliseType(textOf(typeKey === undefined ? undefined : o[typeKey]) ?? '') || UNKNOWN_TYPE;
  out.entities.push({ name, type, aliases, method, span, ...(description ? { description } : {}) });
  for (const key of keys) {
    if (key === nameKey || key === typeKey) continue;
    const relation = relationColumn(key);
    if (relation === undefined) continue;
    for (const target of targetsOf(o[key], relation).map(cleanName))
      if (target !== '') out.relations.push({ source: name, target, type: relation, method, span });
  }
}

/** Entities from a string item: "Name (type)" or just a name. */
function readNamedItem(item: string, method: ExtractionMethod, span: Span, out: GraphRecords): void {
  const m = /^(.*?)\s*\(([^()]+)\)\s*$/.exec(item);
  const name = cleanName(m?.[1] ?? item);
  if (name !== '')
    out.entities.push({ name, type: normaliseType(m?.[2] ?? '') || UNKNOWN_TYPE, aliases: [], method, span });
}

/** Records of a table whose headers name entities or relations; nothing for other tables. */
export function tableRecords(
  table: DocumentTable,
  method: ExtractionMethod = 'table',
  skipRowsAt: ReadonlySet<number> = new Set(),
): GraphRecords {
  const out = emptyRecords();
  for (const row of table.rows) {
    if (skipRowsAt.has(row.start)) continue;
    const item = Object.fromEntries(table.headers.map((h, i) => [h, row.cells[i] ?? '']));
    readItem(item, 'either', method, row, out, table.headers[0] === undefined ? undefined : fieldKey(table.headers[0]));
  }
  return out;
}

/** Records a data document declares: a Backstage descriptor, or `entities`/`relations` lists. */
function dataRecords(doc: DataDocument, name: string, consumed: Set<number>): GraphRecords {
  const out = emptyRecords();
  const method: ExtractionMethod = doc.role === 'front-matter' ? 'front-matter' : 'data';
  const spanOf = (v: unknown): Span => {
    const at = typeof v === 'object' && v !== null ? doc.positions.get(v) : undefined;
    if (at !== undefined) consumed.add(at);
    return at === undefined ? doc : { start: at, end: at };
  };
  const roots = Array.isArray(doc.value) ? doc.value : [doc.value];
  const declared = (root: unknown): boolean =>
    isCatalogDescriptor(root) ||
    (isRecord(root) &&
      Object.keys(canonical(root)).some((k) => DECLARED_LISTS.has(k) && Array.isArray(root[k] ?? canonical(root)[k])));
  // An export that declares no entity lists is read as records (record-reader.ts).
  if (doc.role === 'data' && !roots.some(declared)) return dataDocumentRecords(doc, method, name, consumed);
  if (doc.role === 'front-matter' && !roots.some(declared)) return frontMatterRecords(doc) ?? out;
  for (const root of roots) {
    if (isCatalogDescriptor(root)) {
      const records = catalogRecords(root, doc);
      out.entities.push(...records.entities);
      out.relations.push(...records.relations);
      continue;
    }
    if (!isRecord(root)) continue;
    const o = canonical(root);
    for (const [key, expect] of [
      ['entities', 'entity'],
      ['nodes', 'entity'],
      ['relations', 'relation'],
      ['relationships', 'relation'],
      ['edges', 'relation'],
    ] as const) {
      const list = o[key];
      if (!Array.isArray(list)) continue;
      spanOf(list);
      for (const item of list) {
        if (isRecord(item)) readItem(item, expect, method, spanOf(item), out);
        else if (typeof item === 'string' && expect === 'entity') readNamedItem(item, method, spanOf(list), out);
      }
    }
  }
  return out;
}

/** Every structured record of a parsed document. */
export function structuredRecords(doc: ParsedDocument): GraphRecords {
  const out = emptyRecords();
  const consumed = new Set<number>();
  for (const data of doc.data) {
    const records = dataRecords(data, doc.name, consumed);
    out.entities.push(...records.entities);
    out.relations.push(...records.relations);
  }
  const method: ExtractionMethod = doc.format === 'json' || doc.format === 'yaml' ? 'data' : 'table';
  for (const table of doc.tables) {
    const keys = table.headers.map(fieldKey);
    const relationTable = pickKey(keys, SOURCE_KEYS) !== undefined && pickKey(keys, TARGET_KEYS) !== undefined;
    const records =
      (relationTable ? undefined : exportTableRecords(table, method, consumed)) ??
      tableRecords(table, method, consumed);
    out.entities.push(...records.entities);
    out.relations.push(...records.relations);
  }
  // Every reference is an entity: relation ends no record declares, of the kind the document implies.
  out.entities.push(...endpointEntities(out));
  return out;
}
