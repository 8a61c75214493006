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
import { jobColumnsOf, toJob, type JobRow } from './job-rows.js';

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

/** An attempt as settled: which job, and the state it went to. */
export interface SettledJob extends JobAttemptKey {
  readonly state: JobState;
}

export interface SettleResult {
  readonly settled: SettledJob[];
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
  /**
   * settle() and then claim() in one transaction, saving a commit per batch. When a settlement
   * requeues a job (backoff), or a state-change hook is set, the two run as separate
   * transactions instead (lock order).
   */
  settleAndClaim(
    workerId: string,
    settlements: readonly Settlement[],
    request: ClaimRequest,
  ): Promise<SettleResult & { claimed: Job[] }>;
  /** Extends the leases of attempts still held; returns those no longer held. */
  heartbeat(workerId: string, jobs: readonly JobAttemptKey[], leaseMs: number): Promise<JobAttemptKey[]>;
  /** Gives held attempts back to the queue without counting them as attempts (shutdown). */
  release(workerId: string, jobs: readonly JobAttemptKey[]): Promise<Job[]>;
  /**
   * Gives back, without counting the attempt, every job leased to `workerId` that is not in
   * `held`: after a claim whose commit was lost with its connection, the worker cannot know
   * whether it leased jobs, and such jobs would otherwise wait for their lease to expire.
   */
  releaseUnheld(workerId: string, held: readonly JobAttemptKey[]): Promise<Job[]>;
  reportProgress(workerId: string, updates: readonly ProgressUpdate[]): Promise<void>;
  /** Returns jobs whose lease expired (dead or stalled worker) to the queue, or poisons them. */
  sweep(limit?: number): Promise<Job[]>;
  /** Deletes succeeded, failed and cancelled jobs finished more than `olderThanMs` ago. */
  prune(olderThanMs: number, limit?: number): Promise<number>;
}

// NOTE: plans. Freshly filled tables have no statistics (PGlite never gets any unless the
// worker's maintenance analyzes them), so the statements are written to keep their plan shape
// without them: per-tenant probes are LATERAL ... LIMIT (index probes, never hash joins over
// the whole table), batches arrive as unnest() of arrays (the planner sees their exact
// length), and rows found by a locking subquery are updated by ctid (a TID scan).

// Tenants in rotation order (least recently served first) that have a job ready now, with
// their running jobs counted only when the worker applies concurrency caps ($3).
const SELECT_READY_TENANTS = `
  select t.tenant_id, t.queued,
         case when $3::boolean then (select count(*)::int from jobs r where r.tenant_id = t.tenant_id and r.state = 'running') else 0 end as running
  from job_tenants t
  cross join lateral (
    select 1 from jobs j
    where j.tenant_id = t.tenant_id and j.state = 'queued' and j.run_at <= now()
      and ($2::text[] is null or j.kind = any($2::text[]))
    limit 1
  ) ready
  where t.queued > 0
  order by t.served_seq, t.tenant_id limit $1`;

// One statement: move each allocated tenant to its new place in the rotation (locking their
// counter rows in tenant_id order), then take up to n ready jobs per tenant, best first.
// A job updated between the snapshot and its lock is left for the next claim (ctid moved).
const CLAIM_FAIR = `
  with alloc as (
    select * from unnest($1::text[], $2::int[], $3::int[]) as a(tenant_id, n, pos)
  ),
  round as (select nextval('job_rotation') as n),
  rotated as (
    update job_tenants t set served_seq = (select n from round) * 4096 + alloc.pos
    from alloc
    where t.tenant_id = alloc.tenant_id
      and t.tenant_id in (select l.tenant_id from job_tenants l where l.tenant_id = any($1::text[])
                          order by l.tenant_id for update)
  ),
  picked as (
    select p.tid from alloc cross join lateral (
      select j.ctid as tid from jobs j
      where j.tenant_id = alloc.tenant_id and j.state = 'queued' and j.run_at <= now()
        and ($6::text[] is null or j.kind = any($6::text[]))
      order by j.priority desc, j.run_at, j.seq
      limit alloc.n
      for update of j skip locked
    ) p
  )
  update jobs j set state = 'running', attempts = j.attempts + 1, lease_owner = $4,
                    lease_expires_at = now() + $5::double precision * interval '1 millisecond',
                    started_at = now(), updated_at = now()
  where j.ctid = any(array(select tid from picked)) and j.state = 'queued'
  returning ${jobColumnsOf('j')}`;

