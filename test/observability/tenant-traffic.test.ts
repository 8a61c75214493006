// Per-tenant traffic across replicas: two apps on one database each count their own requests,
// and either one's /v1/platform/traffic answers the sum, busiest tenant first.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

interface Traffic {
  windowMinutes: number;
  items: {
    tenantId: string;
    requests: number;
    failures: number;
    rate: number;
    successRatio: number;
    p99Ms: number | null;
  }[];
}

let tdb: TestDatabase;
let a: TestApp;
let b: TestApp;
before(async () => {
  tdb = await createTestDatabase();
  a = await createTestApp({}, tdb);
  b = await createTestApp({}, tdb);
  for (const id of ['busy', 'quiet'])
    assert.equal((await a.call('POST', '/v1/tenants', { body: { id, displayName: id } })).statusCode, 201);
  await b.app.directory.resync();
});
after(async () => {
  await a?.dispose();
  await b?.dispose();
  await tdb?.dispose();
});

test("traffic sums every replica's counts per tenant, busiest first", async () => {
  const busyA = await a.keyFor('busy', 'analyst');
  const quiet = await a.keyFor('quiet', 'analyst');
  await b.app.directory.resync();
  for (let i = 0; i < 6; i++) assert.equal((await a.call('GET', '/v1/tenants/busy', { token: busyA })).statusCode, 200);
  for (let i = 0; i < 4; i++) assert.equal((await b.call('GET', '/v1/tenants/busy', { token: busyA })).statusCode, 200);
  // A denied call is answered (403), not failed: it counts as a request, not a failure.
  assert.equal((await b.call('GET', '/v1/tenants/busy', { token: quiet })).statusCode, 404);
  assert.equal((await b.call('GET', '/v1/tenants/quiet', { token: quiet })).statusCode, 200);
  await b.app.traffic.flush();

  const res = await a.call('GET', '/v1/platform/traffic?minutes=5');
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json<Traffic>();
  assert.equal(body.windowMinutes, 5);
  const busy = body.items.find((t) => t.tenantId === 'busy');
  const q = body.items.find((t) => t.tenantId === 'quiet');
  assert.equal(busy?.requests, 10);
  assert.equal(busy?.failures, 0);
  assert.equal(busy?.successRatio, 1);
  assert.ok(busy?.p99Ms !== null && busy.p99Ms > 0);
  assert.ok(busy.rate > 0);
  assert.equal(q?.requests, 2);
  assert.ok(body.items.indexOf(busy) < body.items.indexOf(q), 'busiest first');
});

test('one tenant by name, even without traffic; tenant keys may not read it', async () => {
  const one = (await a.call('GET', '/v1/platform/traffic?tenant=quiet')).json<Traffic>();
  assert.deepEqual(
    one.items.map((t) => t.tenantId),
    ['quiet'],
  );
  const none = (await a.call('GET', '/v1/platform/traffic?tenant=nobody')).json<Traffic>();
  assert.deepEqual(none.items, [
    { tenantId: 'nobody', requests: 0, failures: 0, rate: 0, successRatio: 1, p99Ms: null },
  ]);
  const admin = await a.keyFor('busy', 'tenant-admin');
  assert.equal((await a.call('GET', '/v1/platform/traffic', { token: admin })).statusCode, 403);
  assert.equal((await a.call('GET', '/v1/platform/traffic?minutes=0')).statusCode, 400);
});

test("the queues route lists each tenant's live jobs; tenant keys may not read it", async () => {
  const r = await a.call('POST', '/v1/tenants/busy/jobs', { body: { kind: 'noop', payload: {} } });
  assert.ok([201, 202].includes(r.statusCode), r.body);
  const res = await a.call('GET', '/v1/platform/queues');
  assert.equal(res.statusCode, 200, res.body);
  const busy = res
    .json<{ items: { tenantId: string; ready: number; running: number }[] }>()
    .items.find((q) => q.tenantId === 'busy');
  assert.ok(busy && busy.ready + busy.running >= 1, res.body);
  const admin = await a.keyFor('busy', 'tenant-admin');
  assert.equal((await a.call('GET', '/v1/platform/queues', { token: admin })).statusCode, 403);
});
