// Documents into the graph: submit (the bytes are kept, quotas checked, audited; a job ingests
// them), ingest (parse and extract in the extraction pool, LLM extraction of prose chunks when a
// provider may serve the tenant, relation ends the document leaves untyped typed by what the
// tenant's other documents declared (known-types.ts), then one transaction writes the document's rows and refreshes
// the communities its components touch) and remove (exactly the document's contributions go).
// The primary graph is extracted with its own extraction version's options; while the tenant
// has a candidate graph (graph-versions.ts), the same transaction writes (or removes) the
// document there too, extracted with the candidate's version.
import { createHash } from 'node:crypto';
import type { RequestContext } from '../core/context.js';
import { errorMessage, QuotaExceededError, ValidationError } from '../core/errors.js';
import type { TraceParent } from '../core/trace-parent.js';
import type { CommunityUpdate } from './graph/community-refresh.js';
import { onCandidateGraph } from './graph/candidate-graph.js';
import {
  bumpGraphVersion,
  deleteSource,
  selectSource,
  selectSourceContent,
  selectSourceUsage,
  setSourceJob,
  setSourceStatus,
  upsertSource,
  type DocumentSummary,
} from './graph/document-store.js';
import { removeDocument, writeDocument } from './graph/document-write.js';
import { lockTenantGraph } from './graph/graph-store.js';
import { selectIngestVersions } from './graph/slot-store.js';
import type { ExtractOptions } from './extract/extract-document.js';
import { DEFAULT_EXTRACTION_VERSION, extractionOptionsOf, isExtractionVersion } from './extract/extraction-versions.js';
import { makeExtractionPool } from './extract/extraction-pool.js';
import { extractKnowing, knownInGraph, type KnownLookup } from './known-types.js';
import type { GraphRecords } from './extract/graph-records.js';
import type { JobWorkOptions, ServiceParts } from './knowledge-deps.js';
import { llmExtract } from './llm/index.js';
import { chunkText } from './parse/chunker.js';
import { isProseBlock } from './parse/document-model.js';
import { isDocumentFault } from './parse/parse-budget.js';
import { assertIngestible } from './parse/parse-document.js';

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

export interface SubmitResult {
  readonly document: DocumentSummary;
  /** false when the same bytes under the same name were already submitted and not failed. */
  readonly changed: boolean;
}

export interface Ingest {
  /** Parses and stores a document now (the ingest job's work; tests and benchmarks call it directly). */
  ingest(tenantId: string, input: IngestInput, options?: ExtractOptions & JobWorkOptions): Promise<IngestResult>;
  /** Keeps the bytes of a document for ingest (status pending); audited. */
  submit(tenantId: string, input: IngestInput, ctx: RequestContext): Promise<SubmitResult>;
  /** Records the job that will ingest a submitted document. */
  attachJob(tenantId: string, documentId: string, jobId: string, trace?: TraceParent): Promise<void>;
  /** Marks a submitted document failed (e.g. its job could not be queued). */
  failSubmission(
    tenantId: string,
    documentId: string,
    sha256: string,
    reason: string,
    trace?: TraceParent,
  ): Promise<void>;
  /** Ingests a submitted document (the `knowledge.ingest` job). Skips superseded submissions. */
  ingestSubmitted(
    tenantId: string,
    documentId: string,
    sha256: string,
    options?: JobWorkOptions,
  ): Promise<IngestResult | { skipped: 'superseded' | 'deleted' | 'cancelled' }>;
  /** Deletes a document and its contributions; false when it did not exist. Audited when `ctx` is given. */
  remove(
    tenantId: string,
    documentId: string,
    ctx?: RequestContext,
  ): Promise<{ deleted: boolean; communities: CommunityUpdate }>;
}

const DOCUMENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,254}$/;
const inline = makeExtractionPool(0);

export function checkDocumentId(documentId: string): void {
  if (!DOCUMENT_ID.test(documentId))
    throw new ValidationError(
      'documentId must be 1-255 characters of letters, digits and ._:/- starting with a letter or digit',
      { field: 'documentId' },
    );
}

