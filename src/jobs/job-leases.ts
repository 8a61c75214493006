// The worker-facing side of the queue: fair batched claims, settling attempts, lease
// heartbeats, releasing on shutdown, progress, the sweep of expired leases, and pruning.
// Runs in platform scope (workers serve every tenant); row-level security still applies.
//
// NOTE: lock order. Claims lock job rows with SKIP LOCKED (never wait) and job_tenants rows in
// tenant_id order; statements that update several leased jobs lock them in (tenant_id,
// job_id) order first. So concurrent claims, settles, heartbeats and cancels cannot deadlock.
import { platformScope, type Database, type Queryable } from '../core/db.js';
import { allocateClaims, type AllocationOptions } from './fair-share.js';
import type { Job, JobAttemptKey, JobErrorInfo, JobState, JobStateChangeHook, StateChangeReason } from './job-model.js';
import { toJob, type JobRow } from './job-rows.js';

export interface JobLeasesDeps {
  readonly db: Database;
  readonly onStateChange?: JobStateChangeHook;
}

export interface ClaimRequest extends Omit<AllocationOptions, 'limit'> {
  readonly workerId: string;
  /** Jobs wanted, 1..1000 (a worker asks for its free slots). */
  readonly limit: number;
  readonly leaseMs: number;
  /** Only these kinds (a worker that cannot run every kind); default all. */
  readonly kinds?: readonly string[];
}

/** How one attempt ended. */
export type Settlement =
  | { readonly job: JobAttemptKey; readonly to: 'succeeded'; readonly result: unknown }
  | { readonly job: JobAttemptKey; readonly to: 'queued'; readonly delayMs: number; readonly error: JobErrorInfo }
  | { readonly job: JobAttemptKey; readonly to: 'failed' | 'poisoned'; readonly error: JobErrorInfo };

export interface SettleResult {
  readonly settled: Job[];
  /** Attempts this worker no longer held (cancelled, or swept after a lost lease): not written. */
  readonly stale: JobAttemptKey[];
}

export interface ProgressUpdate {
  readonly job: JobAttemptKey;
  readonly percent: number;
  readonly message: string | null;
}

export interface JobLeases {
  /** Claims up to `limit` ready jobs, rotating across tenants with ready work. */
  claim(request: ClaimRequest): Promise<Job[]>;
  /** Writes the outcome of attempts this worker holds, in one transaction. */
  settle(workerId: string, settlements: readonly Settlement[]): Promise<SettleResult>;
  /** Extends the leases of attempts still held; returns those no longer held. */
  heartbeat(workerId: string, jobs: readonly JobAttemptKey[], leaseMs: number): Promise<JobAttemptKey[]>;
  /** Gives held attempts back to the queue without counting them as attempts (shutdown). */
  release(workerId: string, jobs: readonly JobAttemptKey[]): Promise<Job[]>;
  reportProgress(workerId: string, updates: readonly ProgressUpdate[]): Promise<void>;
  /** Returns jobs whose lease expired (dead or stalled worker) to the queue, or poisons them. */
  sweep(limit?: number): Promise<Job[]>;
  /** Deletes succeeded, failed and cancelled jobs finished more than `olderThanMs` ago. */
  prune(olderThanMs: number, limit?: number): Promise<number>;
}

// Tenants in rotation order (least recently served first) that have a job ready now.
const SELECT_READY_TENANTS = `
  select t.tenant_id, t.queued, t.running from job_tenants t
  where t.queued > 0
    and exists (select 1 from jobs j where j.tenant_id = t.tenant_id and j.state = 'queued' and j.run_at <= now()
                and ($2::text[] is null or j.kind = any($2::text[])))
  order by t.served_seq, t.tenant_id limit $1`;

// One statement: move each allocated tenant to its new place in the rotation (locking their
// counter rows in tenant_id order), then take up to n ready jobs per tenant, best first.
const CLAIM_FAIR = `
  with alloc as (
    select a.tenant_id, a.n, a.pos from jsonb_to_recordset($1::jsonb) as a(tenant_id text, n int, pos int)
  ),
  round as (select nextval('job_rotation') as n),
  rotated as (
    update job_tenants t set served_seq = (select n from round) * 4096 + alloc.pos
    from alloc
    where t.tenant_id = alloc.tenant_id
      and t.tenant_id in (select l.tenant_id from job_tenants l
                          where l.tenant_id in (select tenant_id from alloc) order by l.tenant_id for update)
  ),
  picked as (
    select p.tenant_id, p.job_id from alloc cross join lateral (
      select j.tenant_id, j.job_id from jobs j
      where j.tenant_id = alloc.tenant_id and j.state = 'queued' and j.run_at <= now()
        and ($4::text[] is null or j.kind = any($4::text[]))
      order by j.priority desc, j.run_at, j.seq
      limit alloc.n
      for update of j skip locked
    ) p
  )
  update jobs j set state = 'running', attempts = j.attempts + 1, lease_owner = $2,
                    lease_expires_at = now() + $3::double precision * interval '1 millisecond',
                    started_at = now(), updated_at = now()
  from picked
  where j.tenant_id = picked.tenant_id and j.job_id = picked.job_id
  returning j.*`;

