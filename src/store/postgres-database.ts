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
  const subscriptions = new Set<Subscription>();

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
    async listen(channel, onPayload, onReconnect) {
      const subscription = new Subscription(url, channel, onPayload, onReconnect);
      await subscription.connect();
      subscriptions.add(subscription);
      return async () => {
        subscriptions.delete(subscription);
        await subscription.close();
      };
    },
    async ping() {
      await pool.query('select 1');
    },
    async close() {
      await Promise.all([...subscriptions].map((s) => s.close()));
      subscriptions.clear();
      await pool.end();
    },
  };
}

/** First and longest wait between reconnection attempts of a LISTEN connection. */
const RECONNECT_FIRST_MS = 100;
const RECONNECT_MAX_MS = 5_000;

/**
 * One LISTEN on its own connection. When the connection drops (server restart, a terminated
 * backend, a network cut) it reconnects with capped exponential backoff, listens again and
 * calls `onReconnect` so the subscriber can catch up on what it missed.
 */
class Subscription {
  private client: pg.Client | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private delayMs = RECONNECT_FIRST_MS;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly onPayload: (payload: string) => void,
    private readonly onReconnect: (() => void) | undefined,
  ) {}

  /** Connects and listens; the first attempt's failure is the caller's. */
  async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    let lost = false;
    const onLost = (): void => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      void client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('error', onLost);
    client.on('end', onLost);
    client.on('notification', (msg) => {
      if (msg.channel === this.channel) this.onPayload(msg.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`listen ${pg.escapeIdentifier(this.channel)}`);
    } catch (err) {
      lost = true;
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      lost = true;
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.delayMs = RECONNECT_FIRST_MS;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.connect().then(
        () => {
          if (!this.closed) this.onReconnect?.();
        },
        () => {
          this.delayMs = Math.min(this.delayMs * 2, RECONNECT_MAX_MS);
          this.scheduleReconnect();
        },
      );
    }, this.delayMs);
    this.retry.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.retry = undefined;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
