// The knowledge graph of each tenant as a service: submit a document (its bytes are kept and
// a job ingests them), ingest (parse, extract, store, update the communities its components
// touch), delete (exactly its contributions go), browse and export the graph, and answer
// questions: safety checks, the per-tenant answer cache, the extractive engine, and an LLM
// answer over the retrieved sources when a provider may serve the tenant. Built by
// makeKnowledgeService(deps) at the composition root.
import { createHash } from 'node:crypto';
import type { RequestContext } from '../core/context.js';
import { tenantScope, type Database, type Queryable } from '../core/db.js';
import type { TraceParent } from '../core/trace-parent.js';
import { NotFoundError, QuotaExceededError, ValidationError } from '../core/errors.js';
import { makeAnswerCache, normaliseQuestion, ANSWER_CACHE_BUDGET_BYTES, type AnswerCache } from './answer/answer-cache.js';
import { assertOwnChunks } from './answer/answer-builder.js';
import { refreshCommunities, type CommunityUpdate } from './graph/community-refresh.js';
import {
  bumpGraphVersion, deleteSource, replaceCommunityReport, selectSourceUsage, selectTopCommunities, listCommunities, listEntities, listRelations, listSources, recordQuestions, selectChunkTexts,
  selectBuiltAt, selectFrequentQuestions, selectGraphVersion, selectSource, selectSourceContent, setSourceJob, setSourceStatus, upsertSource,
  type CommunityItem, type DocumentSummary, type EntityItem, type GraphPage, type RelationItem, type SourceStatus,
} from './graph/document-store.js';
import type { ExtractOptions } from './extract/extract-document.js';
import { makeExtractionPool, type ExtractionPool } from './extract/extraction-pool.js';
import { selectEdges } from './graph/graph-reader.js';
import type { GraphExport } from './graph/graph-export.js';
import { deleteDocument, insertChunks, insertDocument, insertMentions, nodeKey, selectDocumentNodes, upsertEntities, upsertRelations } from './graph/graph-store.js';
import type { GraphRecords } from './extract/graph-records.js';
import { llmExtract, summarizeCommunity, synthesizeAnswer, type LlmGateway } from './llm/index.js';
import { redactPii, PII_KINDS } from './answer/pii.js';
import { answerQuestion, CorpusStatsCache, type Answer, type QueryMode } from './answer/query-engine.js';
import { checkQuestion, detectInjection } from './answer/safety.js';
import { isProseBlock } from './parse/document-model.js';
import { isDocumentFault } from './parse/parse-budget.js';
import { assertIngestible } from './parse/parse-document.js';
import { chunkText } from './parse/chunker.js';

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
  readonly graphVersion: number;
  /** Chunks sent to an LLM for extraction, and how many replies could not be used. */
  readonly llm: { readonly chunks: number; readonly failedReplies: number; readonly provider: string | null };
}

/** What the service needs to know about a tenant to answer for it. */
export interface TenantKnowledgeSettings {
  readonly tier: keyof typeof ANSWER_CACHE_BUDGET_BYTES;
  /** Whether an upstream (LLM) service in `region` may receive this tenant's data. */
  regionAllowed(region: string): boolean;
  /** Redact PII in answers (default on; the tenant label `pii-redaction=off` turns it off). */
  readonly redactPii: boolean;
  /** Usage quotas: documents and stored bytes (checked at submit), LLM tokens per UTC day (per replica). */
  readonly quotas?: { readonly documents: number; readonly storageBytes: number; readonly llmTokensPerDay: number };
}

/** One safety or cache event, for metrics. */
export type KnowledgeSignal =
  | { readonly kind: 'blocked'; readonly tenantId: string; readonly reason: 'prompt_injection' | 'size' }
  | { readonly kind: 'withheld'; readonly tenantId: string; readonly passages: number }
  | { readonly kind: 'redacted'; readonly tenantId: string; readonly counts: Readonly<Record<string, number>> }
  | { readonly kind: 'llm_fallback'; readonly tenantId: string; readonly reason: string };

