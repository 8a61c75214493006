// Entity resolution: records that name the same thing (case, whitespace, punctuation, a leading
// article, declared aliases, abbreviations such as "PGW" for "Payments Gateway") become one
// entity; relations are re-pointed at the resolved entities and deduplicated. Every entity and
// relation keeps the provenance (chunk and span) of each record it was built from.
import type { Span } from '../parse/document-model.js';
import type { EntityRecord, ExtractionMethod, GraphRecords, RelationRecord } from './graph-records.js';
import { sameThing, typeFamily, typesCompatible } from './mention-match.js';
import { acronymOf, cleanName, isAbbreviation, normaliseName, normaliseType } from './names.js';

/** Where a record was found: the chunk holding it and its span in the document text. */
export interface Provenance extends Span {
  readonly chunk: number;
  readonly method: ExtractionMethod;
}

export interface ResolvedEntity {
  /** Stable across documents: `type:normalised name`. */
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly aliases: readonly string[];
  readonly descriptions: readonly string[];
  readonly provenance: readonly Provenance[];
}

export interface ResolvedRelation {
  readonly source: string;
  readonly target: string;
  /** Ids of the resolved ends; undefined when no entity of that name was declared or found. */
  readonly sourceId: string | undefined;
  readonly targetId: string | undefined;
  readonly type: string;
  readonly weight: number;
  readonly descriptions: readonly string[];
  readonly provenance: readonly Provenance[];
}

export interface Resolution {
  readonly entities: ResolvedEntity[];
  readonly relations: ResolvedRelation[];
}

/** Structured records are declared knowledge and win over LLM output, which wins over prose patterns. */
export const PRIORITY: Readonly<Record<ExtractionMethod, number>> = {
  'front-matter': 3,
  data: 3,
  table: 3,
  catalog: 3,
  llm: 2,
  prose: 1,
};
const UNKNOWN = 'unknown';

interface Group {
  key: string;
  readonly nameKey: string;
  type: string;
  readonly records: EntityRecord[];
  into?: Group;
}

const priorityOf = (g: Group): number => Math.max(...g.records.map((r) => PRIORITY[r.method]));
const structured = (g: Group): boolean => priorityOf(g) === 3;
const root = (g: Group): Group => (g.into === undefined ? g : root(g.into));

/** Merges `from` into `to` unless both are declared with different types. */
function merge(from: Group, to: Group): void {
  const a = root(from);
  const b = root(to);
  if (a === b || (structured(a) && structured(b) && !typesCompatible(a.type, b.type) && a.type !== UNKNOWN)) return;
  a.into = b;
  b.records.push(...a.records);
  if (b.type === UNKNOWN) b.type = a.type;
}

/** The spelling of the group's own name from its most authoritative records, most frequent first. */
function canonicalName(g: Group): string {
  const own = g.records.filter((r) => normaliseName(r.name) === g.nameKey);
  const records = own.length > 0 ? own : g.records;
  const top = Math.max(...records.map((r) => PRIORITY[r.method]));
  const counts = new Map<string, number>();
  for (const r of records)
    if (PRIORITY[r.method] === top) counts.set(cleanName(r.name), (counts.get(cleanName(r.name)) ?? 0) + 1);
  let best = '';
  let bestCount = 0;
  for (const [name, n] of counts) if (n > bestCount) [best, bestCount] = [name, n];
  return best;
}

/**
 * Resolves the records of one document (or one LLM reply). `chunkOf` maps a text offset to the
 * index of the chunk holding it.
 */
