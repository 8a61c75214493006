// Where the fast guard and the bake analysis read their numbers: the port, and Iris's own
// source (per-colour counters and sampled requests summed across replicas in PostgreSQL,
// outcome-counters.ts). Prometheus's HTTP API is the other source (prometheus-source.ts, its
// client in app/rollout-wiring.ts). A source that cannot tell answers a reason, never zeros:
// the guard then has no say and the bake is NoData, which pauses and never passes. The reader
// (`makeOutcomeReader`) reads a remote source before the driver locks a release row.
import type { Queryable } from '../core/db.js';
import { errorMessage } from '../core/errors.js';
import type { ColourCounters } from './fast-guard.js';
import { matchedByTime, selectColourCounters, selectOutcomeSamples, type OutcomeKey } from './outcome-counters.js';
import type { Reading } from './prometheus-source.js';
import type { StoredRelease } from './release-store.js';
import { DEFAULT_METRICS, type MetricSamples } from './step-analysis.js';

export const AnalysisSources = { iris: 'iris', prometheus: 'prometheus' } as const;
export type AnalysisSource = (typeof AnalysisSources)[keyof typeof AnalysisSources];

/** The two colours compared in a ring. */
export interface ColourPair {
  readonly releaseId: string;
  readonly ring: string;
  readonly candidate: string;
  readonly control: string;
}

/** A bake's metrics and the sample minimum that applies to them (requests, or Prometheus steps). */
export interface BakeMetrics {
  readonly metrics: readonly MetricSamples[];
  readonly minSamples: number;
  /** Requests each colour served over the bake, when the source counts them apart from samples. */
  readonly requests?: { readonly candidate: number; readonly control: number };
}

export interface OutcomeSource {
  readonly name: AnalysisSource;
  /** True when reads go over the network: the driver makes them before it locks a release row. */
  readonly remote: boolean;
  /**
   * One colour's counters in a ring over [from, to). `tx`: the driver's transaction, undefined
   * when a remote source is read ahead of it (a local source needs it).
   */
  counters(tx: Queryable | undefined, key: OutcomeKey, from: Date, to: Date): Promise<Reading<ColourCounters>>;
  /** Both colours' samples per metric over the bake [from, to); `minSamples` is the plan's. */
  bake(
    tx: Queryable | undefined,
    pair: ColourPair,
    from: Date,
    to: Date,
    minSamples: number,
  ): Promise<Reading<BakeMetrics>>;
}

function inTransaction(tx: Queryable | undefined): Queryable {
  if (tx === undefined) throw new Error("Iris's own counters are read inside the driver's transaction");
  return tx;
}

/** Iris's own counters through PostgreSQL (works on the embedded store). */
export const irisOutcomeSource: OutcomeSource = {
  name: AnalysisSources.iris,
  remote: false,
  async counters(at, key, from, to) {
    const tx = inTransaction(at);
    return { ok: true, value: await selectColourCounters(tx, key, from, to) };
  },
  async bake(at, pair, from, to, minSamples) {
    const tx = inTransaction(at);
    const { candidate, control } = matchedByTime(
      await selectOutcomeSamples(tx, { releaseId: pair.releaseId, ring: pair.ring, colour: pair.candidate }, from, to),
      await selectOutcomeSamples(tx, { releaseId: pair.releaseId, ring: pair.ring, colour: pair.control }, from, to),
    );
    const metrics = DEFAULT_METRICS.map((m) => ({
      metric: m.metric,
      direction: m.direction,
      location: m.location,
      candidate: m.metric === 'error' ? candidate.error : candidate.latencyMs,
      control: m.metric === 'error' ? control.error : control.latencyMs,
    }));
    return { ok: true, value: { metrics, minSamples } };
  },
};

/** The guard's window: one interval ending a second back (the newest second is still being flushed). */
export function guardWindow(now: Date, intervalSeconds: number): { from: Date; to: Date } {
  const to = new Date(Math.floor(now.getTime() / 1000) * 1000 - 1000);
  return { from: new Date(to.getTime() - intervalSeconds * 1000), to };
}

