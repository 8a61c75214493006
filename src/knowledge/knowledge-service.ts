// The knowledge graph of each tenant as a service: a facade that wires the stages. Documents
// come in through ingest.ts (submit, ingest, remove), the whole graph is rebuilt by
// graph-build.ts, a candidate graph of another extraction version is built, probed, cut over or
// dropped by graph-versions.ts, reads go to the graph's stores, and questions are answered by
// answer/answer-composition.ts through the per-tenant answer cache; the question log feeds the
// cache warm-up, and every LLM call spends from the tenant's daily token budget.
// Built by makeKnowledgeService(deps) at the composition root.
import { NotFoundError } from '../core/errors.js';
import { tenantScope, type Queryable } from '../core/db.js';
import type { TraceParent } from '../core/trace-parent.js';
import { makeAnswerCache, type AnswerCache } from './answer/answer-cache.js';
import { makeAnswers, type KnowledgeAnswer, type QueryRequest } from './answer/answer-composition.js';
import { isQueryMode, type QueryMode } from './answer/query-modes.js';
import { makeQuestionLog } from './answer/question-log.js';
import { PII_KINDS, redactPii } from './answer/pii.js';
import {
  listCommunities,
  listEntities,
  listRelations,
  listSources,
  recordQuestions,
  selectBuiltAt,
  selectChunk,
  selectFrequentQuestions,
  selectGraphVersion,
  selectSource,
  type ChunkText,
  type CommunityItem,
  type DocumentSummary,
  type EntityItem,
  type GraphPage,
  type RelationItem,
  type SourceStatus,
} from './graph/document-store.js';
import { selectGraphExport, type GraphExport } from './graph/graph-export.js';
import { makeGraphBuild, type GraphBuildOptions, type GraphBuildResult } from './graph-build.js';
import { makeGraphVersions, type GraphVersions } from './graph-versions.js';
import { checkDocumentId, makeIngest, type Ingest } from './ingest.js';
import type { KnowledgeDeps, ServiceParts, TenantKnowledgeSettings } from './knowledge-deps.js';
import { makeTokenBudget } from './llm/index.js';

/** The knowledge context's service: documents in (Ingest), graph reads, rebuilds, graph versions and answers. */
export interface KnowledgeService extends Ingest, GraphVersions {
  // Reads: `trace` is the caller's span, for the store spans.
  documents(
    tenantId: string,
    page: { limit: number; after?: string; status?: SourceStatus },
    trace?: TraceParent,
  ): Promise<DocumentSummary[]>;
  /** Throws NotFoundError. */
  document(tenantId: string, documentId: string, trace?: TraceParent): Promise<DocumentSummary>;
  /**
   * One chunk's text, as answers cite it (personal data and secrets redacted when the tenant
   * redacts answers). Throws NotFoundError.
   */
  chunk(tenantId: string, documentId: string, chunkIndex: number, trace?: TraceParent): Promise<ChunkText>;
  entities(tenantId: string, page: GraphPage, trace?: TraceParent): Promise<EntityItem[]>;
  relations(tenantId: string, page: GraphPage, trace?: TraceParent): Promise<RelationItem[]>;
  communities(
    tenantId: string,
    page: Pick<GraphPage, 'limit' | 'after'>,
    trace?: TraceParent,
  ): Promise<CommunityItem[]>;
  exportGraph(tenantId: string, trace?: TraceParent): Promise<GraphExport>;
  graphVersion(tenantId: string, trace?: TraceParent): Promise<number>;
  /**
   * Recomputes every community of the tenant (the `knowledge.graph-build` job); with an LLM that
   * may serve the tenant, the top communities' reports gain a summary line.
   */
  rebuild(tenantId: string, options?: GraphBuildOptions): Promise<GraphBuildResult>;
  query(tenantId: string, question: string, mode: QueryMode, request?: QueryRequest): Promise<KnowledgeAnswer>;
  /** When the tenant's graph was last built whole (null: never). */
  builtAt(tenantId: string): Promise<Date | null>;
  /** Answers the tenant's most frequent recent questions into the cache (the `knowledge.cache-warm` job). */
  warm(
    tenantId: string,
    options?: { top?: number; graphVersion?: number; trace?: TraceParent; fromPeer?: boolean },
  ): Promise<{ warmed: number; skipped?: 'stale' }>;
  /** Writes the buffered question counts (also done on a timer by the app). */
  flushQuestions(): Promise<void>;
  /** The tenant's most frequent recent questions (the cache warm-up's and the graph probes' list). */
  frequentQuestions(tenantId: string, top: number): Promise<{ question: string; mode: string }[]>;
  /** Cache figures of one tenant. */
  cacheStats(tenantId: string): ReturnType<AnswerCache<KnowledgeAnswer>['stats']>;
}

