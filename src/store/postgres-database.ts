// The PostgreSQL store: a `pg` pool for transactions, a dedicated client for LISTEN.
// Connection loss is normal (a restart, a terminated backend, a network cut): every client
// has an 'error' listener for as long as it is checked out, a broken client is destroyed
// instead of going back to the pool, the loss surfaces as a StoreUnavailableError, and a
// transaction that cannot have written anything is run once more on a fresh connection.
import pg from 'pg';
import {
  scopeParams,
  takeStatementsToCommit,
  type Database,
  type Queryable,
  type QueryResult,
  type Scope,
  type TransactionOptions,
} from '../core/db.js';
import { StoreUnavailableError } from '../core/errors.js';

const INT8_OID = 20;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

/** The socket under a pg client (to cork several messages into one write). */
function socketOf(client: pg.PoolClient): { cork(): void; uncork(): void } | undefined {
  return (client as unknown as { connection?: { stream?: { cork(): void; uncork(): void } } }).connection?.stream;
}

/**
 * Names of the prepared statements, by their SQL text. A statement with parameters is parsed
 * and planned by PostgreSQL once per connection under its name, then only bound and executed:
 * parse and plan were 40% of PostgreSQL's CPU for an audited write. Texts are the code's own
 * constants; the cap bounds what a statement built at run time (a table name spliced in) could
 * add, each connection holding one prepared statement per name.
 */
const statementNames = new Map<string, string | null>();
const MAX_PREPARED_STATEMENTS = 1000;

/**
 * True when the statement's result columns are the table's (`select *`, `returning *`,
 * `t.*`): a prepared statement keeps the row type it was planned with, and a column added by a
 * newer build's migration while this build serves would fail it ("cached plan must not change
 * result type"). `count(*)` and `* from unnest(…) as x(…)` (columns named by the statement)
 * are not.
 */
export function resultFollowsTable(sql: string): boolean {
  const rest = sql.replace(/count\(\*\)/gi, '').replace(/\*\s+from\s+unnest\(/gi, '');
  return /(?:select|returning|,|\.)\s*\*/i.test(rest);
}

/** The query config for `sql`: named (prepared once per connection) when it has parameters and `prepared` is on. */
function statement(sql: string, params: readonly unknown[], prepared: boolean): pg.QueryConfig {
  // NOTE: only a statement with parameters goes by the extended protocol anyway; one without
  // may hold several statements (`begin; select …`), which a prepared statement cannot.
  if (!prepared || params.length === 0) return { text: sql, values: params as unknown[] };
  let name = statementNames.get(sql);
  if (name === undefined && statementNames.size < MAX_PREPARED_STATEMENTS) {
    name = resultFollowsTable(sql) ? null : `iris_${statementNames.size}`;
    statementNames.set(sql, name);
  }
  return typeof name === 'string'
    ? { name, text: sql, values: params as unknown[] }
    : { text: sql, values: params as unknown[] };
}

function wrap(client: pg.PoolClient, prepared: boolean): Queryable {
  // NOTE: statements sent in the same turn of the event loop (a Promise.all of independent
  // statements) go out in one write: the socket is corked at the first and uncorked once the
  // turn ends. On this kind of machine a socket write costs more than the statement does.
  const socket = socketOf(client);
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket?.uncork();
  };
  return {
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      if (socket !== undefined && !corked) {
        corked = true;
        socket.cork();
        process.nextTick(uncork);
      }
      const res = await client.query(statement(sql, params, prepared));
      return { rows: res.rows as R[], rowCount: res.rowCount ?? res.rows.length };
    },
  };
}

