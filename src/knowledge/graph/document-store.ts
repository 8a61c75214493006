// SQL of what callers see of a tenant's knowledge: submitted sources and their ingest status,
// the document listing, the graph version, recent questions, and pages of entities,
// relations and communities. One named query per function; every statement runs in a
// tenant-scoped transaction (row-level security), and every one also filters by tenant.
import { iso } from '../../core/clock.js';
import type { Queryable } from '../../core/db.js';

export const SOURCE_STATUSES = ['pending', 'ingesting', 'ready', 'failed'] as const;
export type SourceStatus = (typeof SOURCE_STATUSES)[number];

export interface SourceInput {
  readonly documentId: string;
  readonly name: string;
  readonly content: Uint8Array;
  readonly sha256: string;
  readonly submittedBy: string;
}

/** A document as the API shows it: its source, ingest status and what it contributed. */
export interface DocumentSummary {
  readonly documentId: string;
  readonly name: string;
  readonly status: SourceStatus;
  readonly error: string | null;
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly format: string | null;
  readonly chunks: number;
  readonly jobId: string | null;
  readonly submittedAt: string;
  readonly ingestedAt: string | null;
}

interface SummaryRow {
  document_id: string;
  name: string;
  status: SourceStatus;
  error: string | null;
  size_bytes: number;
  content_sha256: string;
  format: string | null;
  chunks: number;
  job_id: string | null;
  submitted_at: Date | string;
  ingested_at: Date | string | null;
}

const summaryOf = (r: SummaryRow): DocumentSummary => ({
  documentId: r.document_id,
  name: r.name,
  status: r.status,
  error: r.error,
  sizeBytes: r.size_bytes,
  sha256: r.content_sha256,
  format: r.format,
  chunks: r.chunks,
  jobId: r.job_id,
  submittedAt: iso(r.submitted_at) ?? '',
  ingestedAt: iso(r.ingested_at),
});

const SUMMARY = `
  select s.document_id, s.name, s.status, s.error, s.size_bytes, s.content_sha256, d.format, s.job_id, s.submitted_at, s.ingested_at,
         (select count(*)::int from kg_chunks c where c.tenant_id = s.tenant_id and c.document_id = s.document_id) as chunks
  from kg_sources s left join kg_documents d on d.tenant_id = s.tenant_id and d.document_id = s.document_id`;

/** Stores (or replaces) a submitted source as pending; returns the previous summary, if any. */
export async function upsertSource(
  tx: Queryable,
  tenantId: string,
  s: SourceInput,
): Promise<DocumentSummary | undefined> {
  const before = await selectSource(tx, tenantId, s.documentId);
  await tx.query(
    `insert into kg_sources (tenant_id, document_id, name, content, content_sha256, size_bytes, status, submitted_by)
     values ($1, $2, $3, $4, $5, $6, 'pending', $7)
     on conflict (tenant_id, document_id) do update
       set name = excluded.name, content = excluded.content, content_sha256 = excluded.content_sha256, size_bytes = excluded.size_bytes,
           status = 'pending', error = null, job_id = null, submitted_by = excluded.submitted_by, submitted_at = now()`,
    [tenantId, s.documentId, s.name, s.content, s.sha256, s.content.byteLength, s.submittedBy],
  );
  return before;
}

export async function selectSource(
  tx: Queryable,
  tenantId: string,
  documentId: string,
): Promise<DocumentSummary | undefined> {
  const { rows } = await tx.query<SummaryRow>(`${SUMMARY} where s.tenant_id = $1 and s.document_id = $2`, [
    tenantId,
    documentId,
  ]);
  return rows[0] === undefined ? undefined : summaryOf(rows[0]);
}

/** Documents and stored bytes of the tenant, not counting `exceptDocument` (being replaced). */
export async function selectSourceUsage(
  tx: Queryable,
  tenantId: string,
  exceptDocument: string,
): Promise<{ documents: number; bytes: number }> {
  const { rows } = await tx.query<{ documents: number; bytes: string | number }>(
    'select count(*)::int as documents, coalesce(sum(size_bytes), 0)::bigint as bytes from kg_sources where tenant_id = $1 and document_id <> $2',
    [tenantId, exceptDocument],
  );
  return { documents: rows[0]?.documents ?? 0, bytes: Number(rows[0]?.bytes ?? 0) };
}

