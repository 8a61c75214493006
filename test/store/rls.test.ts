// Storage isolation invariants over the live schema: every tenant-owned table (any table with
// a tenant_id column, in public and in kg_next) has forced row-level security and tenant_id leading its keys; the
// application role owns nothing, cannot bypass RLS, and cannot rewrite the ledger.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { platformScope, type Queryable, type Scope } from '../../src/core/db.js';
import { createTestDatabase, storeName, type TestDatabase } from '../support/test-database.js';

describe(`row-level security invariants (${storeName})`, () => {
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase();
  });
  after(async () => t.dispose());

  test('every table with a tenant_id column forces RLS and leads its keys with tenant_id', async () => {
    const tables = await t.db.asOwner(
      async (s) =>
        (
          await s.query<{ table: string; rls: boolean; force: boolean; owner: string }>(
            `select n.nspname || '.' || c.relname as table, c.relrowsecurity as rls, c.relforcerowsecurity as force, pg_get_userbyid(c.relowner) as owner
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where n.nspname in ('public', 'kg_next') and c.relkind in ('r', 'p')
             and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
           order by c.relname`,
          )
        ).rows,
    );
    // The candidate graphs' copies (kg_next, migration 0014) are held to the same invariants.
    assert.ok(tables.some((x) => x.table === 'kg_next.kg_graph_slots'));
    assert.ok(
      tables.length >= 5,
      `expected the core tenant-owned tables, found ${tables.map((x) => x.table).join(', ')}`,
    );
    for (const tb of tables) {
      assert.equal(tb.rls, true, `${tb.table} lacks ENABLE ROW LEVEL SECURITY`);
      assert.equal(tb.force, true, `${tb.table} lacks FORCE ROW LEVEL SECURITY`);
      assert.notEqual(tb.owner, 'iris_app', `${tb.table} is owned by the application role`);
      const indexes = await t.db.asOwner(
        async (s) =>
          (
            await s.query<{ name: string; first: string }>(
              `select i.relname as name, a.attname as first from pg_index x
             join pg_class i on i.oid = x.indexrelid join pg_class c on c.oid = x.indrelid
             left join pg_attribute a on a.attrelid = c.oid and a.attnum = x.indkey[0]
             where c.oid = $1::regclass and (x.indisunique or x.indisprimary)`,
              [tb.table],
            )
          ).rows,
      );
      assert.ok(indexes.length > 0, `${tb.table} has no primary key`);
      for (const ix of indexes)
        assert.equal(ix.first, 'tenant_id', `${tb.table}: unique index ${ix.name} does not lead with tenant_id`);
      const policies = await t.db.asOwner(
        async (s) =>
          (
            await s.query<{ n: number }>(
              "select count(*)::int as n from pg_policies where schemaname || '.' || tablename = $1",
              [tb.table],
            )
          ).rows[0]?.n,
      );
      assert.ok((policies ?? 0) > 0, `${tb.table} has no RLS policy`);
    }
  });

  test('the application role cannot bypass RLS and cannot update or delete ledger rows', async () => {
    const role = await t.db.asOwner(
      async (s) =>
        (
          await s.query<{ bypass: boolean; superuser: boolean }>(
            "select rolbypassrls as bypass, rolsuper as superuser from pg_roles where rolname = 'iris_app'",
          )
        ).rows[0],
    );
    assert.deepEqual(role, { bypass: false, superuser: false });
    for (const table of ['audit_events', 'audit_checkpoints', 'audit_witnesses']) {
      for (const priv of ['UPDATE', 'DELETE', 'TRUNCATE']) {
        const has = await t.db.asOwner(
          async (s) =>
            (
              await s.query<{ has: boolean }>('select has_table_privilege($1, $2, $3) as has', [
                'iris_app',
                table,
                priv,
              ])
            ).rows[0]?.has,
        );
        assert.equal(has, false, `iris_app has ${priv} on ${table}`);
      }
    }
  });

  test('a tenant-scoped transaction sees and writes only its own rows', async () => {
    await t.db.asOwner(async (s) => {
      await s.query(`insert into tenants (tenant_id, display_name, tier, home_region, ring, status, quotas)
                     values ('aaa', 'A', 'free', 'eu-west', 'general', 'active', '{}'), ('bbb', 'B', 'free', 'eu-west', 'general', 'active', '{}')`);
    });
    const seen = await t.db.transaction(
      { kind: 'tenant', tenantId: 'aaa' },
      async (tx) => (await tx.query<{ tenant_id: string }>('select tenant_id from tenants')).rows,
    );
    assert.deepEqual(
      seen.map((r) => r.tenant_id),
      ['aaa'],
    );
    const updated = await t.db.transaction({ kind: 'tenant', tenantId: 'aaa' }, async (tx) =>
      tx.query("update tenants set display_name = 'pwned' where tenant_id = 'bbb'"),
    );
    assert.equal(updated.rowCount, 0);
    await assert.rejects(
      t.db.transaction({ kind: 'tenant', tenantId: 'aaa' }, async (tx) =>
        tx.query(
          "insert into api_keys (tenant_id, key_id, name, role, secret_hash, created_by) values ('bbb', 'kx', 'n', 'analyst', 'h', 'x')",
        ),
      ),
      /row-level security/,
    );
    await assert.rejects(
      t.db.transaction({ kind: 'tenant', tenantId: 'aaa' }, async (tx) =>
        tx.query("delete from audit_events where tenant_id = 'aaa'"),
      ),
      /permission denied/,
    );
  });

  test("the change feed: a tenant announces only its own changes and reads no one's; the platform reads all", async () => {
    const tenant = { kind: 'tenant', tenantId: 'aaa' } as const;
    const announce = (owner: string) => (tx: Queryable) =>
      tx.query('insert into change_feed.changes (tenant_id, change) values ($1, $2)', [
        owner,
        JSON.stringify({ kind: 'tenant', tenantId: owner, id: owner }),
      ]);
    await t.db.transaction(tenant, announce('aaa'));
    await assert.rejects(t.db.transaction(tenant, announce('bbb')), /row-level security/);
    const read = async (scope: Scope): Promise<string[]> =>
      (await t.db.read<{ tenant_id: string }>(scope, 'select tenant_id from change_feed.changes')).rows.map(
        (r) => r.tenant_id,
      );
    assert.deepEqual(await read(tenant), [], 'not even its own');
    assert.deepEqual(await read(platformScope), ['aaa']);
    const pruned = await t.db.transaction(tenant, (tx) => tx.query('delete from change_feed.changes'));
    assert.equal(pruned.rowCount, 0, 'only the platform prunes');
  });
});