/** SQLSTATEs (besides class 08, connection exception) and socket errors that mean the connection failed, not the statement. */
const CONNECTION_LOST_CODES = new Set([
  '57P01',
  '57P02',
  '57P03',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** True when `err` says the connection, not the statement, failed (admin shutdown, crash, reset). */
function isConnectionLost(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && (code.startsWith('08') || CONNECTION_LOST_CODES.has(code));
}

/** A client checked out of the pool and watched for connection loss until it is given back. */
interface Checkout {
  readonly client: pg.PoolClient;
  /** The error that broke the connection while checked out, if one did. */
  lost(): Error | undefined;
  /**
   * Gives the client back; a broken one (or one that failed with `err`, a connection error) is
   * destroyed, and so is one whose session state is unknown (`unusable`).
   */
  release(err?: unknown, unusable?: boolean): void;
}

/**
 * What happened to a client while it was handed out: the listener that watches it and the first
 * error that listener caught. NOTE: pg-pool takes its idle listener off a client as it hands it
 * out, and `checkout` resumes only a microtask later: an error parsed in the same socket read as
 * the client's last message (a backend terminated just as it connected) would find no listener
 * and end the process. `watchOnAcquire` puts this listener on synchronously, in the pool's
 * 'acquire' event, before the pool's own comes off.
 */
interface Watch {
  readonly guard: (err: Error) => void;
  error?: Error;
}
const watches = new WeakMap<pg.PoolClient, Watch>();

/** The pool's 'acquire' listener: replaces the client's watch (and its old error) with a new one. */
function watchOnAcquire(client: pg.PoolClient): Watch {
  const old = watches.get(client);
  if (old !== undefined) client.off('error', old.guard);
  const watch: Watch = {
    guard: (err) => {
      watch.error ??= err;
    },
  };
  watches.set(client, watch);
  client.on('error', watch.guard);
  return watch;
}

/**
 * How long a checkout waits for a database that refuses connections (a restart: the server is
 * shutting down, starting up, or not listening for a moment) before the request fails with a
 * 503. A restart that takes a few seconds is then a slower answer, not a failed one. A busy
 * pool (every connection checked out) is not waited on beyond the pool's own timeout, and a
 * database that rejects the login (allow_connections off, a wrong password) fails at once.
 */
export const OUTAGE_WAIT_MS = 4_000;
const OUTAGE_FIRST_RETRY_MS = 50;
const OUTAGE_MAX_RETRY_MS = 500;

/** A client from the pool, waiting out a database that refuses connections for up to `waitMs`. */
async function connect(pool: pg.Pool, waitMs: number): Promise<pg.PoolClient> {
  const deadline = Date.now() + waitMs;
  let delay = OUTAGE_FIRST_RETRY_MS;
  for (;;) {
    try {
      return await pool.connect();
    } catch (err) {
      // NOTE: a server that closes the socket during the startup handshake (as it stops)
      // gives pg's "Connection terminated unexpectedly", which carries no code.
      const refused = isConnectionLost(err) || /connection terminated/i.test((err as Error).message ?? '');
      if (!refused || Date.now() + delay > deadline)
        throw new StoreUnavailableError(
          'No database connection could be had (the database is unreachable, or every connection is busy); retry shortly.',
          { cause: err },
        );
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, OUTAGE_MAX_RETRY_MS);
    }
  }
}

async function checkout(pool: pg.Pool): Promise<Checkout> {
  const client = await connect(pool, OUTAGE_WAIT_MS);
  // NOTE: the pool listens for errors of idle clients only. Without the watch (put on when the
  // pool handed the client out), a backend terminated under a checked-out client (FATAL 57P01,
  // a reset socket) is an unhandled 'error' event, and that ends the process. The failing
  // query rejects by itself.
  const watch = watches.get(client) ?? watchOnAcquire(client);
  return {
    client,
    lost: () => watch.error,
    release(err, unusable = false) {
      const broken =
        watch.error ??
        (isConnectionLost(err) || unusable
          ? ((err as Error | undefined) ?? new Error('connection given up'))
          : undefined);
      // release(err) makes the pool end the client instead of keeping it idle; the pool's own
      // listener is back on the client before ours comes off.
      client.release(broken);
      // NOTE: release hands the client straight to a waiting checkout when there is one, whose
      // 'acquire' has already replaced this watch: that new watch stays.
      if (watches.get(client) !== watch) return;
      client.off('error', watch.guard);
      watches.delete(client);
    },
  };
}

/** Where in a transaction the connection was lost: it decides whether running it again is safe. */
type Phase = 'begin' | 'body' | 'commit';

/** Internal: the connection of one transaction attempt was lost in `phase`. */
class ConnectionLost extends Error {
  constructor(
    readonly phase: Phase,
    cause: unknown,
  ) {
    super(`connection lost (${phase})`, { cause });
  }
}

/** A single-statement read waiting for its turn's write (see `readBatch`). */
interface PendingRead {
  readonly scope: Scope;
  readonly sql: string;
  readonly params: readonly unknown[];
  resolve(result: QueryResult<unknown>): void;
  reject(err: unknown): void;
}

/** Most reads one connection carries in one write: a slow read holds up the ones behind it. */
const READS_PER_WRITE = 16;

function unavailable(lost: ConnectionLost): StoreUnavailableError {
  return lost.phase === 'commit'
    ? new StoreUnavailableError(
        'The connection to the database was lost while committing: the change may or may not have been applied. Read it back before retrying.',
        { cause: lost.cause },
      )
    : new StoreUnavailableError('The connection to the database was lost; nothing was committed. Retry shortly.', {
        cause: lost.cause,
      });
}

/**
 * BEGIN and the scope in one simple-protocol batch with literals: one round trip. The values
 * are a fixed role name and a tenant slug already validated by the caller's schema;
 * escapeLiteral quotes them regardless.
 */
function beginSql(client: pg.PoolClient, scope: Scope, readOnly: boolean, snapshot = false): string {
  const [role, tenant, kind] = scopeParams(scope).map((v) => client.escapeLiteral(v));
  return `begin${snapshot ? ' isolation level repeatable read' : ''}${readOnly ? ' read only' : ''}; select set_config('role', ${role}, true), set_config('iris.tenant_id', ${tenant}, true), set_config('iris.scope', ${kind}, true)`;
}

const SET_SCOPE =
  "select set_config('role', $1, true), set_config('iris.tenant_id', $2, true), set_config('iris.scope', $3, true)";

/**
 * Opens the transaction and sets its scope, sending everything before returning (so what the
 * caller sends next follows it on the wire). With prepared statements: a fixed BEGIN and the
 * prepared scope statement, in one write, which spares PostgreSQL parsing and planning the
 * scope for every transaction. NOTE: the BEGIN is a constant and cannot fail to parse, so the
 * scope statement and whatever follows run inside the transaction; a scope that fails (a
 * value PostgreSQL refuses) aborts it, and so every statement after it.
 */
function beginTransaction(
  client: pg.PoolClient,
  scope: Scope,
  prepared: boolean,
  readOnly: boolean,
  snapshot = false,
): Promise<unknown> {
  if (!prepared) return client.query(beginSql(client, scope, readOnly, snapshot));
  const socket = socketOf(client);
  socket?.cork();
  try {
    const begun = client.query(
      `begin${snapshot ? ' isolation level repeatable read' : ''}${readOnly ? ' read only' : ''}`,
    );
    const scoped = client.query(statement(SET_SCOPE, scopeParams(scope), true));
    return Promise.all([begun, scoped]);
  } finally {
    socket?.uncork();
  }
}

/** The error of the first of `statements` that failed, once all have settled. */
async function firstFailure(statements: readonly Promise<unknown>[]): Promise<unknown> {
  const settled = await Promise.allSettled(statements);
  return settled.find((x): x is PromiseRejectedResult => x.status === 'rejected')?.reason;
}

/** Lets pending socket events run, so the pool drops other clients that died with this one. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Connects a pool to `url` and checks the server answers before returning. */
/** The URL each PostgreSQL Database was opened with (backups run pg_dump on it). */
const urls = new WeakMap<Database, string>();

/** The URL `db` was opened with, if it is a PostgreSQL store opened here. */
export function postgresUrlOf(db: Database): string | undefined {
  return urls.get(db);
}

/**
 * Opens the store. `prepared` (IRIS_DB_PREPARED_STATEMENTS) names statements so each connection
 * parses and plans them once; turn it off behind a pooler that cannot keep protocol-level
 * prepared statements (PgBouncer before 1.21 in transaction mode).
 */
export async function openPostgresDatabase(url: string, poolSize = 10, prepared = true): Promise<Database> {
  // NOTE: pipeline mode sends a query without waiting for the one before it to finish; a
  // transaction still awaits each statement, except `read`, which writes its statements at once
  // (with the other reads of its turn: readBatch).
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types,
    connectionTimeoutMillis: 5000,
    pipeline: true,
  });
  // NOTE: an idle client that errors (server restart) must not crash the process.
  pool.on('error', () => undefined);
  pool.on('acquire', watchOnAcquire);
  await pool.query('select 1');
  const subscriptions = new Set<Subscription>();

  /** One attempt at a transaction; a lost connection is thrown as ConnectionLost. */
  async function attempt<T>(
    scope: Scope,
    fn: (tx: Queryable) => Promise<T>,
    readOnly: boolean,
    snapshot = false,
  ): Promise<T> {
    const held = await checkout(pool);
    const { client } = held;
    let phase: Phase = 'begin';
    let failure: unknown;
    /** Statements the body left to the commit (settleBeforeCommit), still in flight. */
    const last: Promise<unknown>[] = [];
    try {
      await beginTransaction(client, scope, prepared, readOnly, snapshot);
      phase = 'body';
      const tx = wrap(client, prepared);
      takeStatementsToCommit(tx, (statements) => {
        for (const s of statements) {
          s.catch(() => undefined); // observed at the commit
          last.push(s);
        }
      });
      const result = await fn(tx);
      // A connection lost during `fn` (whose error `fn` swallowed) is not a commit of unknown outcome.
      const lostEarly = held.lost();
      if (lostEarly !== undefined) throw lostEarly;
      if (last.length > 0) {
        // NOTE: the COMMIT goes out behind the body's last statements, before their answers. One
        // that fails aborts the transaction, and PostgreSQL answers the COMMIT with ROLLBACK:
        // its error is the transaction's. A lost connection here is a commit of unknown outcome.
        phase = 'commit';
        const commit = client.query('commit');
        const settled = await Promise.allSettled([...last, commit]);
        const failed = settled.find((x): x is PromiseRejectedResult => x.status === 'rejected');
        if (failed !== undefined) throw failed.reason;
        const { command } = (settled[settled.length - 1] as PromiseFulfilledResult<pg.QueryResult>).value;
        if (command !== 'COMMIT') throw new Error(`the transaction was rolled back at its commit (${command})`);
        return result;
      }
      phase = 'commit';
      await client.query('commit');
      return result;
    } catch (err) {
      // NOTE: a statement after a failed last statement fails only because the transaction is
      // aborted (25P02): the last statement's own error says why.
      const cause = (err as { code?: unknown }).code === '25P02' ? ((await firstFailure(last)) ?? err) : err;
      failure = cause;
      if (held.lost() !== undefined || isConnectionLost(cause)) throw new ConnectionLost(phase, held.lost() ?? cause);
      await client.query('rollback').catch(() => undefined);
      throw cause;
    } finally {
      held.release(failure);
    }
  }

  /**
   * Single-statement reads waiting to be sent. NOTE: every read made in one turn of the event
   * loop (one poll phase: the requests that arrived together) goes out on one connection in one
   * write, each as its own transaction, BEGIN with the scope, the statement and COMMIT
   * (pipelined); PostgreSQL runs them one after the other and answers them in order. On this
   * kind of machine a socket write and the wake-up of the backend cost more than the statement;
   * sharing them is what made `?consistent=true` reads cheaper.
   */
  let waiting: PendingRead[] = [];

  /** One attempt at a single-statement read, sent with the other reads of this turn. */
  function readAttempt<R>(scope: Scope, sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    return new Promise<QueryResult<unknown>>((resolve, reject) => {
      if (waiting.length === 0) setImmediate(sendReads);
      waiting.push({ scope, sql, params, resolve, reject });
    }) as Promise<QueryResult<R>>;
  }

  function sendReads(): void {
    const batch = waiting;
    waiting = [];
    for (let i = 0; i < batch.length; i += READS_PER_WRITE) void readBatch(batch.slice(i, i + READS_PER_WRITE));
  }

  /**
   * Sends `batch` on one connection. Each read is its own transaction: a statement that fails
   * aborts its own, whose COMMIT rolls back, and the next read's BEGIN starts afresh (node-postgres
   * ends every extended-protocol statement with a Sync, so an error skips nothing of the others).
   * A lost connection fails every read of the batch as lost, in the phase it had reached.
   */
  async function readBatch(batch: readonly PendingRead[]): Promise<void> {
    let held: Checkout;
    try {
      held = await checkout(pool);
    } catch (err) {
      for (const r of batch) r.reject(err);
      return;
    }
    const { client } = held;
    const socket = socketOf(client);
    const sent: (readonly [Promise<unknown>, Promise<pg.QueryResult>, Promise<unknown>])[] = [];
    let broken: unknown;
    socket?.cork();
    try {
      for (const r of batch) {
        // Each part is observed as it is made: a read sent in part is settled below as lost.
        const begun = beginTransaction(client, r.scope, prepared, true);
        begun.catch(() => undefined);
        const result = client.query(statement(r.sql, r.params, prepared));
        result.catch(() => undefined);
        const committed = client.query('commit');
        committed.catch(() => undefined);
        sent.push([begun, result, committed]);
      }
    } catch (err) {
      // NOTE: a read sent in part would leave its transaction open for the next one: the
      // connection is given up and the reads not sent are lost at BEGIN (run again elsewhere).
      broken = err;
    } finally {
      socket?.uncork();
    }
    let failure: unknown = broken;
    await Promise.all(
      batch.map(async (r, i) => {
        const s = sent[i];
        if (s === undefined) {
          r.reject(new ConnectionLost('begin', broken));
          return;
        }
        const [begun, result, committed] = await Promise.allSettled(s);
        const phases: [Phase, PromiseSettledResult<unknown>][] = [
          ['begin', begun],
          ['body', result],
          ['commit', committed],
        ];
        for (const [phase, settled] of phases) {
          if (settled.status === 'fulfilled') continue;
          const reason: unknown = settled.reason;
          const lost = held.lost() !== undefined || isConnectionLost(reason);
          if (lost) failure ??= reason;
          r.reject(lost ? new ConnectionLost(phase, held.lost() ?? reason) : reason);
          return;
        }
        const res = (result as PromiseFulfilledResult<pg.QueryResult>).value;
        r.resolve({ rows: res.rows, rowCount: res.rowCount ?? res.rows.length });
      }),
    );
    held.release(failure, broken !== undefined);
  }

  /** Runs `once` again after a lost connection while that is safe (see `transaction`). */
  async function retrying<T>(readOnly: boolean, once: () => Promise<T>): Promise<T> {
    let deadClients = 0;
    let readRetried = false;
    for (;;) {
      try {
        return await once();
      } catch (err) {
        if (!(err instanceof ConnectionLost)) throw err;
        // Run again only what cannot have written. Lost at BEGIN, before `fn` ran: the pool
        // handed out a client whose backend had died while idle (the server rolls back what
        // a dead connection left open), so any transaction takes another client, at most
        // once per client the pool can hold. Lost later: a read-only transaction runs once
        // more; any other fails (a commit of unknown outcome is never retried).
        if (err.phase === 'begin' && deadClients < poolSize) deadClients += 1;
        else if (readOnly && !readRetried) readRetried = true;
        else throw unavailable(err);
        await nextTurn();
      }
    }
  }

  const database: Database = {
    dialect: 'postgres',
    read: (scope, sql, params = []) => retrying(true, () => readAttempt(scope, sql, params)),
    async transaction<T>(
      scope: Scope,
      fn: (tx: Queryable) => Promise<T>,
      options: TransactionOptions = {},
    ): Promise<T> {
      const readOnly = options.readOnly === true;
      return retrying(readOnly, () => attempt(scope, fn, readOnly, options.snapshot === true));
    },
    async asOwner(fn) {
      const held = await checkout(pool);
      let failure: unknown;
      try {
        return await fn({
          ...wrap(held.client, false),
          exec: async (sql: string) => void (await held.client.query(sql)),
        });
      } catch (err) {
        failure = err;
        if (held.lost() !== undefined || isConnectionLost(err))
          throw new StoreUnavailableError(
            'The connection to the database was lost during maintenance; retry shortly.',
            { cause: held.lost() ?? err },
          );
        throw err;
      } finally {
        held.release(failure);
      }
    },
    async listen(channel, onPayload, onReconnect, onLost) {
      const subscription = new Subscription(url, channel, onPayload, onReconnect, onLost);
      await subscription.connect();
      subscriptions.add(subscription);
      return async () => {
        subscriptions.delete(subscription);
        await subscription.close();
      };
    },
    async ping() {
      await pool.query('select 1').catch((err: unknown) => {
        throw new StoreUnavailableError('The database does not answer; retry shortly.', { cause: err });
      });
    },
    async close() {
      await Promise.all([...subscriptions].map((s) => s.close()));
      subscriptions.clear();
      await pool.end();
    },
  };
  urls.set(database, url);
  return database;
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
    private readonly onLost: (() => void) | undefined,
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
      if (!this.closed) this.onLost?.();
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
