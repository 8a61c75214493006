// The PostgreSQL store: a `pg` pool for transactions, a dedicated client for LISTEN.
import pg from 'pg';
import { scopeParams, type Database, type Queryable, type QueryResult, type Scope } from '../core/db.js';

const INT8_OID = 20;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

function wrap(client: pg.PoolClient | pg.Client): Queryable {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      const res = await client.query(sql, params as unknown[]);
      return { rows: res.rows as R[], rowCount: res.rowCount ?? res.rows.length };
    },
  };
}

/** Connects a pool to `url` and checks the server answers before returning. */
export async function openPostgresDatabase(url: string, poolSize = 10): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types, connectionTimeoutMillis: 5000 });
  // NOTE: an idle client that errors (server restart) must not crash the process.
  pool.on('error', () => undefined);
  await pool.query('select 1');
  const listeners = new Set<pg.Client>();

  return {
    dialect: 'postgres',
    async transaction<T>(scope: Scope, fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        // NOTE: one round trip for BEGIN and the scope: a simple-protocol batch with literals.
        // The values are a fixed role name and a tenant slug already validated by the
        // caller's schema; escapeLiteral quotes them regardless.
        const [role, tenant, kind] = scopeParams(scope).map((v) => client.escapeLiteral(v));
        await client.query(`begin; select set_config('role', ${role}, true), set_config('iris.tenant_id', ${tenant}, true), set_config('iris.scope', ${kind}, true)`);
        const q = wrap(client);
        const result = await fn(q);
        await client.query('commit');
        return result;
      } catch (err) {
        await client.query('rollback').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async asOwner(fn) {
      const client = await pool.connect();
      try {
        return await fn({ ...wrap(client), exec: async (sql: string) => void (await client.query(sql)) });
      } finally {
        client.release();
      }
    },
    async listen(channel, onPayload) {
      const client = new pg.Client({ connectionString: url });
      client.on('error', () => undefined);
      await client.connect();
      client.on('notification', (msg) => {
        if (msg.channel === channel) onPayload(msg.payload ?? '');
      });
      await client.query(`listen ${pg.escapeIdentifier(channel)}`);
      listeners.add(client);
      return async () => {
        listeners.delete(client);
        await client.end().catch(() => undefined);
      };
    },
    async ping() {
      await pool.query('select 1');
    },
    async close() {
      await Promise.all([...listeners].map((c) => c.end().catch(() => undefined)));
      listeners.clear();
      await pool.end();
    },
  };
}
