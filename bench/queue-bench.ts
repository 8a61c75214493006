// bench:queue — the async executor on PostgreSQL and PGlite, side by side in one run:
// enqueue/s, claim+complete jobs/s for tenant-fair and plain FIFO claiming, a quiet tenant's
// wait (p99) while a noisy tenant has a 20,000-job backlog, and how long a job of a SIGKILLed
// worker takes to start again elsewhere. Repetitions are interleaved and medians reported,
// because this machine is shared and noisy. The last line is the RESULT summary.
// Claim+complete runs `claimers` loops that each settle the batch they hold and claim the next
// 100 in one transaction (what the Worker does), for both strategies alike; the worker-runtime
// line is the Worker itself running no-op jobs.
import { createScratchPostgres } from './support/scratch-postgres.js';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import type { Database } from '../src/core/db.js';
import {
  defineJobKind,
  makeJobKindRegistry,
  makeJobLeases,
  makeJobQueue,
  makeWorker,
  registerBuiltinKinds,
  type EnqueueInput,
  type JobAttemptKey,
  type JobQueue,
  type Worker,
} from '../src/jobs/index.js';
import { migrate, openPgliteDatabase } from '../src/store/index.js';
import { FIFO_INDEX, settleAndClaimFifo } from './support/fifo-claim.js';

const PG_ADMIN = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REPS = Number(process.env.BENCH_ROUNDS ?? 3);
const BATCH = 100;
const LEASE_MS = 1000;
const SWEEP_MS = 250;
const NOISY_BACKLOG = 20_000;
const childScript = fileURLToPath(new URL('./support/queue-crash-child.js', import.meta.url));
const actor = { actor: 'bench' };
/** Start times of `bench.quiet` jobs, by job id. */
const quietStarts = new Map<string, number>();

function benchRegistry(): ReturnType<typeof makeJobKindRegistry> {
  const registry = registerBuiltinKinds(makeJobKindRegistry());
  registry.register(
    defineJobKind({
      kind: 'bench.quiet',
      payload: Type.Object({}),
      handler: async (_p, ctx) => void quietStarts.set(ctx.jobId, performance.now()),
    }),
  );
  return registry;
}

type StoreName = 'postgres' | 'pglite';

interface Store {
  readonly name: StoreName;
  readonly db: Database;
  readonly url: string | undefined;
  /** Concurrent claim loops in the throughput runs. */
  readonly claimers: number;
  /** Jobs per throughput run. */
  readonly jobs: number;
  dispose(): Promise<void>;
}

interface Figures {
  enqueueBatch: number;
  enqueueSingle: number;
  fair: number;
  fifo: number;
  quietP50: number;
  quietP99: number;
  crashS: number;
  worker: number;
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};
const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
};
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

async function openStore(name: StoreName): Promise<Store> {
  if (name === 'pglite') {
    const db = await openPgliteDatabase(undefined);
    const m = await migrate(db);
    if (m.error) throw new Error(m.error.message);
    await db.asOwner((s) => s.exec(FIFO_INDEX));
    return { name, db, url: undefined, claimers: 1, jobs: 10_000, dispose: () => db.close() };
  }
  const scratch = await createScratchPostgres(PG_ADMIN, 10);
  const { db, url } = scratch;
  await db.asOwner((s) => s.exec(FIFO_INDEX));
  return {
    name,
    db,
    url,
    claimers: 3,
    jobs: 20_000,
    dispose: () => scratch.dispose(),
  };
}

async function reset(store: Store): Promise<void> {
  await store.db.asOwner((s) => s.exec('truncate jobs, job_tenants'));
}

/** Fills the queue: half the jobs for one noisy tenant, the rest spread over nine others. */
async function preload(queue: JobQueue, n: number): Promise<void> {
  const half = Math.floor(n / 2);
  const share = Math.ceil((n - half) / 9);
  const plan: [string, number][] = [
    ['noisy', half],
    ...Array.from({ length: 9 }, (_, i): [string, number] => [`tenant-${i + 1}`, share]),
  ];
  for (const [tenant, count] of plan) {
    for (let i = 0; i < count; i += 2000) {
      await queue.enqueueMany(
        tenant,
        Array.from({ length: Math.min(2000, count - i) }, (): EnqueueInput => ({ kind: 'noop' })),
        actor,
      );
    }
  }
}

