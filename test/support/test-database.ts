// Test databases on both stores. With IRIS_TEST_DATABASE_URL set (as .ci/run does), each call
// creates a fresh database on that PostgreSQL server; otherwise an in-memory PGlite.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../../src/core/db.js';
import { migrate, openPgliteDatabase, openPostgresDatabase } from '../../src/store/index.js';

export interface TestDatabase {
  readonly db: Database;
  /** postgres:// URL of the fresh database; undefined on PGlite. */
  readonly url: string | undefined;
  /** Closes the database and drops it (PostgreSQL). */
  dispose(): Promise<void>;
}

/** Which store the suite runs against, for test names. */
export const storeName: 'postgres' | 'pglite' = process.env.IRIS_TEST_DATABASE_URL ? 'postgres' : 'pglite';

/** Creates an empty database of the store under test, migrated unless `migrated` is false. */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = process.env.IRIS_TEST_DATABASE_URL;
  let db: Database;
  let url: string | undefined;
  let drop = async (): Promise<void> => undefined;
  if (adminUrl) {
    const name = `iris_t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    url = u.toString();
    db = await openPostgresDatabase(url, 5);
    drop = async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    };
  } else {
    db = await openPgliteDatabase(undefined);
  }
  if (options.migrated !== false) {
    const result = await migrate(db);
    if (result.error) throw new Error(`migration failed: ${result.error.migration}: ${result.error.message}`);
  }
  return {
    db,
    url,
    async dispose() {
      await db.close();
      await drop();
    },
  };
}
