// The decision log: one structured record per decision (allows sampled at a configured rate,
// denies always), buffered in memory and written to policy_decisions in batches, so the hot
// path never waits on the store. Queries flush this replica's buffer first.
import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';
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

export function makeDecisionLog(deps: DecisionLogDeps): DecisionLog {
  const random = deps.random ?? Math.random;
  const maxBuffer = deps.maxBuffer ?? 10_000;
  let buffer: DecisionRecord[] = [];
  let written = 0;
  let sampledOut = 0;
  let lost = 0;
  let flushing: Promise<void> | undefined;

  async function writeOut(): Promise<void> {
    while (buffer.length > 0) {
      const batch = buffer.slice(0, 500);
      buffer = buffer.slice(batch.length);
      try {
        await deps.db.transaction(platformScope, (tx) => insertDecisions(tx, batch));
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
      const d = event.decision;
      if (d.allowed && !(random() < deps.sampleRate)) {
        sampledOut++;
        return;
      }
      if (buffer.length >= maxBuffer) {
        lost++;
        return;
      }
      buffer.push({
        tenantId: d.inputs.principalTenant,
        decisionId: `dec_${randomBytes(9).toString('base64url')}`,
        decidedAt: deps.clock.now().toISOString(),
        requestId: event.requestId,
        traceId: event.traceId ?? null,
        principal: d.inputs.principal,
        role: d.inputs.role,
        action: d.inputs.action,
        resource: d.inputs.resource,
        resourceTenant: d.inputs.resourceTenant,
        allowed: d.allowed,
        policies: d.policies,
        errors: d.errors,
        bundle: d.bundle,
        inputs: { ...d.inputs, cached: d.cached, ...(event.agent === undefined ? {} : { agent: event.agent }) },
      });
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
