// Background timers of one app: last-used times of keys, purging tenants past their grace
// period, flushing the question log, retention (first a minute after start, then hourly) and
// the ledger witness. Every timer is unref'd: none keeps the process alive.
import type { FastifyBaseLogger } from 'fastify';
import type { LedgerWitness } from '../audit/index.js';
import type { RequestContext } from '../core/context.js';
import { platformScope, type Database } from '../core/db.js';
import type { Identity } from '../gateway/index.js';
import type { KnowledgeService } from '../knowledge/index.js';
import { touchKeys, type TenantService } from '../tenants/index.js';
import type { Retention } from './retention.js';

export interface ControlLoopDeps {
  readonly db: Database;
  readonly identity: Pick<Identity, 'drainUsage'>;
  readonly tenants: Pick<TenantService, 'purgeExpired'>;
  readonly knowledge: Pick<KnowledgeService, 'flushQuestions'>;
  readonly retention: Retention;
  readonly ledgerWitness: LedgerWitness;
  readonly context: () => RequestContext;
  readonly log: FastifyBaseLogger;
  /** Seconds between witness runs; 0: no witness loop. */
  readonly ledgerWitnessSeconds: number;
}

export interface ControlLoops {
  /** Stops the timers and waits for a witness run still going. */
  stop(): Promise<void>;
  /** Writes what is buffered in memory (key usage, asked questions); failures are ignored. */
  flush(): Promise<void>;
}

export function startControlLoops(deps: ControlLoopDeps): ControlLoops {
  const { db, log } = deps;
  const retainLogged = (): void => {
    void deps.retention.run().then(
      (r) => {
        if (r.policyDecisions + r.queryLog > 0)
          log.info({ policy_decisions: r.policyDecisions, kg_query_log: r.queryLog }, 'retention pruned old rows');
      },
      (err: unknown) => log.warn({ err }, 'retention run failed'),
    );
  };

  // The platform log witnesses the tenant logs that grew. A run that fails (the database
  // away) is logged and the next tick tries again; a run still going skips the tick.
  let witnessing: Promise<void> | undefined;
  const witnessLogged = (): void => {
    if (witnessing !== undefined) return;
    witnessing = deps.ledgerWitness
      .run()
      .then(
        () => undefined,
        (err: unknown) => log.warn({ err }, 'ledger witness run failed'),
      )
      .finally(() => {
        witnessing = undefined;
      });
  };

  const flushUsage = async (): Promise<void> => {
    const used = deps.identity.drainUsage();
    if (used.size > 0) await db.transaction(platformScope, (tx) => touchKeys(tx, used));
  };
  const timers = [
    setInterval(() => void flushUsage().catch(() => undefined), 15_000),
    setInterval(() => void deps.tenants.purgeExpired(deps.context()).catch(() => undefined), 60_000),
    setInterval(() => void deps.knowledge.flushQuestions().catch(() => undefined), 5_000),
    setTimeout(retainLogged, 60_000),
    setInterval(retainLogged, 3600_000),
    ...(deps.ledgerWitnessSeconds > 0 ? [setInterval(witnessLogged, deps.ledgerWitnessSeconds * 1000)] : []),
  ];
  for (const t of timers) t.unref();

  return {
    async stop() {
      for (const t of timers) clearInterval(t);
      await witnessing;
    },
    async flush() {
      await flushUsage().catch(() => undefined);
      await deps.knowledge.flushQuestions().catch(() => undefined);
    },
  };
}
