// The directory serves a tenant or its keys only while it can prove its copy current: a change
// it has been told of and not yet read, a read that failed, or a change feed that is down make
// it answer undefined (the services then read the database).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/core/db.js';
import { makeDirectory, type Directory, type Tenant } from '../../src/tenants/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase, storeName, type TestDatabase } from '../support/test-database.js';

/** `db` whose transactions wait while `hold` is set, and fail while `fail` is set. */
function gated(db: Database): {
  db: Database;
  hold(on: boolean): void;
  fail(on: boolean): void;
  /** Transactions and reads asked for so far (polls of the change feed not counted). */
  calls(): number;
} {
  let calls = 0;
  let held: Promise<void> | undefined;
  let release: (() => void) | undefined;
  let failing = false;
  /** `counted` false: a poll of the change feed, which is not a read of an object. */
  const wait = async (counted = true): Promise<void> => {
    if (counted) calls += 1;
    if (held) await held;
    if (failing) throw new Error('injected read failure');
  };
  return {
    hold(on) {
      if (on && !held) held = new Promise((r) => (release = r));
      if (!on && held) [held, release] = [undefined, void release?.()];
    },
    fail: (on) => void (failing = on),
    calls: () => calls,
    db: {
      ...db,
      async transaction(scope, fn, options) {
        await wait();
        return db.transaction(scope, fn, options);
      },
      async read(scope, sql, params) {
        await wait(!sql.includes('change_feed'));
        return db.read(scope, sql, params);
      },
    },
  };
}

describe(`the directory serves reads only while provably current (${storeName})`, () => {
  let shared: TestDatabase;
  let t: TestApp;
  let g: ReturnType<typeof gated>;
  let dir: Directory;
  const change = { kind: 'tenant', tenantId: 'cur-one', id: 'cur-one' } as const;
  /** The tenant as the directory holds it after a full load. */
  const heldAfterResync = async (): Promise<Tenant> => {
    await dir.resync();
    const held = dir.currentTenant('cur-one');
    assert.ok(held);
    return held;
  };
  /** Whether `p` settles within 50 ms (a read held by `g.hold` keeps it from settling). */
  const settlesSoon = async (p: Promise<unknown>): Promise<boolean> => {
    let done = false;
    void p.then(
      () => (done = true),
      () => (done = true),
    );
    await new Promise((r) => setTimeout(r, 50));
    return done;
  };
  before(async () => {
    shared = await createTestDatabase();
    t = await createTestApp({}, shared);
    assert.equal((await t.call('POST', '/v1/tenants', { body: { id: 'cur-one', displayName: 'C' } })).statusCode, 201);
    g = gated(t.db);
    // NOTE: the feed is polled through the gated store too: `g.fail` makes its polls fail.
    dir = makeDirectory({ db: g.db, pollMs: 20 });
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
    const within = async (ok: () => boolean, what: string): Promise<void> => {
      const start = Date.now();
      while (!ok() && Date.now() - start < 3000) await new Promise((r) => setTimeout(r, 10));
      assert.ok(ok(), what);
    };
    assert.ok(dir.currentTenant('cur-one'));
    g.fail(true); // the next poll fails: changes may be going unheard
    await within(() => dir.currentTenant('cur-one') === undefined, 'not current once a poll of the feed failed');
    assert.equal(dir.currentKeys('cur-one'), undefined);
    g.fail(false);
    await within(() => dir.currentTenant('cur-one') !== undefined, 'current again after a poll and the resync');
  });

  test('its own commit is served without a read, unless a change is pending or it holds a newer row', async () => {
    const held = dir.currentTenant('cur-one');
    assert.ok(held);
    const version = Number(held.resourceVersion);
    g.hold(true); // a read would wait: only a change served without one can finish here
    await dir.apply(
      { ...change, resourceVersion: String(version + 1) },
      {
        ...held,
        displayName: 'Own commit',
        resourceVersion: String(version + 1),
      },
    );
    assert.equal(dir.currentTenant('cur-one')?.displayName, 'Own commit');
    // An older committed row than the one held is not served over it: that takes a read.
    const stale = dir.apply({ ...change, resourceVersion: String(version) }, { ...held, displayName: 'Older' });
    assert.equal(await settlesSoon(stale), false, 'waits for its read');
    assert.equal(dir.currentTenant('cur-one'), undefined, 'pending while it reads');
    // While that read is pending, a newer own commit is not served without a read either.
    const pendingOwn = dir.apply(
      { ...change, resourceVersion: String(version + 2) },
      { ...held, displayName: 'Newer own', resourceVersion: String(version + 2) },
    );
    assert.equal(await settlesSoon(pendingOwn), false, 'a pending change makes its own commit read too');
    g.hold(false);
    await Promise.all([stale, pendingOwn]);
    // The reads served what the database holds (the committed rows above were never written).
    assert.equal(dir.currentTenant('cur-one')?.displayName, 'C');
  });

  test('a notice of a version it already holds needs no read; a newer one does', async () => {
    const held = await heldAfterResync();
    g.hold(true);
    await dir.apply({ ...change, resourceVersion: held.resourceVersion });
    assert.ok(dir.currentTenant('cur-one'), 'still current: nothing newer was announced');
    const next = String(Number(held.resourceVersion) + 1);
    const newer = dir.apply({ ...change, resourceVersion: next });
    assert.equal(dir.currentTenant('cur-one'), undefined, 'a newer version is pending until read');
    // Its own commit of that version, told after the notice: it waits for the read under way
    // (which started after that commit) instead of serving its row or reading again.
    const callsBefore = g.calls();
    const ownApply = dir.apply(
      { ...change, resourceVersion: next },
      { ...held, displayName: 'Not served', resourceVersion: next },
    );
    assert.equal(await settlesSoon(ownApply), false, 'returns only once the read under way has been served');
    assert.equal(dir.currentTenant('cur-one'), undefined, 'not served ahead of the read under way');
    assert.equal(g.calls(), callsBefore, 'no read of its own');
    g.hold(false);
    await Promise.all([newer, ownApply]);
    assert.equal(dir.currentTenant('cur-one')?.displayName, 'C');
  });

  test("the notice of its own change needs no read, unless that change's own apply failed to read", async () => {
    const held = await heldAfterResync();
    const own = { ...change, resourceVersion: String(Number(held.resourceVersion) + 1), origin: dir.origin };
    const calls = g.calls();
    await dir.apply(own); // heard back through NOTIFY, before or after the operation applied it
    assert.equal(g.calls(), calls, 'no read');
    // Its own apply had to read and failed: the change stays pending, and its notice reads.
    g.fail(true);
    await assert.rejects(
      dir.apply(own, { ...held, resourceVersion: String(Number(held.resourceVersion) - 1) }), // older than held: reads
    );
    g.fail(false);
    assert.equal(dir.currentTenant('cur-one'), undefined, 'pending after the failed read');
    await dir.apply(own);
    assert.ok(g.calls() > calls, 'read again');
    assert.equal(dir.currentTenant('cur-one')?.displayName, 'C');
    // Another replica's notice of a version it does not hold is read as ever.
    const before = g.calls();
    await dir.apply({ ...own, origin: 'another-replica', resourceVersion: String(Number(held.resourceVersion) + 5) });
    assert.equal(g.calls(), before + 1);
  });

  test('a tenant it does not hold is never current (the database answers 404)', () => {
    assert.equal(dir.currentTenant('cur-none'), undefined);
    assert.equal(dir.currentKeys('cur-none'), undefined);
  });
});