export interface KnowledgeDeps {
  readonly db: Database;
  /** Appends the audit event of a change in the change's own transaction. */
  readonly audit?: (tx: Queryable, ctx: RequestContext, record: { tenantId: string; action: string; resource: { kind: string; id: string }; before: unknown; after: unknown }) => Promise<void>;
  /** Settings of a tenant; unknown tenants get the free tier, home-region-only and redaction. */
  readonly tenant?: (tenantId: string) => TenantKnowledgeSettings | undefined;
  readonly llm?: LlmGateway;
  /** The release serving answers: part of every cache key. */
  readonly release?: string;
  readonly onCacheLookup?: (tenantId: string, hit: boolean) => void;
  /** A warm-up filled this replica's cache for `graphVersion` (the app tells the other replicas to warm theirs). */
  readonly onWarmed?: (tenantId: string, graphVersion: number) => void | Promise<void>;
  readonly signal?: (s: KnowledgeSignal) => void;
  /** Largest document accepted, in bytes. */
  readonly maxDocumentBytes?: number;
  /** Runs the parse/extract stage (worker threads); default: on the calling thread. */
  readonly extraction?: ExtractionPool;
}

/** An answer as the API returns it. */
export interface KnowledgeAnswer extends Omit<Answer, 'llmUsed'> {
  readonly llmUsed: boolean;
  readonly provider: string | null;
  readonly cache: 'hit' | 'miss';
  readonly graphVersion: number;
  /** What the caller should know about how the answer was made (fallbacks, withheld passages, redactions). */
  readonly notices: readonly string[];
}

export interface QueryRequest {
  /** Most chunks cited (1..20, default 5). */
  readonly limit?: number;
  /** 'off' answers extractively even when an LLM is configured. */
  readonly llm?: 'auto' | 'off';
  /** The caller's span: store and LLM spans hang below it. */
  readonly trace?: TraceParent;
}

/** Progress, cancellation and the span of the job that runs the work. */
export interface JobWorkOptions {
  readonly progress?: (percent: number, message: string) => void;
  readonly signal?: AbortSignal;
  readonly trace?: TraceParent;
}

export interface SubmitResult {
  readonly document: DocumentSummary;
  /** false when the same bytes under the same name were already submitted and not failed. */
  readonly changed: boolean;
}

export interface KnowledgeService {
  /** Parses and stores a document now (the ingest job's work; tests and benchmarks call it directly). */
  ingest(tenantId: string, input: IngestInput, options?: ExtractOptions & JobWorkOptions): Promise<IngestResult>;
  /** Keeps the bytes of a document for ingest (status pending); audited. */
  submit(tenantId: string, input: IngestInput, ctx: RequestContext): Promise<SubmitResult>;
  /** Records the job that will ingest a submitted document. */
  attachJob(tenantId: string, documentId: string, jobId: string, trace?: TraceParent): Promise<void>;
  /** Marks a submitted document failed (e.g. its job could not be queued). */
  failSubmission(tenantId: string, documentId: string, sha256: string, reason: string, trace?: TraceParent): Promise<void>;
  /** Ingests a submitted document (the `knowledge.ingest` job). Skips superseded submissions. */
  ingestSubmitted(tenantId: string, documentId: string, sha256: string, options?: JobWorkOptions): Promise<IngestResult | { skipped: 'superseded' | 'deleted' | 'cancelled' }>;
  /** Deletes a document and its contributions; false when it did not exist. Audited when `ctx` is given. */
  remove(tenantId: string, documentId: string, ctx?: RequestContext): Promise<{ deleted: boolean; communities: CommunityUpdate }>;
  // Reads: `trace` is the caller's span, for the store spans.
  documents(tenantId: string, page: { limit: number; after?: string; status?: SourceStatus }, trace?: TraceParent): Promise<DocumentSummary[]>;
  /** Throws NotFoundError. */
  document(tenantId: string, documentId: string, trace?: TraceParent): Promise<DocumentSummary>;
  entities(tenantId: string, page: GraphPage, trace?: TraceParent): Promise<EntityItem[]>;
  relations(tenantId: string, page: GraphPage, trace?: TraceParent): Promise<RelationItem[]>;
  communities(tenantId: string, page: Pick<GraphPage, 'limit' | 'after'>, trace?: TraceParent): Promise<CommunityItem[]>;
  exportGraph(tenantId: string, trace?: TraceParent): Promise<GraphExport>;
  graphVersion(tenantId: string, trace?: TraceParent): Promise<number>;
  /**
   * Recomputes every community of the tenant (the `knowledge.graph-build` job); with an LLM that
   * may serve the tenant, the top communities' reports gain a summary line.
   */
  rebuild(tenantId: string, options?: JobWorkOptions & { summaries?: number }): Promise<{ communities: CommunityUpdate; graphVersion: number; summarized: number }>;
  query(tenantId: string, question: string, mode: QueryMode, request?: QueryRequest): Promise<KnowledgeAnswer>;
  /** When the tenant's graph was last built whole (null: never). */
  builtAt(tenantId: string): Promise<Date | null>;
  /** Answers the tenant's most frequent recent questions into the cache (the `knowledge.cache-warm` job). */
  warm(tenantId: string, options?: { top?: number; graphVersion?: number; trace?: TraceParent; fromPeer?: boolean }): Promise<{ warmed: number; skipped?: 'stale' }>;
  /** Writes the buffered question counts (also done on a timer by the app). */
  flushQuestions(): Promise<void>;
  /** Cache figures of one tenant. */
  cacheStats(tenantId: string): ReturnType<AnswerCache<KnowledgeAnswer>['stats']>;
}

const DOCUMENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,254}$/;
const DEFAULT_SETTINGS: TenantKnowledgeSettings = { tier: 'free', regionAllowed: () => false, redactPii: true };
const EXPORT_PAGE = 1000;
const inline = makeExtractionPool(0);

/**
 * Sources for the model with every sentence that reads as an instruction removed; a source left
 * empty is dropped. Returns how many sentences were withheld.
 */
export function withholdInstructions<T extends { text: string }>(sources: readonly T[]): { kept: T[]; withheld: number } {
  let withheld = 0;
  const kept: T[] = [];
  for (const source of sources) {
    if (detectInjection(source.text).length === 0) {
      kept.push(source);
      continue;
    }
    const pieces = source.text.split(/\n\s*\n|(?<=[.!?])\s+/).filter((p) => p.trim() !== '');
    const clean = pieces.filter((p) => detectInjection(p).length === 0);
    withheld += pieces.length - clean.length;
    // An instruction spread over sentences is still caught on the whole: then the source goes.
    const text = clean.join(' ');
    if (clean.length === 0 || detectInjection(text).length > 0) {
      withheld += clean.length;
      continue;
    }
    kept.push({ ...source, text });
  }
  return { kept, withheld };
}

/** Serialises graph writes of one tenant (communities are recomputed from the whole component). */
async function lockTenantGraph(tx: Queryable, tenantId: string): Promise<void> {
  await tx.query("select pg_advisory_xact_lock(hashtext('iris.kg:' || $1))", [tenantId]);
}

function checkDocumentId(documentId: string): void {
  if (!DOCUMENT_ID.test(documentId)) throw new ValidationError('documentId must be 1-255 characters of letters, digits and ._:/- starting with a letter or digit', { field: 'documentId' });
}

const sha256Of = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Ingest of a submitted source: the content it must still have for its graph to be written. */
interface SourceClaim {
  readonly sourceSha256?: string;
}

/** The source an ingest was for is no longer being ingested (cancelled, deleted or replaced meanwhile). */
class SourceMovedError extends Error {
  constructor() {
    super('the document is no longer being ingested (its job was cancelled, or it was deleted or replaced)');
    this.name = 'SourceMovedError';
  }
}

