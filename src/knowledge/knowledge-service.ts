// The knowledge graph of each tenant as a service: ingest a document (parse, extract, store,
// update the communities its components touch), delete one (exactly its contributions go),
// and answer questions. Built by makeKnowledgeService({ db }) at the composition root.
import { createHash } from 'node:crypto';
import { tenantScope, type Database, type Queryable } from '../core/db.js';
import { ValidationError } from '../core/errors.js';
import { refreshCommunities, type CommunityUpdate } from './community-refresh.js';
import { extractDocument, type ExtractOptions } from './extract-document.js';
import { deleteDocument, insertChunks, insertDocument, insertMentions, nodeKey, selectDocumentNodes, upsertEntities, upsertRelations } from './graph-store.js';
import { answerQuestion, type Answer, type QueryMode, type QueryOptions } from './query-engine.js';

export interface IngestInput {
  /** The tenant's id for the document; ingesting the same id again replaces it. */
  readonly documentId: string;
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface IngestResult {
  readonly documentId: string;
  readonly replaced: boolean;
  readonly chunks: number;
  readonly entities: number;
  readonly relations: number;
  readonly communities: CommunityUpdate;
}

export interface KnowledgeService {
  ingest(tenantId: string, input: IngestInput, options?: ExtractOptions): Promise<IngestResult>;
  /** Deletes a document and its contributions; false when it did not exist. */
  remove(tenantId: string, documentId: string): Promise<{ deleted: boolean; communities: CommunityUpdate }>;
  query(tenantId: string, question: string, mode: QueryMode, options?: QueryOptions): Promise<Answer>;
}

const DOCUMENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,254}$/;

/** Serialises graph writes of one tenant (communities are recomputed from the whole component). */
async function lockTenantGraph(tx: Queryable, tenantId: string): Promise<void> {
  await tx.query("select pg_advisory_xact_lock(hashtext('iris.kg:' || $1))", [tenantId]);
}

/** Builds the service over the database port. */
export function makeKnowledgeService(deps: { readonly db: Database }): KnowledgeService {
  const { db } = deps;
  return {
    async ingest(tenantId, input, options) {
      if (!DOCUMENT_ID.test(input.documentId)) throw new ValidationError('documentId must be 1-255 characters of letters, digits and ._:/-', { field: 'documentId' });
      const x = await extractDocument(input.name, input.bytes, options);
      return db.transaction(tenantScope(tenantId), async (tx) => {
        await lockTenantGraph(tx, tenantId);
        const before = await selectDocumentNodes(tx, tenantId, input.documentId);
        const replaced = await deleteDocument(tx, tenantId, input.documentId);
        await insertDocument(tx, tenantId, {
          documentId: input.documentId, name: input.name, format: x.document.format,
          sha256: createHash('sha256').update(input.bytes).digest('hex'), textLength: x.document.text.length,
        });
        await insertChunks(tx, tenantId, input.documentId, x.chunks);
        await upsertEntities(tx, tenantId, x.entities);
        await upsertRelations(tx, tenantId, x.relations);
        await insertMentions(tx, tenantId, input.documentId, x.entities, x.relations);
        const after = [...x.entities.map((e) => nodeKey(e.name)), ...x.relations.flatMap((r) => [nodeKey(r.source), nodeKey(r.target)])];
        const communities = await refreshCommunities(tx, tenantId, [...new Set([...before, ...after])]);
        return { documentId: input.documentId, replaced, chunks: x.chunks.length, entities: x.entities.length, relations: x.relations.length, communities };
      });
    },

    async remove(tenantId, documentId) {
      return db.transaction(tenantScope(tenantId), async (tx) => {
        await lockTenantGraph(tx, tenantId);
        const before = await selectDocumentNodes(tx, tenantId, documentId);
        const deleted = await deleteDocument(tx, tenantId, documentId);
        return { deleted, communities: deleted ? await refreshCommunities(tx, tenantId, before) : { nodes: 0, removed: 0, added: 0 } };
      });
    },

    async query(tenantId, question, mode, options) {
      return db.transaction(tenantScope(tenantId), (tx) => answerQuestion(tx, tenantId, question, mode, options));
    },
  };
}