// Whole rows only when the state-change hook needs them (cheaper to return keys, on PGlite above all).
const SETTLE_TEMPLATE = `
  with s as (
    select * from unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::double precision[], $7::text[], $8::text[])
      as s(tenant_id, job_id, attempts, state, delay_ms, result, error)
  ),
  held as (
    select j.tenant_id, j.job_id from jobs j join s on j.tenant_id = s.tenant_id and j.job_id = s.job_id
    where j.state = 'running' and j.lease_owner = $1 and j.attempts = s.attempts
    order by j.tenant_id, j.job_id for update of j
  )
  update jobs j set
    state = s.state,
    result = case when s.state = 'succeeded' then s.result::jsonb else j.result end,
    last_error = coalesce(s.error::jsonb, j.last_error),
    run_at = case when s.state = 'queued' then now() + s.delay_ms * interval '1 millisecond' else j.run_at end,
    lease_owner = null, lease_expires_at = null,
    progress_percent = case when s.state = 'succeeded' then 100 else j.progress_percent end,
    finished_at = case when s.state = 'queued' then null else now() end,
    updated_at = now()
  from s join held on held.tenant_id = s.tenant_id and held.job_id = s.job_id
  where j.tenant_id = s.tenant_id and j.job_id = s.job_id
    and j.state = 'running' and j.lease_owner = $1 and j.attempts = s.attempts
  returning RETURNING`;

const SETTLE_FULL = SETTLE_TEMPLATE.replace('RETURNING', jobColumnsOf('j'));
const SETTLE_KEYS = SETTLE_TEMPLATE.replace('RETURNING', 'j.tenant_id, j.job_id, j.attempts, j.state');

const HELD_BY = `
  held as (
    select j.tenant_id, j.job_id from jobs j
    join unnest($2::text[], $3::text[], $4::int[]) as k(tenant_id, job_id, attempts)
      on j.tenant_id = k.tenant_id and j.job_id = k.job_id
    where j.state = 'running' and j.lease_owner = $1 and j.attempts = k.attempts
    order by j.tenant_id, j.job_id for update of j
  )`;

const HEARTBEAT = `
  with ${HELD_BY}
  update jobs j set lease_expires_at = now() + $5::double precision * interval '1 millisecond'
  from held where j.tenant_id = held.tenant_id and j.job_id = held.job_id and j.state = 'running' and j.lease_owner = $1
  returning j.tenant_id, j.job_id, j.attempts`;

const RELEASE = `
  with ${HELD_BY}
  update jobs j set state = 'queued', attempts = greatest(j.attempts - 1, 0), run_at = now(),
                    lease_owner = null, lease_expires_at = null, updated_at = now()
  from held where j.tenant_id = held.tenant_id and j.job_id = held.job_id and j.state = 'running' and j.lease_owner = $1
  returning ${jobColumnsOf('j')}`;

// Jobs leased to $1 that the worker does not hold ($2, $3): leased by a claim whose commit it never heard of.
const RELEASE_UNHELD = `
  with unheld as (
    select j.tenant_id, j.job_id from jobs j
    where j.state = 'running' and j.lease_owner = $1
      and not exists (select 1 from unnest($2::text[], $3::text[]) as k(tenant_id, job_id) where k.tenant_id = j.tenant_id and k.job_id = j.job_id)
    order by j.tenant_id, j.job_id for update of j
  )
  update jobs j set state = 'queued', attempts = greatest(j.attempts - 1, 0), run_at = now(),
                    lease_owner = null, lease_expires_at = null, updated_at = now()
  from unheld where j.tenant_id = unheld.tenant_id and j.job_id = unheld.job_id and j.state = 'running' and j.lease_owner = $1
  returning ${jobColumnsOf('j')}`;

