// The worker runtime on the store under test: runs jobs, reports progress, retries with backoff,
// poisons after max attempts (never retried automatically) and redrives, fails non-retryable
// errors and hung handlers, cancels running jobs, wakes on NOTIFY, polls without it, and shuts
// down gracefully. A duplicate idempotency key never runs twice.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { storeName } from '../support/test-database.js';
import { actor, counterDrift, createHarness, waitFor, waitForState, type Harness } from './support/harness.js';

let h: Harness;
before(async () => {
  h = await createHarness();
});
after(async () => {
  await h.dispose();
});

const runsOf = (jobId: string) => h.runs.filter((r) => r.jobId === jobId);

test(`[${storeName}] a worker runs jobs, records results and progress, and passes trace context`, async () => {
  const w = h.worker();
  await w.start();
  try {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const { job } = await h.queue.enqueue(
      't-run',
      { kind: 'sleep', payload: { ms: 200, steps: 4 } },
      { ...actor, traceparent },
    );
    const mid = await waitFor(async () => {
      const j = await h.queue.get('t-run', job.jobId);
      return j.state === 'running' && (j.progress.percent ?? 0) > 0 && (j.progress.percent ?? 0) < 100 ? j : undefined;
    }, 'progress while running');
    assert.match(mid.progress.message ?? '', /slept \d+ of 200 ms/);
    assert.equal(mid.attempts, 1);
    const done = await waitForState(h, 't-run', job.jobId, 'succeeded');
    assert.deepEqual(done.result, { sleptMs: 200 });
    assert.equal(done.progress.percent, 100);
    assert.ok(done.startedAt && done.finishedAt && done.finishedAt >= done.startedAt);
    assert.equal(done.leaseOwner, null);

    const rec = await h.queue.enqueue('t-run', { kind: 'test.record' }, { ...actor, traceparent });
    await waitForState(h, 't-run', rec.job.jobId, 'succeeded');
    assert.equal(runsOf(rec.job.jobId)[0]?.traceparent, traceparent);
    const reasons = h.changes.filter((c) => c.jobId === job.jobId).map((c) => `${c.from ?? '-'}>${c.to}:${c.reason}`);
    assert.deepEqual(reasons, ['->queued:enqueue', 'queued>running:claim', 'running>succeeded:succeed']);
  } finally {
    await w.stop();
  }
});

test(`[${storeName}] a duplicate idempotency key never runs twice`, async () => {
  const w = h.worker();
  await w.start();
  try {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => h.queue.enqueue('t-dup', { kind: 'test.record', dedupKey: 'once' }, actor)),
    );
    const jobId = results[0]?.job.jobId ?? '';
    assert.ok(results.every((r) => r.job.jobId === jobId));
    await waitForState(h, 't-dup', jobId, 'succeeded');
    // Same key after the job finished: the same job back, and nothing new runs.
    const later = await h.queue.enqueue('t-dup', { kind: 'test.record', dedupKey: 'once' }, actor);
    assert.deepEqual([later.job.jobId, later.created, later.job.state], [jobId, false, 'succeeded']);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(runsOf(jobId).length, 1);
    assert.equal(h.runs.filter((r) => r.tenantId === 't-dup').length, 1);
  } finally {
    await w.stop();
  }
});

