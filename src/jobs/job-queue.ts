// The tenant-facing queue: enqueue (idempotent, admission-capped), read, list, and the operator
// actions cancel / retry / redrive. Every statement runs in the tenant's scope, so row-level
// security binds it; state changes call the onStateChange hook inside the same transaction.
import { tenantScope, type Database, type Queryable } from '../core/db.js';
import type { TraceParent } from '../core/trace-parent.js';
import { decodeContinue, encodeContinue } from '../core/continue-token.js';
import { NotFoundError, StoreUnavailableError, ValidationError } from '../core/errors.js';
import { newId, PLATFORM, RESERVED_SLUGS } from '../core/ids.js';
import { IdempotencyKeyReusedError, JobQueueFullError, JobStateConflictError } from './errors.js';
import {
  actionTarget,
  JOB_STATES,
  sameJson,
  type Job,
  type JobAction,
  type JobActor,
  type JobState,
  type JobStateChangeHook,
  type JobStateChangeOf,
  type JobStateChangesHook,
  type StateChangeReason,
} from './job-model.js';
import { makeGroupCommit, type Outcome } from './group-commit.js';
import { JOB_COLUMNS, toJob, type JobRow } from './job-rows.js';
import type { JobKindRegistry } from './kinds.js';
import { iso } from '../core/clock.js';

export interface JobQueueDeps {
  readonly db: Database;
  readonly registry: JobKindRegistry;
  readonly onStateChange?: JobStateChangeHook;
  /** The same hook over several changes at once (a group commit's jobs); else onStateChange per job. */
  readonly onStateChanges?: JobStateChangesHook;
  /** Cap on a tenant's queued jobs (from its quotas); undefined means no cap. */
  readonly maxQueuedOf?: (tenantId: string) => number | undefined;
}

export interface JobQueueOptions {
  /** How long an idempotency key returns the same job; default 24 h. */
  readonly dedupRetentionMs?: number;
  /** Largest payload (JSON bytes) unless the kind says otherwise; default 64 KiB. */
  readonly maxPayloadBytes?: number;
  /** Retry-After (seconds) of a 429 when the tenant's queue is full; default 5. */
  readonly retryAfterSeconds?: number;
}

/** A job to enqueue. */
export interface EnqueueInput {
  readonly kind: string;
  /** Checked against the kind's schema; default `{}`. */
  readonly payload?: unknown;
  /** -100..100, higher first; default 0. */
  readonly priority?: number;
  /** Not before this time; default now. */
  readonly runAt?: Date;
  /** Default: the kind's. */
  readonly maxAttempts?: number;
  /** Idempotency key (the `Idempotency-Key` header): the same key gives back the same job. */
  readonly dedupKey?: string;
}

/** Who enqueues, and the admission cap to apply (overrides `maxQueuedOf`). */
export interface EnqueueContext extends JobActor {
  readonly maxQueued?: number;
}

export interface EnqueueResult {
  readonly job: Job;
  /** false when an idempotency key matched an existing job (nothing new was queued). */
  readonly created: boolean;
}

export interface JobListFilter {
  readonly state?: JobState;
  readonly kind?: string;
  /** 1..100, default 50. */
  readonly limit?: number;
  readonly cursor?: string;
}

