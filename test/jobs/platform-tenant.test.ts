// The pseudo-tenant `platform` owns no jobs (issue 11, item 13): no key, platform-level or not,
// enqueues or reads jobs of `platform` through the tenant routes, and the queue itself refuses
// the reserved ids, so no other path can put a job there either, but for Iris itself queueing its
// own platform kinds (scheduled backups, issue 15).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PLATFORM } from '../../src/core/ids.js';
import { ADMIN_TOKEN, createTestApp, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

describe(`no jobs for the platform pseudo-tenant (${storeName})`, () => {
  let t: TestApp;
  const tokens = new Map<string, string>();
  before(async () => {
    t = await createTestApp();
    tokens.set('platform-admin', ADMIN_TOKEN);
    for (const role of ['tenant-admin', 'operator']) {
      const res = await t.call('POST', '/v1/platform/keys', { body: { name: `platform-${role}`, role } });
      assert.equal(res.statusCode, 201, res.body);
      tokens.set(`platform ${role}`, res.json<{ token: string }>().token);
    }
    await t.app.directory.resync();
  });
  after(async () => t.dispose());

  const platformJobs = async (): Promise<number> =>
    Number(
      (
        await t.db.asOwner((s) =>
          s.query<{ n: number }>('select count(*)::int as n from jobs where tenant_id = $1', [PLATFORM]),
        )
      ).rows[0]?.n,
    );

  test('the tenant job routes refuse `platform` as the path tenant, for every platform-level key', async () => {
    for (const [who, token] of tokens) {
      const enqueue = await t.call('POST', `/v1/tenants/${PLATFORM}/jobs`, { token, body: { kind: 'noop' } });
      assert.equal(enqueue.statusCode, 400, `${who} enqueued for the platform: ${enqueue.statusCode} ${enqueue.body}`);
      assert.equal(enqueue.json().code, 'validation_failed');
      const list = await t.call('GET', `/v1/tenants/${PLATFORM}/jobs`, { token });
      assert.equal(list.statusCode, 400, `${who} listed the platform's jobs: ${list.body}`);
    }
    assert.equal(await platformJobs(), 0);
  });

  test('the other tenant routes refuse `platform` (and every reserved slug) as the path tenant too', async () => {
    for (const [who, token] of tokens) {
      for (const url of [
        '/v1/tenants/platform/keys',
        '/v1/tenants/platform/documents',
        '/v1/tenants/platform/policy/bundles',
        '/v1/tenants/platform',
      ]) {
        const res = await t.call('GET', url, { token });
        assert.equal(res.statusCode, 400, `${who}: GET ${url}: ${res.statusCode} ${res.body}`);
      }
    }
    // Another reserved slug: a platform-admin passes the policy and meets the schema.
    assert.equal((await t.call('POST', '/v1/tenants/system/jobs', { body: { kind: 'noop' } })).statusCode, 400);
  });

  test('the queue refuses the reserved ids whoever calls it, but for Iris queueing its own platform kind', async () => {
    for (const id of [PLATFORM, 'system']) {
      await assert.rejects(
        t.app.jobs.enqueue(id, { kind: 'noop' }, { actor: 'system', requestId: 'req_platform' }),
        (err: Error & { status?: number }) => err.status === 400,
      );
    }
    assert.equal(await platformJobs(), 0);
    // A platform kind (scheduled backups), but asked by a key's actor: refused as well.
    await assert.rejects(
      t.app.jobs.enqueue(
        PLATFORM,
        { kind: 'backup.scheduled', payload: { slot: 1 } },
        { actor: 'key:k1', requestId: 'r' },
      ),
      (err: Error & { status?: number }) => err.status === 400,
    );
    assert.equal(await platformJobs(), 0);
    const own = await t.app.jobs.enqueue(
      PLATFORM,
      { kind: 'backup.scheduled', payload: { slot: 1 }, runAt: new Date(Date.now() + 3_600_000) },
      { actor: 'system', requestId: 'r' },
    );
    assert.equal(own.created, true);
    assert.equal(await platformJobs(), 1);
  });
});
