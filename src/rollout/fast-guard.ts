// The fast guard: run every guard interval (5 s in tests), it compares the candidate colour
// with the control colour in the same ring from that interval's counters and aborts at once on
// a clear regression. It never promotes anything: passing the guard only means "keep baking";
// the Mann-Whitney judgement at the end of the bake decides the step (mann-whitney.ts).
//
// Choice of test: a one-sided two-proportion z-test (pooled), applied to the error ratio and to
// the share of "slow" requests (slower than the control's latency quantile, read from shared
// histogram buckets). Counters are all the guard has (no per-request samples), request counts
// per interval are in the hundreds or more, and the test is cheap and explainable. Because the
// guard looks again every interval, its default critical z is 3.09 (one-sided 0.001): over the
// 6 looks of a 30 s bake the chance of a false abort stays below 1 %. An absolute margin on top
// keeps a significant but harmless difference (0.1 % vs 0.2 % errors) from aborting.

/** One colour's counters over the guard window. */
export interface ColourCounters {
  readonly requests: number;
  readonly errors: number;
  /** Latency histogram, optional: Prometheus-style upper bounds with per-bucket (not cumulative) counts. */
  readonly latency?: LatencyHistogram;
}

export interface LatencyHistogram {
  /** Ascending upper bounds in milliseconds; the last may be Infinity. */
  readonly bounds: readonly number[];
  /** Observations per bucket, same length as `bounds`. */
  readonly counts: readonly number[];
}

export interface GuardThresholds {
  /** Fewer requests than this in either colour: the check has no say (it neither aborts nor passes). */
  readonly minRequests: number;
  /** Candidate error ratio must exceed control's by more than this (absolute, 0.02 = 2 points). */
  readonly errorMargin: number;
  /** Critical z of the one-sided test. */
  readonly zCritical: number;
  /** Candidate error ratio above this aborts even without control traffic (e.g. 0.5). */
  readonly errorCeiling: number;
  /** The control's latency quantile that defines "slow" (0.95). */
  readonly latencyQuantile: number;
  /** Candidate's slow share must exceed control's by more than this (absolute, 0.1 = 10 points). */
  readonly latencyMargin: number;
}

/** Defaults for production intervals; the test intervals use the same numbers. */
export const DEFAULT_GUARD_THRESHOLDS: GuardThresholds = Object.freeze({
  minRequests: 50,
  errorMargin: 0.02,
  zCritical: 3.09,
  errorCeiling: 0.5,
  latencyQuantile: 0.95,
  latencyMargin: 0.1,
});

export const GuardOutcomes = { regression: 'regression', ok: 'ok', insufficient: 'insufficient' } as const;
export type GuardOutcome = (typeof GuardOutcomes)[keyof typeof GuardOutcomes];

/** One check's finding, with the numbers behind it. */
export interface GuardCheck {
  readonly check: 'error_ratio' | 'latency';
  readonly outcome: GuardOutcome;
  /** Candidate's and control's ratio (errors, or slow requests). */
  readonly candidate: number | null;
  readonly control: number | null;
  readonly z: number | null;
  /** For latency: the bound (ms) above which a request counts as slow. */
  readonly slowerThanMs?: number;
  readonly reason: string;
}

export interface GuardDecision {
  readonly action: 'abort' | 'continue';
  readonly checks: readonly GuardCheck[];
  /** One line for the audit event and the alert: the first regression, or why it continues. */
  readonly reason: string;
}

/**
 * Judges one guard interval. Aborts when any check finds a regression; otherwise continues
 * (an insufficient check continues too: too little traffic is the bake analysis's NoData).
 */
export function guardInterval(
  candidate: ColourCounters,
  control: ColourCounters,
  thresholds: GuardThresholds = DEFAULT_GUARD_THRESHOLDS,
): GuardDecision {
  const checks: GuardCheck[] = [errorCheck(candidate, control, thresholds)];
  if (candidate.latency !== undefined && control.latency !== undefined) {
    checks.push(latencyCheck(candidate.latency, control.latency, thresholds));
  }
  const failed = checks.find((c) => c.outcome === 'regression');
  if (failed !== undefined) return { action: 'abort', checks, reason: `${failed.check}: ${failed.reason}` };
  return { action: 'continue', checks, reason: checks.map((c) => `${c.check}: ${c.reason}`).join('; ') };
}

/**
 * One-sided pooled two-proportion z statistic for "candidate's ratio is higher":
 * z = (p1 − p2) / √(p(1−p)(1/n1 + 1/n2)), p = (x1+x2)/(n1+n2). 0 when p is 0 or 1.
 */
export function proportionZ(x1: number, n1: number, x2: number, n2: number): number {
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  return se > 0 ? (x1 / n1 - x2 / n2) / se : 0;
}

