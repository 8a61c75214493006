// Key changes take effect at once on the replica that made them (issue 11, item 9): a new key
// works on the very next request, a revoked key is refused on the very next request, with no
// wait for the replica's own NOTIFY; another replica follows within the NOTIFY bound.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openPostgresDatabase } from '../../src/store/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase, storeName, type TestDatabase } from '../support/test-database.js';

async function eventually(check: () => Promise<boolean>, ms = 3000): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await check()) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`condition not met within ${ms} ms`);
}

describe(`key changes are effective at once on the replica that made them (${storeName})`, () => {
  let shared: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  before(async () => {
    shared = await createTestDatabase();
    a = await createTestApp({}, shared);
    const second = shared.url
      ? { ...shared, db: await openPostgresDatabase(shared.url, 5), dispose: async () => undefined }
      : shared;
    b = await createTestApp({}, second);
    assert.equal((await a.call('POST', '/v1/tenants', { body: { id: 'fresh', displayName: 'F' } })).statusCode, 201);
    await b.app.directory.resync();
  });
  after(async () => {
    await b.dispose();
    await a.dispose();
    if (shared.url) await b.db.close();
    await shared.dispose();
  });

  const read = (t: TestApp, token: string) => t.call('GET', '/v1/tenants/fresh', { token });

  test('20 new keys each work on the next request; 20 revoked keys are each refused on the next request', async () => {
    const refusedNew: number[] = [];
    const acceptedRevoked: number[] = [];
    for (let i = 0; i < 20; i++) {
      const created = await a.call('POST', '/v1/tenants/fresh/keys', { body: { name: `fresh-${i}`, role: 'analyst' } });
      assert.equal(created.statusCode, 201, created.body);
      const { id, token } = created.json<{ id: string; token: string }>();
      if ((await read(a, token)).statusCode !== 200) refusedNew.push(i);
      // Let the creation's own NOTIFY arrive first, so what follows tests the revoke alone.
      await eventually(async () => (await read(a, token)).statusCode === 200);
      assert.equal((await a.call('DELETE', `/v1/tenants/fresh/keys/${id}`)).statusCode, 200);
      if ((await read(a, token)).statusCode !== 401) acceptedRevoked.push(i);
    }
    assert.deepEqual(refusedNew, [], 'new keys refused right after creation');
    assert.deepEqual(acceptedRevoked, [], 'revoked keys accepted right after the revoke returned');
  });

  test('through the service: a key change is in the directory when the call returns', async () => {
    // The same guarantee without the HTTP response's own latency (on PGlite, NOTIFY is delivered
    // in process and usually wins the race against a response; never against the return).
    const ctx = a.app.systemContext();
    const authenticates = (token: string): boolean => {
      try {
        a.app.identity.authenticate(`Bearer ${token}`);
        return true;
      } catch {
        return false;
      }
    };
    const late: string[] = [];
    for (let i = 0; i < 20; i++) {
      const key = await a.app.keys.create(ctx, 'fresh', { name: `svc-${i}`, role: 'analyst' });
      if (!authenticates(key.token)) late.push(`create ${i}`);
      await eventually(async () => authenticates(key.token));
      await a.app.keys.revoke(ctx, 'fresh', key.id);
      if (authenticates(key.token)) late.push(`revoke ${i}`);
    }
    assert.deepEqual(late, []);
  });
  test('the other replica follows through NOTIFY, within the bound', async () => {
    const created = await a.call('POST', '/v1/tenants/fresh/keys', { body: { name: 'other', role: 'analyst' } });
    const { id, token } = created.json<{ id: string; token: string }>();
    const seen = await eventually(async () => (await read(b, token)).statusCode === 200);
    assert.equal((await a.call('DELETE', `/v1/tenants/fresh/keys/${id}`)).statusCode, 200);
    const refused = await eventually(async () => (await read(b, token)).statusCode === 401);
    assert.ok(seen < 3000 && refused < 3000);
  });

  test('a tenant suspended through a replica is refused there on the next request', async () => {
    const token = (
      await a.call('POST', '/v1/tenants/fresh/keys', { body: { name: 'suspend', role: 'analyst' } })
    ).json<{ token: string }>().token;
    assert.equal((await read(a, token)).statusCode, 200);
    assert.equal((await a.call('PATCH', '/v1/tenants/fresh', { body: { status: 'suspended' } })).statusCode, 200);
    assert.equal((await read(a, token)).statusCode, 403);
    assert.equal((await a.call('PATCH', '/v1/tenants/fresh', { body: { status: 'active' } })).statusCode, 200);
    assert.equal((await read(a, token)).statusCode, 200);
  });
});