test(`[${storeName}] retryable failures back off, poison after max attempts, never retry on their own, and redrive`, async () => {
  const w = h.worker();
  await w.start();
  try {
    h.flakyHealthy = false;
    const { job } = await h.queue.enqueue('t-poison', { kind: 'test.flaky' }, actor);
    const poisoned = await waitForState(h, 't-poison', job.jobId, 'poisoned');
    assert.equal(poisoned.attempts, 3);
    assert.equal(poisoned.lastError?.code, 'handler_error');
    assert.equal(poisoned.lastError?.attempt, 3);
    assert.match(poisoned.lastError?.message ?? '', /attempt 3/);
    assert.deepEqual(
      runsOf(job.jobId).map((r) => r.attempt),
      [1, 2, 3],
    );
    // Backoff: attempts are spaced by at least half the nominal delay (20 ms, then 40 ms).
    const [r1, r2, r3] = runsOf(job.jobId);
    assert.ok(r1 && r2 && r3 && r2.at - r1.at >= 9 && r3.at - r2.at >= 19, 'attempts were spaced by the backoff');
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(runsOf(job.jobId).length, 3, 'a poisoned job is never retried automatically');
    assert.deepEqual(
      (await h.queue.listPoisoned('t-poison')).items.map((j) => j.jobId),
      [job.jobId],
    );

    h.flakyHealthy = true;
    const redriven = await h.queue.redrive('t-poison', job.jobId, actor);
    assert.deepEqual([redriven.state, redriven.attempts], ['queued', 0]);
    const ok = await waitForState(h, 't-poison', job.jobId, 'succeeded');
    assert.deepEqual([ok.attempts, ok.redrives], [1, 1]);
    assert.deepEqual(
      runsOf(job.jobId).map((r) => r.attempt),
      [1, 2, 3, 1],
    );
    assert.equal((await h.queue.listPoisoned('t-poison')).items.length, 0);
  } finally {
    await w.stop();
  }
});

test(`[${storeName}] non-retryable errors fail at once; a failed job can be retried`, async () => {
  const w = h.worker();
  await w.start();
  try {
    const { job } = await h.queue.enqueue('t-fatal', { kind: 'test.fatal' }, actor);
    const failed = await waitForState(h, 't-fatal', job.jobId, 'failed');
    assert.equal(failed.attempts, 1);
    assert.deepEqual([failed.lastError?.code, failed.lastError?.retryable], ['bad_input', false]);
    const retried = await h.queue.retry('t-fatal', job.jobId, actor);
    assert.equal(retried.state, 'queued');
    await waitForState(h, 't-fatal', job.jobId, 'failed');
    assert.equal(runsOf(job.jobId).length, 2);
  } finally {
    await w.stop();
  }
});

test(`[${storeName}] a handler that hangs past its timeout is failed (then poisoned after max attempts)`, async () => {
  const w = h.worker();
  await w.start();
  try {
    const started = Date.now();
    const { job } = await h.queue.enqueue('t-hang', { kind: 'test.hang' }, actor);
    const poisoned = await waitForState(h, 't-hang', job.jobId, 'poisoned');
    assert.equal(poisoned.lastError?.code, 'job_timeout');
    assert.equal(poisoned.attempts, 2);
    assert.ok(Date.now() - started >= 300, 'each attempt ran for its 150 ms timeout');
    assert.equal(w.stats().inFlight, 0, 'hung handlers do not hold worker slots');
  } finally {
    await w.stop();
  }
});

test(`[${storeName}] cancelling a running job aborts its handler`, async () => {
  const w = h.worker();
  await w.start();
  try {
    const { job } = await h.queue.enqueue('t-cancel', { kind: 'test.block' }, actor);
    await waitForState(h, 't-cancel', job.jobId, 'running');
    const cancelled = await h.queue.cancel('t-cancel', job.jobId, actor);
    assert.equal(cancelled.state, 'cancelled');
    await waitFor(() => w.stats().inFlight === 0, 'the worker to drop the cancelled job', 3000);
    assert.equal(w.stats().lost, 1);
    assert.equal((await h.queue.get('t-cancel', job.jobId)).state, 'cancelled');
  } finally {
    await w.stop();
  }
});

test(`[${storeName}] LISTEN/NOTIFY wakes an idle worker at once; polling works without it`, async () => {
  const listening = h.worker({ pollIntervalMs: 60_000 });
  await listening.start();
  try {
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    const { job } = await h.queue.enqueue('t-wake', { kind: 'test.record' }, actor);
    await waitFor(() => runsOf(job.jobId).length === 1, 'the notified worker to start the job', 3000, 2);
    const startedAfter = (runsOf(job.jobId)[0]?.at ?? 0) - t0;
    assert.ok(startedAfter < 500, `started ${startedAfter.toFixed(0)} ms after enqueue, with polling off`);
  } finally {
    await listening.stop();
  }
  const polling = h.worker({ listen: false, pollIntervalMs: 100 });
  await polling.start();
  try {
    const { job } = await h.queue.enqueue('t-wake', { kind: 'test.record' }, actor);
    await waitForState(h, 't-wake', job.jobId, 'succeeded', 3000);
  } finally {
    await polling.stop();
  }
});