/**
 * The options of a graph's extraction version. NOTE: a version this build does not know was
 * set by a newer build (a rainbow deploy): a plain Error, so the job is retried (a newer
 * build's worker may take it) instead of failing the document as bad input.
 */
function graphOptionsOf(version: string): ExtractOptions {
  if (!isExtractionVersion(version))
    throw new Error(`the graph's extraction version ${version} is unknown to this build of Iris`);
  return extractionOptionsOf(version);
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

/** The document operations of the service. */
export function makeIngest(parts: ServiceParts): Ingest {
  const { deps, settingsOf, inTenant, tokens, invalidateAnswers } = parts;

  /**
   * LLM extraction records for the prose chunks of a document, when a provider may serve the
   * tenant. The document is parsed by the extraction pool, under the same budgets and thread
   * limits as extraction itself (never on the serving thread).
   */
  async function llmRecords(
    tenantId: string,
    name: string,
    bytes: Uint8Array,
    options: ExtractOptions,
    trace: TraceParent,
    signal?: AbortSignal,
  ): Promise<{ records: GraphRecords[]; chunks: number; failed: number; provider: string | null }> {
    const llm = deps.llm;
    const none = { records: [], chunks: 0, failed: 0, provider: null };
    if (llm === undefined || !llm.configured) return none;
    if (!tokens.left(tenantId)) {
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
        const r = await llmExtract(
          llm,
          { tenantId, regionAllowed: (region) => settings.regionAllowed(region), trace },
          { text: chunk.text, index: chunk.index, span: { start: chunk.start, end: chunk.end } },
        );
        for (const c of r.completions) tokens.spend(tenantId, c.promptTokens + c.completionTokens);
        if (r.extraction.outcome.ok) records.push(r.extraction.outcome.records);
        else failed++;
        provider = r.completions[r.completions.length - 1]?.provider ?? provider;
        if (!tokens.left(tenantId)) break;
      } catch (err) {
        // Every provider down (or none may serve the tenant): deterministic extraction stands alone.
        deps.signal?.({ kind: 'llm_fallback', tenantId, reason: err instanceof Error ? err.name : 'error' });
        return { records, chunks: chunks.length, failed: failed + 1, provider };
      }
    }
    return { records, chunks: chunks.length, failed, provider };
  }

  async function ingest(
    tenantId: string,
    input: IngestInput,
    options: ExtractOptions & JobWorkOptions & SourceClaim = {},
  ): Promise<IngestResult> {
    checkDocumentId(input.documentId);
    const max = deps.maxDocumentBytes;
    if (max !== undefined && input.bytes.byteLength > max)
      throw new ValidationError(`document is ${input.bytes.byteLength} bytes; the limit is ${max}`, {
        field: 'content',
      });
    const { progress: _progress, signal: _signal, trace: _trace, sourceSha256, ...callerOptions } = options;
    // The graph's extraction version sets the options; a caller's own (tests, benchmarks) win.
    const versions = await inTenant(
      tenantId,
      (tx) => selectIngestVersions(tx, tenantId, DEFAULT_EXTRACTION_VERSION),
      options.trace,
    );
    const extractOptions: ExtractOptions = { ...graphOptionsOf(versions.primary), ...callerOptions };
    options.progress?.(10, 'parsing');
    const llm = await llmRecords(tenantId, input.name, input.bytes, extractOptions, options.trace, options.signal);
    options.signal?.throwIfAborted();
    options.progress?.(50, llm.chunks > 0 ? `extracted with ${llm.provider ?? 'no provider'}` : 'extracting');
    const pool = deps.extraction ?? inline;
    // Ends the document leaves untyped take the types the tenant's other documents give them (known-types.ts).
    const known = (graph: 'primary' | 'candidate'): KnownLookup =>
      knownInGraph(inTenant, tenantId, input.documentId, graph, options.trace);
    const x = await extractKnowing(
      pool,
      input.name,
      input.bytes,
      { ...extractOptions, llmRecords: llm.records },
      known('primary'),
      options.signal,
    );
    // The candidate graph (graph-versions.ts) gets the same document, extracted deterministically
    // with its own version's options (no LLM calls for a graph that does not serve yet), knowing
    // what the candidate graph knows.
    const candidate =
      versions.candidate === null
        ? undefined
        : {
            version: versions.candidate,
            x: await extractKnowing(
              pool,
              input.name,
              input.bytes,
              graphOptionsOf(versions.candidate),
              known('candidate'),
              options.signal,
            ),
          };
    options.signal?.throwIfAborted();
    options.progress?.(
      70,
      `storing ${x.chunks.length} chunks, ${x.entities.length} entities, ${x.relations.length} relations`,
    );
    const doc = { documentId: input.documentId, name: input.name, sha256: sha256Of(input.bytes) };
    const result = await inTenant(
      tenantId,
      async (tx) => {
        await lockTenantGraph(tx, tenantId);
        // NOTE: the source turns ready in the transaction that writes its graph, and only if it is
        // still the one being ingested: a cancel (or a delete, or a newer submission) committed
        // first wins, and nothing of this attempt lands in the graph.
        if (
          sourceSha256 !== undefined &&
          !(await setSourceStatus(tx, tenantId, input.documentId, sourceSha256, 'ready', null, ['ingesting']))
        )
          throw new SourceMovedError();
        const written = await writeDocument(tx, tenantId, doc, x, { communities: true });
        const graphVersion = await bumpGraphVersion(tx, tenantId);
        if (candidate !== undefined)
          await onCandidateGraph(tx, tenantId, candidate.version, (c) =>
            writeDocument(c, tenantId, doc, candidate.x, { communities: true }),
          );
        return {
          documentId: input.documentId,
          replaced: written.replaced,
          chunks: x.chunks.length,
          entities: x.entities.length,
          relations: x.relations.length,
          communities: written.communities,
          graphVersion,
          llm: { chunks: llm.chunks, failedReplies: llm.failed, provider: llm.provider },
        };
      },
      options.trace,
    );
    invalidateAnswers(tenantId);
    options.progress?.(100, 'ingested');
    return result;
  }

  async function submit(tenantId: string, input: IngestInput, ctx: RequestContext): Promise<SubmitResult> {
    checkDocumentId(input.documentId);
    const max = deps.maxDocumentBytes;
    if (max !== undefined && input.bytes.byteLength > max)
      throw new ValidationError(`document is ${input.bytes.byteLength} bytes; the limit is ${max}`, {
        field: 'content',
      });
    if (input.bytes.byteLength === 0) throw new ValidationError('document is empty', { field: 'content' });
    // Binary data and unlisted extensions are refused here (415), not read as text by the job.
    assertIngestible(input.name, input.bytes);
    const sha256 = sha256Of(input.bytes);
    return inTenant(
      tenantId,
      async (tx) => {
        const existing = await selectSource(tx, tenantId, input.documentId);
        if (existing && existing.sha256 === sha256 && existing.name === input.name && existing.status !== 'failed')
          return { document: existing, changed: false };
        const quotas = settingsOf(tenantId).quotas;
        if (quotas !== undefined) {
          const used = await selectSourceUsage(tx, tenantId, input.documentId);
          if (used.documents + 1 > quotas.documents)
            throw new QuotaExceededError('documents', quotas.documents, used.documents);
          if (used.bytes + input.bytes.byteLength > quotas.storageBytes)
            throw new QuotaExceededError('storageBytes', quotas.storageBytes, used.bytes);
        }
        const before = await upsertSource(tx, tenantId, {
          documentId: input.documentId,
          name: input.name,
          content: input.bytes,
          sha256,
          submittedBy: `key:${ctx.principal.keyId}`,
        });
        const after = await selectSource(tx, tenantId, input.documentId);
        if (after === undefined) throw new Error('submitted document vanished in its own transaction');
        await deps.audit?.(tx, ctx, {
          tenantId,
          action: 'document.submit',
          resource: { kind: 'Document', id: input.documentId },
          before:
            before === undefined ? null : { name: before.name, sha256: before.sha256, sizeBytes: before.sizeBytes },
          after: { name: after.name, sha256: after.sha256, sizeBytes: after.sizeBytes },
        });
        return { document: after, changed: true };
      },
      ctx.trace,
    );
  }

  async function attachJob(tenantId: string, documentId: string, jobId: string, trace?: TraceParent): Promise<void> {
    await inTenant(tenantId, (tx) => setSourceJob(tx, tenantId, documentId, jobId), trace);
  }

  async function failSubmission(
    tenantId: string,
    documentId: string,
    sha256: string,
    reason: string,
    trace?: TraceParent,
  ): Promise<void> {
    await inTenant(tenantId, (tx) => setSourceStatus(tx, tenantId, documentId, sha256, 'failed', reason), trace);
  }

  async function ingestSubmitted(
    tenantId: string,
    documentId: string,
    sha256: string,
    options: JobWorkOptions = {},
  ): ReturnType<Ingest['ingestSubmitted']> {
    const { trace } = options;
    const source = await inTenant(tenantId, (tx) => selectSourceContent(tx, tenantId, documentId), trace);
    if (source === undefined) return { skipped: 'deleted' };
    if (source.sha256 !== sha256) return { skipped: 'superseded' };
    // NOTE: only a pending (or re-attempted) document starts; one failed meanwhile (its job was
    // cancelled: see ingestJobChanged) stays failed until its job is retried.
    const started = await inTenant(
      tenantId,
      (tx) => setSourceStatus(tx, tenantId, documentId, sha256, 'ingesting', null, ['pending', 'ingesting']),
      trace,
    );
    if (!started) return { skipped: 'cancelled' };
    try {
      return await ingest(
        tenantId,
        { documentId, name: source.name, bytes: source.content },
        { ...options, sourceSha256: sha256 },
      );
    } catch (err) {
      if (err instanceof SourceMovedError) {
        const now = await inTenant(tenantId, (tx) => selectSource(tx, tenantId, documentId), trace);
        return { skipped: now === undefined ? 'deleted' : now.sha256 !== sha256 ? 'superseded' : 'cancelled' };
      }
      // Bad input fails for good (the job does not retry it); anything else is retried by the job.
      const message = errorMessage(err);
      await inTenant(
        tenantId,
        (tx) =>
          setSourceStatus(
            tx,
            tenantId,
            documentId,
            sha256,
            isDocumentFault(err) ? 'failed' : 'pending',
            message.slice(0, 1000),
            ['ingesting'],
          ),
        trace,
      );
      throw err;
    }
  }

  async function remove(tenantId: string, documentId: string, ctx?: RequestContext): ReturnType<Ingest['remove']> {
    checkDocumentId(documentId);
    const result = await inTenant(
      tenantId,
      async (tx) => {
        await lockTenantGraph(tx, tenantId);
        const source = await selectSource(tx, tenantId, documentId);
        const graph = await removeDocument(tx, tenantId, documentId);
        const removedSource = await deleteSource(tx, tenantId, documentId);
        // The candidate graph (if the tenant has one) loses the document too.
        await onCandidateGraph(tx, tenantId, null, (c) => removeDocument(c, tenantId, documentId));
        const deleted = graph.removed || removedSource;
        if (!deleted) return { deleted, communities: graph.communities };
        await bumpGraphVersion(tx, tenantId);
        if (ctx !== undefined) {
          await deps.audit?.(tx, ctx, {
            tenantId,
            action: 'document.delete',
            resource: { kind: 'Document', id: documentId },
            before:
              source === undefined
                ? { documentId }
                : { name: source.name, sha256: source.sha256, sizeBytes: source.sizeBytes },
            after: null,
          });
        }
        return { deleted, communities: graph.communities };
      },
      ctx?.trace,
    );
    if (result.deleted) invalidateAnswers(tenantId);
    return result;
  }

  return { ingest, submit, attachJob, failSubmission, ingestSubmitted, remove };
}
