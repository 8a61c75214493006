// SQL that reads a tenant's knowledge graph for communities and queries: edges, entities by
// name, neighbourhoods, candidate chunks by full-text match, corpus statistics, community
// reports, and chunks by id. Ranking happens elsewhere (answer/bm25.ts, answer/query-engine.ts).
import type { Queryable } from '../../core/db.js';
import type { ExtractionMethod } from '../extract/graph-records.js';
import type { GraphEdge } from './communities.js';
import { nodeKey } from './graph-store.js';
import { tsqueryAny, tsqueryOperand } from './vocabulary.js';

export interface ChunkRow {
  readonly tenantId: string;
  readonly documentId: string;
  readonly documentName: string;
  readonly chunkIndex: number;
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export interface EntityRow {
  readonly nameKey: string;
  readonly name: string;
  readonly type: string;
  readonly mentions: number;
}

export interface RelationRow {
  readonly relationId: string;
  readonly sourceKey: string;
  readonly targetKey: string;
  readonly source: string;
  readonly target: string;
  readonly type: string;
  readonly weight: number;
}

export interface CommunityRow {
  readonly communityId: string;
  readonly level: number;
  readonly title: string;
  readonly report: string;
  readonly rank: number;
}

const CHUNK_COLUMNS = `c.tenant_id as "tenantId", c.document_id as "documentId", d.name as "documentName", c.chunk_index as "chunkIndex",
  c.start_offset as "start", c.end_offset as "end", c.text`;
const RELATION_COLUMNS = `relation_id as "relationId", source_key as "sourceKey", target_key as "targetKey", source_name as source,
  target_name as target, type, weight`;

/** Every edge of the tenant's graph (relations between node keys). */
export async function selectEdges(tx: Queryable, tenantId: string): Promise<GraphEdge[]> {
  const { rows } = await tx.query<GraphEdge>(
    'select source_key as source, target_key as target, weight from kg_relations where tenant_id = $1',
    [tenantId],
  );
  return rows;
}

/** The node key of every entity of the tenant's graph. */
export async function selectEntityKeys(tx: Queryable, tenantId: string): Promise<string[]> {
  const { rows } = await tx.query<{ name_key: string }>(
    'select distinct name_key from kg_entities where tenant_id = $1',
    [tenantId],
  );
  return rows.map((r) => r.name_key);
}

/** Edges with an end among `keys`, each with its relation id (one step of a breadth-first walk). */
export async function selectEdgesTouching(
  tx: Queryable,
  tenantId: string,
  keys: readonly string[],
): Promise<(GraphEdge & { relationId: string })[]> {
  if (keys.length === 0) return [];
  const { rows } = await tx.query<GraphEdge & { relationId: string }>(
    `select relation_id as "relationId", source_key as source, target_key as target, weight from kg_relations
     where tenant_id = $1 and (source_key = any($2::text[]) or target_key = any($2::text[]))`,
    [tenantId, keys],
  );
  return rows;
}

/** Edges with both ends among `keys` (the subgraph they induce). */
export async function selectEdgesWithin(
  tx: Queryable,
  tenantId: string,
  keys: readonly string[],
): Promise<GraphEdge[]> {
  if (keys.length === 0) return [];
  const { rows } = await tx.query<GraphEdge>(
    'select source_key as source, target_key as target, weight from kg_relations where tenant_id = $1 and source_key = any($2::text[]) and target_key = any($2::text[])',
    [tenantId, keys],
  );
  return rows;
}

/** Communities (of every level, or of `level` only) with a member among `keys`, with their parents and members. */
export async function selectCommunitiesTouching(
  tx: Queryable,
  tenantId: string,
  keys: readonly string[],
  level?: number,
): Promise<{ communityId: string; level: number; parentId: string | null; members: string[] }[]> {
  if (keys.length === 0) return [];
  const { rows } = await tx.query<{ communityId: string; level: number; parentId: string | null; members: string[] }>(
    `select c.community_id as "communityId", c.level, c.parent_id as "parentId", array_agg(m.name_key order by m.name_key) as members
     from kg_communities c join kg_community_members m on m.tenant_id = c.tenant_id and m.community_id = c.community_id
     where c.tenant_id = $1 and c.community_id in (select t.community_id from kg_community_members t where t.tenant_id = $1 and t.name_key = any($2::text[]))
       and ($3::int is null or c.level = $3::int)
     group by c.community_id, c.level, c.parent_id`,
    [tenantId, keys, level ?? null],
  );
  return rows;
}

/**
 * Entities whose name key is one of `keys` (or whose aliases contain one), with their mention
 * counts, or with 0 for them when `withMentions` is false (counting a hub's mentions is costly).
 */
export async function selectEntitiesByKeys(
  tx: Queryable,
  tenantId: string,
  keys: readonly string[],
  withMentions = true,
): Promise<EntityRow[]> {
  if (keys.length === 0) return [];
  const { rows } = await tx.query<EntityRow>(
    `select e.name_key as "nameKey", e.name, e.type,
            case when $3 then (select count(*)::int from kg_entity_mentions m where m.tenant_id = e.tenant_id and m.entity_id = e.entity_id) else 0 end as mentions
     from kg_entities e where e.tenant_id = $1 and e.name_key = any($2::text[])`,
    [tenantId, keys, withMentions],
  );
  return rows;
}

/** An entity of the tenant's graph that may type a relation end, with how its mentions were read. */
export interface KnownEntityRow {
  readonly name: string;
  readonly type: string;
  readonly aliases: readonly string[];
  readonly methods: readonly ExtractionMethod[];
}

/**
 * Entities that documents other than `documentId` mention, named (by name key, or by an alias
 * read case-insensitively) by one of `names`: what the tenant already knows of the relation ends
 * a document leaves untyped (a document's own earlier version is not evidence for it). Each
 * entity with the methods of its mentions in those documents.
 */
export async function selectKnownEntities(
  tx: Queryable,
  tenantId: string,
  documentId: string,
  names: readonly string[],
): Promise<KnownEntityRow[]> {
  if (names.length === 0) return [];
  const { rows } = await tx.query<KnownEntityRow>(
    `select e.name, e.type, e.aliases, array_agg(distinct m.method) as methods
     from kg_entities e join kg_entity_mentions m on m.tenant_id = e.tenant_id and m.entity_id = e.entity_id
     where e.tenant_id = $1 and m.document_id <> $2
       and (e.name_key = any($3::text[])
            or exists (select 1 from jsonb_array_elements_text(e.aliases) a
                       where lower(a) = any($4::text[]) or btrim(regexp_replace(lower(a), '[^[:alnum:]]+', ' ', 'g')) = any($3::text[])))
     group by e.entity_id, e.name, e.type, e.aliases`,
    [tenantId, documentId, [...new Set(names.map(nodeKey))], [...new Set(names.map((n) => n.toLowerCase()))]],
  );
  return rows;
}

/** Relations touching any of `keys`, strongest first. */
export async function selectNeighbourhood(
  tx: Queryable,
  tenantId: string,
  keys: readonly string[],
  limit: number,
): Promise<RelationRow[]> {
  if (keys.length === 0) return [];
  const { rows } = await tx.query<RelationRow>(
    `select ${RELATION_COLUMNS} from kg_relations where tenant_id = $1 and (source_key = any($2::text[]) or target_key = any($2::text[]))
     order by weight desc, relation_id limit $3`,
    [tenantId, keys, limit],
  );
  return rows;
}

/** Relations with both ends among `keys` (a community's internal edges). */
export async function selectRelationsWithin(
  tx: Queryable,
  tenantId: string,
  keys: readonly string[],
): Promise<RelationRow[]> {
  const { rows } = await tx.query<RelationRow>(
    `select ${RELATION_COLUMNS} from kg_relations where tenant_id = $1 and source_key = any($2::text[]) and target_key = any($2::text[])
     order by weight desc, relation_id`,
    [tenantId, keys],
  );
  return rows;
}

/** Chunks holding mentions of the given entities (by node key) or relations, most mentions first. */
export async function selectMentionChunks(
  tx: Queryable,
  tenantId: string,
  nodeKeys: readonly string[],
  relationIds: readonly string[],
  limit: number,
): Promise<(ChunkRow & { mentions: number })[]> {
  const { rows } = await tx.query<ChunkRow & { mentions: number }>(
    `with hits as (
       select m.document_id, m.chunk_index from kg_entity_mentions m join kg_entities e on e.tenant_id = m.tenant_id and e.entity_id = m.entity_id
         where m.tenant_id = $1 and e.name_key = any($2::text[])
       union all
       select m.document_id, m.chunk_index from kg_relation_mentions m where m.tenant_id = $1 and m.relation_id = any($3::text[])
     ), counted as (select document_id, chunk_index, count(*)::int as mentions from hits group by document_id, chunk_index)
     select ${CHUNK_COLUMNS}, h.mentions from counted h
       join kg_chunks c on c.tenant_id = $1 and c.document_id = h.document_id and c.chunk_index = h.chunk_index
       join kg_documents d on d.tenant_id = c.tenant_id and d.document_id = c.document_id
     order by h.mentions desc, c.document_id, c.chunk_index limit $4`,
    [tenantId, nodeKeys, relationIds, limit],
  );
  return rows;
}

/**
 * For each group of node keys (a community), the `perGroup` chunks with the most mentions of
 * its members, most first (what selectMentionChunks gives for one group), in one statement.
 */
export async function selectGroupEvidence(
  tx: Queryable,
  tenantId: string,
  groups: readonly { id: string; members: readonly string[] }[],
  perGroup: number,
): Promise<Map<string, ChunkRow[]>> {
  const pairs = groups.flatMap((g) => g.members.map((m) => [g.id, m] as const));
  const out = new Map<string, ChunkRow[]>(groups.map((g) => [g.id, []]));
  if (pairs.length === 0) return out;
  const { rows } = await tx.query<ChunkRow & { groupId: string }>(
    `with pairs as (select p.g, p.k from unnest($2::text[], $3::text[]) as p(g, k)),
     counted as (
       select p.g, m.document_id, m.chunk_index, count(*)::int as mentions
       from pairs p join kg_entities e on e.tenant_id = $1 and e.name_key = p.k
         join kg_entity_mentions m on m.tenant_id = e.tenant_id and m.entity_id = e.entity_id
       group by p.g, m.document_id, m.chunk_index
     ), ranked as (
       select g, document_id, chunk_index, row_number() over (partition by g order by mentions desc, document_id, chunk_index) as n from counted
     )
     select r.g as "groupId", ${CHUNK_COLUMNS} from ranked r
       join kg_chunks c on c.tenant_id = $1 and c.document_id = r.document_id and c.chunk_index = r.chunk_index
       join kg_documents d on d.tenant_id = c.tenant_id and d.document_id = c.document_id
     where r.n <= $4 order by r.g, r.n`,
    [tenantId, pairs.map((p) => p[0]), pairs.map((p) => p[1]), perGroup],
  );
  for (const r of rows) out.get(r.groupId)?.push(r);
  return out;
}

/**
 * Chunks matching any of the BM25 `terms` (stems, see tsqueryOperand) by full-text search,
 * those holding a `rare` term first, then best `ts_rank` (candidates for BM25).
 * NOTE: under row-level security the GIN index over `search` is never used (`@@` is not
 * leakproof, so it may not run before the policy), so this reads every chunk of the tenant;
 * the best `limit` are picked before the join with documents, which the planner (without
 * statistics on a fresh tenant) otherwise drives row by row from kg_documents.
 */
export async function selectChunksMatching(
  tx: Queryable,
  tenantId: string,
  terms: readonly string[],
  limit: number,
  rare: readonly string[] = [],
): Promise<ChunkRow[]> {
  if (terms.length === 0) return [];
  // NOTE: ts_rank knows nothing of how rare a term is: chunks holding one of the `rare` terms
  // (an incident id, a service name) come first, so a question naming them cannot lose its
  // chunk to hundreds that only share its common words.
  const { rows } = await tx.query<ChunkRow>(
    `with top as (
       select c.document_id, c.chunk_index, ts_rank(c.search, q) as score, coalesce(c.search @@ to_tsquery('simple', $4::text), false) as rare
       from kg_chunks c, to_tsquery('simple', $2) q
       where c.tenant_id = $1 and c.search @@ q order by rare desc, score desc, c.document_id, c.chunk_index limit $3
     )
     select ${CHUNK_COLUMNS} from top t
       join kg_chunks c on c.tenant_id = $1 and c.document_id = t.document_id and c.chunk_index = t.chunk_index
       join kg_documents d on d.tenant_id = c.tenant_id and d.document_id = c.document_id
     order by t.rare desc, t.score desc, t.document_id, t.chunk_index`,
    [tenantId, tsqueryAny(terms), limit, rare.length === 0 ? null : tsqueryAny(rare)],
  );
  return rows;
}

/** The tenant's chunk count and average chunk length in characters. */
export async function selectChunkTotals(
  tx: Queryable,
  tenantId: string,
): Promise<{ count: number; averageChars: number }> {
  const { rows } = await tx.query<{ count: number; avg: number | null }>(
    'select count(*)::int as count, avg(end_offset - start_offset)::float8 as avg from kg_chunks where tenant_id = $1',
    [tenantId],
  );
  return { count: rows[0]?.count ?? 0, averageChars: rows[0]?.avg ?? 0 };
}

/** How many of the tenant's chunks hold each of the BM25 `terms` (document frequency; a stem counts the chunks its tsquery operand matches). */
export async function selectDocumentFrequencies(
  tx: Queryable,
  tenantId: string,
  terms: readonly string[],
): Promise<Map<string, number>> {
  const unique = [...new Set(terms)];
  if (unique.length === 0) return new Map();
  // NOTE: one pass over the tenant's chunks for all terms (the GIN index is of no use under
  // row-level security, see selectChunksMatching); setweight() hands each matching chunk's
  // tsvector on decompressed once instead of once per term.
  const { rows } = await tx.query<{ term: string; df: number }>(
    `select u.term, count(*)::int as df
     from (select setweight(c.search, 'D') as s from kg_chunks c where c.tenant_id = $1 and c.search @@ to_tsquery('simple', $4) offset 0) m
       cross join unnest($2::text[], $3::text[]) as u(term, operand)
     where m.s @@ to_tsquery('simple', u.operand)
     group by u.term`,
    [tenantId, unique, unique.map(tsqueryOperand), tsqueryAny(unique)],
  );
  const df = new Map(unique.map((t) => [t, 0]));
  for (const r of rows) df.set(r.term, r.df);
  return df;
}

/** Every community report of the tenant. */
export async function selectCommunities(
  tx: Queryable,
  tenantId: string,
): Promise<(CommunityRow & { members: string[] })[]> {
  const { rows } = await tx.query<CommunityRow & { members: string[] }>(
    `select c.community_id as "communityId", c.level, c.title, c.report, c.rank,
            array(select m.name_key from kg_community_members m where m.tenant_id = c.tenant_id and m.community_id = c.community_id order by m.name_key) as members
     from kg_communities c where c.tenant_id = $1 order by c.level, c.rank desc, c.community_id`,
    [tenantId],
  );
  return rows;
}
