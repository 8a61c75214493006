// SQL of graph versions (migration 0014): which graph a transaction works on (the search_path
// switch that points the graph store's unqualified SQL at the candidate graph in kg_next), the
// candidate's slot (version, build status, probe), and the cut-over copy of a tenant's
// candidate rows into the primary tables. Tables of the other graph are always named with their
// schema here, so these statements mean the same whichever graph the transaction is on.
import type { Queryable } from '../../core/db.js';

/** The dual-read probe the rollout side recorded for a candidate graph. */
export interface GraphProbe {
  readonly questions: number;
  readonly citationOverlap: number;
  readonly answerSimilarity: number;
  readonly ok: boolean;
  readonly at: string;
  readonly detail?: string;
}

export type GraphSlotStatus = 'building' | 'ready' | 'failed';

/** A tenant's candidate graph. */
export interface GraphSlot {
  readonly extractionVersion: string;
  readonly releaseId: string | null;
  readonly status: GraphSlotStatus;
  readonly documentsTotal: number;
  readonly documentsDone: number;
  readonly error: string | null;
  readonly probe: GraphProbe | null;
  readonly updatedAt: string;
}

export interface TenantGraphState {
  readonly tenantId: string;
  /** The extraction version of the graph that serves (the primary one). */
  readonly primaryVersion: string;
  readonly slot: GraphSlot | null;
}

/** The eight graph tables, parents before children (the order rows are copied in). */
const GRAPH_TABLES = [
  'kg_documents',
  'kg_chunks',
  'kg_entities',
  'kg_relations',
  'kg_entity_mentions',
  'kg_relation_mentions',
  'kg_communities',
  'kg_community_members',
] as const;

/** Stored columns of each graph table (kg_chunks.search is generated: the database computes it). */
const COLUMNS: Readonly<Record<(typeof GRAPH_TABLES)[number], string>> = {
  kg_documents: 'tenant_id, document_id, name, format, content_sha256, text_length, added_at',
  kg_chunks: 'tenant_id, document_id, chunk_index, start_offset, end_offset, text',
  kg_entities: 'tenant_id, entity_id, name_key, name, type, description, aliases',
  kg_relations: 'tenant_id, relation_id, source_key, target_key, source_name, target_name, type, weight, description',
  kg_entity_mentions: 'tenant_id, document_id, chunk_index, entity_id, start_offset, end_offset, method',
  kg_relation_mentions: 'tenant_id, document_id, chunk_index, relation_id, start_offset, end_offset, method',
  kg_communities: 'tenant_id, community_id, level, parent_id, title, report, rank, entity_count',
  kg_community_members: 'tenant_id, community_id, name_key',
};

/**
 * Points the rest of the transaction at the candidate graph: the graph store's unqualified
 * table names resolve in kg_next first (kg_sources, kg_query_log and the rest still in public).
 * Returns the search_path it replaced, for usePrimaryGraph.
 * NOTE: local to the transaction; both drivers send unnamed statements, planned anew each time,
 * so no plan made under the other search_path is reused.
 */
export async function useCandidateGraph(tx: Queryable): Promise<string> {
  const { rows } = await tx.query<{ before: string }>(
    "select current_setting('search_path') as before, set_config('search_path', 'kg_next, public', true)",
  );
  return rows[0]?.before ?? 'public';
}

/** Points the rest of the transaction back at the primary graph (`searchPath`: what useCandidateGraph returned). */
export async function usePrimaryGraph(tx: Queryable, searchPath: string): Promise<void> {
  await tx.query("select set_config('search_path', $1, true)", [searchPath]);
}

/** Serialises writes to one tenant's candidate graph (taken after the primary lock when both are). */
export async function lockCandidateGraph(tx: Queryable, tenantId: string): Promise<void> {
  await tx.query("select pg_advisory_xact_lock(hashtext('iris.kg-next:' || $1))", [tenantId]);
}

interface SlotRow {
  tenant_id: string;
  extraction_version: string;
  release_id: string | null;
  status: GraphSlotStatus;
  documents_total: number;
  documents_done: number;
  error: string | null;
  probe: GraphProbe | null;
  updated_at: Date;
}

const SLOT_COLUMNS =
  'tenant_id, extraction_version, release_id, status, documents_total, documents_done, error, probe, updated_at';

const slotOf = (r: SlotRow): GraphSlot => ({
  extractionVersion: r.extraction_version,
  releaseId: r.release_id,
  status: r.status,
  documentsTotal: r.documents_total,
  documentsDone: r.documents_done,
  error: r.error,
  probe: r.probe,
  updatedAt: r.updated_at.toISOString(),
});

/** The tenant's candidate slot, if it has one. */
export async function selectSlot(tx: Queryable, tenantId: string): Promise<GraphSlot | undefined> {
  const { rows } = await tx.query<SlotRow>(`select ${SLOT_COLUMNS} from kg_next.kg_graph_slots where tenant_id = $1`, [
    tenantId,
  ]);
  return rows[0] === undefined ? undefined : slotOf(rows[0]);
}

