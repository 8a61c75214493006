// The database port every context uses: scoped transactions and change notifications.
// `store/` implements it for PGlite and PostgreSQL; contexts never import a driver.
import type { TraceParent } from './trace-parent.js';

export interface QueryResult<R> {
  readonly rows: R[];
  readonly rowCount: number;
}

/** Something that runs one parameterised statement. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
}

/** Transactions whose store takes their last statements to the commit (see settleBeforeCommit). */
const deferrals = new WeakMap<Queryable, (statements: readonly Promise<unknown>[]) => void>();

/** For stores: `tx`'s commit waits for the statements handed to settleBeforeCommit, and fails with them. */
export function takeStatementsToCommit(tx: Queryable, take: (statements: readonly Promise<unknown>[]) => void): void {
  deferrals.set(tx, take);
}

/**
 * Settles `statements`, already sent in `tx`, by the time `tx` commits: a store that pipelines
 * sends the COMMIT behind them without waiting for their answers (one round trip fewer; the
 * rows they lock are held that much shorter), and the transaction fails, rolled back, with the
 * first of them that failed. Other stores await them here. For a transaction's last writes:
 * nothing after them may need their results.
 */
export async function settleBeforeCommit(tx: Queryable, statements: readonly Promise<unknown>[]): Promise<void> {
  const take = deferrals.get(tx);
  if (take !== undefined) return take(statements);
  const settled = await Promise.allSettled(statements);
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
}

/** A session of the schema owner; `exec` runs several statements without parameters. */
export interface OwnerSession extends Queryable {
  exec(sql: string): Promise<void>;
}

/**
 * Whose rows a transaction may see. Row-level security reads these settings:
 * - tenant: only rows of that tenant;
 * - platform: every tenant's rows (platform operators and Iris's own control loops).
 * `trace` is the span the transaction runs under (a request's, a job's): telemetry hangs the
 * transaction's span below it.
 */
export type Scope =
  | { readonly kind: 'tenant'; readonly tenantId: string; readonly trace?: TraceParent }
  | { readonly kind: 'platform'; readonly trace?: TraceParent };

export const platformScope: Scope = Object.freeze({ kind: 'platform' });
export function tenantScope(tenantId: string, trace?: TraceParent): Scope {
  return trace === undefined ? { kind: 'tenant', tenantId } : { kind: 'tenant', tenantId, trace };
}
/** The platform scope, under the span `trace`. */
export function platformScopeIn(trace: TraceParent): Scope {
  return trace === undefined ? platformScope : { kind: 'platform', trace };
}

/** How current a read must be. */
export interface ReadOptions {
  /**
   * True: read the database (the latest committed version, whichever replica committed it).
   * False or absent: served from this replica's snapshot when it is provably current (every
   * change this replica has been told of is in it, its own commits included), else from the
   * database.
   */
  readonly consistent?: boolean | undefined;
}

/** A Queryable whose every statement is its own read-only transaction of `scope` (one round trip each). */
export function readsOf(db: Pick<Database, 'read'>, scope: Scope): Queryable {
  return { query: (sql, params) => db.read(scope, sql, params) };
}

export type Dialect = 'pglite' | 'postgres';

export interface TransactionOptions {
  /**
   * The transaction only reads, and the database enforces it (a write in it fails). Such a
   * transaction is idempotent, so one whose connection is lost midway is run once more on a
   * fresh connection. `fn` must have no effect outside the transaction: it may run twice.
   */
  readonly readOnly?: boolean;
  /**
   * Every statement sees the one snapshot the first one took (REPEATABLE READ on PostgreSQL), so
   * a read of several tables is consistent. PGlite runs one transaction at a time: always so.
   */
  readonly snapshot?: boolean;
}

export interface Database {
  readonly dialect: Dialect;
  /**
   * Runs `fn` in one transaction as the non-owner application role with `scope` applied,
   * so row-level security binds every statement. Commits when `fn` resolves.
   * @throws StoreUnavailableError (core/errors) when the connection is lost or cannot be had;
   *   a transaction that may have written is never retried here (see TransactionOptions).
   */
  transaction<T>(scope: Scope, fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Runs one statement in a read-only transaction of its own with `scope` applied: what
   * `transaction(scope, (tx) => tx.query(sql, params), { readOnly: true })` does, in one round
   * trip where the driver can pipeline (PostgreSQL: scope, statement and commit in one write).
   */
  read<R = Record<string, unknown>>(scope: Scope, sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /**
   * Runs `fn` on one session as the schema owner (migrations, maintenance, tests that must
   * bypass row-level security). Never for request paths.
   */
  asOwner<T>(fn: (session: OwnerSession) => Promise<T>): Promise<T>;
  /**
   * Subscribes to a NOTIFY channel; resolves to an unsubscribe function. A subscription whose
   * connection drops calls `onLost` at once, reconnects by itself and then calls `onReconnect`:
   * notifications sent while it was down are lost, so the subscriber resynchronises there.
   */
  listen(
    channel: string,
    onPayload: (payload: string) => void,
    onReconnect?: () => void,
    onLost?: () => void,
  ): Promise<() => Promise<void>>;
  /** A cheap round trip, for readiness. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The role every request transaction runs as: not the table owner, no BYPASSRLS. */
const APP_ROLE = 'iris_app';

/** Statement that applies a scope inside a transaction (role + settings, all LOCAL). */
export const APPLY_SCOPE_SQL =
  "select set_config('role', $1, true), set_config('iris.tenant_id', $2, true), set_config('iris.scope', $3, true)";
/** The same, and the transaction made read-only (TransactionOptions.readOnly). */
export const APPLY_READ_ONLY_SCOPE_SQL = `${APPLY_SCOPE_SQL}, set_config('transaction_read_only', 'on', true)`;

export function scopeParams(scope: Scope): [string, string, string] {
  return scope.kind === 'tenant' ? [APP_ROLE, scope.tenantId, 'tenant'] : [APP_ROLE, '', 'platform'];
}
