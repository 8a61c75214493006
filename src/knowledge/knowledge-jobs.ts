// The knowledge context's job kinds: ingest a submitted document, rebuild every community of
// a tenant's graph, warm the answer cache after the graph changed, and build a candidate graph
// with another extraction version (graph-versions.ts). Defined here, registered
// by the composition root; `enqueue` (the executor) is passed in, so this context does not
// depend on the jobs context.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Queryable } from '../core/db.js';
import type { TraceParent } from '../core/trace-parent.js';
import { EXTRACTION_VERSIONS } from './extract/extraction-versions.js';
import { setSourceStatusForJob, type SourceStatus } from './graph/document-store.js';
import type { KnowledgeService } from './knowledge-service.js';
import { isDocumentFault } from './parse/parse-budget.js';

/** What a handler is told about its attempt (the executor's JobContext, structurally). */
export interface KnowledgeJobContext {
  readonly tenantId: string;
  readonly signal: AbortSignal;
  progress(percent: number, message?: string): void;
  /** The attempt's span: the work's store and LLM spans hang below it. */
  readonly trace: TraceParent;
}

/** A job kind in the executor's shape. */
export interface KnowledgeJobKind<S extends TSchema = TSchema> {
  readonly kind: string;
  readonly description: string;
  readonly payload: S;
  handler(payload: Static<S>, ctx: KnowledgeJobContext): Promise<unknown>;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  /** Errors the job must not retry (bad input stays bad). */
  readonly nonRetryable?: (err: unknown) => boolean;
}

/** Queues a follow-up job for a tenant (warm-ups); never throws for a full queue. */
export type EnqueueFollowUp = (
  tenantId: string,
  job: { kind: string; payload: Record<string, unknown>; delayMs?: number; dedupKey?: string },
) => Promise<void>;