export function resolveRecords(records: GraphRecords, chunkOf: (offset: number) => number): Resolution {
  const groups = new Map<string, Group>();
  for (const record of records.entities) {
    const nameKey = normaliseName(record.name);
    if (nameKey === '') continue;
    const type = normaliseType(record.type) || UNKNOWN;
    const key = `${type}:${nameKey}`;
    const g = groups.get(key) ?? { key, nameKey, type, records: [] };
    g.records.push(record);
    groups.set(key, g);
  }
  const all = [...groups.values()];
  const byName = new Map<string, Group[]>();
  for (const g of all) byName.set(g.nameKey, [...(byName.get(g.nameKey) ?? []), g]);

  // 1. One name, several types: undeclared readings join the declared one, or the best-supported one.
  for (const same of byName.values()) {
    if (same.length < 2) continue;
    const ranked = [...same].sort((x, y) => priorityOf(y) - priorityOf(x) || y.records.length - x.records.length);
    const declared = ranked.filter(structured);
    const families = new Set(declared.map((g) => typeFamily(g.type)));
    const target = families.size <= 1 ? (declared[0] ?? ranked[0]) : undefined;
    for (const g of same)
      if (
        target !== undefined &&
        g !== target &&
        (!structured(g) || g.type === UNKNOWN || typesCompatible(g.type, target.type))
      )
        merge(g, target);
  }
  // 2. Declared aliases, then abbreviations whose letters are the initials of exactly one name.
  const aliasOf = new Map<string, Group>();
  for (const g of all) for (const r of g.records) for (const a of r.aliases) aliasOf.set(normaliseName(a), g);
  for (const g of all) {
    const owner = aliasOf.get(g.nameKey);
    if (owner !== undefined && !structured(root(g))) merge(g, owner);
  }
  const acronyms = new Map<string, Group[]>();
  for (const g of all) {
    const acronym = acronymOf(cleanName(g.records[0]?.name ?? ''));
    if (acronym !== undefined) acronyms.set(acronym.toLowerCase(), [...(acronyms.get(acronym.toLowerCase()) ?? []), g]);
  }
  for (const g of all) {
    const name = cleanName(g.records[0]?.name ?? '');
    if (!isAbbreviation(name) || structured(root(g)) || root(g) !== g) continue;
    const owners = [...new Set((acronyms.get(name.toLowerCase().replace(/s$/, '')) ?? []).map(root))];
    if (owners.length === 1 && owners[0] !== undefined) merge(g, owners[0]);
  }

  // 3. A short or decorated mention (an honorific, a first name, a slug, an email) joins the one group it names.
  for (const g of all) {
    if (root(g) !== g || structured(g)) continue;
    const me = { name: cleanName(g.records[0]?.name ?? ''), type: g.type };
    const owners = [
      ...new Set(
        all
          .filter((o) => root(o) === o && o !== g)
          .filter((o) => sameThing(me, { name: cleanName(o.records[0]?.name ?? ''), type: o.type }))
          .map(root),
      ),
    ];
    const longer = owners.filter((o) => o.nameKey.length > g.nameKey.length || structured(o));
    if (longer.length === 1 && longer[0] !== undefined) merge(g, longer[0]);
  }

  const provenance = (span: Span, method: ExtractionMethod): Provenance => ({
    chunk: chunkOf(span.start),
    start: span.start,
    end: span.end,
    method,
  });
  const entities: ResolvedEntity[] = [];
  const idOf = new Map<Group, string>();
  for (const g of all.filter((x) => x.into === undefined)) {
    const name = canonicalName(g);
    // NOTE: the id's type is the family's (group/team, user/person, component/service), so one
    // thing declared in a catalog and named in prose is one entity across documents too.
    const id = `${typeFamily(g.type)}:${g.nameKey}`;
    idOf.set(g, id);
    const names = new Set(g.records.flatMap((r) => [cleanName(r.name), ...r.aliases.map(cleanName)]));
    entities.push({
      id,
      name,
      type: g.type,
      aliases: [...names].filter((n) => n !== '' && normaliseName(n) !== normaliseName(name)),
      descriptions: [...new Set(g.records.flatMap((r) => (r.description ? [r.description] : [])))],
      provenance: g.records.map((r) => provenance(r.span, r.method)),
    });
  }
  return { entities, relations: resolveRelations(records.relations, all, idOf, entities, provenance) };
}

/** Points relation ends at resolved entities (by name or alias) and merges duplicates. */
function resolveRelations(
  relations: readonly RelationRecord[],
  groups: readonly Group[],
  idOf: ReadonlyMap<Group, string>,
  entities: readonly ResolvedEntity[],
  provenance: (span: Span, method: ExtractionMethod) => Provenance,
): ResolvedRelation[] {
  const byId = new Map(entities.map((e) => [e.id, e]));
  const index = new Map<string, Group[]>();
  const indexAs = (key: string, g: Group): void => {
    const list = index.get(key) ?? [];
    if (!list.includes(g)) list.push(g);
    index.set(key, list);
  };
  for (const g of groups) {
    const r = root(g);
    indexAs(g.nameKey, r);
    for (const rec of g.records) for (const a of rec.aliases) indexAs(normaliseName(a), r);
  }
  const endpoint = (name: string): { name: string; id: string | undefined } => {
    const found = [...(index.get(normaliseName(name)) ?? [])].sort(
      (x, y) => priorityOf(y) - priorityOf(x) || y.records.length - x.records.length,
    )[0];
    const id = found === undefined ? undefined : idOf.get(found);
    const entity = id === undefined ? undefined : byId.get(id);
    return entity === undefined ? { name: cleanName(name), id: undefined } : { name: entity.name, id: entity.id };
  };
  const merged = new Map<
    string,
    { rel: Omit<ResolvedRelation, 'provenance' | 'descriptions'>; provenance: Provenance[]; descriptions: Set<string> }
  >();
  for (const r of relations) {
    const source = endpoint(r.source);
    const target = endpoint(r.target);
    const type = normaliseType(r.type);
    const sk = source.id ?? `?:${normaliseName(source.name)}`;
    const tk = target.id ?? `?:${normaliseName(target.name)}`;
    // NOTE: a relation from an entity to itself says nothing; prose patterns produce them by mistake.
    if (sk === tk || type === '' || source.name === '' || target.name === '') continue;
    const key = `${sk}\u0000${type}\u0000${tk}`;
    const m = merged.get(key) ?? {
      rel: { source: source.name, target: target.name, sourceId: source.id, targetId: target.id, type, weight: 0 },
      provenance: [],
      descriptions: new Set<string>(),
    };
    m.rel = { ...m.rel, weight: Math.max(m.rel.weight, r.weight ?? 1) };
    m.provenance.push(provenance(r.span, r.method));
    if (r.description) m.descriptions.add(r.description);
    merged.set(key, m);
  }
  return [...merged.values()].map((m) => ({ ...m.rel, descriptions: [...m.descriptions], provenance: m.provenance }));
}