/** Builds the service over the database port. */
export function makeKnowledgeService(deps: KnowledgeDeps): KnowledgeService {
  const { db } = deps;
  const release = deps.release ?? 'dev';
  const settingsOf = (tenantId: string): TenantKnowledgeSettings => deps.tenant?.(tenantId) ?? DEFAULT_SETTINGS;
  // BM25 corpus statistics per tenant and graph version (one cache per database).
  const statsCache = new CorpusStatsCache();
  const cache = makeAnswerCache<KnowledgeAnswer>({ onLookup: (t, hit) => deps.onCacheLookup?.(t, hit) });
  const asked = new Map<string, { tenantId: string; question: string; mode: string; count: number }>();
  const inTenant = <T>(tenantId: string, fn: (tx: Queryable) => Promise<T>, trace?: TraceParent): Promise<T> => db.transaction(tenantScope(tenantId, trace), fn);
  // LLM tokens each tenant used today (UTC), on this replica.
  const tokens = new Map<string, { day: string; used: number }>();
  const today = (): string => new Date().toISOString().slice(0, 10);
  const tokensLeft = (tenantId: string): boolean => {
    const limit = settingsOf(tenantId).quotas?.llmTokensPerDay;
    const t = tokens.get(tenantId);
    return limit === undefined || t === undefined || t.day !== today() || t.used < limit;
  };
  const spend = (tenantId: string, used: number): void => {
    const t = tokens.get(tenantId);
    const day = today();
    tokens.set(tenantId, { day, used: (t?.day === day ? t.used : 0) + used });
  };

  /**
   * LLM extraction records for the prose chunks of a document, when a provider may serve the
   * tenant. The document is parsed by the extraction pool, under the same budgets and thread
   * limits as extraction itself (never on the serving thread).
   */
  async function llmRecords(tenantId: string, name: string, bytes: Uint8Array, options: ExtractOptions, trace: TraceParent, signal?: AbortSignal): Promise<{ records: GraphRecords[]; chunks: number; failed: number; provider: string | null }> {
    const llm = deps.llm;
    const none = { records: [], chunks: 0, failed: 0, provider: null };
    if (llm === undefined || !llm.configured) return none;
    if (!tokensLeft(tenantId)) {
      deps.signal?.({ kind: 'llm_fallback', tenantId, reason: 'quota' });
      return none;
    }
    const settings = settingsOf(tenantId);
    const document = await (deps.extraction ?? inline).parse(name, bytes, options.parse, signal);
    if (!document.blocks.some(isProseBlock)) return none;
    const records: GraphRecords[] = [];
    let failed = 0;
    let provider: string | null = null;
    const chunks = chunkText(document.text, options.chunks);
    for (const chunk of chunks) {
      try {
        const r = await llmExtract(llm, { tenantId, regionAllowed: (region) => settings.regionAllowed(region), trace }, { text: chunk.text, index: chunk.index, span: { start: chunk.start, end: chunk.end } });
        for (const c of r.completions) spend(tenantId, c.promptTokens + c.completionTokens);
        if (r.extraction.outcome.ok) records.push(r.extraction.outcome.records);
        else failed++;
        provider = r.completions[r.completions.length - 1]?.provider ?? provider;
        if (!tokensLeft(tenantId)) break;
      } catch (err) {
        // Every provider down (or none may serve the tenant): deterministic extraction stands alone.
        deps.signal?.({ kind: 'llm_fallback', tenantId, reason: err instanceof Error ? err.name : 'error' });
        return { records, chunks: chunks.length, failed: failed + 1, provider };
      }
    }
    return { records, chunks: chunks.length, failed, provider };
  }

  async function ingest(tenantId: string, input: IngestInput, options: ExtractOptions & JobWorkOptions & SourceClaim = {}): Promise<IngestResult> {
    checkDocumentId(input.documentId);
    const max = deps.maxDocumentBytes;
    if (max !== undefined && input.bytes.byteLength > max) throw new ValidationError(`document is ${input.bytes.byteLength} bytes; the limit is ${max}`, { field: 'content' });
    options.progress?.(10, 'parsing');
    const llm = await llmRecords(tenantId, input.name, input.bytes, options, options.trace, options.signal);
    options.signal?.throwIfAborted();
    options.progress?.(50, llm.chunks > 0 ? `extracted with ${llm.provider ?? 'no provider'}` : 'extracting');
    const { progress: _progress, signal: _signal, trace: _trace, sourceSha256, ...extractOptions } = options;
    const x = await (deps.extraction ?? inline).extract(input.name, input.bytes, { ...extractOptions, llmRecords: llm.records }, options.signal);
    options.signal?.throwIfAborted();
    options.progress?.(70, `storing ${x.chunks.length} chunks, ${x.entities.length} entities, ${x.relations.length} relations`);
    const result = await inTenant(tenantId, async (tx) => {
      await lockTenantGraph(tx, tenantId);
      // NOTE: the source turns ready in the transaction that writes its graph, and only if it is
      // still the one being ingested: a cancel (or a delete, or a newer submission) committed
      // first wins, and nothing of this attempt lands in the graph.
      if (sourceSha256 !== undefined && !(await setSourceStatus(tx, tenantId, input.documentId, sourceSha256, 'ready', null, ['ingesting']))) throw new SourceMovedError();
      const before = await selectDocumentNodes(tx, tenantId, input.documentId);
      const replaced = await deleteDocument(tx, tenantId, input.documentId);
      await insertDocument(tx, tenantId, {
        documentId: input.documentId, name: input.name, format: x.document.format, sha256: sha256Of(input.bytes), textLength: x.document.text.length,
      });
      await insertChunks(tx, tenantId, input.documentId, x.chunks);
      await upsertEntities(tx, tenantId, x.entities);
      await upsertRelations(tx, tenantId, x.relations);
      await insertMentions(tx, tenantId, input.documentId, x.entities, x.relations);
      const after = [...x.entities.map((e) => nodeKey(e.name)), ...x.relations.flatMap((r) => [nodeKey(r.source), nodeKey(r.target)])];
      const communities = await refreshCommunities(tx, tenantId, [...new Set([...before, ...after])]);
      const graphVersion = await bumpGraphVersion(tx, tenantId);
      return {
        documentId: input.documentId, replaced, chunks: x.chunks.length, entities: x.entities.length, relations: x.relations.length, communities, graphVersion,
        llm: { chunks: llm.chunks, failedReplies: llm.failed, provider: llm.provider },
      };
    }, options.trace);
    cache.invalidateTenant(tenantId);
    options.progress?.(100, 'ingested');
    return result;
  }

  async function computeAnswer(tenantId: string, q: string, mode: QueryMode, request: QueryRequest, graphVersion: number): Promise<KnowledgeAnswer> {
    const settings = settingsOf(tenantId);
    const base = await inTenant(tenantId, (tx) => answerQuestion(tx, tenantId, q, mode, { limit: request.limit, statsCache }), request.trace);
    const notices: string[] = [];
    let text = base.answer;
    let llmUsed = false;
    let provider: string | null = null;
    const llm = deps.llm;
    if (llm !== undefined && llm.configured && request.llm !== 'off' && base.citations.length > 0 && !tokensLeft(tenantId)) {
      notices.push("The tenant's LLM tokens for today are used up; this answer is extractive.");
      deps.signal?.({ kind: 'llm_fallback', tenantId, reason: 'quota' });
    } else if (llm !== undefined && llm.configured && request.llm !== 'off' && base.citations.length > 0) {
      const rows = await inTenant(tenantId, (tx) => selectChunkTexts(tx, tenantId, base.citations), request.trace);
      assertOwnChunks(tenantId, rows);
      const texts = new Map(rows.map((r) => [`${r.documentId}#${r.chunkIndex}`, r.text]));
      const sources = base.citations.map((c, i) => ({ n: i + 1, text: texts.get(`${c.documentId}#${c.chunkIndex}`) ?? c.snippet, documentName: c.documentName }));
      // Retrieved text is data: sentences that read as instructions to a model never reach it.
      const { kept, withheld } = withholdInstructions(sources);
      if (withheld > 0) {
        notices.push(`${withheld} retrieved sentence(s) read like instructions to a model; they were withheld from the LLM and are cited as data only.`);
        deps.signal?.({ kind: 'withheld', tenantId, passages: withheld });
      }
      try {
        if (kept.length === 0) throw new Error('no passage left to give the model');
        const facts = base.answer.split('\n').filter((l) => l.startsWith('- ')).map((l) => l.slice(2));
        const r = await synthesizeAnswer(llm, { tenantId, regionAllowed: (region) => settings.regionAllowed(region), trace: request.trace }, q, kept, facts);
        text = r.text;
        provider = r.completion.provider;
        spend(tenantId, r.completion.promptTokens + r.completion.completionTokens);
        llmUsed = true;
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        notices.push(`No LLM answer (${reason}); this answer is extractive.`);
        deps.signal?.({ kind: 'llm_fallback', tenantId, reason: err instanceof Error ? err.name : 'error' });
      }
    }
    let citations = base.citations;
    if (settings.redactPii) {
      const counts: Record<string, number> = {};
      const redact = (s: string): string => {
        const r = redactPii(s, PII_KINDS);
        for (const [k, n] of Object.entries(r.counts)) if (n > 0) counts[k] = (counts[k] ?? 0) + n;
        return r.text;
      };
      text = redact(text);
      citations = citations.map((c) => ({ ...c, snippet: redact(c.snippet) }));
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      if (total > 0) {
        notices.push(`${total} item(s) of personal data or secrets were redacted (${Object.entries(counts).map(([k, n]) => `${k}: ${n}`).join(', ')}).`);
        deps.signal?.({ kind: 'redacted', tenantId, counts });
      }
    }
    return { ...base, answer: text, citations, llmUsed, provider, cache: 'miss', graphVersion, notices };
  }

  function noteQuestion(tenantId: string, question: string, mode: string): void {
    const key = `${tenantId}\u0000${mode}\u0000${question}`;
    const seen = asked.get(key);
    if (seen) seen.count++;
    else asked.set(key, { tenantId, question, mode, count: 1 });
  }

  async function flushQuestions(): Promise<void> {
    const batch = [...asked.values()];
    asked.clear();
    const byTenant = new Map<string, typeof batch>();
    for (const a of batch) byTenant.set(a.tenantId, [...(byTenant.get(a.tenantId) ?? []), a]);
    for (const [tenantId, items] of byTenant) await inTenant(tenantId, (tx) => recordQuestions(tx, tenantId, items));
  }

  async function query(tenantId: string, question: string, mode: QueryMode, request: QueryRequest = {}): Promise<KnowledgeAnswer> {
    let q: string;
    try {
      q = checkQuestion(question);
    } catch (err) {
      deps.signal?.({ kind: 'blocked', tenantId, reason: err instanceof ValidationError ? 'size' : 'prompt_injection' });
      throw err;
    }
    const settings = settingsOf(tenantId);
    const graphVersion = await inTenant(tenantId, (tx) => selectGraphVersion(tx, tenantId), request.trace);
    const normalised = normaliseQuestion(q);
    noteQuestion(tenantId, normalised, mode);
    const variant = [release, request.limit ?? 5, request.llm ?? 'auto', settings.redactPii ? 'redact' : 'plain'].join('|');
    const got = await cache.getOrCompute(
      { tenantId, question: normalised, mode, graphVersion, release: variant },
      ANSWER_CACHE_BUDGET_BYTES[settings.tier],
      () => computeAnswer(tenantId, q, mode, request, graphVersion),
    );
    return { ...got.value, question: q, cache: got.hit ? 'hit' : 'miss' };
  }

  return {
    ingest,

    async submit(tenantId, input, ctx) {
      checkDocumentId(input.documentId);
      const max = deps.maxDocumentBytes;
      if (max !== undefined && input.bytes.byteLength > max) throw new ValidationError(`document is ${input.bytes.byteLength} bytes; the limit is ${max}`, { field: 'content' });
      if (input.bytes.byteLength === 0) throw new ValidationError('document is empty', { field: 'content' });
      // Binary data and unlisted extensions are refused here (415), not read as text by the job.
      assertIngestible(input.name, input.bytes);
      const sha256 = sha256Of(input.bytes);
      return inTenant(tenantId, async (tx) => {
        const existing = await selectSource(tx, tenantId, input.documentId);
        if (existing && existing.sha256 === sha256 && existing.name === input.name && existing.status !== 'failed') return { document: existing, changed: false };
        const quotas = settingsOf(tenantId).quotas;
        if (quotas !== undefined) {
          const used = await selectSourceUsage(tx, tenantId, input.documentId);
          if (used.documents + 1 > quotas.documents) throw new QuotaExceededError('documents', quotas.documents, used.documents);
          if (used.bytes + input.bytes.byteLength > quotas.storageBytes) throw new QuotaExceededError('storageBytes', quotas.storageBytes, used.bytes);
        }
        const before = await upsertSource(tx, tenantId, { documentId: input.documentId, name: input.name, content: input.bytes, sha256, submittedBy: `key:${ctx.principal.keyId}` });
        const after = await selectSource(tx, tenantId, input.documentId);
        if (after === undefined) throw new Error('submitted document vanished in its own transaction');
        await deps.audit?.(tx, ctx, {
          tenantId, action: 'document.submit', resource: { kind: 'Document', id: input.documentId },
          before: before === undefined ? null : { name: before.name, sha256: before.sha256, sizeBytes: before.sizeBytes },
          after: { name: after.name, sha256: after.sha256, sizeBytes: after.sizeBytes },
        });
        return { document: after, changed: true };
      }, ctx.trace);
    },

    async attachJob(tenantId, documentId, jobId, trace) {
      await inTenant(tenantId, (tx) => setSourceJob(tx, tenantId, documentId, jobId), trace);
    },

    async failSubmission(tenantId, documentId, sha256, reason, trace) {
      await inTenant(tenantId, (tx) => setSourceStatus(tx, tenantId, documentId, sha256, 'failed', reason), trace);
    },

    async ingestSubmitted(tenantId, documentId, sha256, options = {}) {
      const { trace } = options;
      const source = await inTenant(tenantId, (tx) => selectSourceContent(tx, tenantId, documentId), trace);
      if (source === undefined) return { skipped: 'deleted' };
      if (source.sha256 !== sha256) return { skipped: 'superseded' };
      // NOTE: only a pending (or re-attempted) document starts; one failed meanwhile (its job was
      // cancelled: see ingestJobChanged) stays failed until its job is retried.
      const started = await inTenant(tenantId, (tx) => setSourceStatus(tx, tenantId, documentId, sha256, 'ingesting', null, ['pending', 'ingesting']), trace);
      if (!started) return { skipped: 'cancelled' };
      try {
        return await ingest(tenantId, { documentId, name: source.name, bytes: source.content }, { ...options, sourceSha256: sha256 });
      } catch (err) {
        if (err instanceof SourceMovedError) {
          const now = await inTenant(tenantId, (tx) => selectSource(tx, tenantId, documentId), trace);
          return { skipped: now === undefined ? 'deleted' : now.sha256 !== sha256 ? 'superseded' : 'cancelled' };
        }
        // Bad input fails for good (the job does not retry it); anything else is retried by the job.
        const message = err instanceof Error ? err.message : String(err);
        await inTenant(tenantId, (tx) => setSourceStatus(tx, tenantId, documentId, sha256, isDocumentFault(err) ? 'failed' : 'pending', message.slice(0, 1000), ['ingesting']), trace);
        throw err;
      }
    },

    async remove(tenantId, documentId, ctx) {
      checkDocumentId(documentId);
      const result = await inTenant(tenantId, async (tx) => {
        await lockTenantGraph(tx, tenantId);
        const source = await selectSource(tx, tenantId, documentId);
        const before = await selectDocumentNodes(tx, tenantId, documentId);
        const removedGraph = await deleteDocument(tx, tenantId, documentId);
        const removedSource = await deleteSource(tx, tenantId, documentId);
        const deleted = removedGraph || removedSource;
        if (!deleted) return { deleted, communities: { nodes: 0, removed: 0, added: 0, bounded: false } };
        const communities = removedGraph ? await refreshCommunities(tx, tenantId, before) : { nodes: 0, removed: 0, added: 0, bounded: false };
        await bumpGraphVersion(tx, tenantId);
        if (ctx !== undefined) {
          await deps.audit?.(tx, ctx, {
            tenantId, action: 'document.delete', resource: { kind: 'Document', id: documentId },
            before: source === undefined ? { documentId } : { name: source.name, sha256: source.sha256, sizeBytes: source.sizeBytes }, after: null,
          });
        }
        return { deleted, communities };
      }, ctx?.trace);
      if (result.deleted) cache.invalidateTenant(tenantId);
      return result;
    },

    documents: (tenantId, page, trace) => inTenant(tenantId, (tx) => listSources(tx, tenantId, page), trace),

    async document(tenantId, documentId, trace) {
      checkDocumentId(documentId);
      const found = await inTenant(tenantId, (tx) => selectSource(tx, tenantId, documentId), trace);
      if (found === undefined) throw new NotFoundError('Document', documentId);
      return found;
    },

    entities: (tenantId, page, trace) => inTenant(tenantId, (tx) => listEntities(tx, tenantId, page), trace),
    relations: (tenantId, page, trace) => inTenant(tenantId, (tx) => listRelations(tx, tenantId, page), trace),
    communities: (tenantId, page, trace) => inTenant(tenantId, (tx) => listCommunities(tx, tenantId, page), trace),

    async exportGraph(tenantId, trace) {
      // One transaction: a consistent snapshot of the whole graph.
      return inTenant(tenantId, async (tx) => {
        const all = async <T extends { id: string }>(page: (after: string | undefined) => Promise<T[]>): Promise<T[]> => {
          const out: T[] = [];
          for (let batch = await page(undefined); batch.length > 0; batch = batch.length < EXPORT_PAGE ? [] : await page(batch[batch.length - 1]?.id)) out.push(...batch);
          return out;
        };
        return {
          tenantId,
          graphVersion: await selectGraphVersion(tx, tenantId),
          entities: await all((after) => listEntities(tx, tenantId, { limit: EXPORT_PAGE, after })),
          relations: await all((after) => listRelations(tx, tenantId, { limit: EXPORT_PAGE, after })),
          communities: await all((after) => listCommunities(tx, tenantId, { limit: EXPORT_PAGE, after })),
        };
      }, trace);
    },

    graphVersion: (tenantId, trace) => inTenant(tenantId, (tx) => selectGraphVersion(tx, tenantId), trace),

    async rebuild(tenantId, options = {}) {
      const built = await inTenant(tenantId, async (tx) => {
        await lockTenantGraph(tx, tenantId);
        const edges = await selectEdges(tx, tenantId);
        const { rows } = await tx.query<{ name_key: string }>('select distinct name_key from kg_entities where tenant_id = $1', [tenantId]);
        const nodes = new Set([...rows.map((r) => r.name_key), ...edges.flatMap((e) => [e.source, e.target])]);
        const communities = await refreshCommunities(tx, tenantId, [...nodes]);
        return { communities, graphVersion: await bumpGraphVersion(tx, tenantId, true) };
      }, options.trace);
      cache.invalidateTenant(tenantId);
      // Summaries are written outside the build's transaction: an LLM call never holds a lock.
      let summarized = 0;
      const llm = deps.llm;
      if (llm !== undefined && llm.configured && tokensLeft(tenantId)) {
        const settings = settingsOf(tenantId);
        const top = await inTenant(tenantId, (tx) => selectTopCommunities(tx, tenantId, options.summaries ?? 20), options.trace);
        for (const [i, c] of top.entries()) {
          // Summaries spend the tenant's LLM tokens like answers do; used up, the rest stay extractive.
          if (!tokensLeft(tenantId)) {
            deps.signal?.({ kind: 'llm_fallback', tenantId, reason: 'quota' });
            break;
          }
          options.progress?.(50 + Math.round((i / Math.max(1, top.length)) * 45), `summarising community ${i + 1} of ${top.length}`);
          let summary: string;
          try {
            const r = await summarizeCommunity(llm, { tenantId, regionAllowed: (region) => settings.regionAllowed(region), trace: options.trace }, c.report);
            spend(tenantId, r.completion.promptTokens + r.completion.completionTokens);
            summary = r.summary.replace(/\s+/g, ' ').trim();
          } catch (err) {
            deps.signal?.({ kind: 'llm_fallback', tenantId, reason: err instanceof Error ? err.name : 'error' });
            break;
          }
          if (summary === '' || detectInjection(summary).length > 0) continue;
          const [title, ...rest] = c.report.split('\n');
          const report = [title ?? '', `> Summary: ${summary.slice(0, 600)}`, ...rest].join('\n');
          if (await inTenant(tenantId, (tx) => replaceCommunityReport(tx, tenantId, c.id, c.report, report), options.trace)) summarized++;
        }
        if (summarized > 0) cache.invalidateTenant(tenantId);
      }
      return { ...built, summarized };
    },

    query,

    async builtAt(tenantId) {
      return inTenant(tenantId, (tx) => selectBuiltAt(tx, tenantId));
    },
    async warm(tenantId, options = {}) {
      await flushQuestions();
      const { trace } = options;
      const current = await inTenant(tenantId, (tx) => selectGraphVersion(tx, tenantId), trace);
      // A newer change queued its own warm-up; this one would warm answers about to go stale.
      if (options.graphVersion !== undefined && options.graphVersion !== current) return { warmed: 0, skipped: 'stale' };
      const frequent = await inTenant(tenantId, (tx) => selectFrequentQuestions(tx, tenantId, options.top ?? 20), trace);
      let warmed = 0;
      for (const f of frequent) {
        if (f.mode !== 'local' && f.mode !== 'global' && f.mode !== 'naive') continue;
        try {
          await query(tenantId, f.question, f.mode, { trace });
          warmed++;
        } catch {
          // A question that cannot be answered (now blocked, say) is simply not warmed.
        }
      }
      // Warming is not asking: undo the counts the warm-up itself added.
      for (const f of frequent) asked.delete(`${tenantId}\u0000${f.mode}\u0000${f.question}`);
      // The job ran on one replica; the others warm their own caches when told (not again on theirs).
      if (warmed > 0 && !options.fromPeer) await deps.onWarmed?.(tenantId, current);
      return { warmed };
    },

    flushQuestions,
    cacheStats: (tenantId) => cache.stats(tenantId),
  };
}