/** The bytes to ingest, or undefined when the source is gone (deleted since submission). */
export async function selectSourceContent(
  tx: Queryable,
  tenantId: string,
  documentId: string,
): Promise<{ name: string; content: Uint8Array; sha256: string } | undefined> {
  const { rows } = await tx.query<{ name: string; content: Uint8Array; content_sha256: string }>(
    'select name, content, content_sha256 from kg_sources where tenant_id = $1 and document_id = $2',
    [tenantId, documentId],
  );
  const r = rows[0];
  return r === undefined ? undefined : { name: r.name, content: new Uint8Array(r.content), sha256: r.content_sha256 };
}

export async function setSourceJob(tx: Queryable, tenantId: string, documentId: string, jobId: string): Promise<void> {
  await tx.query('update kg_sources set job_id = $3 where tenant_id = $1 and document_id = $2', [
    tenantId,
    documentId,
    jobId,
  ]);
}

/**
 * Moves a source to `status`, only if its content is still the one `sha256` names (a newer
 * submission wins) and, when `from` is given, only from one of those statuses.
 */
export async function setSourceStatus(
  tx: Queryable,
  tenantId: string,
  documentId: string,
  sha256: string,
  status: SourceStatus,
  error: string | null = null,
  from?: readonly SourceStatus[],
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `update kg_sources set status = $4, error = $5, ingested_at = case when $4 = 'ready' then now() else ingested_at end
     where tenant_id = $1 and document_id = $2 and content_sha256 = $3 and ($6::text[] is null or status = any($6::text[]))`,
    [tenantId, documentId, sha256, status, error, from === undefined ? null : [...from]],
  );
  return rowCount > 0;
}

/**
 * Settles a source after its ingest job `jobId` changed state outside its handler (cancelled,
 * given up, retried): only the source that job is for (same content, that job or none yet)
 * and only from `from`. Returns whether a source moved.
 */
export async function setSourceStatusForJob(
  tx: Queryable,
  tenantId: string,
  documentId: string,
  sha256: string,
  jobId: string,
  status: SourceStatus,
  error: string | null,
  from: readonly SourceStatus[],
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `update kg_sources set status = $5, error = $6
     where tenant_id = $1 and document_id = $2 and content_sha256 = $3 and (job_id is null or job_id = $4) and status = any($7::text[])`,
    [tenantId, documentId, sha256, jobId, status, error, [...from]],
  );
  return rowCount > 0;
}

export async function deleteSource(tx: Queryable, tenantId: string, documentId: string): Promise<boolean> {
  const { rowCount } = await tx.query('delete from kg_sources where tenant_id = $1 and document_id = $2', [
    tenantId,
    documentId,
  ]);
  return rowCount > 0;
}

/** A page of documents ordered by id; `after` is the last id of the previous page. */
export async function listSources(
  tx: Queryable,
  tenantId: string,
  page: { limit: number; after?: string; status?: SourceStatus },
): Promise<DocumentSummary[]> {
  const { rows } = await tx.query<SummaryRow>(
    `${SUMMARY} where s.tenant_id = $1 and ($2::text is null or s.document_id > $2) and ($3::text is null or s.status = $3)
     order by s.document_id limit $4`,
    [tenantId, page.after ?? null, page.status ?? null, page.limit],
  );
  return rows.map(summaryOf);
}

/** The tenant's graph version (0 before the first change). */
export async function selectGraphVersion(tx: Queryable, tenantId: string): Promise<number> {
  const { rows } = await tx.query<{ version: string | number }>(
    'select version from kg_graph_state where tenant_id = $1',
    [tenantId],
  );
  return rows[0] === undefined ? 0 : Number(rows[0].version);
}

/** When the tenant's communities were last recomputed whole (a graph build); null: never. */
export async function selectBuiltAt(tx: Queryable, tenantId: string): Promise<Date | null> {
  const { rows } = await tx.query<{ built_at: Date | null }>(
    'select built_at from kg_graph_state where tenant_id = $1',
    [tenantId],
  );
  return rows[0]?.built_at ?? null;
}

/** Bumps the graph version (every change to the graph); returns the new one. */
export async function bumpGraphVersion(tx: Queryable, tenantId: string, built = false): Promise<number> {
  const { rows } = await tx.query<{ version: string | number }>(
    `insert into kg_graph_state as g (tenant_id, version, built_at) values ($1, 1, case when $2 then now() end)
     on conflict (tenant_id) do update set version = g.version + 1, built_at = case when $2 then now() else g.built_at end
     returning version`,
    [tenantId, built],
  );
  return Number(rows[0]?.version ?? 0);
}

