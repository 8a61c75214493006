// Folding per-metric verdicts into the machine's analysis event.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  analyseStep,
  judgeShadow,
  ROLLOUT_INTERVALS,
  unavailableAnalysis,
  type MetricSamples,
} from './step-analysis.js';

const settings = { minSamples: 50, alpha: 0.05, tolerance: 0.1 };
const step = { ringIndex: 1, stepIndex: 0 };
const series = (base: number, n = 60): number[] => Array.from({ length: n }, (_, i) => base + (i % 10));
const metric = (name: string, control: number[], candidate: number[]): MetricSamples => ({
  metric: name,
  direction: 'higher-is-worse',
  control,
  candidate,
});

test('all metrics pass: analysis_passed with each verdict kept', () => {
  const a = analyseStep(
    step,
    [metric('latency_ms', series(100), series(100)), metric('error', series(0), series(0))],
    settings,
  );
  assert.equal(a.event, 'analysis_passed');
  assert.deepEqual(
    a.verdicts.map((v) => v.verdict),
    ['Pass', 'Pass'],
  );
  assert.deepEqual(a.step, step);
});

test('one High fails the step even when another metric has no data', () => {
  const a = analyseStep(
    step,
    [metric('error', series(0, 10), series(0, 10)), metric('latency_ms', series(100), series(300))],
    settings,
  );
  assert.equal(a.event, 'analysis_failed');
  assert.match(a.reason, /^latency_ms High \(candidate higher: p /);
});

test('NoData pauses instead of passing; no metrics at all is NoData too', () => {
  const a = analyseStep(step, [metric('latency_ms', series(100), series(100, 49))], settings);
  assert.equal(a.event, 'analysis_nodata');
  assert.match(a.reason, /latency_ms NoData \(needs 50 samples per colour; control has 60, candidate 49\)/);
  assert.equal(analyseStep(step, [], settings).event, 'analysis_nodata');
});

test("the test intervals are the issue's fixed ones", () => {
  assert.deepEqual(ROLLOUT_INTERVALS.test, { guardIntervalSeconds: 5, bakeSeconds: 30, minSamples: 50 });
});

test('shadow bounds: only the bounds a plan sets are judged, and a Low one fails the step', () => {
  const window = {
    samples: 60,
    errors: 0,
    overlap: new Array<number>(60).fill(0.2),
    similarity: new Array<number>(60).fill(0.95),
    latencyDeltaMs: new Array<number>(60).fill(3),
  };
  assert.deepEqual(judgeShadow(window, {}, { minSamples: 50, alpha: 0.05 }), []);
  const verdicts = judgeShadow(
    window,
    { minCitationOverlap: 0.6, minAnswerSimilarity: 0.8, maxErrorRatio: 0.1 },
    { minSamples: 50, alpha: 0.05 },
  );
  assert.deepEqual(
    verdicts.map((v) => [v.explanation.metric, v.verdict]),
    [
      ['shadow_citation_overlap', 'Low'],
      ['shadow_answer_similarity', 'Pass'],
      ['shadow_error', 'Pass'],
    ],
  );
  const a = analyseStep(step, [metric('latency_ms', series(100), series(100))], settings, verdicts);
  assert.equal(a.event, 'analysis_failed');
  assert.match(a.reason, /shadow_citation_overlap/);
  // Too few comparisons (the shadow's own minimum) pauses, never passes.
  const paused = analyseStep(
    step,
    [metric('latency_ms', series(100), series(100))],
    settings,
    judgeShadow(window, { minAnswerSimilarity: 0.8, minSamples: 100 }, { minSamples: 50, alpha: 0.05 }),
  );
  assert.equal(paused.event, 'analysis_nodata');
});

test('a source that cannot answer: NoData for every metric with its reason, never a pass', () => {
  const a = unavailableAnalysis(step, 'prometheus: Prometheus unreachable', settings);
  assert.equal(a.event, 'analysis_nodata');
  assert.deepEqual(
    a.verdicts.map((v) => [v.explanation.metric, v.verdict, v.passed, v.explanation.reason]),
    [
      ['error', 'NoData', false, 'prometheus: Prometheus unreachable'],
      ['latency_ms', 'NoData', false, 'prometheus: Prometheus unreachable'],
    ],
  );
  assert.match(a.reason, /^error NoData \(prometheus: Prometheus unreachable\); latency_ms NoData/);
});