const DEFAULT_SETTINGS: TenantKnowledgeSettings = { tier: 'free', regionAllowed: () => false, redactPii: true };

/** Builds the service over the database port. */
export function makeKnowledgeService(deps: KnowledgeDeps): KnowledgeService {
  const { db } = deps;
  const settingsOf = (tenantId: string): TenantKnowledgeSettings => deps.tenant?.(tenantId) ?? DEFAULT_SETTINGS;
  const inTenant = <T>(tenantId: string, fn: (tx: Queryable) => Promise<T>, trace?: TraceParent): Promise<T> =>
    db.transaction(tenantScope(tenantId, trace), fn);
  const cache = makeAnswerCache<KnowledgeAnswer>({ onLookup: (t, hit) => deps.onCacheLookup?.(t, hit) });
  const parts: ServiceParts = {
    deps,
    settingsOf,
    inTenant,
    tokens: makeTokenBudget((tenantId) => settingsOf(tenantId).quotas?.llmTokensPerDay),
    invalidateAnswers: (tenantId) => cache.invalidateTenant(tenantId),
  };
  const questions = makeQuestionLog((tenantId, items) =>
    inTenant(tenantId, (tx) => recordQuestions(tx, tenantId, items)),
  );
  const answers = makeAnswers(parts, cache, questions, deps.release ?? 'dev');
  const documents = makeIngest(parts);

  return {
    ...documents,
    ...makeGraphVersions(parts),

    documents: (tenantId, page, trace) => inTenant(tenantId, (tx) => listSources(tx, tenantId, page), trace),

    async document(tenantId, documentId, trace) {
      checkDocumentId(documentId);
      const found = await inTenant(tenantId, (tx) => selectSource(tx, tenantId, documentId), trace);
      if (found === undefined) throw new NotFoundError('Document', documentId);
      return found;
    },

    async chunk(tenantId, documentId, chunkIndex, trace) {
      checkDocumentId(documentId);
      const found = await inTenant(tenantId, (tx) => selectChunk(tx, tenantId, documentId, chunkIndex), trace);
      if (found === undefined) throw new NotFoundError('Chunk', `${documentId}#${chunkIndex}`);
      // NOTE: the same redaction as an answer's citations, or this would read what answers hide.
      return settingsOf(tenantId).redactPii ? { ...found, text: redactPii(found.text, PII_KINDS).text } : found;
    },

    entities: (tenantId, page, trace) => inTenant(tenantId, (tx) => listEntities(tx, tenantId, page), trace),
    relations: (tenantId, page, trace) => inTenant(tenantId, (tx) => listRelations(tx, tenantId, page), trace),
    communities: (tenantId, page, trace) => inTenant(tenantId, (tx) => listCommunities(tx, tenantId, page), trace),
    // One transaction: a consistent snapshot of the whole graph.
    exportGraph: (tenantId, trace) => inTenant(tenantId, (tx) => selectGraphExport(tx, tenantId), trace),
    graphVersion: (tenantId, trace) => inTenant(tenantId, (tx) => selectGraphVersion(tx, tenantId), trace),
    rebuild: makeGraphBuild(parts),
    query: answers.query,

    async builtAt(tenantId) {
      return inTenant(tenantId, (tx) => selectBuiltAt(tx, tenantId));
    },
    async warm(tenantId, options = {}) {
      await questions.flush();
      const { trace } = options;
      const current = await inTenant(tenantId, (tx) => selectGraphVersion(tx, tenantId), trace);
      // A newer change queued its own warm-up; this one would warm answers about to go stale.
      if (options.graphVersion !== undefined && options.graphVersion !== current)
        return { warmed: 0, skipped: 'stale' };
      const frequent = await inTenant(
        tenantId,
        (tx) => selectFrequentQuestions(tx, tenantId, options.top ?? 20),
        trace,
      );
      let warmed = 0;
      for (const f of frequent) {
        if (!isQueryMode(f.mode)) continue;
        try {
          await answers.query(tenantId, f.question, f.mode, { trace });
          warmed++;
        } catch {
          // A question that cannot be answered (now blocked, say) is simply not warmed.
        }
      }
      // Warming is not asking: undo the counts the warm-up itself added.
      for (const f of frequent) questions.forget(tenantId, f.question, f.mode);
      // The job ran on one replica; the others warm their own caches when told (not again on theirs).
      if (warmed > 0 && !options.fromPeer) await deps.onWarmed?.(tenantId, current);
      return { warmed };
    },

    flushQuestions: () => questions.flush(),
    async frequentQuestions(tenantId, top) {
      await questions.flush();
      const rows = await inTenant(tenantId, (tx) => selectFrequentQuestions(tx, tenantId, top));
      return rows.map((r) => ({ question: r.question, mode: r.mode }));
    },
    cacheStats: (tenantId) => cache.stats(tenantId),
  };
}