/** The primary graph's extraction version and the version of a live (building or ready) candidate: ingest's one extra read. */
export async function selectIngestVersions(
  tx: Queryable,
  tenantId: string,
  fallback: string,
): Promise<{ primary: string; candidate: string | null }> {
  const { rows } = await tx.query<{ primary_version: string | null; candidate: string | null }>(
    `select (select extraction_version from kg_graph_state where tenant_id = $1) as primary_version,
       (select extraction_version from kg_next.kg_graph_slots where tenant_id = $1 and status in ('building', 'ready')) as candidate`,
    [tenantId],
  );
  return { primary: rows[0]?.primary_version ?? fallback, candidate: rows[0]?.candidate ?? null };
}

/** Graph versions of every tenant in `tenantIds` (platform scope: one statement). */
export async function selectGraphStates(
  tx: Queryable,
  tenantIds: readonly string[],
  fallback: string,
): Promise<TenantGraphState[]> {
  const { rows } = await tx.query<Partial<SlotRow> & { id: string; primary_version: string | null }>(
    `select t.id, g.extraction_version as primary_version, s.extraction_version, s.release_id, s.status,
            s.documents_total, s.documents_done, s.error, s.probe, s.updated_at
     from unnest($1::text[]) with ordinality as t(id, n)
     left join public.kg_graph_state g on g.tenant_id = t.id
     left join kg_next.kg_graph_slots s on s.tenant_id = t.id
     order by t.n`,
    [tenantIds],
  );
  return rows.map((r) => ({
    tenantId: r.id,
    primaryVersion: r.primary_version ?? fallback,
    slot: r.extraction_version == null ? null : slotOf({ ...(r as SlotRow), tenant_id: r.id }),
  }));
}

/** Starts (or restarts) the tenant's slot for `version` as building; the caller discarded any slot of another version. */
export async function upsertBuildingSlot(
  tx: Queryable,
  tenantId: string,
  version: string,
  releaseId: string | null,
): Promise<void> {
  await tx.query(
    `insert into kg_next.kg_graph_slots as s (tenant_id, extraction_version, release_id, status)
     values ($1, $2, $3, 'building')
     on conflict (tenant_id) do update
       set release_id = coalesce(excluded.release_id, s.release_id), status = 'building', error = null, probe = null,
           updated_at = now()`,
    [tenantId, version, releaseId],
  );
}

/** Records build progress (and the outcome: 'ready', or 'failed' with the error) of the slot of `version`. */
export async function updateSlot(
  tx: Queryable,
  tenantId: string,
  version: string,
  change: { status?: GraphSlotStatus; total?: number; done?: number; error?: string | null },
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `update kg_next.kg_graph_slots
       set status = coalesce($3, status), documents_total = coalesce($4, documents_total),
           documents_done = coalesce($5, documents_done), error = case when $6 then $7 else error end, updated_at = now()
     where tenant_id = $1 and extraction_version = $2`,
    [
      tenantId,
      version,
      change.status ?? null,
      change.total ?? null,
      change.done ?? null,
      change.error !== undefined,
      change.error ?? null,
    ],
  );
  return rowCount > 0;
}

/** Stores the probe on the slot of `version` when it is ready. */
export async function updateSlotProbe(
  tx: Queryable,
  tenantId: string,
  version: string,
  probe: GraphProbe,
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `update kg_next.kg_graph_slots set probe = $3::jsonb, updated_at = now()
     where tenant_id = $1 and extraction_version = $2 and status = 'ready'`,
    [tenantId, version, JSON.stringify(probe)],
  );
  return rowCount > 0;
}

/** Deletes the tenant's candidate graph rows and its slot. */
export async function deleteCandidate(tx: Queryable, tenantId: string): Promise<void> {
  // Children before parents would cascade anyway; every table is named so nothing is left.
  for (const table of [...GRAPH_TABLES].reverse())
    await tx.query(`delete from kg_next.${table} where tenant_id = $1`, [tenantId]);
  // NOTE: kg_next.kg_graph_state stays: the next candidate's graph versions count on from it,
  // so no answer cached (on any replica) for an earlier candidate matches the next one's key.
  await tx.query('delete from kg_next.kg_graph_slots where tenant_id = $1', [tenantId]);
}

/** Replaces the tenant's primary graph rows with a copy of its candidate's. */
export async function copyCandidateToPrimary(tx: Queryable, tenantId: string): Promise<void> {
  for (const table of [...GRAPH_TABLES].reverse())
    await tx.query(`delete from public.${table} where tenant_id = $1`, [tenantId]);
  // NOTE: parents first (foreign keys); kg_chunks.search is generated, so it is recomputed.
  for (const table of GRAPH_TABLES)
    await tx.query(
      `insert into public.${table} (${COLUMNS[table]}) select ${COLUMNS[table]} from kg_next.${table} where tenant_id = $1`,
      [tenantId],
    );
}