async function measureEnqueue(store: Store, queue: JobQueue): Promise<{ batch: number; single: number }> {
  await reset(store);
  const n = 10_000;
  let t0 = performance.now();
  for (let i = 0; i < n; i += 1000) {
    await queue.enqueueMany(
      `tenant-${(i / 1000) % 10}`,
      Array.from({ length: 1000 }, (): EnqueueInput => ({ kind: 'noop' })),
      actor,
    );
  }
  const batch = n / ((performance.now() - t0) / 1000);
  const singles = 2000;
  const lanes = store.name === 'postgres' ? 8 : 1;
  t0 = performance.now();
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let i = 0; i < singles / lanes; i++) await queue.enqueue(`tenant-${lane}`, { kind: 'noop' }, actor);
    }),
  );
  return { batch, single: singles / ((performance.now() - t0) / 1000) };
}

/** One step of a claimer: settle the batch it holds and claim the next, in one transaction. */
type Step = (
  workerId: string,
  held: readonly JobAttemptKey[],
) => Promise<{ settled: number; claimed: JobAttemptKey[] }>;

/** Claim+complete until `n` jobs are done; returns jobs/s. */
async function drain(store: Store, step: Step, n: number): Promise<number> {
  let done = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: store.claimers }, async (_, i) => {
      const workerId = `bench-${i}`;
      let held: JobAttemptKey[] = [];
      let idle = 0;
      while (done < n || held.length > 0) {
        const { settled, claimed } = await step(workerId, held);
        done += settled;
        held = claimed;
        if (settled === 0 && claimed.length === 0) {
          if (++idle > 5000) throw new Error(`claimer ${workerId} found no work with ${n - done} jobs left`);
          await delay(1);
        } else idle = 0;
      }
    }),
  );
  return n / ((performance.now() - t0) / 1000);
}

async function measureThroughput(store: Store, queue: JobQueue): Promise<{ fair: number; fifo: number }> {
  const leases = makeJobLeases({ db: store.db });
  const fairStep: Step = async (workerId, held) => {
    const r = await leases.settleAndClaim(
      workerId,
      held.map((job) => ({ job, to: 'succeeded' as const, result: null })),
      { workerId, limit: BATCH, leaseMs: 30_000 },
    );
    return { settled: r.settled.length, claimed: r.claimed };
  };
  const fifoStep: Step = (workerId, held) => settleAndClaimFifo(store.db, workerId, held, BATCH, 30_000);
  const fair: number[] = [];
  const fifo: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    for (const mode of rep % 2 === 0 ? (['fair', 'fifo'] as const) : (['fifo', 'fair'] as const)) {
      await reset(store);
      await preload(queue, store.jobs);
      const rate = await drain(store, mode === 'fair' ? fairStep : fifoStep, store.jobs);
      (mode === 'fair' ? fair : fifo).push(rate);
      log(`  ${store.name} ${mode} rep ${rep + 1}: ${rate.toFixed(0)} jobs/s`);
    }
  }
  return { fair: median(fair), fifo: median(fifo) };
}

/** The worker runtime end to end: no-op jobs through Worker (settle and next claim share a transaction). */
async function measureWorkerRuntime(store: Store, queue: JobQueue): Promise<number> {
  const rates: number[] = [];
  // NOTE: one run: this line is for orientation, the claim+complete lines are the comparison.
  for (let rep = 0; rep < 1; rep++) {
    await reset(store);
    await preload(queue, store.jobs);
    const replicas = store.name === 'postgres' ? store.claimers : 1;
    const workers = Array.from({ length: replicas }, () =>
      makeWorker(
        { db: store.db, registry: benchRegistry() },
        { concurrency: BATCH, maxBatch: BATCH, leaseMs: 30_000, pollIntervalMs: 1000 },
      ),
    );
    const t0 = performance.now();
    for (const w of workers) await w.start();
    const succeeded = (): number => workers.reduce((n, w) => n + w.stats().succeeded, 0);
    const deadline = t0 + 120_000;
    while (succeeded() < store.jobs && performance.now() < deadline) await delay(5);
    rates.push(succeeded() / ((performance.now() - t0) / 1000));
    for (const w of workers) await w.stop({ graceMs: 0 });
    log(`  ${store.name} worker runtime rep ${rep + 1}: ${rates.at(-1)?.toFixed(0)} jobs/s`);
  }
  return median(rates);
}

