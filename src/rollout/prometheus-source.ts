// Prometheus as the analysis source (IRIS_ROLLOUT_PROMETHEUS_URL), its pure part: the PromQL
// that reads one colour of a release in a ring from the series every replica exposes
// (`iris_release_requests_total{release,ring,colour,outcome}` and the histogram
// `iris_release_request_duration_seconds{release,ring,colour}`), and the reading of Prometheus's
// JSON answers (HTTP API v1, `/api/v1/query` and `/api/v1/query_range`) into the fast guard's
// counters and the bake's per-step samples. No I/O: the HTTP client is in app/rollout-wiring.ts.
//
// Kayenta's way: the bake compares two per-step series point by point (here: error ratio per
// step and median latency per step, each step a non-overlapping `increase` over the step), so a
// "sample" of the U test is one step, not one request. An answer that is an error, not JSON,
// NaN everywhere or empty is NoData with its reason: it pauses a release, it never passes one.
import type { ColourCounters } from './fast-guard.js';
import type { OutcomeKey } from './outcome-counters.js';
import { DEFAULT_METRICS, type MetricSamples } from './step-analysis.js';

/** The series Iris exports per live release (observability/metric-catalogue.ts names them too). */
export const PROMETHEUS_SERIES = {
  requests: 'iris_release_requests_total',
  durationBucket: 'iris_release_request_duration_seconds_bucket',
} as const;

/**
 * Fewest steps per colour a bake judged from Prometheus needs (each is a point of the U test).
 * The plan's `minSamples` then counts requests behind those steps instead.
 */
export const MIN_PROMETHEUS_STEPS = 10;

/** A reading: a value, or why there is none (NoData; never a pass). */
export type Reading<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/**
 * A PromQL string literal holding `value` exactly: double-quoted, with backslash, quote and
 * control characters escaped (PromQL strings follow Go's escapes; `\xHH` for the rest).
 */
export function promString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** The label matchers of one colour of a release in a ring. */
export function selectorOf(key: OutcomeKey): string {
  return `{release=${promString(key.releaseId)},ring=${promString(key.ring)},colour=${promString(key.colour)}}`;
}

/** A range duration in whole seconds, at least 1 (PromQL has no fractional `[…s]` before 2.x). */
const range = (seconds: number): string => `${Math.max(1, Math.round(seconds))}s`;

/** Requests by outcome (`ok`, `error`) served in the `seconds` before the evaluation time. */
export function requestsQuery(key: OutcomeKey, seconds: number): string {
  return `sum by (outcome) (increase(${PROMETHEUS_SERIES.requests}${selectorOf(key)}[${range(seconds)}]))`;
}

/** Latency histogram buckets (cumulative, by `le`) over the `seconds` before the evaluation time. */
export function bucketsQuery(key: OutcomeKey, seconds: number): string {
  return `sum by (le) (increase(${PROMETHEUS_SERIES.durationBucket}${selectorOf(key)}[${range(seconds)}]))`;
}

/** Median latency (seconds) over the `seconds` before the evaluation time (NaN without requests). */
export function medianLatencyQuery(key: OutcomeKey, seconds: number): string {
  return `histogram_quantile(0.5, ${bucketsQuery(key, seconds)})`;
}

/** One series of an answer: its labels and its points (time in seconds, value). */
export interface PromSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly points: readonly (readonly [number, number])[];
}

/**
 * Reads a Prometheus API answer (`{status, data: {resultType, result}}`) of a vector or a matrix
 * into series. An `error` status, a warning-free but malformed body, or a scalar/string result
 * is a failed reading naming the reason.
 */
export function parsePromAnswer(body: unknown): Reading<PromSeries[]> {
  if (typeof body !== 'object' || body === null) return { ok: false, reason: 'Prometheus answered no JSON object' };
  const b = body as { status?: unknown; error?: unknown; errorType?: unknown; data?: unknown };
  if (b.status !== 'success') {
    const what = typeof b.errorType === 'string' ? b.errorType : 'error';
    const why = typeof b.error === 'string' ? b.error : 'no reason given';
    return { ok: false, reason: `Prometheus answered ${what}: ${why}` };
  }
  const data = b.data as { resultType?: unknown; result?: unknown } | undefined;
  if (data === undefined || !Array.isArray(data.result))
    return { ok: false, reason: 'Prometheus answered without a result' };
  if (data.resultType !== 'vector' && data.resultType !== 'matrix')
    return { ok: false, reason: `Prometheus answered a ${String(data.resultType)}, not a vector or matrix` };
  const out: PromSeries[] = [];
  for (const item of data.result as unknown[]) {
    const s = (typeof item === 'object' && item !== null ? item : {}) as {
      metric?: unknown;
      value?: unknown;
      values?: unknown;
    };
    const labels: Record<string, string> = {};
    if (typeof s.metric === 'object' && s.metric !== null)
      for (const [k, v] of Object.entries(s.metric)) if (typeof v === 'string') labels[k] = v;
    const raw = data.resultType === 'vector' ? [s.value] : Array.isArray(s.values) ? (s.values as unknown[]) : [];
    const points: [number, number][] = [];
    for (const p of raw) {
      const point = pointOf(p);
      if (point === undefined) return { ok: false, reason: 'Prometheus answered a malformed sample' };
      points.push(point);
    }
    out.push({ labels, points });
  }
  return { ok: true, value: out };
}

/** `[unixSeconds, "value"]`; values are strings in the API ("NaN", "+Inf" included). */
function pointOf(p: unknown): [number, number] | undefined {
  if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'number' || typeof p[1] !== 'string') return undefined;
  const v = p[1] === '+Inf' ? Infinity : p[1] === '-Inf' ? -Infinity : Number(p[1]);
  return Number.isNaN(v) && p[1] !== 'NaN' ? undefined : [p[0], v];
}

