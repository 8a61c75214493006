// Where the fast guard and the bake analysis read their numbers: the port, and Iris's own
// source (per-colour counters and sampled requests summed across replicas in PostgreSQL,
// outcome-counters.ts). Prometheus's HTTP API is the other source (prometheus-source.ts, its
// client in app/rollout-wiring.ts). A source that cannot tell answers a reason, never zeros:
// the guard then has no say and the bake is NoData, which pauses and never passes.
import type { Queryable } from '../core/db.js';
import type { ColourCounters } from './fast-guard.js';
import { matchedByTime, selectColourCounters, selectOutcomeSamples, type OutcomeKey } from './outcome-counters.js';
import type { Reading } from './prometheus-source.js';
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