/** A quiet tenant enqueues one job at a time while workers chew through a noisy backlog. */
async function measureQuietWait(store: Store, queue: JobQueue): Promise<number[]> {
  const waits: number[] = [];
  for (let rep = 0; rep < Math.min(REPS, 2); rep++) {
    await reset(store);
    for (let i = 0; i < NOISY_BACKLOG; i += 5000) {
      await queue.enqueueMany(
        'noisy',
        Array.from({ length: 5000 }, (): EnqueueInput => ({ kind: 'noop' })),
        actor,
      );
    }
    const started = quietStarts;
    const registry = benchRegistry();
    const replicas = store.name === 'postgres' ? 2 : 1;
    const workers: Worker[] = Array.from({ length: replicas }, () =>
      makeWorker(
        { db: store.db, registry },
        { concurrency: 32, leaseMs: 30_000, pollIntervalMs: 1000, sweepIntervalMs: 5000 },
      ),
    );
    for (const w of workers) await w.start();
    try {
      while (workers.every((w) => w.stats().claimed === 0)) await delay(1);
      for (let i = 0; i < 60; i++) {
        if ((await queue.counts('noisy')).queued < NOISY_BACKLOG / 2) break;
        const t0 = performance.now();
        const { job } = await queue.enqueue('quiet', { kind: 'bench.quiet' }, actor);
        const deadline = t0 + 10_000;
        while (!started.has(job.jobId) && performance.now() < deadline) await delay(1);
        waits.push((started.get(job.jobId) ?? deadline) - t0);
        await delay(20);
      }
    } finally {
      for (const w of workers) await w.stop({ graceMs: 0 });
    }
  }
  return waits;
}

async function waitForRun(
  queue: JobQueue,
  tenantId: string,
  jobId: string,
  check: (attempts: number, owner: string | null) => boolean,
): Promise<void> {
  const deadline = performance.now() + 20_000;
  for (;;) {
    const job = await queue.get(tenantId, jobId);
    if (job.state === 'running' && check(job.attempts, job.leaseOwner)) return;
    if (performance.now() > deadline)
      throw new Error(`job ${jobId} did not reach the expected run (state ${job.state})`);
    await delay(5);
  }
}

/**
 * Seconds from a worker's death to its job running again on another worker. PostgreSQL: a real
 * worker process, SIGKILLed. PGlite (in-process only): a worker that claimed and vanished.
 */
