// Truncations of a tenant's log that its own rows cannot reveal (issue 11, item 10): the whole
// log deleted (events, head, checkpoints), and the newest events deleted with an older signed
// head put back. The platform log records each tenant log's creation and witnesses its size;
// verification of the tenant's log checks it against those records, and verification of the
// platform log checks every witness event still has its record.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

interface Verification {
  ok: boolean;
  size: number;
  problems: { seq?: number; problem: string }[];
}

describe(`ledger truncation and the platform witness (${storeName})`, () => {
  let t: TestApp;
  const owner = <T>(sql: string, params: unknown[] = []): Promise<T[]> =>
    t.db.asOwner(async (s) => (await s.query<T>(sql, params)).rows);
  const verify = async (log: string): Promise<Verification> =>
    (await t.call('GET', `/v1/audit/logs/${log}/verify`)).json<Verification>();
  const problems = (v: Verification): string => v.problems.map((p) => p.problem).join('\n');
  const platformEvents = async (): Promise<
    { action: string; resource: { id: string }; witness?: { log: string; size: number; root: string } }[]
  > =>
    (await t.call('GET', '/v1/audit/logs/platform/events?limit=1000'))
      .json()
      .items.map((i: { event: unknown }) => i.event);

  /** A tenant whose log has `n` events (tenant.create, then updates). */
  async function tenantWithLog(id: string, n: number): Promise<void> {
    assert.equal((await t.call('POST', '/v1/tenants', { body: { id, displayName: id } })).statusCode, 201);
    for (let i = 1; i < n; i++)
      assert.equal(
        (await t.call('PATCH', `/v1/tenants/${id}`, { body: { displayName: `${id}-${i}` } })).statusCode,
        200,
      );
    const v = await verify(id);
    assert.equal(v.ok, true, problems(v));
    assert.equal(v.size, n);
  }

  before(async () => {
    // The background witness is off: each test runs it when it means to.
    t = await createTestApp({ IRIS_LEDGER_WITNESS_SECONDS: '0' });
  });
  after(async () => t.dispose());

  test("deleting a tenant's whole log (events, head, checkpoints) fails verification", async () => {
    await tenantWithLog('wipe-all', 4);
    assert.equal((await t.call('POST', '/v1/audit/logs/wipe-all/checkpoints')).statusCode, 200);
    for (const table of ['audit_events', 'audit_heads', 'audit_checkpoints'])
      await owner(`delete from ${table} where tenant_id = 'wipe-all'`);
    const v = await verify('wipe-all');
    assert.equal(v.ok, false, 'a deleted log must not verify as an empty one');
    assert.equal(v.size, 0);
    assert.match(problems(v), /platform log records the creation of this log .* but the log is empty/);
  });

  test('the creation is in the platform log, in the same transaction as the first event', async () => {
    await tenantWithLog('born-here', 1);
    const created = (await platformEvents()).filter(
      (e) => e.action === 'ledger.create' && e.resource.id === 'born-here',
    );
    assert.equal(created.length, 1);
    const head = (await t.call('GET', '/v1/audit/logs/born-here/head')).json();
    assert.deepEqual(created[0]?.witness, { log: 'born-here', size: 1, root: head.root });
    // A tenant change that fails writes neither the tenant's event nor the platform's.
    const sizeBefore = (await platformEvents()).length;
    assert.equal(
      (await t.call('POST', '/v1/tenants', { body: { id: 'born-here', displayName: 'again' } })).statusCode,
      409,
    );
    assert.equal((await platformEvents()).length, sizeBefore);
  });

  test('deleting the newest event and restoring the previous head fails once witnessed', async () => {
    await tenantWithLog('tail-cut', 5);
    const [previous] = await owner<{ size: number; frontier: unknown; root: string; checkpoint: string }>(
      "select size, frontier, root, checkpoint from audit_heads where tenant_id = 'tail-cut'",
    );
    assert.equal(
      (await t.call('PATCH', '/v1/tenants/tail-cut', { body: { displayName: 'the last word' } })).statusCode,
      200,
    );
    const report = await t.app.ledgerWitness.run();
    assert.ok(report.witnessed >= 1, JSON.stringify(report));
    const witnessed = (await platformEvents()).filter(
      (e) => e.action === 'ledger.witness' && e.resource.id === 'tail-cut',
    );
    assert.equal(witnessed.at(-1)?.witness?.size, 6);

    // The documented tamper: delete the newest event, put the previous signed head back.
    await owner("delete from audit_events where tenant_id = 'tail-cut' and seq = 5");
    await owner(
      "update audit_heads set size = $1, frontier = $2, root = $3, checkpoint = $4 where tenant_id = 'tail-cut'",
      [previous?.size, JSON.stringify(previous?.frontier), previous?.root, previous?.checkpoint],
    );
    const v = await verify('tail-cut');
    assert.equal(v.ok, false, 'the truncated log must not verify');
    assert.match(problems(v), /platform log witnessed 6 events .* but the log has 5: events were deleted/);
  });

  test('a log rewritten after a witness fails: the witnessed root is checked, not only the size', async () => {
    await tenantWithLog('rewrite', 3);
    await t.app.ledgerWitness.run();
    // Cut back to 2 events (the head rebuilt from the remaining leaves), then let Iris append
    // new ones: the log grows past 3 again, with another third event than the one witnessed.
    await owner("delete from audit_events where tenant_id = 'rewrite' and seq = 2");
    const kept = await owner<{ leaf_hash: string }>(
      "select leaf_hash from audit_events where tenant_id = 'rewrite' order by seq",
    );
    const { appendLeaf, rootFromFrontier } = await import('../../src/audit/merkle.js');
    let frontier: Buffer[] = [];
    kept.forEach((r, i) => (frontier = appendLeaf(frontier, i, Buffer.from(r.leaf_hash, 'hex'))));
    await owner(
      "update audit_heads set size = 2, frontier = $1, root = $2, checkpoint = '' where tenant_id = 'rewrite'",
      [JSON.stringify(frontier.map((h) => h.toString('hex'))), rootFromFrontier(frontier).toString('hex')],
    );
    for (let i = 0; i < 3; i++)
      assert.equal(
        (await t.call('PATCH', '/v1/tenants/rewrite', { body: { displayName: `rewritten ${i}` } })).statusCode,
        200,
      );
    const v = await verify('rewrite');
    assert.equal(v.size, 5);
    assert.equal(v.ok, false);
    assert.match(problems(v), /first 3 events differ from what the platform log witnessed/);
  });

  test('a witness run writes one event per grown log, none for an idle one; replicas do not double it', async () => {
    await tenantWithLog('busy', 2);
    await t.app.ledgerWitness.run();
    const count = async (): Promise<number> =>
      (await platformEvents()).filter((e) => e.action === 'ledger.witness' && e.resource.id === 'busy').length;
    const before1 = await count();
    assert.equal((await t.app.ledgerWitness.run()).witnessed, 0, 'nothing grew');
    assert.equal((await t.call('PATCH', '/v1/tenants/busy', { body: { displayName: 'busier' } })).statusCode, 200);
    await Promise.all([t.app.ledgerWitness.run(), t.app.ledgerWitness.run()]);
    assert.equal(await count(), before1 + 1);
    const pv = await verify('platform');
    assert.equal(pv.ok, true, problems(pv));
    const bv = await verify('busy');
    assert.equal(bv.ok, true, problems(bv));
  });

  test(
    'a witness run does not wait for a tenant append in flight',
    { skip: storeName === 'pglite' ? 'PGlite has one connection: its transactions take turns' : false },
    async () => {
      await tenantWithLog('held-open', 2);
      let release = (): void => undefined;
      const held = new Promise<void>((r) => (release = r));
      let locked = (): void => undefined;
      const isLocked = new Promise<void>((r) => (locked = r));
      // A tenant write in flight holds its log's head, as every append does.
      const writer = t.db.transaction({ kind: 'tenant', tenantId: 'held-open' }, async (tx) => {
        await tx.query("select size from audit_heads where tenant_id = 'held-open' for update");
        locked();
        await held;
      });
      await isLocked;
      try {
        const report = await Promise.race([
          t.app.ledgerWitness.run(),
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error('the witness waited for the tenant write')), 5000),
          ),
        ]);
        assert.ok(report.witnessed >= 1);
      } finally {
        release();
        await writer;
      }
      const w = (await t.call('GET', '/v1/audit/logs/held-open/witnesses')).json();
      assert.deepEqual(
        w.items.map((i: { size: number }) => i.size),
        [1, 2],
      );
    },
  );

  test('deleting the witness records with the log is caught by verifying the platform log', async () => {
    await tenantWithLog('wipe-deeper', 3);
    await t.app.ledgerWitness.run();
    for (const table of ['audit_events', 'audit_heads', 'audit_checkpoints', 'audit_witnesses'])
      await owner(`delete from ${table} where tenant_id = 'wipe-deeper'`);
    const pv = await verify('platform');
    assert.equal(pv.ok, false);
    assert.match(problems(pv), /witnesses log wipe-deeper at size 1 but its witness record is missing/);
  });

  test('a tenant key verifies its own log against the witness (no platform rights needed)', async () => {
    await tenantWithLog('self-check', 3);
    const auditor = await t.keyFor('self-check', 'auditor');
    await t.app.ledgerWitness.run();
    const own = (await t.call('GET', '/v1/audit/logs/self-check/verify', { token: auditor })).json<
      Verification & { witnessedSize: number }
    >();
    assert.equal(own.ok, true, problems(own));
    assert.equal(own.witnessedSize, 4, 'the auditor key creation made 4 events, all witnessed');
    const witnesses = (await t.call('GET', '/v1/audit/logs/self-check/witnesses', { token: auditor })).json();
    assert.deepEqual(
      witnesses.items.map((w: { kind: string; size: number }) => [w.kind, w.size]),
      [
        ['create', 1],
        ['witness', 4],
      ],
    );
    assert.equal((await t.call('GET', '/v1/audit/logs/born-here/witnesses', { token: auditor })).statusCode, 404);
  });
});

