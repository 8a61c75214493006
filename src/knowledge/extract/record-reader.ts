// Reads exports of any reasonable shape as a person reads them: in JSON/YAML, every collection
// of objects that carry a name is a set of records; in a table, every row is one. A record is
// an entity (typed by its collection, its type field or its name column's header), its
// identifiers (ids, emails, keys, codes) are aliases, and each field that names other records
// is a relation typed by the field (field-meaning.ts), whose far end is an entity too, of the
// type the field implies. References given as ids, emails or keys resolve to the named record
// when the same file gives its name. No code here knows any one tool's export.
import type { DataDocument, DocumentTable, Span } from '../parse/document-model.js';
import {
  fieldMeaning,
  isIdField,
  isNameField,
  isPlaceholder,
  looksLikePersonName,
  singular,
  typeFromWords,
  type FieldMeaning,
} from './field-meaning.js';
import { kindOfName } from './endpoint-types.js';
import { emptyRecords, type ExtractionMethod, type GraphRecords } from './graph-records.js';
import { cleanName, normaliseName, normaliseType } from './names.js';
import { ALIAS_KEYS, ENTITY_TYPE_KEYS, fieldKey, listOf } from './record-fields.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const MAX_DEPTH = 12;
const UNKNOWN = 'unknown';

/** One record before it becomes graph records: its name, type, identifiers and relation fields. */
interface SourceRecord {
  readonly name: string;
  readonly type: string;
  readonly ids: string[];
  /** Field name and value, flattened from nested objects and unnamed item lists. */
  readonly fields: [string, unknown][];
  readonly span: Span;
  /** Set for a record nested under a field of another (a vendor's contacts). */
  readonly owner?: { readonly name: string; readonly meaning: FieldMeaning };
}

/** The name an object carries: a name field (a string, or an object with a full name), else a summary. */
function nameOf(o: Record<string, unknown>): string | undefined {
  for (const [k, v] of Object.entries(o)) {
    if (!/^(name|full_?name|display_?name|title|label)$/i.test(k)) continue;
    if (typeof v === 'string' && cleanName(v) !== '') return cleanName(v);
    if (isObject(v)) {
      const full = Object.entries(v).find(([kk]) => /^(full_?name|display_?name)$/i.test(kk))?.[1];
      if (typeof full === 'string' && cleanName(full) !== '') return cleanName(full);
      const given = Object.entries(v).find(([kk]) => /given|first/i.test(kk))?.[1];
      const family = Object.entries(v).find(([kk]) => /family|last|sur/i.test(kk))?.[1];
      if (typeof given === 'string' && typeof family === 'string') return cleanName(`${given} ${family}`);
    }
  }
  const summary = o.summary;
  return typeof summary === 'string' && summary.split(/\s+/).length <= 8 ? cleanName(summary) : undefined;
}

/** The type an object's own `type`/`kind` field gives, when it reads as a type word ("team_reference" -> team). */
function ownType(o: Record<string, unknown>): string | undefined {
  for (const k of ['type', 'kind']) {
    const v = o[k];
    if (typeof v !== 'string' || !/^[a-z][a-z_ ]{1,40}$/i.test(v)) continue;
    return typeFromWords(v.replace(/_?reference$/i, '')) ?? normaliseType(v.replace(/_?reference$/i, ''));
  }
  return undefined;
}

/** Flattens `o` into `into`: nested objects and lists of unnamed items lend their fields to the record. */
function flatten(
  o: Record<string, unknown>,
  recordType: string,
  into: SourceRecord,
  nested: SourceRecord[],
  span: Span,
  depth: number,
): void {
  if (depth > MAX_DEPTH) return;
  for (const [k, v] of Object.entries(o)) {
    if (v === null || v === undefined) continue;
    const meaning = fieldMeaning(k, recordType);
    if (meaning === undefined && isIdField(k) && (typeof v === 'string' || typeof v === 'number')) {
      into.ids.push(String(v));
      continue;
    }
    const items = Array.isArray(v) ? v : [v];
    // A {type, value} pair is a field named by its type (directory "relations": {type: manager, value: …}).
    const pairs = items.filter(
      (i): i is Record<string, unknown> => isObject(i) && typeof i.type === 'string' && 'value' in i && !('name' in i),
    );
    for (const p of pairs) into.fields.push([String(p.type), p.value]);
    const objects = items.filter((i): i is Record<string, unknown> => isObject(i) && !pairs.includes(i));
    if (meaning !== undefined) {
      if (meaning.inverse === true && objects.some((i) => nameOf(i) !== undefined)) {
        for (const item of objects) {
          const name = nameOf(item);
          if (name === undefined) continue;
          const rec: SourceRecord = {
            name,
            type: meaning.target ?? UNKNOWN,
            ids: [],
            fields: [],
            span,
            owner: { name: into.name, meaning },
          };
          flatten(item, rec.type, rec, nested, span, depth + 1);
          nested.push(rec);
        }
        continue;
      }
      // Unnamed objects under a relation field (a location with a buildingId) lend their fields instead.
      const unnamed = objects.filter((i) => nameOf(i) === undefined);
      for (const item of unnamed) flatten(item, recordType, into, nested, span, depth + 1);
      const rest = items.filter(
        (i) => !unnamed.includes(i as Record<string, unknown>) && !pairs.includes(i as Record<string, unknown>),
      );
      if (meaning.scalar === true && (Array.isArray(v) || isObject(v))) continue;
      if (rest.length > 0) into.fields.push([k, Array.isArray(v) ? rest : v]);
      continue;
    }
    if (isNameField(k)) {
      if (typeof v === 'string' && depth > 0) into.ids.push(v);
      continue;
    }
    // Unnamed nested objects (organizations, locations, tags, attributes) lend their fields.
    for (const item of objects) flatten(item, recordType, into, nested, span, depth + 1);
  }
}