/** Whether the fast guard of `release` is due at `now` (never run, or a full interval since). */
export const isGuardDue = (r: StoredRelease, now: Date): boolean =>
  r.guardAt === null || Date.parse(r.guardAt) <= now.getTime() - r.spec.plan.guardIntervalSeconds * 1000;

/**
 * Readings of a remote source made before a release row is locked (no transaction waits on
 * the network), keyed by what was read; a reading the locked state no longer asks for is
 * ignored, and one it asks for but was not made is read then.
 */
export type ReadAhead = ReadonlyMap<string, Promise<Reading<unknown>>>;

const countersKey = (k: OutcomeKey, from: Date, to: Date): string =>
  JSON.stringify(['counters', k.releaseId, k.ring, k.colour, from.getTime(), to.getTime()]);
const bakeKey = (p: ColourPair, from: Date, to: Date): string =>
  JSON.stringify(['bake', p.releaseId, p.ring, p.candidate, p.control, from.getTime(), to.getTime()]);

/** How the release service reads a source: ahead of the row lock when it is remote, else in the transaction. */
export interface OutcomeReader {
  /**
   * A remote source's readings for what the driver is about to do with `release` at `now` (its
   * guard, the end of its bake), made outside any transaction; undefined for a local source.
   * The bake's window is the one the machine will ask for: from the bake's start to `now`.
   */
  readAhead(release: StoredRelease, now: Date): ReadAhead | undefined;
  counters(
    tx: Queryable,
    ahead: ReadAhead | undefined,
    key: OutcomeKey,
    from: Date,
    to: Date,
  ): Promise<Reading<ColourCounters>>;
  bake(
    tx: Queryable,
    ahead: ReadAhead | undefined,
    pair: ColourPair,
    from: Date,
    to: Date,
    minSamples: number,
  ): Promise<Reading<BakeMetrics>>;
}

export function makeOutcomeReader(source: OutcomeSource): OutcomeReader {
  /**
   * A remote source that throws cannot tell: a failed reading (NoData), never a tick that fails
   * and retries forever. NOTE: a local source's errors are the database's and fail the tick.
   */
  const settle = <T>(p: Promise<Reading<T>>): Promise<Reading<T>> =>
    source.remote ? p.catch((err: unknown) => ({ ok: false, reason: errorMessage(err) })) : p;

  return {
    readAhead(release, now) {
      const control = release.control;
      if (!source.remote || control === null) return undefined;
      // NOTE: a read is made even when the locked row turns out not to need it (another replica moved it).
      const ahead = new Map<string, Promise<Reading<unknown>>>();
      if (isGuardDue(release, now)) {
        const { from, to } = guardWindow(now, release.spec.plan.guardIntervalSeconds);
        for (const { ring } of release.spec.plan.rings) {
          if ((release.weights[ring] ?? 0) <= 0) continue;
          for (const colour of [release.colour, control]) {
            const key = { releaseId: release.id, ring, colour };
            ahead.set(countersKey(key, from, to), settle(source.counters(undefined, key, from, to)));
          }
        }
      }
      const pos = release.position;
      const bakeDue =
        release.phase === 'progressing' && release.bakeUntil !== null && Date.parse(release.bakeUntil) <= now.getTime();
      if (bakeDue && pos !== null) {
        const ring = release.spec.plan.rings[pos.ringIndex]?.ring ?? '';
        const pair = { releaseId: release.id, ring, candidate: release.colour, control };
        const from = new Date(pos.bakeStartedAt ?? now.getTime());
        ahead.set(
          bakeKey(pair, from, now),
          settle(source.bake(undefined, pair, from, now, release.spec.plan.minSamples)),
        );
      }
      return ahead;
    },
    counters: (tx, ahead, key, from, to) =>
      (ahead?.get(countersKey(key, from, to)) as Promise<Reading<ColourCounters>> | undefined) ??
      settle(source.counters(tx, key, from, to)),
    bake: (tx, ahead, pair, from, to, minSamples) =>
      (ahead?.get(bakeKey(pair, from, to)) as Promise<Reading<BakeMetrics>> | undefined) ??
      settle(source.bake(tx, pair, from, to, minSamples)),
  };
}
