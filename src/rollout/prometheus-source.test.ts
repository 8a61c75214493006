// Prometheus as the analysis source, its pure part: PromQL with escaped label values, and
// Prometheus's JSON answers (as its HTTP API v1 writes them) read into the guard's counters and
// the bake's per-step samples; errors, NaN and empty answers are NoData with a reason.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RELEASE_BUCKETS } from '../observability/index.js';
import { OUTCOME_BUCKETS_MS } from './outcome-counters.js';
import {
  countersFromAnswers,
  MIN_PROMETHEUS_STEPS,
  parsePromAnswer,
  promString,
  requestsQuery,
  medianLatencyQuery,
  stepMetrics,
  stepSeriesFromAnswers,
  type StepSeries,
} from './prometheus-source.js';

const vector = (result: { metric: Record<string, string>; value: [number, string] }[]): unknown => ({
  status: 'success',
  data: { resultType: 'vector', result },
});
const matrix = (result: { metric: Record<string, string>; values: [number, string][] }[]): unknown => ({
  status: 'success',
  data: { resultType: 'matrix', result },
});

test('label values are PromQL string literals: quotes, backslashes, newlines and controls escaped', () => {
  assert.equal(promString('plain@1.0.0'), '"plain@1.0.0"');
  assert.equal(promString('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(promString('x\ny\tz\u0001'), '"x\\ny\\tz\\x01"');
  const q = requestsQuery({ releaseId: 'r"}) or vector(1) #', ring: 'canary', colour: 'green' }, 5);
  assert.equal(
    q,
    'sum by (outcome) (increase(iris_release_requests_total{release="r\\"}) or vector(1) #",ring="canary",colour="green"}[5s]))',
  );
  assert.equal(
    medianLatencyQuery({ releaseId: 'r@1', ring: 'canary', colour: 'green' }, 2.4),
    'histogram_quantile(0.5, sum by (le) (increase(iris_release_request_duration_seconds_bucket{release="r@1",ring="canary",colour="green"}[2s])))',
  );
});

test('the exported histogram has the layout of the PostgreSQL counters (guard compares like with like)', () => {
  assert.deepEqual(
    RELEASE_BUCKETS.map((s) => Math.round(s * 1000)),
    [...OUTCOME_BUCKETS_MS],
  );
});

test('errors, non-JSON and scalar answers are failed readings with the reason', () => {
  const err = parsePromAnswer({ status: 'error', errorType: 'bad_data', error: 'parse error at char 3' });
  assert.deepEqual(err, { ok: false, reason: 'Prometheus answered bad_data: parse error at char 3' });
  assert.equal(parsePromAnswer('<html>').ok, false);
  assert.equal(parsePromAnswer({ status: 'success', data: { resultType: 'scalar', result: [1, '2'] } }).ok, false);
  assert.equal(parsePromAnswer(vector([{ metric: {}, value: [1, 2 as unknown as string] }])).ok, false);
});

test('guard counters: requests by outcome rounded, cumulative seconds buckets become per-bucket ms counts', () => {
  const requests = vector([
    { metric: { outcome: 'ok' }, value: [1700000000, '180.4'] },
    { metric: { outcome: 'error' }, value: [1700000000, '19.8'] },
  ]);
  const buckets = vector([
    { metric: { le: '+Inf' }, value: [1700000000, '200'] },
    { metric: { le: '0.01' }, value: [1700000000, '150'] },
    { metric: { le: '0.005' }, value: [1700000000, '100.2'] },
    { metric: { le: '0.1' }, value: [1700000000, '199'] },
  ]);
  const r = countersFromAnswers(requests, buckets);
  assert.ok(r.ok);
  assert.equal(r.value.requests, 200);
  assert.equal(r.value.errors, 20);
  assert.deepEqual(r.value.latency, { bounds: [5, 10, 100, Infinity], counts: [100, 50, 49, 1] });
});

test('guard counters: an empty answer, a NaN count or an error is NoData, never zero traffic', () => {
  const none = countersFromAnswers(vector([]), vector([]));
  assert.equal(none.ok, false);
  assert.match(!none.ok ? none.reason : '', /no request series/);
  const nan = countersFromAnswers(vector([{ metric: { outcome: 'ok' }, value: [1, 'NaN'] }]), vector([]));
  assert.equal(nan.ok, false);
  const down = countersFromAnswers({ status: 'error', errorType: 'unreachable', error: 'connection refused' }, {});
  assert.deepEqual(down, { ok: false, reason: 'Prometheus answered unreachable: connection refused' });
  // Requests without buckets: the error check has its numbers, the latency check no say.
  const noBuckets = countersFromAnswers(vector([{ metric: { outcome: 'ok' }, value: [1, '60'] }]), vector([]));
  assert.deepEqual(noBuckets, { ok: true, value: { requests: 60, errors: 0 } });
});

test('bake series: error ratio and median per step; steps without requests (NaN) are dropped', () => {
  const requests = matrix([
    {
      metric: { outcome: 'ok' },
      values: [
        [10, '9'],
        [12, '0'],
        [14, '8'],
      ],
    },
    {
      metric: { outcome: 'error' },
      values: [
        [10, '1'],
        [12, '0'],
        [14, '2'],
      ],
    },
  ]);
  const latency = matrix([
    {
      metric: {},
      values: [
        [10, '0.012'],
        [12, 'NaN'],
        [14, '0.020'],
      ],
    },
  ]);
  const r = stepSeriesFromAnswers(requests, latency);
  assert.ok(r.ok);
  assert.deepEqual(
    [...r.value.errorRatio],
    [
      [10, 0.1],
      [14, 0.2],
    ],
  );
  assert.deepEqual(
    [...r.value.latencyMs],
    [
      [10, 12],
      [14, 20],
    ],
  );
  assert.equal(r.value.requests, 20);
  assert.equal(stepSeriesFromAnswers({ status: 'error', error: 'x' }, latency).ok, false);
  assert.equal(stepSeriesFromAnswers(requests, { status: 'error', error: 'x' }).ok, false);
});

test('bake metrics: steps matched by time between colours; too few requests is NoData', () => {
  const series = (times: number[], ratio: number, ms: number, requests: number): StepSeries => ({
    errorRatio: new Map(times.map((t) => [t, ratio])),
    latencyMs: new Map(times.map((t) => [t, ms])),
    requests,
  });
  const steps = Array.from({ length: 12 }, (_, i) => 100 + 2 * i);
  const r = stepMetrics(series(steps, 0.3, 15, 400), series([...steps.slice(1), 999], 0, 10, 400), 50);
  assert.ok(r.ok);
  assert.equal(r.value.minSamples, MIN_PROMETHEUS_STEPS);
  assert.deepEqual(r.value.requests, { candidate: 400, control: 400 });
  const error = r.value.metrics.find((m) => m.metric === 'error');
  assert.equal(error?.candidate.length, 11, 'the first step has no control point, 999 no candidate point');
  assert.equal(error?.control.length, 11);
  assert.deepEqual(
    r.value.metrics.map((m) => m.metric),
    ['error', 'latency_ms'],
  );
  const few = stepMetrics(series(steps, 0, 10, 30), series(steps, 0, 10, 400), 50);
  assert.equal(few.ok, false);
  assert.match(!few.ok ? few.reason : '', /needs 50 requests per colour.*400 \(control\), 30 \(candidate\)/);
});
