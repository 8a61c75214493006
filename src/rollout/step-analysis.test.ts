// Folding per-metric verdicts into the machine's analysis event.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyseStep, ROLLOUT_INTERVALS, type MetricSamples } from './step-analysis.js';

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