describe(`the background witness (${storeName})`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ IRIS_LEDGER_WITNESS_SECONDS: '1' });
  });
  after(async () => t.dispose());

  const witnessedSizes = async (log: string): Promise<number[]> =>
    (await t.call('GET', `/v1/audit/logs/${log}/witnesses`)).json().items.map((w: { size: number }) => w.size);
  async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  test('runs every IRIS_LEDGER_WITNESS_SECONDS and survives runs that fail', async () => {
    assert.equal(
      (await t.call('POST', '/v1/tenants', { body: { id: 'ticking', displayName: 'ticking' } })).statusCode,
      201,
    );
    assert.equal(
      (await t.call('PATCH', '/v1/tenants/ticking', { body: { displayName: 'ticking 1' } })).statusCode,
      200,
    );
    await until(async () => (await witnessedSizes('ticking')).includes(2), 10_000);

    // Every run fails while the application role may not record witnesses.
    await t.db.asOwner((s) => s.query('revoke insert on audit_witnesses from iris_app'));
    try {
      assert.equal(
        (await t.call('PATCH', '/v1/tenants/ticking', { body: { displayName: 'ticking 2' } })).statusCode,
        200,
      );
      await new Promise((r) => setTimeout(r, 2500));
      assert.deepEqual(await witnessedSizes('ticking'), [1, 2]);
    } finally {
      await t.db.asOwner((s) => s.query('grant insert on audit_witnesses to iris_app'));
    }
    await until(async () => (await witnessedSizes('ticking')).includes(3), 10_000);
    const v = (await t.call('GET', '/v1/audit/logs/platform/verify')).json();
    assert.equal(v.ok, true, JSON.stringify(v.problems));
  });
});
