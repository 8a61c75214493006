// The directory serves a tenant or its keys only while it can prove its copy current: a change
// it has been told of and not yet read, a read that failed, or a change feed that is down make
// it answer undefined (the services then read the database).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/core/db.js';
import { makeDirectory, type Directory } from '../../src/tenants/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase, storeName, type TestDatabase } from '../support/test-database.js';

/** `db` whose transactions wait while `hold` is set, and fail while `fail` is set. */
function gated(db: Database): { db: Database; hold(on: boolean): void; fail(on: boolean): void; lose(): void } {
  let held: Promise<void> | undefined;
  let release: (() => void) | undefined;
  let failing = false;
  let lost: (() => void) | undefined;
  let reconnected: (() => void) | undefined;
  const wait = async (): Promise<void> => {
    if (held) await held;
    if (failing) throw new Error('injected read failure');
  };
  return {
    hold(on) {
      if (on && !held) held = new Promise((r) => (release = r));
      if (!on && held) [held, release] = [undefined, void release?.()];
    },
    fail: (on) => void (failing = on),
    lose() {
      lost?.();
      setTimeout(() => reconnected?.(), 50);
    },
    db: {
      ...db,
      async transaction(scope, fn, options) {
        await wait();
        return db.transaction(scope, fn, options);
      },
      async read(scope, sql, params) {
        await wait();
        return db.read(scope, sql, params);
      },
      listen(channel, onPayload, onReconnect, onLost) {
        lost = onLost;
        reconnected = onReconnect;
        return db.listen(channel, onPayload, onReconnect, onLost);
      },
    },
  };
}

describe(`the directory serves reads only while provably current (${storeName})`, () => {
  let shared: TestDatabase;
  let t: TestApp;
  let g: ReturnType<typeof gated>;
  let dir: Directory;
  before(async () => {
    shared = await createTestDatabase();
    t = await createTestApp({}, shared);
    assert.equal((await t.call('POST', '/v1/tenants', { body: { id: 'cur-one', displayName: 'C' } })).statusCode, 201);
    g = gated(t.db);
    dir = makeDirectory({ db: g.db });
    await dir.start();
  });
  after(async () => {
    await dir.stop();
    await t.dispose();
    await shared.dispose();
  });

  test('a change told of is not served until it has been read', async () => {
    assert.equal(dir.currentTenant('cur-one')?.displayName, 'C');
    assert.deepEqual(dir.currentKeys('cur-one'), []);
    g.hold(true);
    const applying = dir.apply({ kind: 'tenant', tenantId: 'cur-one', id: 'cur-one' });
    assert.equal(dir.currentTenant('cur-one'), undefined, 'pending: not current');
    assert.equal(dir.currentKeys('cur-one'), undefined, "the tenant's keys neither");
    assert.ok(dir.tenant('cur-one'), 'authentication still sees the last copy');
    g.hold(false);
    await applying;
    assert.equal(dir.currentTenant('cur-one')?.id, 'cur-one');
  });

  test('a read that fails leaves the change pending until a later read succeeds', async () => {
    g.fail(true);
    await assert.rejects(dir.apply({ kind: 'key', tenantId: 'cur-one', id: 'knosuchkey000000' }));
    assert.equal(dir.currentKeys('cur-one'), undefined);
    assert.ok(dir.currentTenant('cur-one'), 'a key change does not make the tenant itself stale');
    g.fail(false);
    await dir.apply({ kind: 'key', tenantId: 'cur-one', id: 'knosuchkey000000' });
    assert.deepEqual(dir.currentKeys('cur-one'), []);
  });

  test('while the change feed is down nothing is current; after the resync that follows its return, all is', async () => {
    g.lose();
    assert.equal(dir.currentTenant('cur-one'), undefined);
    const start = Date.now();
    while (dir.currentTenant('cur-one') === undefined && Date.now() - start < 3000)
      await new Promise((r) => setTimeout(r, 20));
    assert.ok(dir.currentTenant('cur-one'), 'current again after the reconnect and resync');
  });

  test('a tenant it does not hold is never current (the database answers 404)', () => {
    assert.equal(dir.currentTenant('cur-none'), undefined);
    assert.equal(dir.currentKeys('cur-none'), undefined);
  });
});
