// The vocabulary of declared knowledge: which column headers or object keys name an entity's
// name and type, a relation's source, type and target, and which extra columns are relations
// of their row's entity (an `owner` column means owned_by).
import { normaliseType } from './names.js';

export const ENTITY_NAME_KEYS = ['name', 'entity', 'entity_name', 'title', 'label'] as const;
export const ENTITY_TYPE_KEYS = ['type', 'kind', 'entity_type', 'category', 'class'] as const;
export const SOURCE_KEYS = ['source', 'from', 'subject', 'head', 'src', 'source_entity', 'source_name'] as const;
export const TARGET_KEYS = ['target', 'to', 'object', 'tail', 'dst', 'tgt', 'target_entity', 'target_name'] as const;
export const RELATION_TYPE_KEYS = [
  'relation',
  'relationship',
  'relation_type',
  'predicate',
  'rel',
  'type',
  'kind',
  'label',
  'verb',
  'edge',
] as const;
export const DESCRIPTION_KEYS = ['description', 'desc', 'summary', 'details', 'notes'] as const;
export const ALIAS_KEYS = [
  'aliases',
  'alias',
  'aka',
  'abbreviation',
  'abbreviations',
  'acronym',
  'also_known_as',
] as const;
export const WEIGHT_KEYS = ['weight', 'strength', 'score', 'relationship_strength', 'confidence'] as const;

/** Extra columns (or keys) of an entity row that state a relation from that entity. */
export const RELATION_COLUMNS: Readonly<Record<string, string>> = {
  owner: 'owned_by',
  owned_by: 'owned_by',
  system: 'part_of',
  domain: 'part_of',
  part_of: 'part_of',
  depends_on: 'depends_on',
  dependencies: 'depends_on',
  uses: 'uses',
  provides_apis: 'provides_api',
  provides_api: 'provides_api',
  consumes_apis: 'consumes_api',
  consumes_api: 'consumes_api',
  member_of: 'member_of',
  located_in: 'located_in',
  location: 'located_in',
  reports_to: 'reports_to',
  manager: 'reports_to',
  works_for: 'works_for',
  employer: 'works_for',
};

/** Words a column header ends with when it names a relation ("Managed by", "Member of", "Reports to"). */
const RELATION_HEADER = /^[a-z]+_(by|of|to|in|on|for|with|from|at)$/;
/** Verbs that, alone as a column header, name a relation of the row's entity ("Serves", "Uses"). */
const RELATION_VERB_HEADERS = new Set([
  'serves',
  'uses',
  'calls',
  'owns',
  'operates',
  'manages',
  'supplies',
  'employs',
  'contains',
  'includes',
  'provides',
  'consumes',
  'produces',
  'funds',
  'leads',
  'maintains',
  'hosts',
  'runs',
  'requires',
  'supports',
  'replaces',
  'covers',
]);

/** The relation an extra column of an entity row states, if its header names one. */
export function relationColumn(key: string): string | undefined {
  return RELATION_COLUMNS[key] ?? (RELATION_HEADER.test(key) || RELATION_VERB_HEADERS.has(key) ? key : undefined);
}

/** Relations whose values are places, where a comma is part of the name ("Riverside, North"). */
const PLACE_RELATIONS = new Set(['located_in', 'based_in', 'headquartered_in']);

/** The target names of a relation cell: a list, except that a place keeps its commas. */
export function targetsOf(value: unknown, relation: string): string[] {
  if (typeof value === 'string' && PLACE_RELATIONS.has(relation))
    return value
      .split(/[;\n]/)
      .map((s) => s.trim())
      .filter((s) => s !== '');
  return listOf(value);
}

/** The canonical form of a header or key ("Entity Type" -> entity_type). */
export const fieldKey = (header: string): string => normaliseType(header);

/** The first of `candidates` present among `keys` (already canonical), if any. */
export function pickKey(
  keys: readonly string[],
  candidates: readonly string[],
  exclude: readonly string[] = [],
): string | undefined {
  return candidates.find((c) => keys.includes(c) && !exclude.includes(c));
}

/** Splits a cell or value that lists several names ("a, b; c" or a YAML list). */
export function listOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(listOf);
  if (typeof value === 'number') return [String(value)];
  if (typeof value !== 'string') return [];
  return value
    .split(/[;,\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== '-' && s.toLowerCase() !== 'none' && s.toLowerCase() !== 'n/a');
}

/** A scalar as trimmed text, or undefined. */
export function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}
