// The fast guard: hand-computed proportion tests on errors and slow requests, and the cases
// where it must keep quiet (too little traffic, harmless differences, mismatched histograms).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_GUARD_THRESHOLDS, guardInterval, proportionZ, type ColourCounters } from './fast-guard.js';

const close = (a: number | null, e: number, eps = 1e-4): void =>
  assert.ok(a !== null && Math.abs(a - e) < eps, `${a} is not ${e}`);
const counters = (requests: number, errors: number): ColourCounters => ({ requests, errors });

test('proportion z by hand: 30/500 vs 10/500', () => {
  // pooled 0.04; se = √(0.04·0.96·(2/500)) = 0.0123935; z = 0.04 / 0.0123935 = 3.22749
  close(proportionZ(30, 500, 10, 500), 3.22749);
  assert.equal(proportionZ(0, 100, 0, 100), 0, 'no errors anywhere: no evidence');
  assert.equal(proportionZ(100, 100, 100, 100), 0, 'all errors in both: no difference');
});

test('a clear error regression aborts and explains itself', () => {
  const d = guardInterval(counters(500, 30), counters(500, 10));
  assert.equal(d.action, 'abort');
  const check = d.checks[0];
  assert.equal(check?.outcome, 'regression');
  close(check?.candidate ?? null, 0.06);
  close(check?.control ?? null, 0.02);
  close(check?.z ?? null, 3.22749);
  assert.match(d.reason, /^error_ratio: error ratio candidate 6% vs control 2% \(z 3\.23\)/);
});

test('a difference inside the margin continues, however significant', () => {
  // 3 % vs 2 % on 50 000 requests each is z ≈ 10, but only 1 point apart (margin 2).
  const d = guardInterval(counters(50_000, 1500), counters(50_000, 1000));
  assert.equal(d.action, 'continue');
  assert.ok((d.checks[0]?.z ?? 0) > 9);
});

test('a large but noisy difference on little traffic continues (z below 3.09)', () => {
  // 5/60 vs 0/60: pooled 1/24, se = 0.036483, z = 2.284.
  const d = guardInterval(counters(60, 5), counters(60, 0));
  assert.equal(d.action, 'continue');
  close(d.checks[0]?.z ?? null, 2.28416);
});

test('too few requests has no say; the error ceiling aborts even without control traffic', () => {
  const few = guardInterval(counters(10, 10), counters(500, 0));
  assert.deepEqual([few.action, few.checks[0]?.outcome], ['continue', 'insufficient']);
  const ceiling = guardInterval(counters(60, 40), counters(0, 0));
  assert.deepEqual([ceiling.action, ceiling.checks[0]?.outcome], ['abort', 'regression']);
  assert.match(ceiling.reason, /above the ceiling 50%/);
  const noControl = guardInterval(counters(60, 10), counters(0, 0));
  assert.deepEqual([noControl.action, noControl.checks[0]?.outcome], ['continue', 'insufficient']);
});

test('inconsistent counters have no say (a replica reporting garbage never aborts a release)', () => {
  for (const bad of [counters(100, 101), counters(-5, 0), counters(100, -1), counters(10.5, 1)]) {
    const d = guardInterval(bad, counters(500, 0));
    assert.deepEqual([d.action, d.checks[0]?.outcome], ['continue', 'insufficient']);
    assert.match(d.reason, /inconsistent counters/);
  }
});

const bounds = [50, 100, 200, 500, Infinity];
const withLatency = (counts: number[]): ColourCounters => ({
  requests: counts.reduce((a, b) => a + b, 0),
  errors: 0,
  latency: { bounds, counts },
});

test('latency: the slow line is the control p95 bucket; a slower candidate aborts', () => {
  // Control cumulative 500, 800, 950 of 1000: p95 reaches at 200 ms; 5 % slower than that.
  const control = withLatency([500, 300, 150, 40, 10]);
  const d = guardInterval(withLatency([200, 200, 200, 300, 100]), control);
  assert.equal(d.action, 'abort');
  const latency = d.checks.find((c) => c.check === 'latency');
  assert.equal(latency?.slowerThanMs, 200);
  close(latency?.candidate ?? null, 0.4);
  close(latency?.control ?? null, 0.05);
  assert.match(d.reason, /^latency: share slower than 200 ms candidate 40% vs control 5%/);
  const same = guardInterval(withLatency([500, 300, 150, 40, 10]), control);
  assert.deepEqual([same.action, same.checks[1]?.outcome, same.checks[1]?.z], ['continue', 'ok', 0]);
});

test('latency: mismatched buckets or a quantile in +Inf have no say', () => {
  const control = withLatency([500, 300, 150, 40, 10]);
  const other: ColourCounters = { requests: 1000, errors: 0, latency: { bounds: [10, 20], counts: [500, 500] } };
  assert.equal(guardInterval(other, control).checks[1]?.outcome, 'insufficient');
  const tail = withLatency([10, 10, 10, 10, 960]);
  const d = guardInterval(withLatency([0, 0, 0, 0, 1000]), tail);
  assert.deepEqual([d.action, d.checks[1]?.outcome], ['continue', 'insufficient']);
});

test('defaults are the documented ones and frozen', () => {
  assert.equal(DEFAULT_GUARD_THRESHOLDS.zCritical, 3.09);
  assert.ok(Object.isFrozen(DEFAULT_GUARD_THRESHOLDS));
});
