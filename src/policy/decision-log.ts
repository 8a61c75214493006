// The decision log: one structured record per decision (allows sampled at a configured rate,
// denies always), buffered in memory and written to policy_decisions in batches, so the hot
// path never waits on the store. Queries flush this replica's buffer first.
import type { Clock } from '../core/clock.js';
import { randomToken } from '../core/ids.js';
import { platformScope, type Database, type Scope } from '../core/db.js';
import { insertDecisions, selectDecisions, type DecisionFilter, type DecisionRecord } from './bundle-store.js';
import type { PolicyDecision } from './decision-point.js';

export interface DecisionEvent {
  readonly decision: PolicyDecision;
  readonly requestId: string;
  readonly traceId: string | undefined;
  /** The agent (and claimed run) behind the request, recorded with its inputs. */
  readonly agent?: { readonly name: string | null; readonly crew: string | null; readonly run: string | null };
}

export interface DecisionLog {
  record(event: DecisionEvent): void;
  flush(): Promise<void>;
  query(scope: Scope, filter: DecisionFilter): Promise<DecisionRecord[]>;
  /** Records written, dropped by sampling, lost to store errors (for metrics and tests). */
  stats(): { written: number; sampledOut: number; lost: number; buffered: number };
  stop(): Promise<void>;
}

export interface DecisionLogDeps {
  readonly db: Database;
  readonly clock: Clock;
  /** Share of allows logged (0..1); denies are always logged. */
  readonly sampleRate: number;
  readonly flushMs?: number;
  readonly maxBuffer?: number;
  readonly random?: () => number;
  /** Hears about every decision (metrics), sampled or not. */
  readonly observe?: (event: DecisionEvent) => void;
}

/**
 * A decision waiting in the buffer. NOTE: kept small and flat (the decision itself is shared
 * with the decision cache), because thousands wait at a time: one object per decision rather
 * than a record of copied inputs halved the garbage collector's share of a request.
 */
interface Pending {
  readonly event: DecisionEvent;
  readonly decidedAtMs: number;
}

function toRecord(p: Pending): DecisionRecord {
  const { decision: d, agent } = p.event;
  return {
    tenantId: d.inputs.principalTenant,
    decisionId: `dec_${randomToken(9)}`,
    decidedAt: new Date(p.decidedAtMs).toISOString(),
    requestId: p.event.requestId,
    traceId: p.event.traceId ?? null,
    principal: d.inputs.principal,
    role: d.inputs.role,
    action: d.inputs.action,
    resource: d.inputs.resource,
    resourceTenant: d.inputs.resourceTenant,
    allowed: d.allowed,
    policies: d.policies,
    errors: d.errors,
    bundle: d.bundle,
    inputs: { ...d.inputs, cached: d.cached, ...(agent === undefined ? {} : { agent }) },
  };
}

export function makeDecisionLog(deps: DecisionLogDeps): DecisionLog {
  const random = deps.random ?? Math.random;
  const maxBuffer = deps.maxBuffer ?? 10_000;
  let buffer: Pending[] = [];
  let written = 0;
  let sampledOut = 0;
  let lost = 0;
  let flushing: Promise<void> | undefined;

  async function writeOut(): Promise<void> {
    while (buffer.length > 0) {
      const batch = buffer.slice(0, 500);
      buffer = buffer.slice(batch.length);
      try {
        await deps.db.transaction(platformScope, (tx) => insertDecisions(tx, batch.map(toRecord)));
        written += batch.length;
      } catch {
        // NOTE: the decision was already enforced; a store outage costs log records, not requests.
        lost += batch.length;
      }
    }
  }

  const flush = async (): Promise<void> => {
    while (flushing) await flushing;
    if (buffer.length === 0) return;
    flushing = writeOut().finally(() => {
      flushing = undefined;
    });
    await flushing;
  };

  const timer = setInterval(() => void flush(), deps.flushMs ?? 1000);
  timer.unref();

  return {
    record(event) {
      deps.observe?.(event);
      if (event.decision.allowed && !(random() < deps.sampleRate)) {
        sampledOut++;
        return;
      }
      if (buffer.length >= maxBuffer) {
        lost++;
        return;
      }
      buffer.push({ event, decidedAtMs: deps.clock.now().getTime() });
      if (buffer.length >= 500) void flush();
    },
    flush,
    async query(scope, filter) {
      await flush();
      return deps.db.transaction(scope, (tx) => selectDecisions(tx, filter));
    },
    stats: () => ({ written, sampledOut, lost, buffered: buffer.length }),
    async stop() {
      clearInterval(timer);
      await flush();
    },
  };
}
