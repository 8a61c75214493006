// Test harness of the jobs context: a migrated database of the store under test, the queue and
// registry wired to it, test kinds that record what ran, and a polling waitFor.
import { Type } from '@sinclair/typebox';
import type { Database } from '../../../src/core/db.js';
import {
  abortableDelay,
  defineJobKind,
  makeJobKindRegistry,
  makeJobLeases,
  makeJobQueue,
  makeWorker,
  NonRetryableJobError,
  registerBuiltinKinds,
  type Job,
  type JobKindRegistry,
  type JobLeases,
  type JobQueue,
  type JobQueueOptions,
  type JobState,
  type JobStateChangeHook,
  type Worker,
  type WorkerOptions,
} from '../../../src/jobs/index.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';

/** One run of a test kind's handler. */
export interface Run {
  readonly tenantId: string;
  readonly jobId: string;
  readonly kind: string;
  readonly attempt: number;
  readonly at: number;
  readonly traceparent: string | undefined;
}

export interface Harness {
  readonly tdb: TestDatabase;
  readonly db: Database;
  readonly registry: JobKindRegistry;
  readonly queue: JobQueue;
  readonly leases: JobLeases;
  /** Every handler start of the test kinds, in order. */
  readonly runs: Run[];
  /** State changes seen by the onStateChange hook. */
  readonly changes: { jobId: string; from: JobState | null; to: JobState; reason: string; actor: string }[];
  /** `test.flaky` fails while this is false. */
  flakyHealthy: boolean;
  /** A worker on this database (or on `db`, a wrapper of it); `hook: false` leaves out the state-change hook. */
  worker(options?: WorkerOptions, wiring?: { hook?: boolean; db?: Database }): Worker;
  dispose(): Promise<void>;
}

/** A fast worker configuration for tests. */
export const fastWorker: WorkerOptions = {
  concurrency: 8,
  leaseMs: 2000,
  heartbeatMs: 200,
  sweepIntervalMs: 200,
  pollIntervalMs: 250,
  progressIntervalMs: 50,
  shutdownGraceMs: 2000,
};

/** Opens a migrated database and wires the jobs context with the builtin and test kinds. */
export async function createHarness(queueOptions: JobQueueOptions = {}): Promise<Harness> {
  const tdb = await createTestDatabase();
  const runs: Run[] = [];
  const changes: Harness['changes'] = [];
  const onStateChange: JobStateChangeHook = async (_tx, job, from, to, change) => {
    changes.push({ jobId: job.jobId, from, to, reason: change.reason, actor: change.actor });
  };
  const registry = registerBuiltinKinds(makeJobKindRegistry());
  const workers: Worker[] = [];
  const h: Harness = {
    tdb,
    db: tdb.db,
    registry,
    queue: makeJobQueue({ db: tdb.db, registry, onStateChange }, queueOptions),
    leases: makeJobLeases({ db: tdb.db, onStateChange }),
    runs,
    changes,
    flakyHealthy: false,
    worker(options = {}, wiring = {}) {
      const w = makeWorker(
        { db: wiring.db ?? tdb.db, registry, onStateChange: wiring.hook === false ? undefined : onStateChange },
        { ...fastWorker, ...options },
      );
      workers.push(w);
      return w;
    },
    async dispose() {
      await Promise.all(workers.map((w) => w.stop({ graceMs: 0 })));
      await tdb.dispose();
    },
  };
  const record = (job: {
    tenantId: string;
    jobId: string;
    kind: string;
    attempt: number;
    traceparent: string | undefined;
  }): void => {
    runs.push({
      tenantId: job.tenantId,
      jobId: job.jobId,
      kind: job.kind,
      attempt: job.attempt,
      at: performance.now(),
      traceparent: job.traceparent,
    });
  };
  const Id = Type.Object({ id: Type.Optional(Type.String()) }, { additionalProperties: false });
  registry.register(
    defineJobKind({
      kind: 'test.record',
      payload: Id,
      handler: async (_p, ctx) => (record(ctx), { attempt: ctx.attempt }),
    }),
  );
  registry.register(
    defineJobKind({
      kind: 'test.flaky',
      payload: Id,
      maxAttempts: 3,
      backoff: { baseMs: 20, maxMs: 40 },
      handler: async (_p, ctx) => {
        record(ctx);
        if (!h.flakyHealthy) throw new Error(`flaky failure on attempt ${ctx.attempt}`);
        return { ok: true };
      },
    }),
  );
  registry.register(
    defineJobKind({
      kind: 'test.fatal',
      payload: Id,
      handler: async (_p, ctx) => {
        record(ctx);
        throw new NonRetryableJobError('the input can never work', { code: 'bad_input' });
      },
    }),
  );
  registry.register(
    defineJobKind({
      kind: 'test.hang',
      payload: Id,
      maxAttempts: 2,
      backoff: { baseMs: 10, maxMs: 10 },
      timeoutMs: 150,
      // Ignores its AbortSignal on purpose: the worker must fail it anyway.
      handler: async (_p, ctx) => {
        record(ctx);
        await new Promise(() => undefined);
      },
    }),
  );
  registry.register(
    defineJobKind({
      kind: 'test.block',
      payload: Type.Object({ ms: Type.Optional(Type.Integer()) }, { additionalProperties: false }),
      timeoutMs: 120_000,
      handler: async (p, ctx) => {
        record(ctx);
        ctx.progress(10, 'blocking');
        await abortableDelay(p.ms ?? 60_000, ctx.signal);
        return { blocked: p.ms ?? 60_000 };
      },
    }),
  );
  return h;
}

/** Polls `check` until it returns true (or a value other than false/undefined). */
export async function waitFor<T>(
  check: () => Promise<T | false | undefined> | T | false | undefined,
  what: string,
  timeoutMs = 10_000,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== false && v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Waits until the job reaches `state`. */
export function waitForState(
  h: Harness,
  tenantId: string,
  jobId: string,
  state: JobState,
  timeoutMs = 10_000,
): Promise<Job> {
  return waitFor(
    async () => {
      const job = await h.queue.get(tenantId, jobId);
      return job.state === state ? job : undefined;
    },
    `job ${jobId} to be ${state}`,
    timeoutMs,
  );
}

export const actor = { actor: 'key:test', requestId: 'req_test' };

/** Asserts-by-return: job_tenants counters equal the real counts (owner session, no RLS). */
export async function counterDrift(db: Database): Promise<string[]> {
  return db.asOwner(async (s) => {
    const { rows } = await s.query<{ tenant_id: string; queued: number; real_queued: number }>(`
      select t.tenant_id, t.queued,
             (select count(*)::int from jobs j where j.tenant_id = t.tenant_id and j.state = 'queued') as real_queued
      from job_tenants t`);
    return rows
      .filter((r) => r.queued !== r.real_queued)
      .map((r) => `${r.tenant_id}: counted ${r.queued} queued, real ${r.real_queued}`);
  });
}
