// Job submission under concurrency, through the whole app: submissions that arrive together
// share a transaction (group commit), yet each keeps its own audit event, its own answer (a
// full queue or a reused idempotency key refuses that caller only) and the cap stays exact.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { verifyCheckpoint } from '../../src/audit/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

describe(`job submission, group commit (${storeName})`, () => {
  let t: TestApp;
  let token: string;
  const owner = <T>(sql: string, params: unknown[] = []): Promise<T[]> =>
    t.db.asOwner(async (s) => (await s.query<T>(sql, params)).rows);
  const submit = (tenant: string, body: unknown, headers: Record<string, string> = {}) =>
    t.call('POST', `/v1/tenants/${tenant}/jobs`, { token, body, headers });

  before(async () => {
    t = await createTestApp();
    for (const id of ['gc-busy', 'gc-capped'])
      assert.equal((await t.call('POST', '/v1/tenants', { body: { id, displayName: id } })).statusCode, 201);
    token = await t.keyFor('gc-busy', 'tenant-admin');
  });
  after(async () => t.dispose());

  test('a burst of 120 submissions: every job queued and audited once, in fewer transactions', async () => {
    const before = (await t.call('GET', '/v1/audit/logs/gc-busy/head')).json().size as number;
    const answers = await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        submit('gc-busy', { kind: 'noop', payload: { echo: `n${i}` } }, { 'x-request-id': `burst-${i}` }),
      ),
    );
    assert.deepEqual(
      answers.map((a) => a.statusCode),
      Array(120).fill(202),
    );
    const events = await owner<{
      seq: number;
      event: { action: string; requestId: string; resource: { id: string } };
      at: string;
    }>(
      `select seq, event, recorded_at::text as at from audit_events where tenant_id = 'gc-busy' and seq >= $1 order by seq`,
      [before],
    );
    assert.equal(events.length, 120);
    assert.ok(events.every((e) => e.event.action === 'job.enqueue'));
    // Each job has exactly its own event, with its own request id.
    const byJob = new Map(events.map((e) => [e.event.resource.id, e.event.requestId]));
    for (const [i, a] of answers.entries()) assert.equal(byJob.get(a.json().jobId), `burst-${i}`);
    // recorded_at is the transaction's start: fewer distinct values than events means shared commits.
    // NOTE: PGlite has one connection, on which each request's own reads queue behind the
    // transaction before it, so its submissions seldom meet; PostgreSQL's pool lets them.
    const transactions = new Set(events.map((e) => e.at)).size;
    if (storeName === 'postgres')
      assert.ok(transactions < 120, `expected shared transactions, got ${transactions} for 120 jobs`);
    const v = (await t.call('GET', '/v1/audit/logs/gc-busy/verify')).json();
    assert.equal(v.ok, true, JSON.stringify(v.problems));
    assert.equal(v.size, before + 120);
    // A batch that crosses a multiple of 100 still keeps a signed checkpoint at exactly that size.
    const kept = await owner<{ size: number; note: string }>(
      `select size, note from audit_checkpoints where tenant_id = 'gc-busy' and size = 100`,
    );
    assert.equal(kept.length, 1);
    const head = await owner<{ checkpoint: string; size: number }>(
      `select checkpoint, size from audit_heads where tenant_id = 'gc-busy'`,
    );
    const { signer } = t.app.ledger;
    assert.equal(verifyCheckpoint(kept[0]?.note ?? '', signer.name, signer.publicKey).ok, true);
    assert.equal(verifyCheckpoint(head[0]?.checkpoint ?? '', signer.name, signer.publicKey).ok, true);
    assert.match(kept[0]?.note ?? '', /\n100\n/);
    assert.equal(head[0]?.size, before + 120);
  });

  test('in one burst, a reused idempotency key and a full queue refuse only their callers', async () => {
    const capped = await t.keyFor('gc-capped', 'tenant-admin');
    assert.equal(
      (
        await t.call('PATCH', '/v1/tenants/gc-capped', {
          body: { quotas: { queuedJobs: 5 } },
          headers: { 'content-type': 'application/merge-patch+json' },
        })
      ).statusCode,
      200,
    );
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      t.call('POST', '/v1/tenants/gc-capped/jobs', { token: capped, body, headers });
    // One fills a slot first, so the burst below is served by shared transactions behind it.
    assert.equal(
      (await post({ kind: 'noop', payload: { echo: 'first' } }, { 'idempotency-key': 'order-1' })).statusCode,
      202,
    );
    const burst = await Promise.all([
      post({ kind: 'noop', payload: { echo: 'first' } }, { 'idempotency-key': 'order-1' }), // replay: 202
      post({ kind: 'noop', payload: { echo: 'other' } }, { 'idempotency-key': 'order-1' }), // reused key: 422
      ...Array.from({ length: 8 }, (_, i) => post({ kind: 'noop', payload: { echo: `fill-${i}` } })),
    ]);
    assert.equal(burst[0]?.statusCode, 202);
    assert.equal(burst[0]?.headers['idempotent-replayed'], 'true');
    assert.equal(burst[1]?.statusCode, 422);
    const fills = burst.slice(2);
    // 5 slots, one taken: exactly 4 of the 8 get in; the rest are told when to come back.
    assert.equal(fills.filter((r) => r.statusCode === 202).length, 4);
    const full = fills.filter((r) => r.statusCode === 429);
    assert.equal(full.length, 4);
    assert.ok(full.every((r) => r.headers['retry-after'] === '5'));
    const counts = await owner<{ queued: number }>(`select queued from job_tenants where tenant_id = 'gc-capped'`);
    assert.equal(counts[0]?.queued, 5);
    const jobs = await owner<{ n: number }>(`select count(*)::int as n from jobs where tenant_id = 'gc-capped'`);
    assert.equal(jobs[0]?.n, 5);
  });
});