test(`[${storeName}] graceful shutdown finishes short work and releases the rest without counting an attempt`, async () => {
  const w = h.worker();
  await w.start();
  const short = await h.queue.enqueue('t-stop', { kind: 'test.block', payload: { ms: 150 } }, actor);
  const long = await h.queue.enqueue('t-stop', { kind: 'test.block', payload: { ms: 60_000 } }, actor);
  await waitForState(h, 't-stop', short.job.jobId, 'running');
  await waitForState(h, 't-stop', long.job.jobId, 'running');
  const result = await w.stop({ graceMs: 600 });
  assert.deepEqual(result, { finished: 1, released: 1 });
  assert.equal((await h.queue.get('t-stop', short.job.jobId)).state, 'succeeded');
  const released = await h.queue.get('t-stop', long.job.jobId);
  assert.deepEqual([released.state, released.attempts, released.leaseOwner], ['queued', 0, null]);
  // Another worker picks the released job up.
  const next = h.worker();
  await next.start();
  try {
    await waitForState(h, 't-stop', long.job.jobId, 'running');
    await h.queue.cancel('t-stop', long.job.jobId, actor);
  } finally {
    await next.stop();
  }
});

test(`[${storeName}] priorities order work within a tenant`, async () => {
  const made = await h.queue.enqueueMany(
    't-prio',
    [
      { kind: 'test.record', priority: -5 },
      { kind: 'test.record' },
      { kind: 'test.record', priority: 10 },
      { kind: 'test.record' },
    ],
    actor,
  );
  const w = h.worker({ concurrency: 1 });
  await w.start();
  try {
    await waitFor(() => h.runs.filter((r) => r.tenantId === 't-prio').length === 4, 'all four jobs', 5000);
    const order = h.runs
      .filter((r) => r.tenantId === 't-prio')
      .map((r) => made.findIndex((m) => m.job.jobId === r.jobId));
    assert.deepEqual(order, [2, 1, 3, 0]);
  } finally {
    await w.stop();
  }
});

test(
  `[${storeName}] on PGlite the worker vacuums and analyzes the queue tables (no autovacuum there)`,
  { skip: storeName !== 'pglite' ? 'PostgreSQL runs autovacuum' : false },
  async () => {
    const w = h.worker({ maintenanceIntervalMs: 100 });
    await w.start();
    try {
      const { job } = await h.queue.enqueue('t-vacuum', { kind: 'noop' }, actor);
      await waitForState(h, 't-vacuum', job.jobId, 'succeeded');
      await waitFor(
        async () => {
          const { rows } = await h.db.asOwner((s) =>
            s.query<{ vacuumed: boolean }>(
              `select last_vacuum is not null and last_analyze is not null as vacuumed from pg_stat_user_tables where relname = 'jobs'`,
            ),
          );
          return rows[0]?.vacuumed === true;
        },
        'a vacuum of jobs',
        5000,
        50,
      );
    } finally {
      await w.stop();
    }
  },
);

test(`[${storeName}] without a hook, workers settle a batch and claim the next in one transaction`, async () => {
  const tenants = ['t-combo-a', 't-combo-b', 't-combo-c'];
  for (const t of tenants)
    await h.queue.enqueueMany(
      t,
      Array.from({ length: 150 }, () => ({ kind: 'noop' })),
      actor,
    );
  const workers = [h.worker({ concurrency: 50 }, { hook: false }), h.worker({ concurrency: 50 }, { hook: false })];
  for (const w of workers) await w.start();
  try {
    await waitFor(() => workers.reduce((n, w) => n + w.stats().succeeded, 0) >= 450, '450 jobs to succeed', 20_000);
    for (const t of tenants)
      assert.equal((await h.queue.list(t, { state: 'succeeded', limit: 100 })).items.length, 100);
    assert.deepEqual(
      await Promise.all(tenants.map((t) => h.queue.counts(t))),
      tenants.map(() => ({ queued: 0, running: 0 })),
    );
  } finally {
    for (const w of workers) await w.stop();
  }
});

test(`[${storeName}] counters stay exact after all of this`, async () => {
  assert.deepEqual(await counterDrift(h.db), []);
});
