// One document's extraction written into a tenant's graph: the document's old rows go, the new
// ones (document, chunks, entities, relations, mentions) go in, and the communities its nodes
// touch are refreshed. Ingest writes the primary graph with it and, after switching the
// transaction to the candidate graph (slot-store.ts), the candidate too; a candidate build
// writes without the refresh (it recomputes every community at its end).
import type { Queryable } from '../../core/db.js';
import type { DocumentExtraction } from '../extract/extract-document.js';
import { refreshCommunities, type CommunityUpdate } from './community-refresh.js';
import {
  deleteDocument,
  insertChunks,
  insertDocument,
  insertMentions,
  nodeKey,
  selectDocumentNodes,
  upsertEntities,
  upsertRelations,
} from './graph-store.js';

export interface DocumentWrite {
  readonly documentId: string;
  readonly name: string;
  /** Digest of the document's bytes. */
  readonly sha256: string;
}

const NO_UPDATE: CommunityUpdate = { nodes: 0, removed: 0, added: 0, bounded: false };

/** Replaces the document's rows in the graph the transaction is on; the caller holds that graph's lock. */
export async function writeDocument(
  tx: Queryable,
  tenantId: string,
  d: DocumentWrite,
  x: Pick<DocumentExtraction, 'document' | 'chunks' | 'entities' | 'relations'>,
  options: { readonly communities: boolean },
): Promise<{ replaced: boolean; communities: CommunityUpdate }> {
  const before = options.communities ? await selectDocumentNodes(tx, tenantId, d.documentId) : [];
  const replaced = await deleteDocument(tx, tenantId, d.documentId);
  await insertDocument(tx, tenantId, {
    documentId: d.documentId,
    name: d.name,
    format: x.document.format,
    sha256: d.sha256,
    textLength: x.document.text.length,
  });
  await insertChunks(tx, tenantId, d.documentId, x.chunks);
  await upsertEntities(tx, tenantId, x.entities);
  await upsertRelations(tx, tenantId, x.relations);
  await insertMentions(tx, tenantId, d.documentId, x.entities, x.relations);
  if (!options.communities) return { replaced, communities: NO_UPDATE };
  const after = [
    ...x.entities.map((e) => nodeKey(e.name)),
    ...x.relations.flatMap((r) => [nodeKey(r.source), nodeKey(r.target)]),
  ];
  return { replaced, communities: await refreshCommunities(tx, tenantId, [...new Set([...before, ...after])]) };
}

/** Deletes the document's rows from the graph the transaction is on and refreshes the communities it touched. */
export async function removeDocument(
  tx: Queryable,
  tenantId: string,
  documentId: string,
): Promise<{ removed: boolean; communities: CommunityUpdate }> {
  const before = await selectDocumentNodes(tx, tenantId, documentId);
  const removed = await deleteDocument(tx, tenantId, documentId);
  return { removed, communities: removed ? await refreshCommunities(tx, tenantId, before) : NO_UPDATE };
}