/** Adds asked counts of normalised questions. */
export async function recordQuestions(
  tx: Queryable,
  tenantId: string,
  asked: readonly { question: string; mode: string; count: number }[],
): Promise<void> {
  if (asked.length === 0) return;
  await tx.query(
    `insert into kg_query_log as l (tenant_id, question, mode, asked)
     select $1, q.question, q.mode, q.n from unnest($2::text[], $3::text[], $4::int[]) as q(question, mode, n)
     on conflict (tenant_id, question, mode) do update set asked = l.asked + excluded.asked, last_asked_at = now()`,
    [tenantId, asked.map((a) => a.question), asked.map((a) => a.mode), asked.map((a) => a.count)],
  );
}

/** Forgets up to `maxRows` questions last asked before `cutoff` (every tenant's in platform scope). */
export async function pruneQuestions(tx: Queryable, cutoff: Date, maxRows: number): Promise<number> {
  const { rowCount } = await tx.query(
    `delete from kg_query_log where ctid = any(array(
       select ctid from kg_query_log where last_asked_at < $1 order by last_asked_at limit $2))`,
    [cutoff, maxRows],
  );
  return rowCount ?? 0;
}

/** The most asked questions of the last `days` days. */
export async function selectFrequentQuestions(
  tx: Queryable,
  tenantId: string,
  limit: number,
  days = 7,
): Promise<{ question: string; mode: string; asked: number }[]> {
  const { rows } = await tx.query<{ question: string; mode: string; asked: string | number }>(
    `select question, mode, asked from kg_query_log
     where tenant_id = $1 and last_asked_at > now() - make_interval(days => $3)
     order by asked desc, last_asked_at desc limit $2`,
    [tenantId, limit, days],
  );
  return rows.map((r) => ({ question: r.question, mode: r.mode, asked: Number(r.asked) }));
}