/** Names and type hints of the records a relation field names. */
function targetsOf(value: unknown, meaning: FieldMeaning): { name: string; type?: string }[] {
  if (Array.isArray(value)) return value.flatMap((v) => targetsOf(v, meaning));
  if (isObject(value)) {
    const name = nameOf(value);
    if (name !== undefined) {
      const type = ownType(value);
      return [type === undefined ? { name } : { name, type }];
    }
    // An unnamed object (an escalation rule) names its records through its own fields.
    return Object.entries(value).flatMap(([k, v]) =>
      fieldMeaning(k, UNKNOWN) === undefined && Array.isArray(v) ? targetsOf(v, meaning) : [],
    );
  }
  if (typeof value === 'number') return [{ name: String(value) }];
  if (typeof value !== 'string') return [];
  const parts = meaning.place === true ? value.split(/[;\n]/) : value.split(/[;,\n]/);
  return parts.map((p) => ({ name: cleanName(p) })).filter((t) => t.name !== '' && !isPlaceholder(t.name));
}

/** Whether a value is an attribute (a date, a time, a number, a link), never a record's name. */
function isAttributeValue(value: string): boolean {
  return /^(\d[\d\s.,:/TZ+-]*|https?:\/\/\S+|\d{4}-\d{2}-\d{2}\S*)$/.test(value.trim());
}

/** Kinds of unit a name can state within a field that implies a team ("Member of: Structural Biology Lab"). */
const UNIT_KINDS = new Set(['team', 'lab', 'department', 'governing_body']);

/**
 * The type of a field's far end: the field's implied type, unless the name states a narrower kind
 * of it (a lab or a department where the field says team) or says it is no person where the field
 * expects one ("Lead: Platform Team"); the name's kind when the field implies none.
 */
export function refinedKind(fieldType: string | undefined, nameKind: string | undefined): string | undefined {
  if (fieldType === undefined || nameKind === undefined) return fieldType ?? nameKind;
  if (fieldType === 'team' && UNIT_KINDS.has(nameKind)) return nameKind;
  if (fieldType === 'person' && (UNIT_KINDS.has(nameKind) || nameKind === 'organization')) return nameKind;
  return fieldType;
}

/** The records a list of source records states, with references resolved through identifiers. */
function graphOf(records: readonly SourceRecord[], method: ExtractionMethod): GraphRecords {
  const out = emptyRecords();
  const byId = new Map<string, SourceRecord>();
  const known = new Map<string, string>();
  for (const r of records) {
    known.set(normaliseName(r.name), r.type);
    for (const id of r.ids) if (!byId.has(normaliseName(id))) byId.set(normaliseName(id), r);
  }
  // An id resolves to the record it identifies, unless the field implies another type of record.
  const resolve = (name: string, implied: string | undefined): string => {
    const k = normaliseName(name);
    if (known.has(k)) return name;
    const r = byId.get(k);
    return r !== undefined && (implied === undefined || implied === r.type) ? r.name : name;
  };
  const seen = new Set<string>();
  const entity = (name: string, type: string, span: Span, aliases: string[] = []): void => {
    const key = `${type}|${normaliseName(name)}`;
    if (seen.has(key) && aliases.length === 0) return;
    seen.add(key);
    out.entities.push({ name, type, aliases, method, span });
  };
  for (const r of records) {
    entity(r.name, r.type, r.span, [...new Set(r.ids.filter((i) => normaliseName(i) !== normaliseName(r.name)))]);
    const relate = (meaning: FieldMeaning, target: { name: string; type?: string }): void => {
      const name = resolve(target.name, target.type ?? meaning.target);
      if (normaliseName(name) === normaliseName(r.name)) return;
      const isRecord = known.has(normaliseName(name));
      // Dates, numbers and links are attributes, not records.
      if (!isRecord && isAttributeValue(name)) return;
      const implied =
        known.get(normaliseName(name)) ??
        target.type ??
        refinedKind(meaning.target, kindOfName(name)) ??
        (meaning.relation === 'owned_by' ? (looksLikePersonName(name) ? 'person' : 'team') : undefined);
      // NOTE: an end whose type nothing here implies is left to endpoint-types.ts (the relation's kind of end).
      if (!isRecord && implied !== undefined) entity(name, implied, r.span);
      const [source, dest] = meaning.inverse === true ? [name, r.name] : [r.name, name];
      out.relations.push({ source, target: dest, type: meaning.relation, method, span: r.span });
    };
    if (r.owner !== undefined) {
      const m = r.owner.meaning;
      out.relations.push({ source: r.name, target: r.owner.name, type: m.relation, method, span: r.span });
    }
    for (const [field, value] of r.fields) {
      const meaning = fieldMeaning(field, r.type);
      if (meaning === undefined) continue;
      for (const t of targetsOf(value, meaning)) relate(meaning, t);
    }
  }
  return out;
}