const PROGRESS = `
  with ${HELD_BY},
  p as (select * from unnest($2::text[], $3::text[], $5::int[], $6::text[]) as p(tenant_id, job_id, percent, message))
  update jobs j set progress_percent = p.percent, progress_message = p.message, updated_at = now()
  from held join p on p.tenant_id = held.tenant_id and p.job_id = held.job_id
  where j.tenant_id = held.tenant_id and j.job_id = held.job_id and j.state = 'running' and j.lease_owner = $1`;

// Expired leases: back to the queue at once (the attempt counts), or poisoned when it was the last.
const SWEEP = `
  with expired as (
    select ctid as tid from jobs
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
  where j.ctid = any(array(select tid from expired)) and j.state = 'running' and j.lease_expires_at < now()
  returning ${jobColumnsOf('j')}`;

const PRUNE = `
  delete from jobs where ctid = any(array(
    select ctid from jobs
    where state in ('succeeded', 'failed', 'cancelled') and finished_at < now() - $1::double precision * interval '1 millisecond'
    limit $2))`;

function keyArrays(jobs: readonly JobAttemptKey[]): [string[], string[], number[]] {
  return [jobs.map((j) => j.tenantId), jobs.map((j) => j.jobId), jobs.map((j) => j.attempts)];
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

  async function notifyAll(
    tx: Queryable,
    jobs: readonly Job[],
    from: JobState,
    actor: string,
    reason: (job: Job) => StateChangeReason,
  ): Promise<void> {
    const hook = deps.onStateChange;
    if (hook === undefined) return;
    // NOTE: in (tenant_id, job_id) order, so whatever per-tenant rows the hook locks (an audit
    // log head, say) are locked in the same order by every transaction.
    const ordered = [...jobs].sort((a, b) =>
      a.tenantId < b.tenantId ? -1 : a.tenantId > b.tenantId ? 1 : a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0,
    );
    for (const job of ordered)
      await hook(tx, job, from, job.state, { actor, requestId: job.requestId, reason: reason(job) });
  }

  async function claimIn(tx: Queryable, request: ClaimRequest): Promise<Job[]> {
    const limit = Math.min(1000, Math.max(1, Math.floor(request.limit)));
    const kinds = request.kinds === undefined ? null : [...request.kinds];
    const { rows: backlog } = await tx.query<{ tenant_id: string; queued: number; running: number }>(
      SELECT_READY_TENANTS,
      [limit, kinds, request.maxRunningOf !== undefined],
    );
    if (backlog.length === 0) return [];
    const allocation = allocateClaims(
      backlog.map((b) => ({ tenantId: b.tenant_id, queued: b.queued, running: b.running })),
      { ...request, limit },
    );
    if (allocation.length === 0) return [];
    const { rows } = await tx.query<JobRow>(CLAIM_FAIR, [
      allocation.map((a) => a.tenantId),
      allocation.map((a) => a.count),
      allocation.map((a) => a.position),
      request.workerId,
      request.leaseMs,
      kinds,
    ]);
    const jobs = rows.map(toJob).sort((a, b) => b.priority - a.priority || a.seq - b.seq);
    await notifyAll(tx, jobs, 'queued', workerActor(request.workerId), () => 'claim');
    return jobs;
  }

  function settleParams(workerId: string, settlements: readonly Settlement[]): unknown[] {
    const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));
    return [
      workerId,
      settlements.map((s) => s.job.tenantId),
      settlements.map((s) => s.job.jobId),
      settlements.map((s) => s.job.attempts),
      settlements.map((s) => s.to),
      settlements.map((s) => (s.to === 'queued' ? s.delayMs : 0)),
      settlements.map((s) => (s.to === 'succeeded' ? json(s.result) : null)),
      settlements.map((s) => (s.to === 'succeeded' ? null : json(s.error))),
    ];
  }

  async function settleIn(tx: Queryable, workerId: string, settlements: readonly Settlement[]): Promise<SettleResult> {
    if (settlements.length === 0) return { settled: [], stale: [] };
    const hook = deps.onStateChange;
    let settled: SettledJob[];
    if (hook === undefined) {
      const { rows } = await tx.query<{ tenant_id: string; job_id: string; attempts: number; state: JobState }>(
        SETTLE_KEYS,
        settleParams(workerId, settlements),
      );
      settled = rows.map((r) => ({ tenantId: r.tenant_id, jobId: r.job_id, attempts: r.attempts, state: r.state }));
    } else {
      const { rows } = await tx.query<JobRow>(SETTLE_FULL, settleParams(workerId, settlements));
      const jobs = rows.map(toJob);
      const reasons = new Map(settlements.map((s) => [keyOf(s.job), reasonOf(s.to)]));
      await notifyAll(tx, jobs, 'running', workerActor(workerId), (job) => reasons.get(keyOf(job)) ?? 'fail');
      settled = jobs;
    }
    const done = new Set(settled.map(keyOf));
    const stale = settlements.map((s) => s.job).filter((k) => !done.has(keyOf(k)));
    return { settled, stale };
  }

  return {
    claim: (request) => db.transaction(platformScope, (tx) => claimIn(tx, request)),

    async settle(workerId, settlements) {
      if (settlements.length === 0) return { settled: [], stale: [] };
      return db.transaction(platformScope, (tx) => settleIn(tx, workerId, settlements));
    },

    async settleAndClaim(workerId, settlements, request) {
      // NOTE: lock order. A requeued job updates its tenant's counter row, and a state-change
      // hook may lock per-tenant rows (an audit log head); taking those before the claim's
      // sorted pass over counter rows could deadlock with an enqueue (counter row, then hook).
      // Attempts that end (succeeded/failed/poisoned) with no hook lock nothing, so they combine.
      if (deps.onStateChange !== undefined || settlements.some((s) => s.to === 'queued')) {
        const settled = await db.transaction(platformScope, (tx) => settleIn(tx, workerId, settlements));
        return { ...settled, claimed: await db.transaction(platformScope, (tx) => claimIn(tx, request)) };
      }
      return db.transaction(platformScope, async (tx) => {
        const settled = await settleIn(tx, workerId, settlements);
        return { ...settled, claimed: await claimIn(tx, request) };
      });
    },

    async heartbeat(workerId, jobs, leaseMs) {
      if (jobs.length === 0) return [];
      const { rows } = await db.transaction(platformScope, (tx) =>
        tx.query<{ tenant_id: string; job_id: string; attempts: number }>(HEARTBEAT, [
          workerId,
          ...keyArrays(jobs),
          leaseMs,
        ]),
      );
      const held = new Set(rows.map((r) => keyOf({ tenantId: r.tenant_id, jobId: r.job_id, attempts: r.attempts })));
      return jobs.filter((j) => !held.has(keyOf(j)));
    },

    async release(workerId, jobs) {
      if (jobs.length === 0) return [];
      return db.transaction(platformScope, async (tx) => {
        const { rows } = await tx.query<JobRow>(RELEASE, [workerId, ...keyArrays(jobs)]);
        const released = rows.map(toJob);
        await notifyAll(tx, released, 'running', workerActor(workerId), () => 'release');
        return released;
      });
    },

    async releaseUnheld(workerId, held) {
      return db.transaction(platformScope, async (tx) => {
        const { rows } = await tx.query<JobRow>(RELEASE_UNHELD, [
          workerId,
          held.map((j) => j.tenantId),
          held.map((j) => j.jobId),
        ]);
        const released = rows.map(toJob);
        await notifyAll(tx, released, 'running', workerActor(workerId), () => 'release');
        return released;
      });
    },

    async reportProgress(workerId, updates) {
      if (updates.length === 0) return;
      const keys = keyArrays(updates.map((u) => u.job));
      const percents = updates.map((u) => Math.min(100, Math.max(0, Math.round(u.percent))));
      const messages = updates.map((u) => (u.message === null ? null : u.message.slice(0, 500)));
      await db.transaction(platformScope, (tx) => tx.query(PROGRESS, [workerId, ...keys, percents, messages]));
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
