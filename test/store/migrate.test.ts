// The migrator on the store under test: a `-- iris:no-transaction` migration runs statement by
// statement, so CREATE INDEX CONCURRENTLY (refused inside a transaction) can be used to index
// a large table without blocking writes; a failed ordinary migration leaves nothing behind.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { migrate } from '../../src/store/index.js';
import { createTestDatabase, storeName, type TestDatabase } from '../support/test-database.js';

const migration = (version: number, name: string, sql: string) => ({
  version,
  name: `${String(version).padStart(4, '0')}_${name}`,
  sql,
  checksum: createHash('sha256').update(sql).digest('hex'),
});

describe(`migrations (${storeName})`, () => {
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase({ migrated: false });
  });
  after(async () => t.dispose());

  test('a no-transaction migration builds an index concurrently; a failing migration rolls back whole', async () => {
    const first = migration(1, 'table', "create table big (tenant_id text, x int); insert into big values ('a', 1);");
    const concurrent = migration(
      2,
      'index',
      '-- iris:no-transaction\ncreate index concurrently if not exists big_x on big (x);\n',
    );
    const res = await migrate(t.db, [first, concurrent]);
    assert.equal(res.error, undefined, res.error?.message);
    assert.deepEqual(res.applied, ['0001_table', '0002_index']);
    const idx = await t.db.asOwner((s) => s.query("select indexname from pg_indexes where tablename = 'big'"));
    assert.deepEqual(idx.rows, [{ indexname: 'big_x' }]);

    const broken = migration(3, 'broken', 'create table half (x int); select * from no_such_table;');
    const failed = await migrate(t.db, [first, concurrent, broken]);
    assert.equal(failed.error?.migration, '0003_broken');
    const half = await t.db.asOwner((s) => s.query("select 1 from pg_tables where tablename = 'half'"));
    assert.equal(half.rows.length, 0, 'the failed migration left a table behind');
  });
});