/** Whether an array is a collection of records: objects, most of them carrying a name. */
function isCollection(v: unknown): v is Record<string, unknown>[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every(isObject)) return false;
  const named = v.filter((o) => nameOf(o) !== undefined).length;
  return named * 2 > v.length;
}

/** Whether an object is a bare relation (source/target) rather than a record. */
const isRelationItem = (o: Record<string, unknown>): boolean => {
  const keys = Object.keys(o).map(fieldKey);
  return keys.some((k) => /^(source|from|subject|src)/.test(k)) && keys.some((k) => /^(target|to|object|dst)/.test(k));
};

/**
 * Records of a data document that is not a declared entity/relation list: every collection of
 * named objects, wherever it sits. `hint` types a top-level array with no key of its own (the
 * file's name: "github-teams.json" holds teams). Each record object's position goes to `consumed`.
 */
export function dataDocumentRecords(
  doc: DataDocument,
  method: ExtractionMethod,
  hint: string,
  consumed: Set<number>,
): GraphRecords {
  const records: SourceRecord[] = [];
  const spanOf = (v: object): Span => {
    const at = doc.positions.get(v);
    return at === undefined ? doc : { start: at, end: at };
  };
  const markAll = (v: unknown, depth: number): void => {
    if (depth > MAX_DEPTH || typeof v !== 'object' || v === null) return;
    const at = doc.positions.get(v);
    if (at !== undefined) consumed.add(at);
    for (const x of Array.isArray(v) ? v : Object.values(v)) markAll(x, depth + 1);
  };
  const walk = (v: unknown, key: string | undefined, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    if (isCollection(v) && !v.every(isRelationItem)) {
      const collectionType = key === undefined ? undefined : typeFromWords(singular(fieldKey(key)));
      for (const o of v) {
        const name = nameOf(o);
        if (name === undefined) continue;
        const explicit = pickType(o);
        const type =
          collectionType ??
          explicit ??
          (key === undefined ? undefined : normaliseType(singular(fieldKey(key)))) ??
          typeFromWords(hint) ??
          UNKNOWN;
        const rec: SourceRecord = { name, type, ids: [], fields: [], span: spanOf(o) };
        // A record addressed as `type.name` (infrastructure state) is referred to by that address.
        if (typeof o.type === 'string' && typeof o.name === 'string') rec.ids.push(`${o.type}.${o.name}`);
        const nested: SourceRecord[] = [];
        flatten(o, type, rec, nested, rec.span, 0);
        records.push(rec, ...nested);
        markAll(o, 0);
      }
      return;
    }
    if (Array.isArray(v)) for (const x of v) walk(x, key, depth + 1);
    else if (isObject(v)) for (const [k, x] of Object.entries(v)) walk(x, k, depth + 1);
  };
  walk(doc.value, undefined, 0);
  return graphOf(records, method);
}

/** A record's type from its own type field: a type word, or the value itself when short. */
function pickType(o: Record<string, unknown>): string | undefined {
  for (const [k, v] of Object.entries(o)) {
    if (!(ENTITY_TYPE_KEYS as readonly string[]).includes(fieldKey(k)) || typeof v !== 'string') continue;
    return typeFromWords(v) ?? (v.includes(' ') ? undefined : normaliseType(v));
  }
  return undefined;
}

