// The embedded store: PGlite (PostgreSQL compiled to WASM) in this process, data on disk.
// One connection; PGlite serialises transactions, which is what a single process needs.
import { PGlite } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';
import {
  APPLY_READ_ONLY_SCOPE_SQL,
  APPLY_SCOPE_SQL,
  scopeParams,
  type Database,
  type Queryable,
  type QueryResult,
  type Scope,
  type TransactionOptions,
} from '../core/db.js';

const INT8_OID = 20;
const parsers = { [INT8_OID]: (value: string) => Number(value) };

function wrap(q: { query: PGlite['query'] }): Queryable {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      const res = await q.query<R>(sql, params as unknown[]);
      return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
    },
  };
}

/** The PGlite instance under each embedded Database (snapshots dump its data directory). */
const instances = new WeakMap<Database, PGlite>();

/** The PGlite instance under `db`, if `db` is an embedded store opened here. */
export function pgliteOf(db: Database): PGlite | undefined {
  return instances.get(db);
}

/**
 * Opens (creating if needed) a PGlite database in `dir`, or in memory when dir is undefined;
 * `loadDataDir` seeds an empty one from a data-directory dump (a backup being restored).
 */
export async function openPgliteDatabase(dir: string | undefined, loadDataDir?: Blob): Promise<Database> {
  if (dir !== undefined) mkdirSync(dir, { recursive: true });
  const db = await PGlite.create(
    dir ?? 'memory://',
    loadDataDir === undefined ? { parsers } : { parsers, loadDataDir },
  );
  const ownerQ = wrap(db);
  const database: Database = {
    dialect: 'pglite',
    // NOTE: in process, no connection to lose: a read-only transaction is enforced, never retried.
    transaction<T>(scope: Scope, fn: (tx: Queryable) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
      return db.transaction(async (tx) => {
        const q = wrap(tx);
        await q.query(options.readOnly === true ? APPLY_READ_ONLY_SCOPE_SQL : APPLY_SCOPE_SQL, scopeParams(scope));
        return fn(q);
      });
    },
    read<R>(scope: Scope, sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      // NOTE: in process, a round trip costs no network; one transaction as any other.
      return db.transaction(async (tx) => {
        await tx.query(APPLY_READ_ONLY_SCOPE_SQL, scopeParams(scope));
        const res = await tx.query<R>(sql, params as unknown[]);
        return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
      });
    },
    asOwner: (fn) => fn({ ...ownerQ, exec: async (sql: string) => void (await db.exec(sql)) }),
    async listen(channel, onPayload) {
      const unsubscribe = await db.listen(channel, onPayload);
      return async () => unsubscribe();
    },
    async ping() {
      await db.query('select 1');
    },
    async close() {
      if (!db.closed) await db.close();
    },
  };
  instances.set(database, db);
  return database;
}
