// The end of a bake: per-metric verdicts (mann-whitney.ts) folded into the one event the
// release machine takes, and the fixed interval tables. Every metric must pass: one High or
// Low fails the step, otherwise one NoData pauses it; NoData never counts as a pass.
import { judgeBound, judgeMetric, type MetricDirection, type MetricVerdict } from './mann-whitney.js';
import type { ShadowWindow } from './shadow-agreement.js';
import type { StepRef } from './release-machine.js';

/** Guard interval, bake and minimum samples: production defaults and the fixed test values. */
export const ROLLOUT_INTERVALS = {
  production: { guardIntervalSeconds: 15, bakeSeconds: 300, minSamples: 200 },
  test: { guardIntervalSeconds: 5, bakeSeconds: 30, minSamples: 50 },
} as const;

/**
 * The smallest median latency rise (ms) a bake counts, unless the plan sets `latencyFloorMs`:
 * below it a relative rise is noise on fast requests (scheduling, a batch's order), not a
 * regression a user feels.
 */
export const DEFAULT_LATENCY_FLOOR_MS = 5;

/** The metrics a bake is judged on by default, and which way each goes bad. */
export const DEFAULT_METRICS = [
  { metric: 'error', direction: 'higher-is-worse', location: 'mean' },
  // NOTE: latencies are skewed; a few GC pauses in one colour's sample move its mean, not its median.
  { metric: 'latency_ms', direction: 'higher-is-worse', location: 'median' },
] as const satisfies readonly { metric: string; direction: MetricDirection; location: 'mean' | 'median' }[];

/** One metric's samples from both colours over the bake window. */
export interface MetricSamples {
  readonly metric: string;
  readonly direction: MetricDirection;
  readonly control: readonly number[];
  readonly candidate: readonly number[];
  /** The centre the tolerance compares (default the mean). */
  readonly location?: 'mean' | 'median';
  /** The smallest absolute difference of the centres that counts (default 0). */
  readonly minShift?: number;
}

export interface AnalysisSettings {
  readonly minSamples: number;
  readonly alpha: number;
  readonly tolerance: number;
}

/** The machine event a bake's analysis produces, with every verdict behind it. */
export interface StepAnalysis {
  readonly event: 'analysis_passed' | 'analysis_failed' | 'analysis_nodata';
  readonly step: StepRef;
  readonly verdicts: readonly MetricVerdict[];
  /** Which metrics decided it and how; empty for a pass. */
  readonly reason: string;
  /** Where the numbers came from (`iris`: PostgreSQL counters; `prometheus`: its HTTP API). */
  readonly source?: string;
  /** Requests each colour served over the bake, when the source counts them apart from samples (Prometheus). */
  readonly requests?: { readonly candidate: number; readonly control: number };
}

/**
 * Judges every metric (and takes the verdicts of metrics judged against a bound, such as
 * shadow agreement) and folds the verdicts: failed if any is High or Low, else paused for
 * NoData if any is NoData (or there are no metrics at all), else passed.
 */
export function analyseStep(
  step: StepRef,
  metrics: readonly MetricSamples[],
  settings: AnalysisSettings,
  bounded: readonly MetricVerdict[] = [],
): StepAnalysis {
  const verdicts = [...metrics.map((m) => judgeMetric({ ...m, ...settings })), ...bounded];
  const failing = verdicts.filter((v) => v.verdict === 'High' || v.verdict === 'Low');
  if (failing.length > 0) {
    return { event: 'analysis_failed', step, verdicts, reason: describe(failing) };
  }
  const empty = verdicts.filter((v) => v.verdict === 'NoData');
  if (empty.length > 0 || verdicts.length === 0) {
    const reason = verdicts.length === 0 ? 'no metrics to judge' : describe(empty);
    return { event: 'analysis_nodata', step, verdicts, reason };
  }
  return { event: 'analysis_passed', step, verdicts, reason: '' };
}

/**
 * The analysis of a bake whose source could not answer (Prometheus down, an error, no series):
 * NoData for every default metric, each carrying `reason`. It pauses the release; never a pass.
 */
export function unavailableAnalysis(step: StepRef, reason: string, settings: AnalysisSettings): StepAnalysis {
  const verdicts: MetricVerdict[] = DEFAULT_METRICS.map((m) => ({
    verdict: 'NoData',
    passed: false,
    explanation: {
      metric: m.metric,
      samples: { control: 0, candidate: 0 },
      minSamples: settings.minSamples,
      statistic: null,
      p: null,
      alpha: settings.alpha,
      means: null,
      location: m.location,
      ratio: null,
      minShift: 0,
      tolerance: settings.tolerance,
      direction: m.direction,
      reason,
    },
  }));
  return { event: 'analysis_nodata', step, verdicts, reason: describe(verdicts) };
}

function describe(verdicts: readonly MetricVerdict[]): string {
  return verdicts.map((v) => `${v.explanation.metric} ${v.verdict} (${v.explanation.reason})`).join('; ');
}

/** The plan's shadow bounds, as `release.spec.plan.shadow` holds them. */
export interface ShadowBounds {
  readonly minCitationOverlap?: number;
  readonly minAnswerSimilarity?: number;
  readonly maxErrorRatio?: number;
  readonly minSamples?: number;
}

/**
 * The shadow agreement verdicts of a bake: one per bound the plan sets, on the ring's shadow
 * comparisons over the bake (the error ratio over every comparison, overlap and similarity
 * over the successful ones).
 */
export function judgeShadow(
  window: ShadowWindow,
  bounds: ShadowBounds,
  settings: { readonly minSamples: number; readonly alpha: number },
): MetricVerdict[] {
  const minSamples = bounds.minSamples ?? settings.minSamples;
  const { alpha } = settings;
  const out: MetricVerdict[] = [];
  if (bounds.minCitationOverlap !== undefined)
    out.push(
      judgeBound({
        metric: 'shadow_citation_overlap',
        values: window.overlap,
        minSamples,
        alpha,
        bound: { kind: 'at-least', value: bounds.minCitationOverlap },
      }),
    );
  if (bounds.minAnswerSimilarity !== undefined)
    out.push(
      judgeBound({
        metric: 'shadow_answer_similarity',
        values: window.similarity,
        minSamples,
        alpha,
        bound: { kind: 'at-least', value: bounds.minAnswerSimilarity },
      }),
    );
  if (bounds.maxErrorRatio !== undefined) {
    const failed = Math.min(window.errors, window.samples);
    const values = [...new Array<number>(failed).fill(1), ...new Array<number>(window.samples - failed).fill(0)];
    out.push(
      judgeBound({
        metric: 'shadow_error',
        values,
        minSamples,
        alpha,
        bound: { kind: 'at-most', value: bounds.maxErrorRatio },
      }),
    );
  }
  return out;
}