/** One chunk of a document as a citation points at it: its text, its offsets in the document's text, the document's name. */
export interface ChunkText {
  readonly documentId: string;
  readonly documentName: string;
  readonly chunkIndex: number;
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** The chunk `chunkIndex` of a document, or undefined. */
export async function selectChunk(
  tx: Queryable,
  tenantId: string,
  documentId: string,
  chunkIndex: number,
): Promise<ChunkText | undefined> {
  const { rows } = await tx.query<{ name: string; start_offset: number; end_offset: number; text: string }>(
    `select d.name, c.start_offset, c.end_offset, c.text from kg_chunks c
     join kg_documents d on d.tenant_id = c.tenant_id and d.document_id = c.document_id
     where c.tenant_id = $1 and c.document_id = $2 and c.chunk_index = $3`,
    [tenantId, documentId, chunkIndex],
  );
  const r = rows[0];
  return r === undefined
    ? undefined
    : { documentId, documentName: r.name, chunkIndex, start: r.start_offset, end: r.end_offset, text: r.text };
}

/** Full texts of cited chunks; only the tenant's own rows can come back. */
export async function selectChunkTexts(
  tx: Queryable,
  tenantId: string,
  refs: readonly { documentId: string; chunkIndex: number }[],
): Promise<{ tenantId: string; documentId: string; chunkIndex: number; text: string }[]> {
  if (refs.length === 0) return [];
  const { rows } = await tx.query<{ tenant_id: string; document_id: string; chunk_index: number; text: string }>(
    `select c.tenant_id, c.document_id, c.chunk_index, c.text from kg_chunks c
     join unnest($2::text[], $3::int[]) as r(d, i) on c.document_id = r.d and c.chunk_index = r.i
     where c.tenant_id = $1`,
    [tenantId, refs.map((r) => r.documentId), refs.map((r) => r.chunkIndex)],
  );
  return rows.map((r) => ({
    tenantId: r.tenant_id,
    documentId: r.document_id,
    chunkIndex: r.chunk_index,
    text: r.text,
  }));
}

export interface EntityItem {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly description: string | null;
  readonly aliases: readonly string[];
  readonly mentions: number;
  readonly documents: readonly string[];
}
export interface RelationItem {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly target: string;
  readonly weight: number;
  readonly description: string | null;
  readonly mentions: number;
  readonly documents: readonly string[];
}
export interface CommunityItem {
  readonly id: string;
  readonly level: number;
  readonly parentId: string | null;
  readonly title: string;
  readonly report: string;
  readonly rank: number;
  readonly members: readonly string[];
}

export interface GraphPage {
  readonly limit: number;
  /** The last id of the previous page. */
  readonly after?: string | undefined;
  /** Entities: only this type; relations: only this relation type. */
  readonly type?: string | undefined;
  /** Substring of the name (entities) or of either end (relations), case-insensitive. */
  readonly match?: string | undefined;
}

const like = (s: string | undefined): string | null =>
  s === undefined ? null : `%${s.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export async function listEntities(tx: Queryable, tenantId: string, page: GraphPage): Promise<EntityItem[]> {
  const { rows } = await tx.query<{
    entity_id: string;
    name: string;
    type: string;
    description: string | null;
    aliases: string[];
    mentions: number;
    documents: string[];
  }>(
    `select e.entity_id, e.name, e.type, e.description, e.aliases,
            (select count(*)::int from kg_entity_mentions m where m.tenant_id = e.tenant_id and m.entity_id = e.entity_id) as mentions,
            (select coalesce(array_agg(distinct m.document_id), '{}') from kg_entity_mentions m where m.tenant_id = e.tenant_id and m.entity_id = e.entity_id) as documents
     from kg_entities e
     where e.tenant_id = $1 and ($2::text is null or e.entity_id > $2) and ($3::text is null or e.type = $3) and ($4::text is null or lower(e.name) like $4)
     order by e.entity_id limit $5`,
    [tenantId, page.after ?? null, page.type ?? null, like(page.match), page.limit],
  );
  return rows.map((r) => ({
    id: r.entity_id,
    name: r.name,
    type: r.type,
    description: r.description,
    aliases: r.aliases,
    mentions: r.mentions,
    documents: r.documents,
  }));
}

export async function listRelations(tx: Queryable, tenantId: string, page: GraphPage): Promise<RelationItem[]> {
  const { rows } = await tx.query<{
    relation_id: string;
    source_name: string;
    type: string;
    target_name: string;
    weight: number;
    description: string | null;
    mentions: number;
    documents: string[];
  }>(
    `select r.relation_id, r.source_name, r.type, r.target_name, r.weight, r.description,
            (select count(*)::int from kg_relation_mentions m where m.tenant_id = r.tenant_id and m.relation_id = r.relation_id) as mentions,
            (select coalesce(array_agg(distinct m.document_id), '{}') from kg_relation_mentions m where m.tenant_id = r.tenant_id and m.relation_id = r.relation_id) as documents
     from kg_relations r
     where r.tenant_id = $1 and ($2::text is null or r.relation_id > $2) and ($3::text is null or r.type = $3)
       and ($4::text is null or lower(r.source_name) like $4 or lower(r.target_name) like $4)
     order by r.relation_id limit $5`,
    [tenantId, page.after ?? null, page.type ?? null, like(page.match), page.limit],
  );
  return rows.map((r) => ({
    id: r.relation_id,
    source: r.source_name,
    type: r.type,
    target: r.target_name,
    weight: Number(r.weight),
    description: r.description,
    mentions: r.mentions,
    documents: r.documents,
  }));
}

export async function listCommunities(
  tx: Queryable,
  tenantId: string,
  page: Pick<GraphPage, 'limit' | 'after'>,
): Promise<CommunityItem[]> {
  const { rows } = await tx.query<{
    community_id: string;
    level: number;
    parent_id: string | null;
    title: string;
    report: string;
    rank: number;
    members: string[];
  }>(
    `select c.community_id, c.level, c.parent_id, c.title, c.report, c.rank,
            (select coalesce(array_agg(m.name_key order by m.name_key), '{}') from kg_community_members m where m.tenant_id = c.tenant_id and m.community_id = c.community_id) as members
     from kg_communities c
     where c.tenant_id = $1 and ($2::text is null or c.community_id > $2)
     order by c.community_id limit $3`,
    [tenantId, page.after ?? null, page.limit],
  );
  return rows.map((r) => ({
    id: r.community_id,
    level: r.level,
    parentId: r.parent_id,
    title: r.title,
    report: r.report,
    rank: Number(r.rank),
    members: r.members,
  }));
}

/** The highest-ranked communities with their reports (what an LLM summarises after a build). */
export async function selectTopCommunities(
  tx: Queryable,
  tenantId: string,
  limit: number,
): Promise<{ id: string; report: string }[]> {
  const { rows } = await tx.query<{ community_id: string; report: string }>(
    'select community_id, report from kg_communities where tenant_id = $1 order by rank desc, community_id limit $2',
    [tenantId, limit],
  );
  return rows.map((r) => ({ id: r.community_id, report: r.report }));
}

/** Replaces a community's report when it is still the one `previous` names (no build raced it). */
export async function replaceCommunityReport(
  tx: Queryable,
  tenantId: string,
  id: string,
  previous: string,
  report: string,
): Promise<boolean> {
  const { rowCount } = await tx.query(
    'update kg_communities set report = $4 where tenant_id = $1 and community_id = $2 and report = $3',
    [tenantId, id, previous, report],
  );
  return rowCount > 0;
}
