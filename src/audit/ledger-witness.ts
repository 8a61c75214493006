// The platform log's witness of the tenant logs: a loop every replica runs in the background
// (every IRIS_LEDGER_WITNESS_SECONDS) that appends a `ledger.witness` event to the platform log,
// and its row to audit_witnesses, for each tenant log that grew since its last witness.
//
// Off the tenants' write path: tenant heads are read, never locked (a committed head is already
// a signed checkpoint), so a tenant's appends never wait for the witness and no lock is shared
// by all tenants' writes. Only the platform head is locked, by the witness transaction itself.
// Replicas share the work through a transaction-scoped advisory lock, so one of them writes a
// given witness; the (log, size) key of audit_witnesses refuses a second one regardless.
import type { RequestContext } from '../core/context.js';
import { platformScope, type Database } from '../core/db.js';
import { PLATFORM } from '../core/ids.js';
import type { Ledger } from './ledger.js';

/** pg_advisory_xact_lock key of a witness batch (any bigint no other lock uses). */
const LOCK_KEY = 7_211_042_027;

export interface WitnessReport {
  /** Platform events written by this run (one per grown log). */
  readonly witnessed: number;
  /** False when another replica held the witness lock, so this run did nothing. */
  readonly ran: boolean;
}

export interface LedgerWitness {
  /** Witnesses every tenant log that grew since its last witness. */
  run(): Promise<WitnessReport>;
}

export interface LedgerWitnessDeps {
  readonly db: Database;
  readonly ledger: Ledger;
  /** The platform's own context (actor `system`), one per run. */
  readonly context: () => RequestContext;
}

export interface LedgerWitnessOptions {
  /** Logs witnessed per transaction (default 100): the platform head is held that long. */
  readonly batchLogs?: number;
  /** Transactions per run (default 20): a run stops there and the next one goes on. */
  readonly maxBatches?: number;
}

interface GrownHead {
  log: string;
  size: number;
  root: string;
  checkpoint: string;
}

// Heads larger than their last witness. A head smaller than it (a truncated log) is left to
// verification, which reports it; the loop never witnesses a log going backwards.
const GROWN_SQL = `select h.tenant_id as log, h.size, h.root, h.checkpoint
  from audit_heads h
  where h.tenant_id <> $1 and h.size > 0 and h.checkpoint <> ''
    and h.size > coalesce((select max(w.size) from audit_witnesses w where w.tenant_id = h.tenant_id), 0)
  order by h.tenant_id
  limit $2`;

export function makeLedgerWitness(deps: LedgerWitnessDeps, opts: LedgerWitnessOptions = {}): LedgerWitness {
  const batchLogs = opts.batchLogs ?? 100;
  const maxBatches = opts.maxBatches ?? 20;

  return {
    async run() {
      const ctx = deps.context();
      let witnessed = 0;
      // Batch after batch until one is short: each is its own transaction, so a large backlog
      // (the first run after the upgrade witnesses every log) never holds the platform head long.
      for (let i = 0; i < maxBatches; i++) {
        const batch = await deps.db.transaction(platformScope, async (tx) => {
          const { rows: lock } = await tx.query<{ locked: boolean }>('select pg_try_advisory_xact_lock($1) as locked', [
            LOCK_KEY,
          ]);
          if (!lock[0]?.locked) return null;
          const { rows } = await tx.query<GrownHead>(GROWN_SQL, [PLATFORM, batchLogs]);
          let n = 0;
          for (const head of rows) if ((await deps.ledger.witness(tx, ctx, head, 'witness')) !== null) n++;
          return { n, full: rows.length === batchLogs };
        });
        if (batch === null) return { witnessed, ran: i > 0 };
        witnessed += batch.n;
        if (!batch.full) break;
      }
      return { witnessed, ran: true };
    },
  };
}
