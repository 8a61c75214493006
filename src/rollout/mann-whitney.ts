// The end-of-bake judgement: the two-sample Mann-Whitney U test (Wilcoxon rank-sum) between
// the control colour's and the candidate colour's samples of one metric, and the Kayenta-style
// verdict built on it (Pass | High | Low | NoData). Pure functions over number arrays.
//
// The test is the large-sample one: normal approximation with tie correction and continuity
// correction, as in Kayenta's MannWhitney classifier and scipy.stats.mannwhitneyu(method=
// 'asymptotic'). The minimum sample count (50 by default in Iris) keeps it in its range.

/** The result of one U test. `u` is the candidate's statistic (U1 with the candidate first). */
export interface MannWhitneyResult {
  readonly u: number;
  /** The other sample's statistic: n1·n2 − u. */
  readonly uControl: number;
  readonly z: number;
  /** Two-sided p-value. 1 when every observation is tied (no evidence at all). */
  readonly p: number;
  /** u / (n1·n2): the probability a candidate value exceeds a control value (ties half). */
  readonly superiority: number;
  /** Which way the candidate leans: 'higher' when superiority > 0.5, 'lower' below, else 'same'. */
  readonly direction: 'higher' | 'lower' | 'same';
}

/**
 * Mann-Whitney U with the candidate as the first sample.
 * U1 = R1 − n1(n1+1)/2 with mid-ranks for ties; σ² = n1·n2/12 · ((n+1) − Σ(t³−t)/(n(n−1)));
 * z = (|U1 − n1·n2/2| − 0.5) / σ (continuity correction, not below 0), signed like U1 − mean.
 *
 * @throws RangeError when a sample is empty or holds a non-finite value (callers check sample
 *   counts first: {@link judgeMetric} answers NoData instead of calling this).
 */
export function mannWhitneyU(candidate: readonly number[], control: readonly number[]): MannWhitneyResult {
  const n1 = candidate.length;
  const n2 = control.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('both samples need at least one value');
  const pooled: { value: number; fromCandidate: boolean }[] = [];
  for (const value of candidate) pooled.push({ value: finite(value), fromCandidate: true });
  for (const value of control) pooled.push({ value: finite(value), fromCandidate: false });
  pooled.sort((a, b) => a.value - b.value);

  const n = n1 + n2;
  let rankSum = 0;
  let tieTerm = 0;
  // Walk runs of equal values: each member gets the run's mid-rank; each run of t adds t³ − t.
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && pooled[end]?.value === pooled[start]?.value) end++;
    const t = end - start;
    const midRank = (start + 1 + end) / 2;
    for (let i = start; i < end; i++) if (pooled[i]?.fromCandidate === true) rankSum += midRank;
    tieTerm += t ** 3 - t;
    start = end;
  }

  const u = rankSum - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  const superiority = u / (n1 * n2);
  const direction = u > mean ? 'higher' : u < mean ? 'lower' : 'same';
  // NOTE: variance is 0 only when every value is tied: no evidence either way.
  if (!(variance > 0)) return { u, uControl: n1 * n2 - u, z: 0, p: 1, superiority, direction };
  const z = (Math.sign(u - mean) * Math.max(0, Math.abs(u - mean) - 0.5)) / Math.sqrt(variance);
  const p = Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
  return { u, uControl: n1 * n2 - u, z, p, superiority, direction };
}

/**
 * erfc(x) for x >= 0 by the Chebyshev fit of Numerical Recipes (`erfcc`), fractional error
 * below 1.2e-7 everywhere: ample for comparing p against alpha. Two-sided p = erfc(|z|/√2).
 */
export function erfc(x: number): number {
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.5 * ax);
  // Horner's rule over the published coefficients, highest power first.
  let poly = 0;
  for (const c of ERFC_COEFFICIENTS) poly = poly * t + c;
  const r = t * Math.exp(-ax * ax + poly);
  return x >= 0 ? r : 2 - r;
}

const ERFC_COEFFICIENTS = [
  0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368,
  -1.26551223,
] as const;

function finite(value: number): number {
  if (!Number.isFinite(value)) throw new RangeError(`a sample value must be finite, not ${value}`);
  return value;
}

/** Kayenta's verdicts. High/Low say where the candidate sits; NoData never passes. */
export const Verdicts = { pass: 'Pass', high: 'High', low: 'Low', noData: 'NoData' } as const;
export type Verdict = (typeof Verdicts)[keyof typeof Verdicts];

/** Which deviation is a regression. 'either' flags both (e.g. a throughput that must not move). */
export const MetricDirections = {
  higherIsWorse: 'higher-is-worse',
  lowerIsWorse: 'lower-is-worse',
  either: 'either',
} as const;
export type MetricDirection = (typeof MetricDirections)[keyof typeof MetricDirections];