/**
 * The fast guard's counters of one colour from two instant answers over the guard window: the
 * requests by outcome and the latency buckets. `increase` extrapolates to the window's edges,
 * so counts are rounded. No series at all, or a NaN, is NoData (a colour Prometheus has not seen
 * is not a colour without errors).
 */
export function countersFromAnswers(requests: unknown, buckets: unknown): Reading<ColourCounters> {
  const r = parsePromAnswer(requests);
  if (!r.ok) return r;
  if (r.value.length === 0) return { ok: false, reason: 'no request series in Prometheus for the window' };
  let ok = 0;
  let errors = 0;
  for (const s of r.value) {
    const v = s.points[0]?.[1];
    if (v === undefined || !Number.isFinite(v) || v < 0)
      return { ok: false, reason: `request count ${String(v)} from Prometheus` };
    if (s.labels.outcome === 'error') errors += v;
    else ok += v;
  }
  const counters = { requests: Math.round(ok + errors), errors: Math.round(errors) };
  const b = parsePromAnswer(buckets);
  // NOTE: the latency check is optional in the guard: without buckets it simply has no say.
  if (!b.ok || b.value.length === 0) return { ok: true, value: counters };
  const cumulative: { le: number; count: number }[] = [];
  for (const s of b.value) {
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    const v = s.points[0]?.[1];
    if (Number.isNaN(le) || v === undefined || !Number.isFinite(v)) return { ok: true, value: counters };
    cumulative.push({ le, count: v });
  }
  cumulative.sort((x, y) => x.le - y.le);
  // Prometheus buckets are cumulative and in seconds; the guard wants per-bucket counts in ms.
  const counts: number[] = [];
  let below = 0;
  for (const c of cumulative) {
    const at = Math.max(below, Math.round(c.count));
    counts.push(at - below);
    below = at;
  }
  return {
    ok: true,
    value: { ...counters, latency: { bounds: cumulative.map((c) => c.le * 1000), counts } },
  };
}

/** One colour's per-step series over a bake, keyed by the step's time (unix seconds). */
export interface StepSeries {
  /** Error ratio of each step that served requests. */
  readonly errorRatio: ReadonlyMap<number, number>;
  /** Median latency (ms) of each step that served requests. */
  readonly latencyMs: ReadonlyMap<number, number>;
  /** Requests over the whole bake (the sum of the steps). */
  readonly requests: number;
}

/**
 * A colour's per-step series from two range answers: requests by outcome per step, and the
 * median latency per step. Steps without requests (0/0, a NaN quantile) are left out, as
 * Kayenta drops NaN points; a failed answer is NoData.
 */
export function stepSeriesFromAnswers(requests: unknown, latency: unknown): Reading<StepSeries> {
  const r = parsePromAnswer(requests);
  if (!r.ok) return r;
  const l = parsePromAnswer(latency);
  if (!l.ok) return l;
  const totals = new Map<number, { all: number; errors: number }>();
  for (const s of r.value)
    for (const [t, v] of s.points) {
      if (!Number.isFinite(v) || v < 0) continue;
      const cell = totals.get(t) ?? { all: 0, errors: 0 };
      cell.all += v;
      if (s.labels.outcome === 'error') cell.errors += v;
      totals.set(t, cell);
    }
  const errorRatio = new Map<number, number>();
  let served = 0;
  for (const [t, c] of totals) {
    served += c.all;
    if (c.all > 0) errorRatio.set(t, c.errors / c.all);
  }
  const latencyMs = new Map<number, number>();
  for (const s of l.value) for (const [t, v] of s.points) if (Number.isFinite(v) && v >= 0) latencyMs.set(t, v * 1000);
  return { ok: true, value: { errorRatio, latencyMs, requests: Math.round(served) } };
}

/** What the bake judges from Prometheus: the metrics and the sample minimum that applies to them. */
export interface StepMetrics {
  readonly metrics: MetricSamples[];
  /** Steps each colour needs per metric ({@link MIN_PROMETHEUS_STEPS}). */
  readonly minSamples: number;
  readonly requests: { readonly candidate: number; readonly control: number };
}

/**
 * The bake's metrics from both colours' step series, matched by time (a step counts only when
 * both colours served in it, as `matchedByTime` does for Iris's own samples). NoData when either
 * colour served fewer than `minRequests` over the bake.
 */
export function stepMetrics(candidate: StepSeries, control: StepSeries, minRequests: number): Reading<StepMetrics> {
  const requests = { candidate: candidate.requests, control: control.requests };
  if (candidate.requests < minRequests || control.requests < minRequests)
    return {
      ok: false,
      reason: `needs ${minRequests} requests per colour over the bake; Prometheus counted ${control.requests} (control), ${candidate.requests} (candidate)`,
    };
  const matched = (a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): [number[], number[]] => {
    const times = [...a.keys()].filter((t) => b.has(t)).sort((x, y) => x - y);
    return [times.map((t) => a.get(t) as number), times.map((t) => b.get(t) as number)];
  };
  const [errCandidate, errControl] = matched(candidate.errorRatio, control.errorRatio);
  const [latCandidate, latControl] = matched(candidate.latencyMs, control.latencyMs);
  const metrics = DEFAULT_METRICS.map((m) => ({
    metric: m.metric,
    direction: m.direction,
    location: m.location,
    candidate: m.metric === 'error' ? errCandidate : latCandidate,
    control: m.metric === 'error' ? errControl : latControl,
  }));
  return { ok: true, value: { metrics, minSamples: MIN_PROMETHEUS_STEPS, requests } };
}