const SETTLE = `
  with s as (
    select * from jsonb_to_recordset($2::jsonb)
      as s(tenant_id text, job_id text, attempts int, state text, delay_ms double precision, result jsonb, error jsonb)
  ),
  held as (
    select j.tenant_id, j.job_id from jobs j join s using (tenant_id, job_id)
    where j.state = 'running' and j.lease_owner = $1 and j.attempts = s.attempts
    order by j.tenant_id, j.job_id for update of j
  )
  update jobs j set
    state = s.state,
    result = case when s.state = 'succeeded' then s.result else j.result end,
    last_error = coalesce(s.error, j.last_error),
    run_at = case when s.state = 'queued' then now() + s.delay_ms * interval '1 millisecond' else j.run_at end,
    lease_owner = null, lease_expires_at = null,
    progress_percent = case when s.state = 'succeeded' then 100 else j.progress_percent end,
    finished_at = case when s.state = 'queued' then null else now() end,
    updated_at = now()
  from s, held
  where j.tenant_id = s.tenant_id and j.job_id = s.job_id and held.tenant_id = j.tenant_id and held.job_id = j.job_id
    and j.state = 'running' and j.lease_owner = $1 and j.attempts = s.attempts
  returning j.*`;

const HEARTBEAT = `
  with k as (
    select * from jsonb_to_recordset($3::jsonb) as k(tenant_id text, job_id text, attempts int)
  ),
  held as (
    select j.tenant_id, j.job_id from jobs j join k using (tenant_id, job_id)
    where j.state = 'running' and j.lease_owner = $1 and j.attempts = k.attempts
    order by j.tenant_id, j.job_id for update of j
  )
  update jobs j set lease_expires_at = now() + $2::double precision * interval '1 millisecond'
  from held where j.tenant_id = held.tenant_id and j.job_id = held.job_id and j.state = 'running' and j.lease_owner = $1
  returning j.tenant_id, j.job_id, j.attempts`;

const RELEASE = `
  with k as (
    select * from jsonb_to_recordset($2::jsonb) as k(tenant_id text, job_id text, attempts int)
  ),
  held as (
    select j.tenant_id, j.job_id from jobs j join k using (tenant_id, job_id)
    where j.state = 'running' and j.lease_owner = $1 and j.attempts = k.attempts
    order by j.tenant_id, j.job_id for update of j
  )
  update jobs j set state = 'queued', attempts = greatest(j.attempts - 1, 0), run_at = now(),
                    lease_owner = null, lease_expires_at = null, updated_at = now()
  from held where j.tenant_id = held.tenant_id and j.job_id = held.job_id and j.state = 'running' and j.lease_owner = $1
  returning j.*`;

const PROGRESS = `
  with k as (
    select * from jsonb_to_recordset($2::jsonb) as k(tenant_id text, job_id text, attempts int, percent int, message text)
  ),
  held as (
    select j.tenant_id, j.job_id from jobs j join k using (tenant_id, job_id)
    where j.state = 'running' and j.lease_owner = $1 and j.attempts = k.attempts
    order by j.tenant_id, j.job_id for update of j
  )
  update jobs j set progress_percent = k.percent, progress_message = k.message, updated_at = now()
  from k, held
  where j.tenant_id = k.tenant_id and j.job_id = k.job_id and held.tenant_id = j.tenant_id and held.job_id = j.job_id`;

// Expired leases: back to the queue at once (the attempt counts), or poisoned when it was the last.
const SWEEP = `
  with expired as (
    select tenant_id, job_id from jobs
    where state = 'running' and lease_expires_at < now()
    order by lease_expires_at limit $1
    for update skip locked
  )
  update jobs j set
    state = case when j.attempts >= j.max_attempts then 'poisoned' else 'queued' end,
    lease_owner = null, lease_expires_at = null, run_at = now(),
    last_error = jsonb_build_object(
      'code', 'lease_expired', 'retryable', true, 'attempt', j.attempts, 'at', $2::text,
      'message', 'The worker running this attempt stopped renewing its lease (it crashed, was killed or stalled).'),
    finished_at = case when j.attempts >= j.max_attempts then now() else null end,
    updated_at = now()
  from expired
  where j.tenant_id = expired.tenant_id and j.job_id = expired.job_id
  returning j.*`;

const PRUNE = `
  delete from jobs where (tenant_id, job_id) in (
    select tenant_id, job_id from jobs
    where state in ('succeeded', 'failed', 'cancelled') and finished_at < now() - $1::double precision * interval '1 millisecond'
    limit $2)`;

function attemptKeys(jobs: readonly JobAttemptKey[]): string {
  return JSON.stringify(jobs.map((j) => ({ tenant_id: j.tenantId, job_id: j.jobId, attempts: j.attempts })));
}

function keyOf(j: { tenantId: string; jobId: string; attempts: number }): string {
  return `${j.tenantId}/${j.jobId}/${j.attempts}`;
}