/** One metric's judgement request. */
export interface MetricJudgement {
  readonly metric: string;
  readonly control: readonly number[];
  readonly candidate: readonly number[];
  /** Fewer samples than this in either colour gives NoData. */
  readonly minSamples: number;
  /** Significance level, e.g. 0.05. */
  readonly alpha: number;
  readonly direction: MetricDirection;
  /**
   * Allowed relative change of the candidate's mean against the control's (0.1 = 10 %),
   * Kayenta's allowed increase/decrease: a significant but tiny shift still passes.
   */
  readonly tolerance: number;
  /**
   * Which centre the tolerance compares: the mean (default; an error ratio is the mean of 0/1
   * samples) or the median (latencies: a few GC pauses move a mean, not a median).
   */
  readonly location?: 'mean' | 'median';
  /**
   * Smallest absolute difference of the centres that can count, in the metric's unit (default
   * 0). A relative tolerance alone judges sub-millisecond latencies on noise: 0.3 ms against
   * 0.4 ms is a 33 % rise that no user feels, and with thousands of samples it is significant.
   */
  readonly minShift?: number;
}

/** Why a verdict is what it is: everything `iris release status` prints for a metric. */
export interface VerdictExplanation {
  readonly metric: string;
  readonly samples: { readonly control: number; readonly candidate: number };
  readonly minSamples: number;
  /** Which test decided: the U test against the control, or a one-sample z-test against a fixed bound. */
  readonly test?: 'mann-whitney-u' | 'one-sample-z';
  /** U and z for the U test; z alone for a bound. */
  readonly statistic: { readonly u?: number; readonly z: number } | null;
  readonly p: number | null;
  readonly alpha: number;
  /** Each colour's centre (mean or median, as `location` says); for a bound, `control` is the bound. */
  readonly means: { readonly control: number; readonly candidate: number } | null;
  /** A bound's kind and value (a metric judged against a fixed threshold, not the control). */
  readonly bound?: { readonly kind: 'at-least' | 'at-most'; readonly value: number };
  readonly location: 'mean' | 'median';
  /** candidate centre / control centre (1 when both are 0; Infinity when only control is 0). */
  readonly ratio: number | null;
  readonly tolerance: number;
  /** The smallest absolute difference of the centres that counts. */
  readonly minShift: number;
  readonly direction: MetricDirection;
  readonly reason: string;
}

export interface MetricVerdict {
  readonly verdict: Verdict;
  /** True only for Pass. */
  readonly passed: boolean;
  readonly explanation: VerdictExplanation;
}

/**
 * Judges one metric, Kayenta-style. NoData when either colour has fewer than `minSamples`
 * values (too little traffic pauses a rollout; it never passes it). Otherwise High (Low) when
 * the U test rejects equality at `alpha`, the candidate leans higher (lower), the mean ratio
 * leaves 1 ± tolerance that way, the centres differ by more than `minShift`, and `direction`
 * counts that way as a regression; else Pass.
 */
export function judgeMetric(input: MetricJudgement): MetricVerdict {
  const { metric, control, candidate, minSamples, alpha, direction, tolerance } = input;
  const location = input.location ?? 'mean';
  const minShift = input.minShift ?? 0;
  const base = {
    metric,
    location,
    samples: { control: control.length, candidate: candidate.length },
    minSamples,
    alpha,
    tolerance,
    minShift,
    direction,
  };
  if (control.length < minSamples || candidate.length < minSamples || control.length === 0 || candidate.length === 0) {
    const reason = `needs ${minSamples} samples per colour; control has ${control.length}, candidate ${candidate.length}`;
    const explanation = { ...base, statistic: null, p: null, means: null, ratio: null, reason };
    return { verdict: Verdicts.noData, passed: false, explanation };
  }
  const test = mannWhitneyU(candidate, control);
  const centre = location === 'median' ? medianOf : meanOf;
  const means = { control: centre(control), candidate: centre(candidate) };
  const ratio = means.control === 0 ? (means.candidate === 0 ? 1 : Infinity) : means.candidate / means.control;
  const detail = {
    ...base,
    test: 'mann-whitney-u' as const,
    statistic: { u: test.u, z: test.z },
    p: test.p,
    means,
    ratio,
  };

  const significant = test.p < alpha;
  const shift = Math.abs(means.candidate - means.control);
  const large = shift > minShift;
  const high = significant && test.direction === 'higher' && ratio > 1 + tolerance && large;
  const low = significant && test.direction === 'lower' && ratio < 1 - tolerance && large;
  const beyond = minShift > 0 ? `, ${location}s ${fmt(shift)} apart > ${fmt(minShift)}` : '';
  if (high && direction !== 'lower-is-worse') {
    const reason = `candidate higher: p ${fmt(test.p)} < ${alpha}, ${location} ratio ${fmt(ratio)} > ${fmt(1 + tolerance)}${beyond}`;
    return { verdict: Verdicts.high, passed: false, explanation: { ...detail, reason } };
  }
  if (low && direction !== 'higher-is-worse') {
    const reason = `candidate lower: p ${fmt(test.p)} < ${alpha}, ${location} ratio ${fmt(ratio)} < ${fmt(1 - tolerance)}${beyond}`;
    return { verdict: Verdicts.low, passed: false, explanation: { ...detail, reason } };
  }
  const outside = ratio > 1 + tolerance || ratio < 1 - tolerance;
  const reason = !significant
    ? `no significant difference: p ${fmt(test.p)} >= ${alpha}`
    : high || low
      ? `candidate ${high ? 'higher' : 'lower'} (p ${fmt(test.p)}), which ${direction} does not count against it`
      : outside && !large
        ? `significant (p ${fmt(test.p)}, ${location} ratio ${fmt(ratio)}) but the ${location}s are only ${fmt(shift)} apart, within ${fmt(minShift)}`
        : `significant (p ${fmt(test.p)}) but ${location} ratio ${fmt(ratio)} is within 1 ± ${tolerance}`;
  return { verdict: Verdicts.pass, passed: true, explanation: { ...detail, reason } };
}