const IngestPayload = Type.Object(
  {
    documentId: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:/-]{0,254}$' }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  },
  { additionalProperties: false },
);
const BuildPayload = Type.Object(
  {
    // Set on the builds ingest schedules (the end of their window): every change the build is
    // for happened before it, so a build that finished at or after it makes this one redundant.
    changedBefore: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$' })),
  },
  { additionalProperties: false },
);
const WarmPayload = Type.Object(
  {
    graphVersion: Type.Optional(Type.Integer({ minimum: 0 })),
    top: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  },
  { additionalProperties: false },
);

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
export const ReindexPayload = Type.Object(
  {
    extractionVersion: Type.String({
      pattern: `^(?:${Object.keys(EXTRACTION_VERSIONS).map(escapeRegExp).join('|')})$`,
      description: 'A known extraction version (src/knowledge/extract/extraction-versions.ts).',
    }),
    releaseId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

/** Seconds a warm-up waits after a change, so a burst of ingests warms once (older ones skip as stale). */
const WARM_DELAY_MS = 5_000;

/**
 * How long after a bounded community update (a large component changed, its coarser levels
 * left stale) the graph build that recomputes them runs. Ingests of one such window share one
 * build (the queue's idempotency key names the window); the build runs after the window ends.
 */
export const REBUILD_DELAY_MS = 10 * 60_000;

/**
 * The graph build a bounded community update at `now` asks for (after an ingest or a delete):
 * one per tenant per REBUILD_DELAY_MS window, named by the queue's idempotency key, running
 * after the window ends.
 */
export function scheduledBuild(now: Date): {
  kind: 'knowledge.graph-build';
  payload: { changedBefore: string };
  delayMs: number;
  dedupKey: string;
} {
  const window = Math.floor(now.getTime() / REBUILD_DELAY_MS);
  return {
    kind: 'knowledge.graph-build',
    payload: { changedBefore: new Date((window + 1) * REBUILD_DELAY_MS).toISOString() },
    delayMs: REBUILD_DELAY_MS,
    dedupKey: `graph-build-window-${window}`,
  };
}

export function knowledgeJobKinds(
  knowledge: KnowledgeService,
  enqueue: EnqueueFollowUp,
): [
  KnowledgeJobKind<typeof IngestPayload>,
  KnowledgeJobKind<typeof BuildPayload>,
  KnowledgeJobKind<typeof WarmPayload>,
  KnowledgeJobKind<typeof ReindexPayload>,
] {
  const warmLater = (tenantId: string, graphVersion: number): Promise<void> =>
    enqueue(tenantId, { kind: 'knowledge.cache-warm', payload: { graphVersion }, delayMs: WARM_DELAY_MS });
  const buildLater = (tenantId: string): Promise<void> => enqueue(tenantId, scheduledBuild(new Date()));
  return [
    {
      kind: 'knowledge.ingest',
      description:
        'Parses a submitted document, extracts entities and relations, and updates the graph and the communities it touches.',
      payload: IngestPayload,
      async handler(payload, ctx) {
        const result = await knowledge.ingestSubmitted(ctx.tenantId, payload.documentId, payload.sha256, {
          progress: (p, m) => ctx.progress(p, m),
          signal: ctx.signal,
          trace: ctx.trace,
        });
        if ('graphVersion' in result) {
          await warmLater(ctx.tenantId, result.graphVersion);
          if (result.communities.bounded) await buildLater(ctx.tenantId);
        }
        return result;
      },
      timeoutMs: 15 * 60_000,
      maxAttempts: 3,
      // Unreadable, unsupported or over-budget documents stay so: fail them, never retry.
      nonRetryable: isDocumentFault,
    },
    {
      kind: 'knowledge.graph-build',
      description:
        "Recomputes every community of the tenant's graph (Louvain) and its reports, then warms the answer cache. Ingest schedules one 10 minutes after a change to a large component.",
      payload: BuildPayload,
      async handler(payload, ctx) {
        if (payload.changedBefore !== undefined) {
          const builtAt = await knowledge.builtAt(ctx.tenantId);
          if (builtAt !== null && builtAt >= new Date(payload.changedBefore)) {
            ctx.progress(100, `already built whole at ${builtAt.toISOString()}, after the changes this build was for`);
            return { skipped: 'built', builtAt: builtAt.toISOString() };
          }
        }
        ctx.progress(5, 'detecting communities');
        const result = await knowledge.rebuild(ctx.tenantId, {
          progress: (p, m) => ctx.progress(p, m),
          trace: ctx.trace,
        });
        ctx.progress(95, `${result.communities.added} communities, ${result.summarized} summarised`);
        await warmLater(ctx.tenantId, result.graphVersion);
        return result;
      },
      timeoutMs: 30 * 60_000,
      maxAttempts: 3,
    },
    {
      kind: 'knowledge.cache-warm',
      description: "Answers the tenant's most frequent recent questions into the answer cache.",
      payload: WarmPayload,
      async handler(payload, ctx) {
        const result = await knowledge.warm(ctx.tenantId, { ...payload, trace: ctx.trace });
        ctx.progress(100, `warmed ${result.warmed} answers`);
        return result;
      },
      timeoutMs: 10 * 60_000,
      maxAttempts: 2,
    },
    {
      kind: 'knowledge.graph-reindex',
      description:
        "Builds the tenant's candidate graph with another extraction version beside the primary one (deterministic extraction only), resuming where a failed attempt stopped; skipped when the primary graph already has that version.",
      payload: ReindexPayload,
      async handler(payload, ctx) {
        const result = await knowledge.reindex(ctx.tenantId, payload, {
          progress: (p, m) => ctx.progress(p, m),
          signal: ctx.signal,
          trace: ctx.trace,
        });
        if (result.skipped === 'current')
          ctx.progress(100, `the primary graph already is ${payload.extractionVersion}`);
        else if (result.skipped === 'dropped')
          ctx.progress(100, `the ${payload.extractionVersion} candidate graph was dropped while it was being built`);
        return result;
      },
      timeoutMs: 60 * 60_000,
      maxAttempts: 3,
    },
  ];
}

/** A job as the executor's state-change hook sees it (structurally: this context does not depend on the jobs context). */
export interface KnowledgeJobState {
  readonly tenantId: string;
  readonly jobId: string;
  readonly kind: string;
  readonly payload: unknown;
  readonly lastError: { readonly message: string } | null;
}

/** Job states, as the executor names them. */
type JobStateName = 'queued' | 'running' | 'succeeded' | 'failed' | 'poisoned' | 'cancelled';

/**
 * What a document's status becomes when its ingest job changes state, and from which statuses:
 * the job can end or come back outside its handler, and the document must follow it.
 * - cancelled (queued or running): `failed` with reason 'cancelled', never left pending or
 *   ingesting (retrying the job ingests it again);
 * - poisoned (attempts used up, or its worker died on it) or failed: `failed` with the job's
 *   last error;
 * - queued again by a retry or redrive: `pending`; queued after a lost lease or a worker's
 *   shutdown: `pending` again from `ingesting`.
 * Success and claims are the handler's to record.
 */
export function documentStatusAfterJob(
  from: JobStateName | null,
  to: JobStateName,
  jobId: string,
  lastError: string | undefined,
): { status: SourceStatus; error: string | null; from: readonly SourceStatus[] } | undefined {
  switch (to) {
    case 'cancelled':
      return {
        status: 'failed',
        error: `cancelled: ingest job ${jobId} was cancelled before the document was ingested; retry the job to ingest it`,
        from: ['pending', 'ingesting'],
      };
    case 'poisoned':
      return {
        status: 'failed',
        error: `ingest job ${jobId} gave up${lastError === undefined ? '' : `: ${lastError}`}`.slice(0, 1000),
        from: ['pending', 'ingesting'],
      };
    case 'failed':
      return {
        status: 'failed',
        error: (lastError ?? `ingest job ${jobId} failed`).slice(0, 1000),
        from: ['pending', 'ingesting'],
      };
    case 'queued':
      if (from === 'failed' || from === 'cancelled' || from === 'poisoned')
        return { status: 'pending', error: null, from: ['failed'] };
      if (from === 'running') return { status: 'pending', error: null, from: ['ingesting'] };
      return undefined;
    case 'running':
    case 'succeeded':
      return undefined;
    default: {
      const never: never = to;
      return never;
    }
  }
}

const isJobState = (s: string | null): s is JobStateName | null =>
  s === null || ['queued', 'running', 'succeeded', 'failed', 'poisoned', 'cancelled'].includes(s);

/**
 * Keeps a document's status in step with its `knowledge.ingest` job (documentStatusAfterJob).
 * The composition root calls it from the executor's state-change hook, inside the transaction
 * that changes the job, so the two commit together. Jobs of other kinds are ignored.
 */
export async function ingestJobChanged(
  tx: Queryable,
  job: KnowledgeJobState,
  from: string | null,
  to: string,
): Promise<void> {
  if (
    job.kind !== 'knowledge.ingest' ||
    !Value.Check(IngestPayload, job.payload) ||
    !isJobState(from) ||
    !isJobState(to) ||
    to === null
  )
    return;
  const next = documentStatusAfterJob(from, to, job.jobId, job.lastError?.message);
  if (next === undefined) return;
  await setSourceStatusForJob(
    tx,
    job.tenantId,
    job.payload.documentId,
    job.payload.sha256,
    job.jobId,
    next.status,
    next.error,
    next.from,
  );
}
