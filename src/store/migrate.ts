// Forward-only numbered SQL migrations, applied the same way on PGlite and PostgreSQL.
// A run returns what it did (a result, not an exception) so callers can report progress.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database, OwnerSession } from '../core/db.js';
import { errorMessage } from '../core/errors.js';
import { splitStatements } from './migration-check.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

export interface MigrationResult {
  readonly applied: readonly string[];
  readonly alreadyApplied: number;
  readonly error?: { readonly migration: string; readonly message: string };
}

/** The repository's migrations folder, found relative to this file (src/, or dist/src/ and other build dirs such as dist-x/src/). */
function defaultMigrationsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return /\/dist(-[A-Za-z0-9]+)?\//.test(here) ? join(here, '../../../migrations') : join(here, '../../migrations');
}

/** Reads `NNNN_name.sql` files in version order; refuses gaps and duplicates. */
export function readMigrations(dir = defaultMigrationsDir()): Migration[] {
  const files = readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort();
  return files.map((file, i) => {
    const version = Number(file.slice(0, 4));
    if (version !== i + 1) throw new Error(`Migration ${file} is out of sequence: expected version ${i + 1}.`);
    const sql = readFileSync(join(dir, file), 'utf8');
    return { version, name: file.replace(/\.sql$/, ''), sql, checksum: createHash('sha256').update(sql).digest('hex') };
  });
}

/** A migration whose first lines hold `-- iris:no-transaction` runs statement by statement. */
const NO_TRANSACTION = /^--\s*iris:no-transaction\b/m;

const LOCK_KEY = 7_171_717; // advisory lock id: one migrator at a time across replicas

/** Applies every migration not yet applied, each in its own transaction, under an advisory lock. */
export async function migrate(
  db: Database,
  migrations: readonly Migration[] = readMigrations(),
): Promise<MigrationResult> {
  return db.asOwner((owner) => migrateSession(owner, migrations));
}

async function migrateSession(owner: OwnerSession, migrations: readonly Migration[]): Promise<MigrationResult> {
  await owner.query('select pg_advisory_lock($1)', [LOCK_KEY]);
  try {
    await owner.exec(`create table if not exists iris_migrations (
      version integer primary key, name text not null, checksum text not null,
      applied_at timestamptz not null default now())`);
    const { rows } = await owner.query<{ version: number; name: string; checksum: string }>(
      'select version, name, checksum from iris_migrations order by version',
    );
    const done = new Map(rows.map((r) => [r.version, r]));
    for (const m of migrations) {
      const prior = done.get(m.version);
      if (prior && prior.checksum !== m.checksum) {
        return {
          applied: [],
          alreadyApplied: done.size,
          error: {
            migration: m.name,
            message: `migration ${m.name} was changed after it was applied (checksum differs); migrations are forward-only: add a new one instead`,
          },
        };
      }
    }
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      const record = `insert into iris_migrations(version, name, checksum) values (${m.version}, '${m.name}', '${m.checksum}')`;
      try {
        if (NO_TRANSACTION.test(m.sql)) {
          // NOTE: statements such as CREATE INDEX CONCURRENTLY refuse to run in a transaction
          // (a multi-statement string is one implicit transaction): each is sent on its own.
          // Such a migration must be safe to run again (IF NOT EXISTS) after a failure midway.
          for (const statement of splitStatements(m.sql)) await owner.exec(statement);
          await owner.exec(record);
        } else {
          await owner.exec(`begin;\n${m.sql}\n;${record};\ncommit;`);
        }
        applied.push(m.name);
      } catch (err) {
        await owner.exec('rollback').catch(() => undefined);
        return { applied, alreadyApplied: done.size, error: { migration: m.name, message: errorMessage(err) } };
      }
    }
    return { applied, alreadyApplied: done.size };
  } finally {
    await owner.query('select pg_advisory_unlock($1)', [LOCK_KEY]);
  }
}

/** Versions known to this build that the database has not applied (empty when current). */
export async function pendingMigrations(
  db: Database,
  migrations: readonly Migration[] = readMigrations(),
): Promise<string[]> {
  const { rows } = await db
    .asOwner((owner) => owner.query<{ version: number }>('select version from iris_migrations'))
    .catch(() => ({ rows: [] as { version: number }[] }));
  const done = new Set(rows.map((r) => r.version));
  return migrations.filter((m) => !done.has(m.version)).map((m) => m.name);
}

/** The newest migration version this build knows (a backup of a newer schema is refused). */
export function latestMigrationVersion(migrations: readonly Migration[] = readMigrations()): number {
  return migrations.at(-1)?.version ?? 0;
}

/** The latest migration this database has applied (its schema version; 0: none). */
export async function appliedSchemaVersion(db: Database): Promise<number> {
  const { rows } = await db.asOwner((owner) =>
    owner.query<{ version: number | null }>('select max(version) as version from iris_migrations'),
  );
  return Number(rows[0]?.version ?? 0);
}
