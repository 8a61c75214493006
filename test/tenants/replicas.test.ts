// Two replicas on one database: a change made through one is seen by the other without a
// restart, through the change feed (on PostgreSQL: two servers with their own pools; on
// PGlite: two servers sharing the one embedded database).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { platformScope, type Queryable } from '../../src/core/db.js';
import { openPostgresDatabase } from '../../src/store/index.js';
import { recordChange } from '../../src/tenants/change-feed.js';
import { CHANGES_CHANNEL } from '../../src/tenants/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase, storeName, type TestDatabase } from '../support/test-database.js';

async function eventually(check: () => Promise<boolean>, ms = 3000): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await check()) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`condition not met within ${ms} ms`);
}

describe(`two replicas see each other's changes (${storeName})`, () => {
  let shared: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  before(async () => {
    shared = await createTestDatabase();
    a = await createTestApp({}, shared);
    // The second replica gets its own connection pool where the store allows it.
    const second = shared.url
      ? { ...shared, db: await openPostgresDatabase(shared.url, 5), dispose: async () => undefined }
      : shared;
    b = await createTestApp({}, second);
  });
  after(async () => {
    await b.dispose();
    await a.dispose();
    if (shared.url) await b.db.close();
    await shared.dispose();
  });

  test('a key revoked on replica A stops working on replica B without a restart', async () => {
    assert.equal((await a.call('POST', '/v1/tenants', { body: { id: 'rep-one', displayName: 'R' } })).statusCode, 201);
    const created = await a.call('POST', '/v1/tenants/rep-one/keys', { body: { name: 'k', role: 'analyst' } });
    const { token, id } = created.json();
    const seen = await eventually(
      async () => (await b.call('GET', '/v1/tenants/rep-one', { token })).statusCode === 200,
    );
    assert.equal((await a.call('DELETE', `/v1/tenants/rep-one/keys/${id}`)).statusCode, 200);
    const revoked = await eventually(
      async () => (await b.call('GET', '/v1/tenants/rep-one', { token })).statusCode === 401,
    );
    assert.ok(seen < 3000);
    assert.ok(revoked < 1000, `refused on the other replica after ${revoked} ms`);
  });

  test('a tenant suspended on replica B is refused on replica A', async () => {
    const token = await a.keyFor('rep-one', 'tenant-admin');
    assert.equal((await a.call('GET', '/v1/tenants/rep-one', { token })).statusCode, 200);
    assert.equal((await b.call('PATCH', '/v1/tenants/rep-one', { body: { status: 'suspended' } })).statusCode, 200);
    await eventually(async () => (await a.call('GET', '/v1/tenants/rep-one', { token })).statusCode === 403);
    assert.equal(a.app.directory.tenant('rep-one')?.status, 'suspended');
  });

  test("a warm-up run on one replica warms the other replicas' answer caches", async () => {
    assert.equal((await a.call('POST', '/v1/tenants', { body: { id: 'rep-kg', displayName: 'K' } })).statusCode, 201);
    await Promise.all([a.app.directory.resync(), b.app.directory.resync()]);
    const table =
      '| source | relation | target |\n|---|---|---|\n| Payments Team | owns | Payments Gateway |\n| Payments Gateway | calls | Fraud API |\n';
    await a.app.knowledge.ingest('rep-kg', {
      documentId: 'svc.md',
      name: 'svc.md',
      bytes: new TextEncoder().encode(table),
    });
    const question = 'Who owns the Payments Gateway?';
    await a.app.knowledge.query('rep-kg', question, 'local');
    await a.app.knowledge.flushQuestions();
    assert.equal(b.app.knowledge.cacheStats('rep-kg').entries, 0, 'B has not answered it');

    assert.equal((await a.app.knowledge.warm('rep-kg')).warmed, 1);
    await eventually(async () => b.app.knowledge.cacheStats('rep-kg').entries === 1);
    assert.equal(
      (await b.app.knowledge.query('rep-kg', question, 'local')).cache,
      'hit',
      'B answers from the cache it warmed',
    );
    // A ignores its own notice, and B's warm-up (on a peer's notice) announces nothing: A's
    // cache saw one miss (the question) and one hit (its own warm-up), no more.
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual([a.app.knowledge.cacheStats('rep-kg').misses, a.app.knowledge.cacheStats('rep-kg').hits], [1, 1]);
  });

  test("reads: the writer's replica serves its change at once; the other replica from the database when asked for consistency, from its snapshot once told", async () => {
    assert.equal((await a.call('POST', '/v1/tenants', { body: { id: 'rep-read', displayName: 'R' } })).statusCode, 201);
    await eventually(async () => b.app.directory.currentTenant('rep-read') !== undefined);
    for (let i = 1; i <= 5; i++) {
      const patched = await a.call('PATCH', '/v1/tenants/rep-read', { body: { labels: { round: String(i) } } });
      assert.equal(patched.statusCode, 200);
      const rv = patched.json().resourceVersion as string;
      // Read-your-writes on the replica that committed: its snapshot holds the change already.
      const own = await a.call('GET', '/v1/tenants/rep-read');
      assert.deepEqual([own.json().resourceVersion, own.json().labels.round], [rv, String(i)]);
      // The other replica, asked for consistency, reads the database: never behind.
      const consistent = await b.call('GET', '/v1/tenants/rep-read?consistent=true');
      assert.deepEqual([consistent.json().resourceVersion, consistent.headers.etag], [rv, `"${rv}"`]);
      // Its default read converges within the notification delay, and never goes back.
      await eventually(async () => (await b.call('GET', '/v1/tenants/rep-read')).json().resourceVersion === rv, 1000);
      assert.equal((await b.call('GET', '/v1/tenants/rep-read')).json().resourceVersion, rv);
    }
  });

  test('key lists: a key created on one replica is listed by the other once told, and by a consistent read at once', async () => {
    const created = await a.call('POST', '/v1/tenants/rep-read/keys', { body: { name: 'listed', role: 'analyst' } });
    assert.equal(created.statusCode, 201);
    const id = created.json().id as string;
    const ids = (r: { json(): { items: { id: string }[] } }): string[] => r.json().items.map((k) => k.id);
    assert.ok(ids(await a.call('GET', '/v1/tenants/rep-read/keys')).includes(id), 'own replica, at once');
    assert.ok(ids(await b.call('GET', '/v1/tenants/rep-read/keys?consistent=true')).includes(id));
    await eventually(async () => ids(await b.call('GET', '/v1/tenants/rep-read/keys')).includes(id), 1000);
    assert.equal((await a.call('DELETE', `/v1/tenants/rep-read/keys/${id}`)).statusCode, 200);
    const revokedAt = (r: { json(): { items: { id: string; revokedAt: string | null }[] } }): string | null =>
      r.json().items.find((k) => k.id === id)?.revokedAt ?? null;
    assert.notEqual(revokedAt(await a.call('GET', '/v1/tenants/rep-read/keys')), null);
    await eventually(async () => revokedAt(await b.call('GET', '/v1/tenants/rep-read/keys')) !== null, 1000);
  });

  test('?consistent must be a boolean', async () => {
    const r = await a.call('GET', '/v1/tenants/rep-read?consistent=maybe');
    assert.equal(r.statusCode, 400);
  });

  /** Revokes a key in `tx` as a replica's transaction would, but applies it nowhere itself. */
  const revokeBehindTheirBacks = async (tx: Queryable, tenantId: string, keyId: string): Promise<void> => {
    await tx.query('update api_keys set revoked_at = now() where tenant_id = $1 and key_id = $2', [tenantId, keyId]);
    await recordChange(tx, { kind: 'key', tenantId, id: keyId });
  };
  const keyIdOf = (token: string): string => token.split('_')[1] as string;

  test('a change whose writer applied it nowhere (a replica that died after its commit) reaches every replica', async () => {
    const token = await a.keyFor('rep-one', 'analyst');
    assert.equal((await b.call('PATCH', '/v1/tenants/rep-one', { body: { status: 'active' } })).statusCode, 200);
    await eventually(async () => (await a.call('GET', '/v1/tenants/rep-one', { token })).statusCode === 200);
    await eventually(async () => (await b.call('GET', '/v1/tenants/rep-one', { token })).statusCode === 200);
    // Committed with its feed row and nothing after: no replica's own apply, no notice.
    await a.db.transaction(platformScope, (tx) => revokeBehindTheirBacks(tx, 'rep-one', keyIdOf(token)));
    const onA = await eventually(
      async () => (await a.call('GET', '/v1/tenants/rep-one', { token })).statusCode === 401,
    );
    const onB = await eventually(
      async () => (await b.call('GET', '/v1/tenants/rep-one', { token })).statusCode === 401,
    );
    assert.ok(onA < 1000 && onB < 1000, `refused after ${onA} ms on A, then ${onB} ms more on B`);
  });

  test(
    'a transaction that commits after a later one has been read is not skipped by the feed',
    { skip: storeName === 'pglite' ? 'PGlite runs one transaction at a time' : false },
    async () => {
      const first = await a.keyFor('rep-one', 'analyst');
      const second = await a.keyFor('rep-one', 'analyst');
      for (const token of [first, second])
        await eventually(async () => (await b.call('GET', '/v1/tenants/rep-one', { token })).statusCode === 200);
      // The first revocation takes its feed row (and transaction id) first, and stays open.
      const early = new pg.Client({ connectionString: shared.url });
      await early.connect();
      try {
        await early.query('begin');
        await revokeBehindTheirBacks(early, 'rep-one', keyIdOf(first));
        // The second commits, and B reads the feed past it.
        assert.equal((await a.call('DELETE', `/v1/tenants/rep-one/keys/${keyIdOf(second)}`)).statusCode, 200);
        await eventually(
          async () => (await b.call('GET', '/v1/tenants/rep-one', { token: second })).statusCode === 401,
        );
        assert.equal(
          (await b.call('GET', '/v1/tenants/rep-one', { token: first })).statusCode,
          200,
          'not committed yet',
        );
        await early.query('commit');
      } finally {
        await early.end();
      }
      const revoked = await eventually(
        async () => (await b.call('GET', '/v1/tenants/rep-one', { token: first })).statusCode === 401,
      );
      assert.ok(revoked < 1000, `the late commit refused on B after ${revoked} ms`);
    },
  );
  test('beside a build from before the change feed: its NOTIFY is heard, and changes are relayed to it', async () => {
    const token = await a.keyFor('rep-one', 'analyst');
    await eventually(async () => (await b.call('GET', '/v1/tenants/rep-one', { token })).statusCode === 200);
    const heard: Record<string, unknown>[] = [];
    const unlisten = await shared.db.listen(CHANGES_CHANNEL, (payload) => heard.push(JSON.parse(payload)));
    try {
      // An older build revokes as it did: the row and a NOTIFY in its transaction, no feed row.
      await a.db.transaction(platformScope, async (tx) => {
        await tx.query('update api_keys set revoked_at = now() where key_id = $1', [keyIdOf(token)]);
        await tx.query('select pg_notify($1, $2)', [
          CHANGES_CHANNEL,
          JSON.stringify({ kind: 'key', tenantId: 'rep-one', id: keyIdOf(token) }),
        ]);
      });
      const refused = await eventually(
        async () => (await b.call('GET', '/v1/tenants/rep-one', { token })).statusCode === 401,
      );
      assert.ok(refused < 1000, `refused after ${refused} ms`);
      // A change made through this build reaches an older build's LISTEN, marked as relayed.
      const other = await a.keyFor('rep-one', 'analyst');
      assert.equal((await a.call('DELETE', `/v1/tenants/rep-one/keys/${keyIdOf(other)}`)).statusCode, 200);
      await eventually(async () => heard.some((h) => h.id === keyIdOf(other) && h.relayed === true));
    } finally {
      await unlisten();
    }
  });
});