function medianOf(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function meanOf(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? Number(x.toPrecision(4)).toString() : String(x);
}

/** One metric judged against a fixed bound rather than the control (shadow agreement). */
export interface BoundJudgement {
  readonly metric: string;
  /** Per-query values (e.g. citation overlap in 0..1, or 0/1 for a failed shadow). */
  readonly values: readonly number[];
  readonly minSamples: number;
  readonly alpha: number;
  /** 'at-least': the mean must not be shown to be below `value`; 'at-most': not above it. */
  readonly bound: { readonly kind: 'at-least' | 'at-most'; readonly value: number };
}

/**
 * Judges a metric against a bound with a one-sided one-sample z-test of its mean (the values
 * are bounded in 0..1 and a verdict needs `minSamples` of them, so the normal approximation
 * holds). NoData below `minSamples`; Low (High for 'at-most') when the mean is significantly
 * on the wrong side of the bound at `alpha`; else Pass, including a mean on the wrong side
 * that the data cannot yet tell from the bound.
 */
export function judgeBound(input: BoundJudgement): MetricVerdict {
  const { metric, values, minSamples, alpha, bound } = input;
  const n = values.length;
  const base = {
    metric,
    test: 'one-sample-z' as const,
    location: 'mean' as const,
    samples: { control: 0, candidate: n },
    minSamples,
    alpha,
    tolerance: 0,
    minShift: 0,
    bound,
    direction: bound.kind === 'at-least' ? MetricDirections.lowerIsWorse : MetricDirections.higherIsWorse,
  };
  if (n < minSamples || n === 0) {
    const reason = `needs ${minSamples} samples; has ${n}`;
    return {
      verdict: Verdicts.noData,
      passed: false,
      explanation: { ...base, statistic: null, p: null, means: null, ratio: null, reason },
    };
  }
  const mean = meanOf(values);
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  const se = n > 1 ? Math.sqrt(ss / (n - 1) / n) : 0;
  const gap = mean - bound.value;
  // Toward the wrong side is negative z for 'at-least', positive for 'at-most'.
  const z = se === 0 ? (gap === 0 ? 0 : gap > 0 ? Infinity : -Infinity) : gap / se;
  const wrong = bound.kind === 'at-least' ? -z : z;
  // One-sided p of a mean this far on the wrong side if it sat on the bound: P(Z >= wrong).
  const p = 0.5 * erfc(wrong / Math.SQRT2);
  const ratio = bound.value === 0 ? (mean === 0 ? 1 : Infinity) : mean / bound.value;
  const detail = { ...base, statistic: { z }, p, means: { control: bound.value, candidate: mean }, ratio };
  const word = bound.kind === 'at-least' ? 'below' : 'above';
  if (p < alpha) {
    const reason = `mean ${fmt(mean)} over ${n} is ${word} the bound ${fmt(bound.value)}: p ${fmt(p)} < ${alpha}`;
    const verdict = bound.kind === 'at-least' ? Verdicts.low : Verdicts.high;
    return { verdict, passed: false, explanation: { ...detail, reason } };
  }
  const reason = (bound.kind === 'at-least' ? gap >= 0 : gap <= 0)
    ? `mean ${fmt(mean)} over ${n} is within the bound ${fmt(bound.value)}`
    : `mean ${fmt(mean)} over ${n} is ${word} the bound ${fmt(bound.value)}, but not significantly: p ${fmt(p)} >= ${alpha}`;
  return { verdict: Verdicts.pass, passed: true, explanation: { ...detail, reason } };
}
