// The change feed of tenants and keys (migration 0015): a change is written to
// change_feed.changes in the transaction that makes it, and every replica polls the table for
// what committed since its last look. It replaces a NOTIFY inside that transaction, which
// PostgreSQL serialises across all writers at commit; and unlike a notice sent after the commit,
// a row cannot be lost to a replica that dies in between.
import { platformScope, type Database, type Queryable } from '../core/db.js';
import { CHANGES_CHANNEL, type Change } from './tenant-store.js';

/** Writes `change` to the feed in `tx`: every replica hears of it once `tx` commits. */
export async function recordChange(tx: Queryable, change: Change): Promise<void> {
  await tx.query('insert into change_feed.changes (tenant_id, change) values ($1, $2)', [
    change.tenantId,
    JSON.stringify(change),
  ]);
}

/** How often a replica looks for new changes; the delay before another replica serves one. */
export const DEFAULT_POLL_MS = 100;
/** How long rows are kept: far beyond any poll interval; a replica cut off longer resyncs whole. */
export const DEFAULT_RETENTION_MS = 10 * 60_000;
/** How often a replica deletes rows older than the retention. */
const DEFAULT_PRUNE_EVERY_MS = 60_000;

const HORIZON_SQL = 'select pg_snapshot_xmin(pg_current_snapshot())::text as horizon';

// NOTE: one statement, so the rows and the horizon come from one snapshot. Every transaction
// with an id below the horizon had ended when the snapshot was taken, so its rows (if it
// committed) are in this answer or an earlier one; rows of a transaction at or above it may
// still be to come, and the next poll reads from here again. A cursor on seq instead would
// skip a transaction that took its seq first and committed last.
const POLL_SQL = `with h as (select pg_snapshot_xmin(pg_current_snapshot()) as horizon)
  select h.horizon::text as horizon, c.seq::text as seq, c.xid::text as xid, c.change
  from h left join change_feed.changes c on c.xid >= $1::xid8
  order by c.seq`;

interface PollRow {
  horizon: string;
  seq: string | null;
  xid: string | null;
  change: Change | null;
}

export interface ChangeFeedOptions {
  readonly db: Database;
  readonly pollMs?: number;
  readonly retentionMs?: number;
  readonly pruneEveryMs?: number;
  /** Hears the changes each poll delivered, when there were any (relayToOlderBuilds). */
  readonly relay?: (changes: readonly Change[]) => Promise<void>;
  /** Each change, once, in the order of the feed. */
  readonly onChange: (change: Change) => void;
  /** A poll failed: changes may be going unheard until one succeeds. */
  readonly onLost: () => void;
  /** The first poll that succeeded after `onLost`: everything missed has been delivered since. */
  readonly onBack: () => void;
}

export interface ChangeFeed {
  stop(): Promise<void>;
}

/**
 * Follows the feed from now: changes committed by transactions that were still running when
 * it started, or began later, are delivered. Call it before the full load it complements.
 */
export async function followChanges(opts: ChangeFeedOptions): Promise<ChangeFeed> {
  const { db } = opts;
  const pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
  const retentionMs = opts.retentionMs ?? DEFAULT_RETENTION_MS;
  const pruneEveryMs = opts.pruneEveryMs ?? DEFAULT_PRUNE_EVERY_MS;
  const first = await db.read<{ horizon: string }>(platformScope, HORIZON_SQL);
  let horizon = BigInt(first.rows[0]?.horizon ?? '0');
  /** Rows delivered whose transaction is at or above the horizon: the next poll reads them again. */
  let delivered = new Map<string, bigint>();
  let lost = false;
  let lastSuccess = Date.now();
  let lastPrune = Date.now();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  async function poll(): Promise<void> {
    let rows: PollRow[];
    try {
      rows = (await db.read<PollRow>(platformScope, POLL_SQL, [horizon.toString()])).rows;
    } catch {
      if (!lost) {
        lost = true;
        opts.onLost();
      }
      return;
    }
    const next = BigInt(rows[0]?.horizon ?? horizon);
    const kept = new Map<string, bigint>();
    const fresh: Change[] = [];
    for (const r of rows) {
      if (r.seq === null || r.xid === null || r.change === null) continue;
      const xid = BigInt(r.xid);
      if (xid >= next) kept.set(r.seq, xid);
      if (!delivered.has(r.seq)) {
        fresh.push(r.change);
        opts.onChange(r.change);
      }
    }
    if (fresh.length > 0) await opts.relay?.(fresh).catch(() => undefined); // the older builds' 60 s resync covers a loss
    delivered = kept;
    horizon = next;
    // NOTE: a replica that could not look for longer than half the retention may have missed
    // rows already pruned: it reloads whole, as after a failed poll.
    const gap = Date.now() - lastSuccess > retentionMs / 2;
    lastSuccess = Date.now();
    if (lost || gap) {
      lost = false;
      opts.onBack();
    }
    if (Date.now() - lastPrune >= pruneEveryMs) {
      lastPrune = Date.now();
      await db
        .transaction(platformScope, (tx) =>
          tx.query('delete from change_feed.changes where at < now() - make_interval(secs => $1)', [
            retentionMs / 1000,
          ]),
        )
        .catch(() => undefined); // the next prune tries again
    }
  }

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = poll().finally(schedule);
    }, pollMs);
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running.catch(() => undefined);
    },
  };
}

/** Most changes in one relayed statement (NOTIFY payloads are small; this keeps the statement so). */
const RELAY_BATCH = 500;

/**
 * Announces `changes` by NOTIFY on CHANGES_CHANNEL, marked relayed, for builds before migration
 * 0015 serving beside this one (they hear of tenant and key changes no other way). One
 * statement per poll that found changes, in a transaction of its own: never in a writer's.
 */
export async function relayToOlderBuilds(db: Database, changes: readonly Change[]): Promise<void> {
  for (let i = 0; i < changes.length; i += RELAY_BATCH) {
    const payloads = changes.slice(i, i + RELAY_BATCH).map((c) => JSON.stringify({ ...c, relayed: true }));
    await db.transaction(platformScope, (tx) =>
      tx.query('select pg_notify($1, c) from unnest($2::text[]) as c', [CHANGES_CHANNEL, payloads]),
    );
  }
}