async function measureCrashRecovery(store: Store, queue: JobQueue): Promise<number> {
  const times: number[] = [];
  const registry = registerBuiltinKinds(makeJobKindRegistry());
  for (let rep = 0; rep < REPS; rep++) {
    await reset(store);
    const survivor = makeWorker(
      { db: store.db, registry },
      { concurrency: 4, leaseMs: LEASE_MS, sweepIntervalMs: SWEEP_MS, pollIntervalMs: 50 },
    );
    const { job } = await queue.enqueue('crash', { kind: 'sleep', payload: { ms: 60_000 } }, actor);
    let killedAt: number;
    if (store.name === 'postgres' && store.url !== undefined) {
      const child = spawn(process.execPath, [childScript], {
        env: {
          ...process.env,
          IRIS_BENCH_CHILD_DB: store.url,
          IRIS_BENCH_CHILD_WORKER: 'wkr_doomed',
          IRIS_BENCH_CHILD_LEASE_MS: String(LEASE_MS),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await waitForRun(queue, 'crash', job.jobId, (_a, owner) => owner === 'wkr_doomed');
      await survivor.start();
      child.kill('SIGKILL');
      await once(child, 'exit');
      killedAt = performance.now();
    } else {
      await makeJobLeases({ db: store.db }).claim({ workerId: 'wkr_gone', limit: 1, leaseMs: LEASE_MS });
      killedAt = performance.now();
      await survivor.start();
    }
    await waitForRun(queue, 'crash', job.jobId, (attempts, owner) => attempts === 2 && owner === survivor.id);
    times.push((performance.now() - killedAt) / 1000);
    await survivor.stop({ graceMs: 0 });
    log(`  ${store.name} crash recovery rep ${rep + 1}: ${times.at(-1)?.toFixed(2)} s`);
  }
  return median(times);
}

async function benchStore(name: StoreName): Promise<Figures> {
  log(`${name}: opening`);
  const store = await openStore(name);
  try {
    const queue = makeJobQueue({ db: store.db, registry: benchRegistry() });
    const enq = await measureEnqueue(store, queue);
    log(`  ${name} enqueue: ${enq.batch.toFixed(0)}/s in batches, ${enq.single.toFixed(0)}/s one by one`);
    const tp = await measureThroughput(store, queue);
    const worker = await measureWorkerRuntime(store, queue);
    const waits = await measureQuietWait(store, queue);
    log(
      `  ${name} quiet waits: ${waits.length} samples, p50 ${percentile(waits, 50).toFixed(1)} ms, p99 ${percentile(waits, 99).toFixed(1)} ms`,
    );
    const crashS = await measureCrashRecovery(store, queue);
    return {
      enqueueBatch: enq.batch,
      enqueueSingle: enq.single,
      fair: tp.fair,
      fifo: tp.fifo,
      quietP50: percentile(waits, 50),
      quietP99: percentile(waits, 99),
      crashS,
      worker,
    };
  } finally {
    await store.dispose();
  }
}

function row(label: string, a: string, b: string): string {
  return `${label.padEnd(48)}${a.padStart(12)}${b.padStart(12)}`;
}

async function main(): Promise<void> {
  const started = performance.now();
  const pgF = await benchStore('postgres');
  const liteF = await benchStore('pglite');
  const lines = [
    '',
    `bench:queue  batch ${BATCH}, ${REPS} repetitions (medians), lease ${LEASE_MS} ms, sweep ${SWEEP_MS} ms`,
    row('', 'postgres', 'pglite'),
    row('enqueue/s, batches of 1000', pgF.enqueueBatch.toFixed(0), liteF.enqueueBatch.toFixed(0)),
    row('enqueue/s, one job per transaction', pgF.enqueueSingle.toFixed(0), liteF.enqueueSingle.toFixed(0)),
    row('claim+complete jobs/s, fair (10 tenants)', pgF.fair.toFixed(0), liteF.fair.toFixed(0)),
    row('claim+complete jobs/s, plain FIFO', pgF.fifo.toFixed(0), liteF.fifo.toFixed(0)),
    row('fair / FIFO', (pgF.fair / pgF.fifo).toFixed(2), (liteF.fair / liteF.fifo).toFixed(2)),
    row('worker runtime jobs/s, no-op jobs, fair (1 run)', pgF.worker.toFixed(0), liteF.worker.toFixed(0)),
    row(
      `quiet-tenant wait p50 ms (noisy backlog ${NOISY_BACKLOG})`,
      pgF.quietP50.toFixed(1),
      liteF.quietP50.toFixed(1),
    ),
    row(
      `quiet-tenant wait p99 ms (noisy backlog ${NOISY_BACKLOG})`,
      pgF.quietP99.toFixed(1),
      liteF.quietP99.toFixed(1),
    ),
    row(
      '  same under FIFO, estimated: backlog / FIFO rate, ms',
      ((NOISY_BACKLOG / pgF.fifo) * 1000).toFixed(0),
      ((NOISY_BACKLOG / liteF.fifo) * 1000).toFixed(0),
    ),
    row('crash recovery s (postgres: SIGKILLed process)', pgF.crashS.toFixed(2), liteF.crashS.toFixed(2)),
    `(${((performance.now() - started) / 1000).toFixed(0)} s; PGlite crash recovery is an abandoned lease in-process; RESULT figures other than pglite_* are PostgreSQL's)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  process.stdout.write(
    `RESULT queue pg_fair_jobs_s=${pgF.fair.toFixed(0)} pg_fifo_jobs_s=${pgF.fifo.toFixed(0)} pglite_fair_jobs_s=${liteF.fair.toFixed(0)} ` +
      `fair_ratio=${(pgF.fair / pgF.fifo).toFixed(2)} quiet_wait_p99_ms=${pgF.quietP99.toFixed(1)} crash_recovery_s=${pgF.crashS.toFixed(2)}\n`,
  );
}

await main();