export interface JobPage {
  readonly items: Job[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  readonly nextCursor: string | null;
}

export interface JobQueue {
  /** Queues one job (or returns the job its idempotency key already names). */
  enqueue(tenantId: string, input: EnqueueInput, ctx: EnqueueContext): Promise<EnqueueResult>;
  /** Queues several jobs of one tenant in one transaction; all or none pass admission. */
  enqueueMany(tenantId: string, inputs: readonly EnqueueInput[], ctx: EnqueueContext): Promise<EnqueueResult[]>;
  /** Throws NotFoundError (404). `trace`: the caller's span, for the reads' store spans. */
  get(tenantId: string, jobId: string, trace?: TraceParent): Promise<Job>;
  /** Newest first. */
  list(tenantId: string, filter?: JobListFilter, trace?: TraceParent): Promise<JobPage>;
  listPoisoned(tenantId: string, page?: Pick<JobListFilter, 'limit' | 'cursor'>, trace?: TraceParent): Promise<JobPage>;
  /** queued/running -> cancelled; 409 otherwise. */
  cancel(tenantId: string, jobId: string, actor: JobActor): Promise<Job>;
  /** failed/cancelled -> queued with attempts reset; 409 otherwise. */
  retry(tenantId: string, jobId: string, actor: JobActor): Promise<Job>;
  /** poisoned -> queued with attempts reset; 409 otherwise. */
  redrive(tenantId: string, jobId: string, actor: JobActor): Promise<Job>;
  /** The tenant's queued and running counts (exact; kept by triggers). */
  counts(tenantId: string): Promise<{ queued: number; running: number }>;
}

const MAX_BATCH = 10_000;
const DEDUP_KEY_RE = /^[\x21-\x7e]{1,255}$/;

const EXPIRE_DEDUP_KEYS = `
  update jobs set dedup_key = null, dedup_expires_at = null
  where tenant_id = $1 and dedup_key = any($2::text[]) and dedup_expires_at <= now()`;

const SELECT_BY_DEDUP_KEYS = `select ${JOB_COLUMNS} from jobs where tenant_id = $1 and dedup_key = any($2::text[])`;

// Locks the tenant's counter row so concurrent enqueues cannot overshoot the cap.
const LOCK_TENANT_COUNTS = `
  insert into job_tenants as t (tenant_id) values ($1)
  on conflict (tenant_id) do update set queued = t.queued
  returning queued`;

// NOTE: trace, request and creator are per row: one insert serves the jobs of several callers.
const INSERT_JOBS = `
  insert into jobs (tenant_id, job_id, kind, payload, priority, run_at, max_attempts, dedup_key, dedup_expires_at,
                    trace_context, request_id, created_by)
  select $1, r.job_id, r.kind, r.payload, r.priority, coalesce(r.run_at, now()), r.max_attempts, r.dedup_key,
         case when r.dedup_key is null then null else now() + $3::double precision * interval '1 millisecond' end,
         r.trace_context, r.request_id, r.created_by
  from jsonb_to_recordset($2::jsonb) as r(job_id text, kind text, payload jsonb, priority int, run_at timestamptz,
                                          max_attempts int, dedup_key text, trace_context jsonb, request_id text,
                                          created_by text)
  on conflict (tenant_id, dedup_key) do nothing
  returning ${JOB_COLUMNS}`;

const SELECT_JOB_FOR_UPDATE = `select ${JOB_COLUMNS} from jobs where tenant_id = $1 and job_id = $2 for update`;
const SELECT_JOB = `select ${JOB_COLUMNS} from jobs where tenant_id = $1 and job_id = $2`;

const CANCEL_JOB = `
  update jobs set state = 'cancelled', lease_owner = null, lease_expires_at = null, finished_at = now(), updated_at = now()
  where tenant_id = $1 and job_id = $2 returning ${JOB_COLUMNS}`;

const REQUEUE_JOB = `
  update jobs set state = 'queued', attempts = 0, run_at = now(), lease_owner = null, lease_expires_at = null,
                  result = null, progress_percent = null, progress_message = null, started_at = null, finished_at = null,
                  redrives = redrives + $3, updated_at = now()
  where tenant_id = $1 and job_id = $2 returning ${JOB_COLUMNS}`;

const LIST_JOBS = `
  select ${JOB_COLUMNS} from jobs
  where tenant_id = $1 and ($2::bigint is null or seq < $2) and ($3::text is null or state = $3) and ($4::text is null or kind = $4)
  order by seq desc limit $5`;

const LIST_POISONED = `
  select ${JOB_COLUMNS} from jobs
  where tenant_id = $1 and state = 'poisoned' and ($2::bigint is null or seq < $2)
  order by seq desc limit $3`;

const SELECT_COUNTS = `
  select coalesce((select queued from job_tenants where tenant_id = $1), 0) as queued,
         (select count(*)::int from jobs where tenant_id = $1 and state = 'running') as running`;

interface Prepared {
  readonly jobId: string;
  readonly input: EnqueueInput;
  readonly payload: unknown;
  readonly maxAttempts: number;
}

/** One caller's jobs (all or none admitted) and who asks. */
interface Submission {
  readonly prepared: readonly Prepared[];
  readonly ctx: EnqueueContext;
}

/** Jobs one transaction of a tenant's queue takes from waiting callers (group commit). */
const GROUP_MAX_JOBS = 1000;

function encodeCursor(seq: number): string {
  return encodeContinue(`s${seq}`);
}

function decodeCursor(cursor: string | undefined): number | null {
  if (cursor === undefined || cursor === '') return null;
  const raw = decodeContinue(cursor);
  if (!/^s\d{1,15}$/.test(raw))
    throw new ValidationError('The continue token is not one this API issued; start again without it.', {
      field: 'continue',
    });
  return Number(raw.slice(1));
}

function pageLimit(limit: number | undefined): number {
  const n = limit ?? 50;
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new ValidationError('limit must be an integer from 1 to 100.');
  return n;
}

/** Creates the queue. */
export function makeJobQueue(deps: JobQueueDeps, options: JobQueueOptions = {}): JobQueue {
  const { db, registry } = deps;
  const dedupRetentionMs = options.dedupRetentionMs ?? 24 * 3600_000;
  const maxPayloadBytes = options.maxPayloadBytes ?? 64 * 1024;
  const retryAfterSeconds = options.retryAfterSeconds ?? 5;

  function prepare(input: EnqueueInput): Prepared {
    const payload = input.payload ?? {};
    registry.validate(input.kind, payload, maxPayloadBytes);
    const kind = registry.require(input.kind);
    if (
      input.priority !== undefined &&
      (!Number.isInteger(input.priority) || input.priority < -100 || input.priority > 100)
    ) {
      throw new ValidationError('priority must be an integer from -100 to 100.', { priority: input.priority });
    }
    if (
      input.maxAttempts !== undefined &&
      (!Number.isInteger(input.maxAttempts) || input.maxAttempts < 1 || input.maxAttempts > 100)
    ) {
      throw new ValidationError('maxAttempts must be an integer from 1 to 100.', { maxAttempts: input.maxAttempts });
    }
    if (input.runAt !== undefined && Number.isNaN(input.runAt.getTime()))
      throw new ValidationError('runAt is not a valid time.');
    if (input.dedupKey !== undefined && !DEDUP_KEY_RE.test(input.dedupKey)) {
      throw new ValidationError('An idempotency key is 1 to 255 printable ASCII characters without spaces.');
    }
    return { jobId: newId('job'), input, payload, maxAttempts: input.maxAttempts ?? kind.maxAttempts };
  }

  async function notify(
    tx: Queryable,
    job: Job,
    from: JobState | null,
    to: JobState,
    actor: JobActor,
    reason: StateChangeReason,
  ): Promise<void> {
    if (deps.onStateChange === undefined) return;
    await deps.onStateChange(tx, job, from, to, { actor: actor.actor, requestId: actor.requestId ?? null, reason });
  }

  function matchExisting(p: Prepared, existing: Job): EnqueueResult {
    if (existing.kind !== p.input.kind || !sameJson(existing.payload, p.payload)) {
      throw new IdempotencyKeyReusedError(p.input.dedupKey ?? '', existing.jobId);
    }
    return { job: existing, created: false };
  }

  async function enqueueMany(
    tenantId: string,
    inputs: readonly EnqueueInput[],
    ctx: EnqueueContext,
  ): Promise<EnqueueResult[]> {
    // NOTE: jobs belong to tenants. The reserved ids name platform-level things (the pseudo-tenant
    // `platform` of platform keys and ledgers) and own no queue, whoever asks; the one exception
    // is Iris itself (actor `system`, which no API key can be) queueing a platform kind (a
    // scheduled backup) for `platform`.
    const platformWork =
      tenantId === PLATFORM &&
      ctx.actor === 'system' &&
      inputs.every((i) => registry.get(i.kind)?.definition.platform === true);
    if (RESERVED_SLUGS.has(tenantId) && !platformWork)
      throw new ValidationError(`'${tenantId}' is not a tenant: jobs run for tenants only.`, { field: 'tenantId' });
    if (inputs.length === 0) return [];
    if (inputs.length > MAX_BATCH) throw new ValidationError(`At most ${MAX_BATCH} jobs can be enqueued at once.`);
    return groups.submit(tenantId, { prepared: inputs.map(prepare), ctx });
  }

  /**
   * Enqueues the submissions of several callers for one tenant in one transaction (group
   * commit), in arrival order: each is admitted whole or refused whole against the cap, which
   * the locked counter row keeps exact; each gets its own results or its own error.
   */
  async function enqueueGroup(
    tenantId: string,
    subs: readonly Submission[],
  ): Promise<readonly Outcome<EnqueueResult[]>[]> {
    const keys = [
      ...new Set(
        subs.flatMap((s) => s.prepared.flatMap((p) => (p.input.dedupKey === undefined ? [] : [p.input.dedupKey]))),
      ),
    ];
    return db.transaction(tenantScope(tenantId, subs[0]?.ctx.trace), async (tx) => {
      const byKey = new Map<string, Job>();
      if (keys.length > 0) {
        await tx.query(EXPIRE_DEDUP_KEYS, [tenantId, keys]);
        const { rows } = await tx.query<JobRow>(SELECT_BY_DEDUP_KEYS, [tenantId, keys]);
        for (const row of rows) byKey.set(row.dedup_key ?? '', toJob(row));
      }
      const caps = subs.map((s) => s.ctx.maxQueued ?? deps.maxQueuedOf?.(tenantId));
      let queued = 0;
      if (caps.some((c) => c !== undefined) && subs.some((s) => s.prepared.length > 0)) {
        const { rows } = await tx.query<{ queued: number }>(LOCK_TENANT_COUNTS, [tenantId]);
        queued = rows[0]?.queued ?? 0;
      }
      // Each caller's jobs to insert: no existing job for their key, and the first with that key
      // among the callers admitted so far. A refused caller claims no key.
      const refused = new Map<number, unknown>();
      const claimed = new Set<string>();
      const fresh: { p: Prepared; ctx: EnqueueContext }[] = [];
      subs.forEach((s, i) => {
        const own: Prepared[] = [];
        const ownKeys = new Set<string>();
        for (const p of s.prepared) {
          const key = p.input.dedupKey;
          if (key !== undefined) {
            if (byKey.has(key) || claimed.has(key) || ownKeys.has(key)) continue;
            ownKeys.add(key);
          }
          own.push(p);
        }
        const cap = caps[i];
        if (own.length > 0 && cap !== undefined && queued + own.length > cap) {
          refused.set(i, new JobQueueFullError(queued, cap, retryAfterSeconds));
          return;
        }
        queued += own.length;
        for (const key of ownKeys) claimed.add(key);
        for (const p of own) fresh.push({ p, ctx: s.ctx });
      });
      const inserted = new Map<string, Job>();
      if (fresh.length > 0) {
        const records = fresh.map(({ p, ctx }) => ({
          job_id: p.jobId,
          kind: p.input.kind,
          payload: p.payload,
          priority: p.input.priority ?? 0,
          run_at: iso(p.input.runAt),
          max_attempts: p.maxAttempts,
          dedup_key: p.input.dedupKey ?? null,
          trace_context:
            ctx.traceparent === undefined ? null : { traceparent: ctx.traceparent, tracestate: ctx.tracestate },
          request_id: ctx.requestId ?? null,
          created_by: ctx.actor,
        }));
        const { rows } = await tx.query<JobRow>(INSERT_JOBS, [tenantId, JSON.stringify(records), dedupRetentionMs]);
        for (const row of rows) inserted.set(row.job_id, toJob(row));
        // NOTE: a concurrent enqueue with the same key won the insert: read its job.
        const lost = fresh
          .filter(({ p }) => !inserted.has(p.jobId) && p.input.dedupKey !== undefined)
          .map(({ p }) => p.input.dedupKey ?? '');
        if (lost.length > 0) {
          const again = await tx.query<JobRow>(SELECT_BY_DEDUP_KEYS, [tenantId, lost]);
          for (const row of again.rows) byKey.set(row.dedup_key ?? '', toJob(row));
        }
        const created: JobStateChangeOf[] = [];
        for (const { p, ctx } of fresh) {
          const job = inserted.get(p.jobId);
          if (job === undefined) continue;
          if (job.dedupKey !== null) byKey.set(job.dedupKey, job);
          created.push({
            job,
            from: null,
            to: 'queued',
            change: { actor: ctx.actor, requestId: ctx.requestId ?? null, reason: 'enqueue' },
          });
        }
        if (deps.onStateChanges !== undefined) await deps.onStateChanges(tx, created);
        else for (const c of created) await deps.onStateChange?.(tx, c.job, c.from, c.to, c.change);
      }
      return subs.map((s, i): Outcome<EnqueueResult[]> => {
        if (refused.has(i)) return { error: refused.get(i) };
        try {
          return {
            ok: s.prepared.map((p) => {
              const own = inserted.get(p.jobId);
              if (own !== undefined) return { job: own, created: true };
              const existing = byKey.get(p.input.dedupKey ?? '');
              if (existing === undefined) throw new Error(`job ${p.jobId} was neither inserted nor found by its key`);
              return matchExisting(p, existing);
            }),
          };
        } catch (error) {
          return { error };
        }
      });
    });
  }

  const groups = makeGroupCommit<Submission, EnqueueResult[]>(enqueueGroup, {
    sizeOf: (s) => s.prepared.length,
    maxSize: GROUP_MAX_JOBS,
    shared: (err) => err instanceof StoreUnavailableError,
  });

  async function act(tenantId: string, jobId: string, action: JobAction, actor: JobActor): Promise<Job> {
    return db.transaction(tenantScope(tenantId, actor.trace), async (tx) => {
      const { rows } = await tx.query<JobRow>(SELECT_JOB_FOR_UPDATE, [tenantId, jobId]);
      const row = rows[0];
      if (row === undefined) throw new NotFoundError('job', jobId);
      const from = row.state;
      const to = actionTarget(action, from);
      if (to === null) throw conflict(action, jobId, from);
      let updated: JobRow | undefined;
      switch (action) {
        case 'cancel':
          updated = (await tx.query<JobRow>(CANCEL_JOB, [tenantId, jobId])).rows[0];
          break;
        case 'retry':
          updated = (await tx.query<JobRow>(REQUEUE_JOB, [tenantId, jobId, 0])).rows[0];
          break;
        case 'redrive':
          updated = (await tx.query<JobRow>(REQUEUE_JOB, [tenantId, jobId, 1])).rows[0];
          break;
        default: {
          const never: never = action;
          throw new Error(`unknown action ${String(never)}`);
        }
      }
      if (updated === undefined) throw new NotFoundError('job', jobId);
      const job = toJob(updated);
      await notify(tx, job, from, to, actor, action);
      return job;
    });
  }

  return {
    async enqueue(tenantId, input, ctx) {
      const [result] = await enqueueMany(tenantId, [input], ctx);
      if (result === undefined) throw new Error('enqueue returned no result');
      return result;
    },
    enqueueMany,
    async get(tenantId, jobId, trace) {
      const { rows } = await db.transaction(
        tenantScope(tenantId, trace),
        (tx) => tx.query<JobRow>(SELECT_JOB, [tenantId, jobId]),
        { readOnly: true },
      );
      const row = rows[0];
      if (row === undefined) throw new NotFoundError('job', jobId);
      return toJob(row);
    },
    async list(tenantId, filter = {}, trace) {
      const limit = pageLimit(filter.limit);
      const before = decodeCursor(filter.cursor);
      if (filter.state !== undefined && !JOB_STATES.includes(filter.state)) {
        throw new ValidationError(`state must be one of ${JOB_STATES.join(', ')}.`);
      }
      const { rows } = await db.transaction(
        tenantScope(tenantId, trace),
        (tx) => tx.query<JobRow>(LIST_JOBS, [tenantId, before, filter.state ?? null, filter.kind ?? null, limit + 1]),
        { readOnly: true },
      );
      return page(rows, limit);
    },
    async listPoisoned(tenantId, p = {}, trace) {
      const limit = pageLimit(p.limit);
      const before = decodeCursor(p.cursor);
      const { rows } = await db.transaction(
        tenantScope(tenantId, trace),
        (tx) => tx.query<JobRow>(LIST_POISONED, [tenantId, before, limit + 1]),
        { readOnly: true },
      );
      return page(rows, limit);
    },
    cancel: (tenantId, jobId, actor) => act(tenantId, jobId, 'cancel', actor),
    retry: (tenantId, jobId, actor) => act(tenantId, jobId, 'retry', actor),
    redrive: (tenantId, jobId, actor) => act(tenantId, jobId, 'redrive', actor),
    async counts(tenantId) {
      const { rows } = await db.transaction(
        tenantScope(tenantId),
        (tx) => tx.query<{ queued: number; running: number }>(SELECT_COUNTS, [tenantId]),
        { readOnly: true },
      );
      return { queued: rows[0]?.queued ?? 0, running: rows[0]?.running ?? 0 };
    },
  };
}

function page(rows: JobRow[], limit: number): JobPage {
  const items = rows.slice(0, limit).map(toJob);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last.seq) : null };
}

function conflict(action: JobAction, jobId: string, state: JobState): JobStateConflictError {
  switch (action) {
    case 'cancel':
      return new JobStateConflictError(
        'job_not_cancellable',
        jobId,
        state,
        `Job ${jobId} is ${state}; only queued or running jobs can be cancelled.`,
      );
    case 'retry':
      return new JobStateConflictError(
        'job_not_retryable',
        jobId,
        state,
        `Job ${jobId} is ${state}; only failed or cancelled jobs can be retried${state === 'poisoned' ? ' (redrive a poisoned job instead)' : ''}.`,
      );
    case 'redrive':
      return new JobStateConflictError(
        'job_not_poisoned',
        jobId,
        state,
        `Job ${jobId} is ${state}, not poisoned; only poisoned jobs can be redriven.`,
      );
    default: {
      const never: never = action;
      throw new Error(`unknown action ${String(never)}`);
    }
  }
}
