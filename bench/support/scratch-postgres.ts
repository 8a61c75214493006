// A fresh, migrated PostgreSQL database for one benchmark run, dropped afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../../src/core/db.js';
import { migrate, openPostgresDatabase } from '../../src/store/index.js';

export interface ScratchPostgres {
  readonly db: Database;
  readonly url: string;
  dispose(): Promise<void>;
}

/** Creates `iris_bench_<random>` through `adminUrl`, migrates it and opens a pool of `poolSize`. */
export async function createScratchPostgres(adminUrl: string, poolSize: number): Promise<ScratchPostgres> {
  const dbName = `iris_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  const url = u.toString();
  const db = await openPostgresDatabase(url, poolSize);
  const m = await migrate(db);
  if (m.error) throw new Error(m.error.message);
  return {
    db,
    url,
    async dispose() {
      await db.close();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${dbName} with (force)`);
      await c.end();
    },
  };
}
