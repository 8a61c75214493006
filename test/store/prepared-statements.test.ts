// Named prepared statements on PostgreSQL: a statement with parameters is parsed and planned
// once per connection, under the same name on every connection; a statement whose result
// columns are the table's (`select *`, `returning *`) is never prepared, so a column added by
// another build's migration while this one serves does not fail it; IRIS_DB_PREPARED_STATEMENTS
// off prepares nothing; row-level security still scopes a prepared statement per transaction.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { platformScope, tenantScope, type Database } from '../../src/core/db.js';
import { openPostgresDatabase } from '../../src/store/index.js';
import { resultFollowsTable } from '../../src/store/postgres-database.js';
import { createTestDatabase, storeName, type TestDatabase } from '../support/test-database.js';

describe('resultFollowsTable', () => {
  test('statements whose columns are the table’s', () => {
    for (const sql of [
      'select * from jobs where tenant_id = $1',
      'update jobs set state = $2 where job_id = $1 returning *',
      'select j.*, t.tier from jobs j join tenants t using (tenant_id) where j.job_id = $1',
      'select a, * from t where id = $1',
    ])
      assert.equal(resultFollowsTable(sql), true, sql);
  });
  test('statements that name their columns', () => {
    for (const sql of [
      'select count(*) as n from jobs where tenant_id = $1',
      'select * from unnest($1::text[], $2::int[]) as a(tenant_id, n)',
      'select size, frontier from audit_heads where tenant_id = $1 for update',
      'select price * quantity as total from orders where id = $1',
    ])
      assert.equal(resultFollowsTable(sql), false, sql);
  });
});

describe(
  `prepared statements (${storeName})`,
  { skip: storeName === 'pglite' ? 'PGlite has no prepared statements to keep (set IRIS_TEST_DATABASE_URL)' : false },
  () => {
    let tdb: TestDatabase;
    let one: Database; // a store of one connection, so consecutive transactions share a session
    let plain: Database;
    before(async () => {
      tdb = await createTestDatabase();
      assert.ok(tdb.url);
      one = await openPostgresDatabase(tdb.url, 1);
      plain = await openPostgresDatabase(tdb.url, 1, false);
    });
    after(async () => {
      await one.close();
      await plain.close();
      await tdb.dispose();
    });

    // pg_prepared_statements is per session: asked through the store's own single connection.
    const sessionStatements = (db: Database): Promise<string[]> =>
      db
        .transaction(platformScope, (tx) =>
          tx.query<{ statement: string }>('select statement from pg_prepared_statements order by statement'),
        )
        .then((r) => r.rows.map((row) => row.statement));

    test('a statement with parameters is prepared once and reused; one with `*` is not', async () => {
      const probe = 'select $1::int + 1 as n';
      const star = 'select * from tenants where tenant_id = $1';
      for (let i = 0; i < 3; i++) {
        const { rows } = await one.transaction(platformScope, (tx) => tx.query<{ n: number }>(probe, [i]));
        assert.deepEqual(rows, [{ n: i + 1 }]);
        await one.transaction(platformScope, (tx) => tx.query(star, ['nobody']));
      }
      const kept = await sessionStatements(one);
      assert.equal(kept.filter((s) => s === probe).length, 1, `prepared once: ${JSON.stringify(kept)}`);
      assert.ok(!kept.includes(star), 'a select * is never prepared');
      // the single-statement read path prepares too
      await one.read(platformScope, 'select $1::text as echo', ['x']);
      assert.ok((await sessionStatements(one)).includes('select $1::text as echo'));
    });

    test('with prepared statements off, nothing is kept', async () => {
      await plain.transaction(platformScope, (tx) => tx.query('select $1::int as n', [1]));
      assert.deepEqual(await sessionStatements(plain), []);
    });

    test('a column added while the build serves does not fail its statements', async () => {
      const named = 'select tenant_id, status from tenants where tenant_id = $1';
      const star = 'select * from tenants where tenant_id = $1';
      await one.transaction(platformScope, async (tx) => {
        await tx.query(named, ['nobody']);
        await tx.query(star, ['nobody']);
      });
      const admin = new pg.Client({ connectionString: tdb.url });
      await admin.connect();
      try {
        await admin.query('alter table tenants add column added_by_next_build text');
      } finally {
        await admin.end();
      }
      await one.transaction(platformScope, async (tx) => {
        await tx.query(named, ['nobody']);
        const { rows } = await tx.query<Record<string, unknown>>(star, ['nobody']);
        assert.deepEqual(rows, []);
      });
    });

    test('row-level security scopes a prepared statement by each transaction’s tenant', async () => {
      await one.transaction(platformScope, (tx) =>
        tx.query(
          `insert into tenants (tenant_id, display_name, tier, home_region, ring, status, quotas, labels)
           values ($1, $1, 'standard', 'eu-west', 'general', 'active', '{}', '{}'), ($2, $2, 'standard', 'eu-west', 'general', 'active', '{}', '{}')`,
          ['prep-a', 'prep-b'],
        ),
      );
      const visible = 'select tenant_id from tenants where tenant_id = any($1::text[]) order by tenant_id';
      const seen = async (tenant: string): Promise<string[]> =>
        (
          await one.transaction(tenantScope(tenant), (tx) =>
            tx.query<{ tenant_id: string }>(visible, [['prep-a', 'prep-b']]),
          )
        ).rows.map((r) => r.tenant_id);
      for (let i = 0; i < 7; i++) {
        // past the executions after which PostgreSQL may switch to a generic plan
        assert.deepEqual(await seen('prep-a'), ['prep-a']);
        assert.deepEqual(await seen('prep-b'), ['prep-b']);
      }
    });
  },
);
