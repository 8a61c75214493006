// Single-statement reads made together (`db.read` in one turn of the event loop). On PostgreSQL
// they share one connection and one write, each its own transaction with its own scope: a
// read's scope and row-level security never reach another read of the batch, a read that fails
// fails alone, and a batch whose connection is lost is run again. PGlite serves reads one at a
// time; the same properties hold there.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { platformScope, tenantScope, type Scope } from '../../src/core/db.js';
import { createTestDatabase, storeName, type TestDatabase } from '../support/test-database.js';

const TENANTS = ['rb-alpha', 'rb-bravo', 'rb-charlie'];

describe(`reads made together (${storeName})`, () => {
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase();
    await t.db.transaction(platformScope, async (tx) => {
      for (const [i, tenant] of TENANTS.entries())
        for (let seq = 1; seq <= i + 1; seq++)
          await tx.query(
            "insert into policy_activations (tenant_id, seq, op, bundle_id, actor) values ($1, $2, 'activate', $3, 'test')",
            [tenant, seq, `${tenant}-bundle-${seq}`],
          );
    });
  });
  after(async () => t.dispose());

  const scopeOf = (i: number): Scope => tenantScope(TENANTS[i % TENANTS.length] as string);

  test('each read of a batch runs in its own scope: its setting and its rows, never a neighbour’s', async () => {
    const reads = Array.from({ length: 45 }, (_, i) =>
      Promise.all([
        t.db.read<{ tenant: string }>(scopeOf(i), "select current_setting('iris.tenant_id', true) as tenant"),
        t.db.read<{ tenant_id: string; bundle_id: string }>(
          scopeOf(i),
          'select tenant_id, bundle_id from policy_activations order by seq',
        ),
      ]),
    );
    const results = await Promise.all(reads);
    for (const [i, [setting, rows]] of results.entries()) {
      const tenant = TENANTS[i % TENANTS.length] as string;
      assert.equal(setting.rows[0]?.tenant, tenant, `read ${i}: scope setting`);
      assert.deepEqual(
        rows.rows.map((r) => r.bundle_id),
        Array.from({ length: (i % TENANTS.length) + 1 }, (_, k) => `${tenant}-bundle-${k + 1}`),
        `read ${i}: rows`,
      );
    }
  });

  test('a read that fails fails alone; the others of its batch are answered', async () => {
    const reads = Array.from({ length: 20 }, (_, i) =>
      i % 5 === 2
        ? t.db.read(scopeOf(i), 'select 1 / 0 as boom')
        : t.db.read<{ i: number }>(scopeOf(i), 'select $1::int as i', [i]),
    );
    const settled = await Promise.allSettled(reads);
    for (const [i, s] of settled.entries()) {
      if (i % 5 === 2) {
        assert.equal(s.status, 'rejected', `read ${i} must fail`);
        assert.match(String(s.reason), /division by zero/);
      } else {
        assert.equal(s.status, 'fulfilled', `read ${i}: ${String((s as PromiseRejectedResult).reason)}`);
        assert.equal((s as PromiseFulfilledResult<{ rows: { i: number }[] }>).value.rows[0]?.i, i);
      }
    }
    // Nothing was left open on the connections: a write and a read afterwards see a clean session.
    const after = await t.db.read<{ tenant: string | null }>(
      platformScope,
      "select nullif(current_setting('iris.tenant_id', true), '') as tenant",
    );
    assert.deepEqual(after.rows, [{ tenant: null }]);
  });

  test('a read in a read-only transaction of its own: a write in it is refused', async () => {
    await assert.rejects(
      t.db.read(
        platformScope,
        "insert into policy_activations (tenant_id, seq, op, actor) values ('rb-x', 1, 'activate', 'x')",
      ),
      (err: { code?: string }) => err.code === '25006',
    );
  });

  test(
    'a batch whose connection is lost is run again, every read of it',
    { skip: storeName === 'pglite' ? 'PGlite is in-process: there is no connection to lose' : false },
    async () => {
      const dbName = new URL(t.url as string).pathname.slice(1);
      const admin = new pg.Client({ connectionString: process.env.IRIS_TEST_DATABASE_URL });
      await admin.connect();
      try {
        // The batch's first read sleeps; the backend is terminated while it does.
        const reads = Array.from({ length: 8 }, (_, i) =>
          i === 0
            ? t.db.read<{ i: number }>(platformScope, 'select 0 as i from pg_sleep(0.5)')
            : t.db.read<{ i: number }>(platformScope, 'select $1::int as i', [i]),
        );
        for (let k = 0; ; k++) {
          const { rows } = await admin.query<{ n: number }>(
            "select count(*)::int as n from pg_stat_activity where datname = $1 and state = 'active' and query like '%pg_sleep(0.5)%'",
            [dbName],
          );
          if (rows[0]?.n === 1) break;
          assert.ok(k < 200, 'the batch did not reach its sleeping read');
          await new Promise((r) => setTimeout(r, 10));
        }
        await admin.query(
          "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and query like '%pg_sleep(0.5)%' and pid <> pg_backend_pid()",
          [dbName],
        );
        const rows = (await Promise.all(reads)).map((r) => r.rows[0]?.i);
        assert.deepEqual(rows, [0, 1, 2, 3, 4, 5, 6, 7]);
      } finally {
        await admin.end();
      }
    },
  );
});
