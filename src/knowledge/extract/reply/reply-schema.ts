// The schema of an extraction reply, applied to whatever JSON the model produced: finds the
// entities and relations lists (also under a wrapper key or in a bare array), maps wrong key
// casing and known aliases (entity_name, source_entity, relationship_strength) to the
// canonical keys, and validates each record, rejecting with a reason rather than guessing.
import type { Span } from '../../parse/document-model.js';
import { DEFAULT_RELATION_TYPE, emptyRecords, type GraphRecords } from '../graph-records.js';
import { cleanName, normaliseType } from '../names.js';
import type { RejectedRecord, RepairKind } from './reply-outcome.js';

const ENTITY_KEYS: Readonly<Record<string, string>> = {
  name: 'name',
  entity: 'name',
  entity_name: 'name',
  title: 'name',
  label: 'name',
  type: 'type',
  entity_type: 'type',
  kind: 'type',
  category: 'type',
  description: 'description',
  entity_description: 'description',
  desc: 'description',
  summary: 'description',
};
const RELATION_KEYS: Readonly<Record<string, string>> = {
  source: 'source',
  source_entity: 'source',
  src: 'source',
  from: 'source',
  subject: 'source',
  head: 'source',
  source_name: 'source',
  target: 'target',
  target_entity: 'target',
  tgt: 'target',
  dst: 'target',
  to: 'target',
  object: 'target',
  tail: 'target',
  target_name: 'target',
  type: 'type',
  relation: 'type',
  relationship: 'type',
  relation_type: 'type',
  relationship_type: 'type',
  predicate: 'type',
  label: 'type',
  kind: 'type',
  description: 'description',
  relationship_description: 'description',
  relation_description: 'description',
  desc: 'description',
  weight: 'weight',
  relationship_strength: 'weight',
  strength: 'weight',
  score: 'weight',
  confidence: 'weight',
};
const LIST_KEYS: Readonly<Record<string, 'entities' | 'relations'>> = {
  entities: 'entities',
  nodes: 'entities',
  entity_list: 'entities',
  relations: 'relations',
  relationships: 'relations',
  edges: 'relations',
  links: 'relations',
  relation_list: 'relations',
};
const WRAPPERS = [
  'result',
  'results',
  'data',
  'output',
  'extraction',
  'graph',
  'knowledge_graph',
  'response',
  'answer',
];
const MAX_NAME = 300;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const snake = (key: string): string =>
  key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');

/** Maps an object's keys through `table`, noting casing and alias repairs. */
function canonicalKeys(
  o: Record<string, unknown>,
  table: Readonly<Record<string, string>>,
  repairs: Set<RepairKind>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [raw, value] of Object.entries(o)) {
    const key = snake(raw.trim());
    const canonical = table[key];
    if (canonical === undefined) continue;
    if (canonical !== key) repairs.add('key_aliases');
    else if (raw !== key) repairs.add('key_casing');
    // NOTE: the first spelling wins; {"type": …, "relation": …} keeps "type".
    if (!(canonical in out)) out[canonical] = value;
  }
  return out;
}

const text = (v: unknown): string | undefined =>
  (typeof v === 'string' ? cleanName(v) : typeof v === 'number' ? String(v) : undefined) || undefined;

/** The entity and relation lists of a reply value; undefined when it has neither. */
export function findLists(
  value: unknown,
  repairs: Set<RepairKind>,
): { entities: unknown[]; relations: unknown[] } | undefined {
  if (Array.isArray(value)) {
    const items = value.filter(isRecord);
    if (items.length === 0) return undefined;
    repairs.add('bare_array');
    const isRelation = (o: Record<string, unknown>): boolean =>
      Object.keys(o).some((k) => RELATION_KEYS[snake(k)] === 'source');
    return { entities: items.filter((o) => !isRelation(o)), relations: items.filter(isRelation) };
  }
  if (!isRecord(value)) return undefined;
  const lists: { entities: unknown[]; relations: unknown[] } = { entities: [], relations: [] };
  let found = false;
  for (const [raw, v] of Object.entries(value)) {
    const key = snake(raw);
    const list = LIST_KEYS[key];
    if (list === undefined || !Array.isArray(v)) continue;
    found = true;
    if (list !== key) repairs.add('key_aliases');
    else if (raw !== key) repairs.add('key_casing');
    lists[list].push(...(v as unknown[]));
  }
  if (found) return lists;
  for (const [raw, v] of Object.entries(value)) {
    if (!WRAPPERS.includes(snake(raw))) continue;
    const inner = findLists(v, repairs);
    if (inner !== undefined) {
      repairs.add('wrapped_payload');
      return inner;
    }
  }
  return undefined;
}

/** Validates list items into records; refused items go to `rejected` with the reason. */
export function validateLists(
  lists: { entities: unknown[]; relations: unknown[] },
  span: Span,
  repairs: Set<RepairKind>,
  rejected: RejectedRecord[],
): GraphRecords {
  const out = emptyRecords();
  for (const item of lists.entities) {
    if (!isRecord(item)) {
      rejected.push({ record: item, reason: 'an entity must be an object with "name" and "type"' });
      continue;
    }
    const e = canonicalKeys(item, ENTITY_KEYS, repairs);
    const name = text(e.name);
    const type = text(e.type);
    if (name === undefined || name.length > MAX_NAME)
      rejected.push({ record: item, reason: 'an entity has no usable "name"' });
    else if (type === undefined) rejected.push({ record: item, reason: `entity "${name}" has no "type"` });
    else
      out.entities.push({
        name,
        type: normaliseType(type),
        aliases: [],
        method: 'llm',
        span,
        ...(typeof e.description === 'string' && e.description.trim() ? { description: e.description.trim() } : {}),
      });
  }
  for (const item of lists.relations) {
    if (!isRecord(item)) {
      rejected.push({ record: item, reason: 'a relation must be an object with "source", "target" and "type"' });
      continue;
    }
    const r = canonicalKeys(item, RELATION_KEYS, repairs);
    const source = text(r.source);
    const target = text(r.target);
    if (source === undefined || target === undefined || source.length > MAX_NAME || target.length > MAX_NAME) {
      rejected.push({ record: item, reason: 'a relation lacks a usable "source" or "target"' });
      continue;
    }
    let type = text(r.type);
    if (type === undefined) {
      repairs.add('defaulted_type');
      type = DEFAULT_RELATION_TYPE;
    }
    let weight: number | undefined;
    if (typeof r.weight === 'number' && Number.isFinite(r.weight)) weight = r.weight;
    else if (r.weight !== undefined && r.weight !== null) {
      const n = Number(r.weight);
      repairs.add('coerced_values');
      if (Number.isFinite(n)) weight = n;
    }
    out.relations.push({
      source,
      target,
      type: normaliseType(type) || DEFAULT_RELATION_TYPE,
      method: 'llm',
      span,
      ...(typeof r.description === 'string' && r.description.trim() ? { description: r.description.trim() } : {}),
      ...(weight === undefined ? {} : { weight }),
    });
  }
  return out;
}
