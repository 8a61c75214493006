import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { checkMigration, checkMigrations, splitStatements, type MigrationRule } from './migration-check.js';

const base = [
  { sql: 'create table tenants (tenant_id text primary key, name text);\ncreate table big (tenant_id text, x int);' },
];
const rulesOf = (sql: string): MigrationRule[] => checkMigration({ name: '0099_x', sql }, base).map((f) => f.rule);

describe('migration check: expand then contract', () => {
  test('statements split at top-level semicolons only', () => {
    assert.deepEqual(
      splitStatements('select \';\'; -- a ; comment\ndo $$ begin perform 1; end $$; select "a;b" /* ; */ from t'),
      ["select ';'", 'do $$ begin perform 1; end $$', 'select "a;b"   from t'],
    );
  });

  test('additive changes pass', () => {
    assert.deepEqual(
      rulesOf(`create table fresh (tenant_id text primary key, n int not null);
        create index fresh_n on fresh (n);
        alter table big add column note text;
        alter table big add column flag boolean not null default false;
        alter table big add constraint big_x check (x > 0) not valid;
        create index concurrently big_x_idx on big (x);
        drop index if exists old_idx;`),
      [],
    );
  });

  test('each way of breaking the previous build or locking a large table is refused', () => {
    const cases: [string, MigrationRule][] = [
      ['drop table big', 'drop'],
      ['alter table big drop column x', 'drop'],
      ['alter table big rename column x to y', 'rename'],
      ['alter table big rename to bigger', 'rename'],
      ['alter table big alter column x type bigint', 'type-change'],
      ['alter table big add column y int not null', 'not-null-without-default'],
      ['alter table big alter column x set not null', 'set-not-null'],
      ["alter table big add column s tsvector generated always as (to_tsvector('simple', name)) stored", 'rewrite'],
      ['alter table big add column at timestamptz default now()', 'rewrite'],
      ['create index big_x on big (x)', 'index-lock'],
      ['create unique index if not exists big_x on public.big (tenant_id, x)', 'index-lock'],
      ['alter table big add constraint fk foreign key (tenant_id) references tenants (tenant_id)', 'validate-lock'],
      ['lock table big in access exclusive mode', 'explicit-lock'],
      ['vacuum full big', 'explicit-lock'],
      ['reindex table big', 'explicit-lock'],
    ];
    for (const [sql, rule] of cases) assert.deepEqual(rulesOf(sql), [rule], sql);
  });

  test('a stated exception passes; other findings of the same migration still fail', () => {
    assert.deepEqual(
      rulesOf('-- iris:allow drop: nothing has read big since 0.9\ndrop table big; create index b on big (x)'),
      ['index-lock'],
    );
  });

  test("the repository's migrations pass (the landed ones before the check are exempt, and would be flagged)", () => {
    const dir = join(process.cwd(), 'migrations');
    const migrations = readdirSync(dir)
      .filter((f) => /^\d{4}_.*\.sql$/.test(f))
      .sort()
      .map((f) => ({
        version: Number(f.slice(0, 4)),
        name: f.replace(/\.sql$/, ''),
        sql: readFileSync(join(dir, f), 'utf8'),
      }));
    assert.deepEqual(checkMigrations(migrations), []);
    // NOTE: the check does see what the exempt ones did: 0006 rewrote kg_chunks and indexed it in place.
    const m6 = migrations.findIndex((m) => m.version === 6);
    const m = migrations[m6];
    assert.ok(m);
    assert.deepEqual(
      checkMigration(m, migrations.slice(0, m6)).map((f) => f.rule),
      ['rewrite', 'index-lock'],
    );
  });
});