/** Counters that cannot be true (negative, fractional, more errors than requests) prove nothing. */
function consistent(c: ColourCounters): boolean {
  return Number.isSafeInteger(c.requests) && Number.isSafeInteger(c.errors) && c.errors >= 0 && c.errors <= c.requests;
}

function errorCheck(candidate: ColourCounters, control: ColourCounters, t: GuardThresholds): GuardCheck {
  if (!consistent(candidate) || !consistent(control)) {
    const shown = (c: ColourCounters): string => `${c.errors}/${c.requests}`;
    return {
      check: 'error_ratio',
      outcome: 'insufficient',
      candidate: null,
      control: null,
      z: null,
      reason: `inconsistent counters: candidate ${shown(candidate)}, control ${shown(control)} errors/requests`,
    };
  }
  if (candidate.requests < t.minRequests) {
    return {
      check: 'error_ratio',
      outcome: 'insufficient',
      candidate: null,
      control: null,
      z: null,
      reason: `candidate has ${candidate.requests} requests, needs ${t.minRequests}`,
    };
  }
  const p1 = candidate.errors / candidate.requests;
  // NOTE: a candidate failing most requests is a regression whatever the control does, even if
  // the control has no traffic in this ring (a ring served entirely by the candidate).
  if (p1 > t.errorCeiling) {
    return {
      check: 'error_ratio',
      outcome: 'regression',
      candidate: p1,
      control: control.requests > 0 ? control.errors / control.requests : null,
      z: null,
      reason: `candidate error ratio ${pct(p1)} is above the ceiling ${pct(t.errorCeiling)}`,
    };
  }
  if (control.requests < t.minRequests) {
    return {
      check: 'error_ratio',
      outcome: 'insufficient',
      candidate: p1,
      control: null,
      z: null,
      reason: `control has ${control.requests} requests, needs ${t.minRequests}`,
    };
  }
  const p2 = control.errors / control.requests;
  const z = proportionZ(candidate.errors, candidate.requests, control.errors, control.requests);
  return compare('error_ratio', 'error ratio', p1, p2, z, t.errorMargin, t.zCritical);
}

function latencyCheck(candidate: LatencyHistogram, control: LatencyHistogram, t: GuardThresholds): GuardCheck {
  const none = { check: 'latency', outcome: 'insufficient', candidate: null, control: null, z: null } as const;
  const sameLayout =
    candidate.bounds.length === control.bounds.length &&
    candidate.counts.length === candidate.bounds.length &&
    control.counts.length === control.bounds.length &&
    candidate.bounds.every((b, i) => b === control.bounds[i]);
  if (!sameLayout) return { ...none, reason: 'the colours report different histogram buckets' };
  const n1 = sum(candidate.counts);
  const n2 = sum(control.counts);
  if (n1 < t.minRequests || n2 < t.minRequests) {
    return { ...none, reason: `latency samples ${n1} (candidate) and ${n2} (control), need ${t.minRequests} each` };
  }
  // The slow line is the first bucket bound at which the control's cumulative count reaches
  // its quantile: the control's own slow share is then at most 1 − quantile.
  let cumulative = 0;
  let edge = control.counts.length - 1;
  for (let i = 0; i < control.counts.length; i++) {
    cumulative += control.counts[i] ?? 0;
    if (cumulative >= t.latencyQuantile * n2) {
      edge = i;
      break;
    }
  }
  const bound = control.bounds[edge] ?? Infinity;
  if (bound === Infinity) return { ...none, reason: 'the control quantile falls in the +Inf bucket' };
  const slow1 = sum(candidate.counts.slice(edge + 1));
  const slow2 = sum(control.counts.slice(edge + 1));
  const z = proportionZ(slow1, n1, slow2, n2);
  const found = compare(
    'latency',
    `share slower than ${bound} ms`,
    slow1 / n1,
    slow2 / n2,
    z,
    t.latencyMargin,
    t.zCritical,
  );
  return { ...found, slowerThanMs: bound };
}

function compare(
  check: GuardCheck['check'],
  what: string,
  p1: number,
  p2: number,
  z: number,
  margin: number,
  zCritical: number,
): GuardCheck {
  const numbers = `candidate ${pct(p1)} vs control ${pct(p2)} (z ${z.toFixed(2)})`;
  if (p1 - p2 > margin && z > zCritical) {
    return {
      check,
      outcome: 'regression',
      candidate: p1,
      control: p2,
      z,
      reason: `${what} ${numbers}: beyond margin ${pct(margin)} and z ${zCritical}`,
    };
  }
  return {
    check,
    outcome: 'ok',
    candidate: p1,
    control: p2,
    z,
    reason: `${what} ${numbers}: within margin ${pct(margin)} or z ${zCritical}`,
  };
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

function pct(ratio: number): string {
  return `${Number((ratio * 100).toPrecision(4))}%`;
}