/** The column that names a table's rows: a unique name column, else a unique key, else a unique first column. */
function nameColumn(table: DocumentTable): number | undefined {
  const unique = (i: number): boolean => {
    const values = table.rows.map((r) => cleanName(r.cells[i] ?? '')).filter((c) => c !== '');
    return values.length >= Math.max(1, table.rows.length - 1) && new Set(values).size === values.length;
  };
  const headers = table.headers.map(fieldKey);
  const named = headers.findIndex(
    (h, i) => isNameField(h) && fieldMeaning(h, UNKNOWN) === undefined && unique(i) && h !== 'title',
  );
  if (named >= 0) return named;
  const keyed = headers.findIndex((h, i) => /(^|_)key$/.test(h) && unique(i));
  if (keyed >= 0) return keyed;
  const first = headers[0];
  if (first !== undefined && !isIdField(first) && unique(0)) return 0;
  return undefined;
}

/** The type of a table's rows from its headers: the name or key column's words, then an id column's. */
function tableType(table: DocumentTable, nameAt: number): string | undefined {
  const headers = table.headers.map(fieldKey);
  const words = (h: string | undefined): string | undefined =>
    h === undefined ? undefined : typeFromWords(h.replace(/_(name|key|id|code)$/, ''));
  return words(headers[nameAt]) ?? headers.map((h) => (isIdField(h) ? words(h) : undefined)).find((t) => t);
}

/**
 * Records of a table read as an export: each row is a record named by its name column, typed by
 * its type column, its headers or (failing those) by what its names look like; each column whose
 * header names a relation states one. Undefined when no column names the rows.
 */
export function exportTableRecords(
  table: DocumentTable,
  method: ExtractionMethod,
  skipRowsAt: ReadonlySet<number>,
): GraphRecords | undefined {
  const nameAt = nameColumn(table);
  if (nameAt === undefined) return undefined;
  const headers = table.headers.map(fieldKey);
  const typeAt = headers.findIndex((h, i) => i !== nameAt && (ENTITY_TYPE_KEYS as readonly string[]).includes(h));
  const names = table.rows.map((r) => cleanName(r.cells[nameAt] ?? ''));
  const headerType = tableType(table, nameAt);
  const people = names.filter(looksLikePersonName).length * 2 > names.length;
  // A table whose rows nothing types (no type column, no telling header, not people) names no records.
  if (typeAt < 0 && headerType === undefined && !people) return undefined;
  const distinct = (i: number): boolean => new Set(table.rows.map((r) => r.cells[i] ?? '')).size === table.rows.length;
  const records: SourceRecord[] = [];
  for (const row of table.rows) {
    if (skipRowsAt.has(row.start)) continue;
    const name = cleanName(row.cells[nameAt] ?? '');
    if (name === '' || isPlaceholder(name)) continue;
    const typeCell = typeAt >= 0 ? (row.cells[typeAt] ?? '') : '';
    const type =
      (typeCell !== '' ? (typeFromWords(typeCell) ?? normaliseType(typeCell)) : undefined) ??
      headerType ??
      (people ? 'person' : UNKNOWN);
    const rec: SourceRecord = { name, type, ids: [], fields: [], span: row };
    headers.forEach((h, i) => {
      const cell = row.cells[i] ?? '';
      if (i === nameAt || i === typeAt || cell.trim() === '') return;
      if ((ALIAS_KEYS as readonly string[]).includes(h)) rec.ids.push(...listOf(cell).map(cleanName));
      else if (isIdField(h) && fieldMeaning(h, type) === undefined) {
        // An identifier column is the row's own only when its values differ row to row (a `Project key` does not).
        if (distinct(i)) rec.ids.push(cell.trim());
      } else rec.fields.push([table.headers[i] ?? h, cell]);
    });
    records.push(rec);
  }
  return graphOf(records, method);
}

/** Front-matter keys that name the thing a page is about, and the type they give it. */
const SUBJECT_KEYS: Readonly<Record<string, string>> = {
  system: 'system',
  domain: 'domain',
  service: 'service',
  component: 'component',
  project: 'project',
  product: 'product',
};

/**
 * Records of a page's front matter that declares no lists: a key naming what the page is about
 * (`system: Finance Data Platform`) declares that entity, and the front matter's relation fields
 * (`owner: finance-data`) are that entity's. Nothing when no such key, or more than one, is there.
 */
export function frontMatterRecords(doc: DataDocument): GraphRecords | undefined {
  if (!isObject(doc.value)) return undefined;
  const subjects = Object.entries(doc.value).filter(
    ([k, v]) => SUBJECT_KEYS[fieldKey(k)] !== undefined && typeof v === 'string' && cleanName(v) !== '',
  );
  if (subjects.length !== 1) return undefined;
  const [key, value] = subjects[0] as [string, string];
  const type = SUBJECT_KEYS[fieldKey(key)] ?? UNKNOWN;
  const fields = Object.entries(doc.value).filter(([k]) => k !== key);
  return graphOf([{ name: cleanName(value), type, ids: [], fields, span: doc }], 'front-matter');
}
