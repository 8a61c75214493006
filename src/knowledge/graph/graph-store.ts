// SQL that writes a tenant's knowledge graph: a document's rows (document, chunks, entities,
// relations and their mentions), the removal of a document's contributions (mentions cascade
// from chunks; entities and relations left without mentions go), and communities. One named
// query per function; every statement runs in a tenant-scoped transaction (row-level security).
import type { Queryable } from '../../core/db.js';
import type { Chunk } from '../parse/chunker.js';
import type { ResolvedEntity, ResolvedRelation } from '../extract/entity-resolution.js';
import { normaliseName } from '../extract/names.js';

export interface DocumentRow {
  readonly documentId: string;
  readonly name: string;
  readonly format: string;
  readonly sha256: string;
  readonly textLength: number;
}

/** The graph node of an entity or relation end: its normalised name. */
export const nodeKey = (name: string): string => normaliseName(name);
/** The key of a relation: source node, type, target node. */
export const relationKey = (r: Pick<ResolvedRelation, 'source' | 'type' | 'target'>): string =>
  `${nodeKey(r.source)}|${r.type}|${nodeKey(r.target)}`;

/** Inserts the document row. */
export async function insertDocument(tx: Queryable, tenantId: string, d: DocumentRow): Promise<void> {
  await tx.query(
    'insert into kg_documents (tenant_id, document_id, name, format, content_sha256, text_length) values ($1, $2, $3, $4, $5, $6)',
    [tenantId, d.documentId, d.name, d.format, d.sha256, d.textLength],
  );
}

/** Inserts the document's chunks (text and offsets), in one statement. */
export async function insertChunks(
  tx: Queryable,
  tenantId: string,
  documentId: string,
  chunks: readonly Chunk[],
): Promise<void> {
  if (chunks.length === 0) return;
  await tx.query(
    `insert into kg_chunks (tenant_id, document_id, chunk_index, start_offset, end_offset, text)
     select $1, $2, c.i, c.s, c.e, c.t from unnest($3::int[], $4::int[], $5::int[], $6::text[]) as c(i, s, e, t)`,
    [
      tenantId,
      documentId,
      chunks.map((c) => c.index),
      chunks.map((c) => c.start),
      chunks.map((c) => c.end),
      chunks.map((c) => c.text),
    ],
  );
}

/** Adds entities not yet known; a known entity keeps its name and gains missing descriptions and aliases. */
export async function upsertEntities(
  tx: Queryable,
  tenantId: string,
  entities: readonly ResolvedEntity[],
): Promise<void> {
  if (entities.length === 0) return;
  await tx.query(
    `insert into kg_entities (tenant_id, entity_id, name_key, name, type, description, aliases)
     select $1, e.id, e.k, e.n, e.t, e.d, e.a::jsonb from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) as e(id, k, n, t, d, a)
     on conflict (tenant_id, entity_id) do update
       set description = coalesce(kg_entities.description, excluded.description),
           aliases = (select coalesce(jsonb_agg(distinct x), '[]'::jsonb) from jsonb_array_elements(kg_entities.aliases || excluded.aliases) x)`,
    [
      tenantId,
      entities.map((e) => e.id),
      entities.map((e) => nodeKey(e.name)),
      entities.map((e) => e.name),
      entities.map((e) => e.type),
      entities.map((e) => e.descriptions[0] ?? null),
      entities.map((e) => JSON.stringify(e.aliases)),
    ],
  );
}