/** Records the primary graph's new extraction version and bumps its graph version (answer caches go stale). */
export async function setPrimaryVersion(tx: Queryable, tenantId: string, version: string): Promise<number> {
  const { rows } = await tx.query<{ version: string | number }>(
    `insert into public.kg_graph_state as g (tenant_id, version, built_at, extraction_version)
     values ($1, 1, (select built_at from kg_next.kg_graph_state where tenant_id = $1), $2)
     on conflict (tenant_id) do update
       set version = g.version + 1, extraction_version = excluded.extraction_version, built_at = excluded.built_at
     returning version`,
    [tenantId, version],
  );
  return Number(rows[0]?.version ?? 0);
}

/** Ready sources of the tenant (what a candidate graph is built from), without their bytes. */
export async function selectReadySources(
  tx: Queryable,
  tenantId: string,
): Promise<{ documentId: string; sha256: string }[]> {
  const { rows } = await tx.query<{ document_id: string; content_sha256: string }>(
    "select document_id, content_sha256 from public.kg_sources where tenant_id = $1 and status = 'ready' order by document_id",
    [tenantId],
  );
  return rows.map((r) => ({ documentId: r.document_id, sha256: r.content_sha256 }));
}

/** Digests of the documents already in the candidate graph, by document id. */
export async function selectCandidateDigests(tx: Queryable, tenantId: string): Promise<Map<string, string>> {
  const { rows } = await tx.query<{ document_id: string; content_sha256: string }>(
    'select document_id, content_sha256 from kg_next.kg_documents where tenant_id = $1',
    [tenantId],
  );
  return new Map(rows.map((r) => [r.document_id, r.content_sha256]));
}

/** Whether the source is still ready with `sha256` (the content a candidate document was extracted from). */
export async function sourceStillReady(
  tx: Queryable,
  tenantId: string,
  documentId: string,
  sha256: string,
): Promise<boolean> {
  const { rows } = await tx.query(
    "select 1 from public.kg_sources where tenant_id = $1 and document_id = $2 and content_sha256 = $3 and status = 'ready'",
    [tenantId, documentId, sha256],
  );
  return rows.length > 0;
}

/** What the answer path reads to pick a graph: the primary's versions and, when asked, the candidate's. */
export interface AnswerGraphs {
  readonly version: number;
  readonly primaryVersion: string;
  readonly slot: GraphSlot | undefined;
  readonly candidateVersion: number;
}

/** The answer path's one read: the primary graph's versions, and with `withSlot` the candidate's slot and version. */
export async function selectAnswerGraphs(
  tx: Queryable,
  tenantId: string,
  withSlot: boolean,
  fallback: string,
): Promise<AnswerGraphs> {
  if (!withSlot) {
    const { rows } = await tx.query<{ version: string | number; extraction_version: string }>(
      'select version, extraction_version from kg_graph_state where tenant_id = $1',
      [tenantId],
    );
    const r = rows[0];
    return {
      version: r === undefined ? 0 : Number(r.version),
      primaryVersion: r?.extraction_version ?? fallback,
      slot: undefined,
      candidateVersion: 0,
    };
  }
  const { rows } = await tx.query<
    Partial<SlotRow> & {
      version: string | number | null;
      primary_version: string | null;
      candidate_version: string | number | null;
    }
  >(
    `select g.version, g.extraction_version as primary_version, c.version as candidate_version,
            s.extraction_version, s.release_id, s.status, s.documents_total, s.documents_done, s.error, s.probe, s.updated_at
     from (select $1::text as id) t
     left join public.kg_graph_state g on g.tenant_id = t.id
     left join kg_next.kg_graph_slots s on s.tenant_id = t.id
     left join kg_next.kg_graph_state c on c.tenant_id = t.id`,
    [tenantId],
  );
  const r = rows[0];
  return {
    version: Number(r?.version ?? 0),
    primaryVersion: r?.primary_version ?? fallback,
    slot: r?.extraction_version == null ? undefined : slotOf(r as SlotRow),
    candidateVersion: Number(r?.candidate_version ?? 0),
  };
}

/** Documents of the candidate graph the primary graph no longer has (removed where no dual write reached the candidate). */
export async function selectCandidateOrphans(tx: Queryable, tenantId: string): Promise<string[]> {
  const { rows } = await tx.query<{ document_id: string }>(
    `select c.document_id from kg_next.kg_documents c
     where c.tenant_id = $1
       and not exists (select 1 from public.kg_documents p where p.tenant_id = c.tenant_id and p.document_id = c.document_id)
     order by c.document_id`,
    [tenantId],
  );
  return rows.map((r) => r.document_id);
}