function reasonOf(to: Settlement['to']): StateChangeReason {
  switch (to) {
    case 'succeeded':
      return 'succeed';
    case 'queued':
      return 'backoff';
    case 'failed':
      return 'fail';
    case 'poisoned':
      return 'poison';
    default: {
      const never: never = to;
      throw new Error(`unknown settlement ${String(never)}`);
    }
  }
}

/** Creates the worker-facing lease store. */
export function makeJobLeases(deps: JobLeasesDeps): JobLeases {
  const { db } = deps;
  const workerActor = (workerId: string): string => `worker:${workerId}`;

  async function notifyAll(tx: Queryable, jobs: readonly Job[], from: JobState, actor: string, reason: (job: Job) => StateChangeReason): Promise<void> {
    const hook = deps.onStateChange;
    if (hook === undefined) return;
    for (const job of jobs) await hook(tx, job, from, job.state, { actor, requestId: job.requestId, reason: reason(job) });
  }

  return {
    async claim(request) {
      const limit = Math.min(1000, Math.max(1, Math.floor(request.limit)));
      return db.transaction(platformScope, async (tx) => {
        const kinds = request.kinds === undefined ? null : [...request.kinds];
        const { rows: backlog } = await tx.query<{ tenant_id: string; queued: number; running: number }>(SELECT_READY_TENANTS, [limit, kinds]);
        if (backlog.length === 0) return [];
        const allocation = allocateClaims(
          backlog.map((b) => ({ tenantId: b.tenant_id, queued: b.queued, running: b.running })),
          { ...request, limit },
        );
        if (allocation.length === 0) return [];
        const alloc = JSON.stringify(allocation.map((a) => ({ tenant_id: a.tenantId, n: a.count, pos: a.position })));
        const { rows } = await tx.query<JobRow>(CLAIM_FAIR, [alloc, request.workerId, request.leaseMs, kinds]);
        const jobs = rows.map(toJob).sort((a, b) => b.priority - a.priority || a.seq - b.seq);
        await notifyAll(tx, jobs, 'queued', workerActor(request.workerId), () => 'claim');
        return jobs;
      });
    },

    async settle(workerId, settlements) {
      if (settlements.length === 0) return { settled: [], stale: [] };
      const records = settlements.map((s) => ({
        tenant_id: s.job.tenantId,
        job_id: s.job.jobId,
        attempts: s.job.attempts,
        state: s.to,
        delay_ms: s.to === 'queued' ? s.delayMs : 0,
        result: s.to === 'succeeded' ? (s.result ?? null) : null,
        error: s.to === 'succeeded' ? null : s.error,
      }));
      return db.transaction(platformScope, async (tx) => {
        const { rows } = await tx.query<JobRow>(SETTLE, [workerId, JSON.stringify(records)]);
        const settled = rows.map(toJob);
        const done = new Set(settled.map(keyOf));
        const stale = settlements.map((s) => s.job).filter((k) => !done.has(keyOf(k)));
        const reasons = new Map(settlements.map((s) => [keyOf(s.job), reasonOf(s.to)]));
        await notifyAll(tx, settled, 'running', workerActor(workerId), (job) => reasons.get(keyOf(job)) ?? 'fail');
        return { settled, stale };
      });
    },

    async heartbeat(workerId, jobs, leaseMs) {
      if (jobs.length === 0) return [];
      const { rows } = await db.transaction(platformScope, (tx) =>
        tx.query<{ tenant_id: string; job_id: string; attempts: number }>(HEARTBEAT, [workerId, leaseMs, attemptKeys(jobs)]),
      );
      const held = new Set(rows.map((r) => keyOf({ tenantId: r.tenant_id, jobId: r.job_id, attempts: r.attempts })));
      return jobs.filter((j) => !held.has(keyOf(j)));
    },

    async release(workerId, jobs) {
      if (jobs.length === 0) return [];
      return db.transaction(platformScope, async (tx) => {
        const { rows } = await tx.query<JobRow>(RELEASE, [workerId, attemptKeys(jobs)]);
        const released = rows.map(toJob);
        await notifyAll(tx, released, 'running', workerActor(workerId), () => 'release');
        return released;
      });
    },

    async reportProgress(workerId, updates) {
      if (updates.length === 0) return;
      const records = updates.map((u) => ({
        tenant_id: u.job.tenantId,
        job_id: u.job.jobId,
        attempts: u.job.attempts,
        percent: Math.min(100, Math.max(0, Math.round(u.percent))),
        message: u.message === null ? null : u.message.slice(0, 500),
      }));
      await db.transaction(platformScope, (tx) => tx.query(PROGRESS, [workerId, JSON.stringify(records)]));
    },

    async sweep(limit = 500) {
      return db.transaction(platformScope, async (tx) => {
        const { rows } = await tx.query<JobRow>(SWEEP, [limit, new Date().toISOString()]);
        const swept = rows.map(toJob);
        await notifyAll(tx, swept, 'running', 'system:lease-sweeper', () => 'lease-expired');
        return swept;
      });
    },

    async prune(olderThanMs, limit = 5000) {
      const { rowCount } = await db.transaction(platformScope, (tx) => tx.query(PRUNE, [olderThanMs, limit]));
      return rowCount;
    },
  };
}
