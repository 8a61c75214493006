// The queue on the store under test: enqueue, idempotency keys, admission caps (429), operator
// actions and their 4xx, lists, row-level security, and the exactness of the counters.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { tenantScope } from '../../src/core/db.js';
import { IrisError } from '../../src/core/errors.js';
import type { Settlement } from '../../src/jobs/index.js';
import { storeName } from '../support/test-database.js';
import { actor, counterDrift, createHarness, type Harness } from './support/harness.js';

let h: Harness;
before(async () => {
  h = await createHarness({ dedupRetentionMs: 60 * 60_000 });
});
after(async () => {
  await h.dispose();
});

async function rejection(p: Promise<unknown>): Promise<IrisError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof IrisError, `expected an IrisError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}

test(`[${storeName}] enqueue stores the job with its trace context and request id`, async () => {
  const { job, created } = await h.queue.enqueue(
    'acme',
    { kind: 'sleep', payload: { ms: 5 }, priority: 7 },
    { ...actor, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
  );
  assert.equal(created, true);
  assert.match(job.jobId, /^job_[A-Za-z0-9]{16}$/);
  const got = await h.queue.get('acme', job.jobId);
  assert.equal(got.state, 'queued');
  assert.equal(got.priority, 7);
  assert.equal(got.attempts, 0);
  assert.equal(got.maxAttempts, 5);
  assert.deepEqual(got.payload, { ms: 5 });
  assert.equal(got.requestId, 'req_test');
  assert.equal(got.createdBy, 'key:test');
  assert.equal(got.traceContext?.traceparent, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  assert.deepEqual(h.changes.at(-1), {
    jobId: job.jobId,
    from: null,
    to: 'queued',
    reason: 'enqueue',
    actor: 'key:test',
  });
});

test(`[${storeName}] bad input is a clear 4xx: unknown kind, bad payload, oversized payload, bad priority`, async () => {
  assert.equal(
    (await rejection(h.queue.enqueue('acme', { kind: 'no.such', payload: {} }, actor))).code,
    'unknown_job_kind',
  );
  const bad = await rejection(h.queue.enqueue('acme', { kind: 'sleep', payload: { ms: 'soon' } }, actor));
  assert.deepEqual([bad.code, bad.status], ['invalid_job_payload', 400]);
  const big = await rejection(h.queue.enqueue('acme', { kind: 'noop', payload: { echo: 'x'.repeat(70_000) } }, actor));
  assert.deepEqual([big.code, big.status], ['payload_too_large', 413]);
  assert.equal((await rejection(h.queue.enqueue('acme', { kind: 'noop', priority: 1000 }, actor))).status, 400);
  assert.equal((await rejection(h.queue.get('acme', 'job_missing'))).status, 404);
});

test(`[${storeName}] the same idempotency key returns the same job, sequentially and concurrently`, async () => {
  const first = await h.queue.enqueue('acme', { kind: 'noop', payload: { echo: 'a' }, dedupKey: 'order-1' }, actor);
  const again = await h.queue.enqueue('acme', { kind: 'noop', payload: { echo: 'a' }, dedupKey: 'order-1' }, actor);
  assert.equal(again.job.jobId, first.job.jobId);
  assert.equal(again.created, false);
  const burst = await Promise.all(
    Array.from({ length: 10 }, () =>
      h.queue.enqueue('acme', { kind: 'noop', payload: { echo: 'b' }, dedupKey: 'order-2' }, actor),
    ),
  );
  assert.equal(new Set(burst.map((r) => r.job.jobId)).size, 1);
  assert.equal(burst.filter((r) => r.created).length, 1);
  // Keys are per tenant: another tenant's same key is another job.
  const other = await h.queue.enqueue('globex', { kind: 'noop', payload: { echo: 'a' }, dedupKey: 'order-1' }, actor);
  assert.notEqual(other.job.jobId, first.job.jobId);
  // In one batch, a repeated key maps onto the first.
  const batch = await h.queue.enqueueMany(
    'acme',
    [
      { kind: 'noop', dedupKey: 'k3' },
      { kind: 'noop', dedupKey: 'k3' },
    ],
    actor,
  );
  assert.equal(batch[0]?.job.jobId, batch[1]?.job.jobId);
  assert.deepEqual(
    batch.map((r) => r.created),
    [true, false],
  );
});

test(`[${storeName}] reusing a key for another payload is 422`, async () => {
  await h.queue.enqueue('acme', { kind: 'noop', payload: { echo: 'x' }, dedupKey: 'reuse' }, actor);
  const err = await rejection(
    h.queue.enqueue('acme', { kind: 'noop', payload: { echo: 'y' }, dedupKey: 'reuse' }, actor),
  );
  assert.deepEqual([err.code, err.status], ['idempotency_key_reused', 422]);
});

test(`[${storeName}] a key past its retention window starts a new job`, async () => {
  const { job } = await h.queue.enqueue('acme', { kind: 'noop', dedupKey: 'old' }, actor);
  await h.db.asOwner((s) =>
    s.query(`update jobs set dedup_expires_at = now() - interval '1 second' where job_id = $1`, [job.jobId]),
  );
  const fresh = await h.queue.enqueue('acme', { kind: 'noop', dedupKey: 'old' }, actor);
  assert.equal(fresh.created, true);
  assert.notEqual(fresh.job.jobId, job.jobId);
  assert.equal((await h.queue.get('acme', job.jobId)).dedupKey, null);
});

test(`[${storeName}] backpressure: the cap on queued jobs answers 429 with retryAfter`, async () => {
  const cap = { ...actor, maxQueued: 5 };
  await h.queue.enqueueMany(
    'capped',
    Array.from({ length: 5 }, (_, i) => ({ kind: 'noop', dedupKey: `cap-${i}` })),
    cap,
  );
  const err = await rejection(h.queue.enqueue('capped', { kind: 'noop' }, cap));
  assert.deepEqual([err.code, err.status, err.retryable], ['queue_full', 429, true]);
  assert.equal(err.extensions.retryAfterSeconds, 5);
  assert.equal(err.extensions.retryAfter, 5);
  assert.equal(err.extensions.limit, 5);
  // A duplicate key of an existing job is not new work: it passes even at the cap.
  assert.equal((await h.queue.enqueue('capped', { kind: 'noop', dedupKey: 'cap-0' }, cap)).created, false);
  const page = await h.queue.list('capped');
  const one = page.items[0];
  assert.ok(one);
  // Once a job leaves the queue there is room again.
  await h.queue.cancel('capped', one.jobId, actor);
  assert.equal((await h.queue.enqueue('capped', { kind: 'noop' }, cap)).created, true);
  assert.deepEqual(await h.queue.counts('capped'), { queued: 5, running: 0 });
  // Concurrent enqueues cannot overshoot the cap.
  const results = await Promise.allSettled(
    Array.from({ length: 8 }, () => h.queue.enqueue('capped2', { kind: 'noop' }, { ...actor, maxQueued: 3 })),
  );
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 3);
  assert.equal((await h.queue.counts('capped2')).queued, 3);
});

test(`[${storeName}] cancel: queued -> cancelled; a finished job is 409; retry and redrive check states`, async () => {
  const { job } = await h.queue.enqueue('acme', { kind: 'noop' }, actor);
  const cancelled = await h.queue.cancel('acme', job.jobId, actor);
  assert.equal(cancelled.state, 'cancelled');
  assert.ok(cancelled.finishedAt);
  const again = await rejection(h.queue.cancel('acme', job.jobId, actor));
  assert.deepEqual([again.code, again.status, again.extensions.state], ['job_not_cancellable', 409, 'cancelled']);
  const notPoisoned = await rejection(h.queue.redrive('acme', job.jobId, actor));
  assert.deepEqual([notPoisoned.code, notPoisoned.status], ['job_not_poisoned', 409]);
  // A cancelled job can be retried.
  const retried = await h.queue.retry('acme', job.jobId, actor);
  assert.equal(retried.state, 'queued');
  const notRetryable = await rejection(h.queue.retry('acme', job.jobId, actor));
  assert.deepEqual([notRetryable.code, notRetryable.status], ['job_not_retryable', 409]);

  // A succeeded job cannot be cancelled.
  const [claimed] = await h.leases.claim({ workerId: 'w-test', limit: 1, leaseMs: 5000, kinds: ['sleep'] });
  assert.ok(claimed, 'a sleep job was queued by an earlier test');
  const done: Settlement = { job: claimed, to: 'succeeded', result: { ok: 1 } };
  const { settled } = await h.leases.settle('w-test', [done]);
  assert.equal(settled[0]?.state, 'succeeded');
  const finished = await rejection(h.queue.cancel(claimed.tenantId, claimed.jobId, actor));
  assert.deepEqual(
    [finished.code, finished.status, finished.extensions.state],
    ['job_not_cancellable', 409, 'succeeded'],
  );
  assert.match(finished.message, /only queued or running jobs can be cancelled/);
  assert.equal((await rejection(h.queue.cancel('acme', 'job_nope', actor))).status, 404);
});

test(`[${storeName}] a stale worker cannot settle a job it no longer holds`, async () => {
  const { job } = await h.queue.enqueue('stale', { kind: 'test.record' }, actor);
  const [claimed] = await h.leases.claim({ workerId: 'w-a', limit: 1, leaseMs: 5000, kinds: ['test.record'] });
  assert.equal(claimed?.jobId, job.jobId);
  const res = await h.leases.settle('w-b', [{ job: claimed, to: 'succeeded', result: null }]);
  assert.deepEqual(res.settled, []);
  assert.equal(res.stale.length, 1);
  // Nor settle an older attempt after a sweep requeued and someone re-claimed it.
  await h.queue.cancel('stale', job.jobId, actor);
  assert.deepEqual(await h.leases.heartbeat('w-a', [claimed], 5000), [claimed]);
});

test(`[${storeName}] lists page newest first with filters; poisoned jobs have their own list`, async () => {
  const made = await h.queue.enqueueMany(
    'lister',
    Array.from({ length: 5 }, (_, i) => ({ kind: 'noop', payload: { echo: String(i) } })),
    actor,
  );
  const p1 = await h.queue.list('lister', { limit: 2 });
  assert.deepEqual(
    p1.items.map((j) => j.jobId),
    [made[4]?.job.jobId, made[3]?.job.jobId],
  );
  assert.ok(p1.nextCursor);
  const p2 = await h.queue.list('lister', { limit: 2, cursor: p1.nextCursor });
  assert.deepEqual(
    p2.items.map((j) => j.jobId),
    [made[2]?.job.jobId, made[1]?.job.jobId],
  );
  const p3 = await h.queue.list('lister', { limit: 2, cursor: p2.nextCursor ?? undefined });
  assert.equal(p3.items.length, 1);
  assert.equal(p3.nextCursor, null);
  assert.equal((await h.queue.list('lister', { state: 'succeeded' })).items.length, 0);
  assert.equal((await h.queue.list('lister', { kind: 'noop', state: 'queued' })).items.length, 5);
  await assert.rejects(h.queue.list('lister', { cursor: 'garbage' }), /continue token/);

  const [claimed] = await h.leases.claim({ workerId: 'w-p', limit: 1, leaseMs: 5000, kinds: ['noop'] });
  assert.ok(claimed);
  await h.leases.settle('w-p', [
    {
      job: claimed,
      to: 'poisoned',
      error: { code: 'x', message: 'y', retryable: true, attempt: 1, at: new Date().toISOString() },
    },
  ]);
  const poisoned = await h.queue.listPoisoned(claimed.tenantId);
  assert.deepEqual(
    poisoned.items.map((j) => j.jobId),
    [claimed.jobId],
  );
  const redriven = await h.queue.redrive(claimed.tenantId, claimed.jobId, actor);
  assert.deepEqual([redriven.state, redriven.attempts, redriven.redrives], ['queued', 0, 1]);
  assert.equal(redriven.lastError?.code, 'x', 'the last error is kept for inspection');
});

test(`[${storeName}] row-level security: a tenant scope sees only its own jobs`, async () => {
  const { job } = await h.queue.enqueue('globex', { kind: 'noop' }, actor);
  await assert.rejects(h.queue.get('acme', job.jobId), /not found/);
  const seen = await h.db.transaction(tenantScope('acme'), (tx) =>
    tx.query<{ tenant_id: string }>('select distinct tenant_id from jobs'),
  );
  assert.deepEqual(
    seen.rows.map((r) => r.tenant_id),
    ['acme'],
  );
  const counters = await h.db.transaction(tenantScope('acme'), (tx) =>
    tx.query<{ tenant_id: string }>('select tenant_id from job_tenants'),
  );
  assert.deepEqual(
    counters.rows.map((r) => r.tenant_id),
    ['acme'],
  );
  await assert.rejects(
    h.db.transaction(tenantScope('acme'), (tx) =>
      tx.query(
        `insert into jobs (tenant_id, job_id, kind, payload, max_attempts) values ('globex', 'job_x', 'noop', '{}', 1)`,
      ),
    ),
    /row-level security/,
  );
  const forced = await h.db.asOwner((s) =>
    s.query<{ relname: string }>(
      `select relname from pg_class where relname in ('jobs', 'job_tenants') and relrowsecurity and relforcerowsecurity order by relname`,
    ),
  );
  assert.deepEqual(
    forced.rows.map((r) => r.relname),
    ['job_tenants', 'jobs'],
  );
});

test(`[${storeName}] a job with a future runAt is not claimed before then, and takes no share of a batch`, async () => {
  const later = await h.queue.enqueue('sched', { kind: 'test.record', runAt: new Date(Date.now() + 3600_000) }, actor);
  const now = await h.queue.enqueue('sched2', { kind: 'test.record' }, actor);
  const claimed = await h.leases.claim({ workerId: 'w-s', limit: 1, leaseMs: 5000, kinds: ['test.record'] });
  assert.deepEqual(
    claimed.map((j) => j.jobId),
    [now.job.jobId],
  );
  assert.deepEqual(await h.leases.claim({ workerId: 'w-s', limit: 5, leaseMs: 5000, kinds: ['test.record'] }), []);
  assert.equal((await h.queue.get('sched', later.job.jobId)).state, 'queued');
  await h.queue.cancel('sched', later.job.jobId, actor);
  await h.queue.cancel('sched2', now.job.jobId, actor);
});

test(`[${storeName}] per-tenant running caps bind while others have work and lift when the tenant is alone`, async () => {
  await h.queue.enqueueMany(
    'cap-a',
    Array.from({ length: 10 }, () => ({ kind: 'test.record' })),
    actor,
  );
  await h.queue.enqueueMany(
    'cap-b',
    Array.from({ length: 6 }, () => ({ kind: 'test.record' })),
    actor,
  );
  const request = {
    workerId: 'w-cap',
    limit: 6,
    leaseMs: 5000,
    kinds: ['test.record'],
    maxRunningOf: (t: string) => (t === 'cap-a' ? 2 : undefined),
  };
  const byTenant = (jobs: { tenantId: string }[]) =>
    jobs.reduce<Record<string, number>>((m, j) => ({ ...m, [j.tenantId]: (m[j.tenantId] ?? 0) + 1 }), {});
  // cap-a stops at its cap while cap-b can use the slots.
  assert.deepEqual(byTenant(await h.leases.claim({ ...request, limit: 4 })), { 'cap-a': 2, 'cap-b': 2 });
  assert.deepEqual(byTenant(await h.leases.claim({ ...request, limit: 4 })), { 'cap-b': 4 });
  // cap-b is drained: cap-a alone on the queue is not throttled by its cap (surge lane).
  assert.deepEqual(byTenant(await h.leases.claim(request)), { 'cap-a': 6 });
  // Capacity nobody under a cap can use goes to capped tenants too (work-conserving).
  await h.queue.enqueue('cap-b', { kind: 'test.record' }, actor);
  assert.deepEqual(byTenant(await h.leases.claim(request)), { 'cap-a': 2, 'cap-b': 1 });
  assert.deepEqual(await h.queue.counts('cap-a'), { queued: 0, running: 10 });
});

test(`[${storeName}] the per-tenant counters stay exact`, async () => {
  assert.deepEqual(await counterDrift(h.db), []);
});
