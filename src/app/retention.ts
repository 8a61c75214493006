// Retention: the stores that grow with traffic rather than with tenants are aged out here.
// The decision log (policy_decisions) keeps IRIS_POLICY_DECISION_RETENTION_DAYS (30) and each
// pruning is itself an event of the platform audit log, written in the same transaction;
// questions no one asked again for IRIS_QUERY_LOG_RETENTION_DAYS (30) leave the query log.
// Jobs age out in the executor's own sweep (src/jobs). Every replica runs the loop; a
// transaction-scoped advisory lock lets one of them work at a time.
import { PLATFORM } from '../core/ids.js';
import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import { platformScope, type Database, type Queryable } from '../core/db.js';
import type { Ledger } from '../audit/index.js';
import { pruneQuestions } from '../knowledge/index.js';
import { pruneDecisions } from '../policy/index.js';

const DAY_MS = 24 * 3600_000;
/** pg_advisory_xact_lock key of a retention batch (any bigint no other lock uses). */
const LOCK_KEY = 7_211_042_026;

export interface RetentionOptions {
  /** Days a policy decision is kept; 0 keeps them forever. */
  readonly decisionDays: number;
  readonly queryLogDays: number;
  /** Rows deleted per transaction (default 10,000). */
  readonly batchRows?: number;
  /** Transactions per table per run (default 50): a run stops there and the next one goes on. */
  readonly maxBatches?: number;
}

export interface RetentionDeps {
  readonly db: Database;
  readonly ledger: Ledger;
  readonly clock: Clock;
  readonly context: () => RequestContext;
  readonly onPruned?: (table: 'policy_decisions' | 'kg_query_log', rows: number) => void;
}

export interface RetentionReport {
  readonly policyDecisions: number;
  readonly queryLog: number;
  /** False when another replica held the retention lock, so this run did nothing. */
  readonly ran: boolean;
}

export interface Retention {
  run(): Promise<RetentionReport>;
}

export function makeRetention(deps: RetentionDeps, opts: RetentionOptions): Retention {
  const batchRows = opts.batchRows ?? 10_000;
  const maxBatches = opts.maxBatches ?? 50;

  /** Runs `prune` batch by batch under the lock; null when another replica holds it. */
  async function drain(prune: (tx: Queryable) => Promise<number>): Promise<number | null> {
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const n = await deps.db.transaction(platformScope, async (tx) => {
        const { rows } = await tx.query<{ locked: boolean }>('select pg_try_advisory_xact_lock($1) as locked', [
          LOCK_KEY,
        ]);
        return rows[0]?.locked ? prune(tx) : null;
      });
      if (n === null) return i === 0 ? null : total;
      total += n;
      if (n < batchRows) break;
    }
    return total;
  }

  return {
    async run() {
      const now = deps.clock.now().getTime();
      let decisions: number | null = 0;
      if (opts.decisionDays > 0) {
        const cutoff = new Date(now - opts.decisionDays * DAY_MS);
        decisions = await drain(async (tx) => {
          const pruned = await pruneDecisions(tx, cutoff, batchRows);
          if (pruned > 0) {
            const id = `decided-before/${cutoff.toISOString()}`;
            await deps.ledger.append(tx, deps.context(), {
              log: PLATFORM,
              action: 'policy.decisions.prune',
              resource: { kind: 'PolicyDecisions', id },
              before: null,
              after: { cutoff: cutoff.toISOString(), pruned },
            });
          }
          return pruned;
        });
      }
      const questions =
        decisions === null
          ? null
          : await drain((tx) => pruneQuestions(tx, new Date(now - opts.queryLogDays * DAY_MS), batchRows));
      if (decisions) deps.onPruned?.('policy_decisions', decisions);
      if (questions) deps.onPruned?.('kg_query_log', questions);
      return {
        policyDecisions: decisions ?? 0,
        queryLog: questions ?? 0,
        ran: decisions !== null && questions !== null,
      };
    },
  };
}