/** Adds relations not yet known; a known one keeps the higher weight. */
export async function upsertRelations(
  tx: Queryable,
  tenantId: string,
  relations: readonly ResolvedRelation[],
): Promise<void> {
  if (relations.length === 0) return;
  await tx.query(
    `insert into kg_relations (tenant_id, relation_id, source_key, target_key, source_name, target_name, type, weight, description)
     select $1, r.id, r.sk, r.tk, r.sn, r.tn, r.t, r.w, r.d
     from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::float8[], $9::text[]) as r(id, sk, tk, sn, tn, t, w, d)
     on conflict (tenant_id, relation_id) do update
       set weight = greatest(kg_relations.weight, excluded.weight), description = coalesce(kg_relations.description, excluded.description)`,
    [
      tenantId,
      relations.map(relationKey),
      relations.map((r) => nodeKey(r.source)),
      relations.map((r) => nodeKey(r.target)),
      relations.map((r) => r.source),
      relations.map((r) => r.target),
      relations.map((r) => r.type),
      relations.map((r) => r.weight),
      relations.map((r) => r.descriptions[0] ?? null),
    ],
  );
}

/** Records where each entity and relation of the document was read (duplicates collapse). */
export async function insertMentions(
  tx: Queryable,
  tenantId: string,
  documentId: string,
  entities: readonly ResolvedEntity[],
  relations: readonly ResolvedRelation[],
): Promise<void> {
  const em = entities.flatMap((e) => e.provenance.map((p) => [e.id, p.chunk, p.start, p.end, p.method] as const));
  const rm = relations.flatMap((r) =>
    r.provenance.map((p) => [relationKey(r), p.chunk, p.start, p.end, p.method] as const),
  );
  for (const [table, column, rows] of [
    ['kg_entity_mentions', 'entity_id', em],
    ['kg_relation_mentions', 'relation_id', rm],
  ] as const) {
    if (rows.length === 0) continue;
    await tx.query(
      `insert into ${table} (tenant_id, document_id, chunk_index, ${column}, start_offset, end_offset, method)
       select $1, $2, m.c, m.id, m.s, m.e, m.m from unnest($3::text[], $4::int[], $5::int[], $6::int[], $7::text[]) as m(id, c, s, e, m)
       on conflict do nothing`,
      [
        tenantId,
        documentId,
        rows.map((r) => r[0]),
        rows.map((r) => r[1]),
        rows.map((r) => r[2]),
        rows.map((r) => r[3]),
        rows.map((r) => r[4]),
      ],
    );
  }
}

/** The nodes a document contributes to (entity names and relation ends), for community updates. */
export async function selectDocumentNodes(tx: Queryable, tenantId: string, documentId: string): Promise<string[]> {
  const { rows } = await tx.query<{ node: string }>(
    `select e.name_key as node from kg_entity_mentions m join kg_entities e on e.tenant_id = m.tenant_id and e.entity_id = m.entity_id
       where m.tenant_id = $1 and m.document_id = $2
     union
     select unnest(array[r.source_key, r.target_key]) from kg_relation_mentions m join kg_relations r on r.tenant_id = m.tenant_id and r.relation_id = m.relation_id
       where m.tenant_id = $1 and m.document_id = $2`,
    [tenantId, documentId],
  );
  return rows.map((r) => r.node);
}

/** Deletes a document with its chunks and mentions, then the entities and relations no mention supports. */
export async function deleteDocument(tx: Queryable, tenantId: string, documentId: string): Promise<boolean> {
  const { rowCount } = await tx.query('delete from kg_documents where tenant_id = $1 and document_id = $2', [
    tenantId,
    documentId,
  ]);
  if (rowCount === 0) return false;
  await tx.query(
    `delete from kg_entities e where e.tenant_id = $1
       and not exists (select 1 from kg_entity_mentions m where m.tenant_id = e.tenant_id and m.entity_id = e.entity_id)`,
    [tenantId],
  );
  await tx.query(
    `delete from kg_relations r where r.tenant_id = $1
       and not exists (select 1 from kg_relation_mentions m where m.tenant_id = r.tenant_id and m.relation_id = r.relation_id)`,
    [tenantId],
  );
  return true;
}

/** Serialises graph writes of one tenant (communities are recomputed from the whole component). */
export async function lockTenantGraph(tx: Queryable, tenantId: string): Promise<void> {
  await tx.query("select pg_advisory_xact_lock(hashtext('iris.kg:' || $1))", [tenantId]);
}
