// The U test against hand-computed and reference values, then the Kayenta-style verdicts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { erfc, judgeBound, judgeMetric, mannWhitneyU, type MetricJudgement } from './mann-whitney.js';

const close = (actual: number, expected: number, rel = 1e-6): void =>
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${actual} is not ${expected}`);

test('erfc matches known values (Abramowitz & Stegun table 7.1)', () => {
  close(erfc(0), 1);
  close(erfc(1), 0.157299207050285);
  close(erfc(2), 0.004677734981047);
  close(erfc(-1), 1.842700792949715);
});

test('fully separated samples of three, computed by hand', () => {
  // Candidate {4,5,6} above control {1,2,3}: ranks 4+5+6 = 15, U1 = 15 − 6 = 9, mean 4.5,
  // σ² = 3·3·7/12 = 5.25, z = (4.5 − 0.5)/√5.25 = 1.745743, p = erfc(z/√2) = 0.080856.
  const r = mannWhitneyU([4, 5, 6], [1, 2, 3]);
  assert.equal(r.u, 9);
  assert.equal(r.uControl, 0);
  close(r.z, 1.7457431218879391);
  close(r.p, 0.08085559837005224);
  assert.equal(r.direction, 'higher');
  assert.equal(r.superiority, 1);
  // Swapping the samples mirrors U and z, and keeps p.
  const s = mannWhitneyU([1, 2, 3], [4, 5, 6]);
  assert.deepEqual([s.u, s.direction], [0, 'lower']);
  close(s.z, -1.7457431218879391);
  close(s.p, r.p);
});

test('ties get mid-ranks and shrink the variance (reference: scipy.stats.mannwhitneyu, asymptotic)', () => {
  // scipy 1.17: mannwhitneyu(c, k, use_continuity=True, method='asymptotic') -> U 56, p 0.012439175316984458.
  const r = mannWhitneyU([3, 4, 5, 5, 6, 6, 7, 8], [1, 2, 2, 3, 4, 4, 4, 5]);
  assert.equal(r.u, 56);
  close(r.p, 0.012439175316984458);
  // The classic small example of Siegel & Castellan-style texts, checked with scipy: U 17, p 0.111347.
  const s = mannWhitneyU([19, 22, 16, 29, 24], [20, 11, 17, 12]);
  assert.equal(s.u, 17);
  close(s.p, 0.11134688653314041);
});

test('larger shifted samples (reference: scipy) reject equality at 0.05', () => {
  const candidate = Array.from({ length: 60 }, (_, i) => 100 + i);
  const control = Array.from({ length: 60 }, (_, i) => 90 + i);
  const r = mannWhitneyU(candidate, control);
  assert.equal(r.u, 2350);
  close(r.p, 0.003921883904784639);
});

test('identical samples give p = 1; all-tied samples give z = 0, p = 1', () => {
  const same = Array.from({ length: 10 }, (_, i) => i);
  const r = mannWhitneyU(same, same);
  assert.deepEqual([r.u, r.z, r.p, r.direction], [50, 0, 1, 'same']);
  const flat = mannWhitneyU([0, 0, 0], [0, 0]);
  assert.deepEqual([flat.u, flat.z, flat.p], [3, 0, 1]);
});

test('empty samples and non-finite values are refused', () => {
  assert.throws(() => mannWhitneyU([], [1]), RangeError);
  assert.throws(() => mannWhitneyU([1, Number.NaN], [1]), /finite/);
});

const latency = (shift: number, n = 80): number[] => Array.from({ length: n }, (_, i) => 100 + ((i * 37) % 50) + shift);
const judge = (over: Partial<MetricJudgement>): ReturnType<typeof judgeMetric> =>
  judgeMetric({
    metric: 'latency_ms',
    control: latency(0),
    candidate: latency(0),
    minSamples: 50,
    alpha: 0.05,
    direction: 'higher-is-worse',
    tolerance: 0.1,
    ...over,
  });

test('too few samples is NoData, which never passes, and says how many it had', () => {
  const v = judge({ candidate: latency(500, 49) });
  assert.equal(v.verdict, 'NoData');
  assert.equal(v.passed, false);
  assert.deepEqual(v.explanation.samples, { control: 80, candidate: 49 });
  assert.equal(v.explanation.p, null);
  assert.match(v.explanation.reason, /needs 50 samples/);
  // minSamples 0 with an empty sample is still NoData, not a crash.
  assert.equal(judge({ control: [], minSamples: 0 }).verdict, 'NoData');
});

test('same distribution passes with p = 1', () => {
  const v = judge({});
  assert.equal(v.verdict, 'Pass');
  assert.equal(v.passed, true);
  assert.equal(v.explanation.p, 1);
  assert.equal(v.explanation.ratio, 1);
});

test('a large slowdown is High with its numbers', () => {
  const v = judge({ candidate: latency(60) });
  assert.equal(v.verdict, 'High');
  assert.equal(v.passed, false);
  assert.ok((v.explanation.p ?? 1) < 1e-10);
  assert.ok((v.explanation.ratio ?? 0) > 1.4);
  assert.ok((v.explanation.statistic?.z ?? 0) > 5);
  assert.match(v.explanation.reason, /candidate higher/);
});

test('a significant shift inside the tolerance passes', () => {
  // Shift 5 on a mean near 124.5: significant with 80 samples each, ratio ~1.04 < 1.1.
  const v = judge({ candidate: latency(5) });
  assert.ok((v.explanation.p ?? 1) < 0.05, `p ${v.explanation.p}`);
  assert.equal(v.verdict, 'Pass');
  assert.match(v.explanation.reason, /within 1 ± 0.1/);
});

test('direction decides which deviation fails', () => {
  const faster = latency(-60);
  assert.equal(judge({ candidate: faster }).verdict, 'Pass');
  assert.equal(judge({ candidate: faster, direction: 'either' }).verdict, 'Low');
  assert.equal(judge({ candidate: faster, direction: 'lower-is-worse' }).verdict, 'Low');
  assert.equal(judge({ candidate: latency(60), direction: 'lower-is-worse' }).verdict, 'Pass');
});

test('error indicators (0/1) with a zero control mean: any significant rise is High', () => {
  const control = new Array<number>(200).fill(0);
  const candidate = [...new Array<number>(180).fill(0), ...new Array<number>(20).fill(1)];
  const v = judge({ metric: 'error', control, candidate });
  assert.equal(v.explanation.ratio, Infinity);
  assert.equal(v.verdict, 'High');
});

test('latency judged by median: a few long pauses in one colour move its mean, not its verdict', () => {
  // Both colours: 200 requests from 3 to 5 ms; the candidate also met 8 GC pauses of 300 ms.
  const control = Array.from({ length: 200 }, (_, i) => 3 + (i % 21) / 10);
  const candidate = [
    ...Array.from({ length: 192 }, (_, i) => 3 + (i % 21) / 10),
    ...Array.from({ length: 8 }, () => 300),
  ];
  const common = {
    metric: 'latency_ms',
    control,
    candidate,
    minSamples: 50,
    alpha: 0.05,
    direction: 'higher-is-worse',
    tolerance: 0.2,
  } as const;
  const byMean = judgeMetric(common);
  const byMedian = judgeMetric({ ...common, location: 'median' });
  assert.ok((byMean.explanation.ratio ?? 0) > 1.2, `the mean ratio ${byMean.explanation.ratio} is over the tolerance`);
  assert.equal(byMedian.verdict, 'Pass', byMedian.explanation.reason);
  assert.equal(byMedian.explanation.location, 'median');
  assert.ok(Math.abs((byMedian.explanation.ratio ?? 0) - 1) < 0.05);
});

test('a floor on the shift: a sub-millisecond rise is noise however significant, a real one is still High', () => {
  // 1,000 requests each, control 0.30-0.40 ms, candidate 0.40-0.50 ms: a third slower, p ~ 0.
  const control = Array.from({ length: 1000 }, (_, i) => 0.3 + (i % 11) / 100);
  const fast = Array.from({ length: 1000 }, (_, i) => 0.4 + (i % 11) / 100);
  const common = {
    metric: 'latency_ms',
    control,
    minSamples: 50,
    alpha: 0.05,
    direction: 'higher-is-worse',
    tolerance: 0.2,
    location: 'median',
  } as const;
  assert.equal(
    judgeMetric({ ...common, candidate: fast }).verdict,
    'High',
    'without a floor the relative rise fails it',
  );
  const floored = judgeMetric({ ...common, candidate: fast, minShift: 5 });
  assert.equal(floored.verdict, 'Pass', floored.explanation.reason);
  assert.ok((floored.explanation.p ?? 1) < 1e-10);
  assert.equal(floored.explanation.minShift, 5);
  assert.match(floored.explanation.reason, /only 0\.1 apart, within 5/);
  // The same floor does not hide a 300 ms slowdown.
  const slow = control.map((ms) => ms + 300);
  const high = judgeMetric({ ...common, candidate: slow, minShift: 5 });
  assert.equal(high.verdict, 'High');
  assert.match(high.explanation.reason, /medians 300 apart > 5/);
});

test('a bound: a mean significantly below an at-least bound is Low, one near it passes, few values are NoData', () => {
  const bound = { kind: 'at-least', value: 0.8 } as const;
  const common = { metric: 'shadow_citation_overlap', minSamples: 20, alpha: 0.05, bound };
  // 40 overlaps of 0.3-0.5: far below 0.8.
  const low = judgeBound({ ...common, values: Array.from({ length: 40 }, (_, i) => 0.3 + (i % 3) / 10) });
  assert.equal(low.verdict, 'Low');
  assert.equal(low.explanation.test, 'one-sample-z');
  assert.ok((low.explanation.p ?? 1) < 1e-6);
  assert.equal(low.explanation.means?.candidate.toFixed(2), '0.40');
  assert.match(low.explanation.reason, /below the bound 0\.8: p/);
  // 40 overlaps averaging 0.79 with a wide spread: below 0.8, but not significantly.
  const near = judgeBound({ ...common, values: Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 0.58 : 1)) });
  assert.equal(near.verdict, 'Pass', near.explanation.reason);
  assert.match(near.explanation.reason, /not significantly/);
  const above = judgeBound({ ...common, values: new Array<number>(40).fill(1) });
  assert.equal(above.verdict, 'Pass');
  const few = judgeBound({ ...common, values: [0, 0, 0] });
  assert.equal(few.verdict, 'NoData');
  assert.equal(few.passed, false);
});

test('a bound: an at-most error ceiling is High when every shadow failed, Pass when none did', () => {
  const common = {
    metric: 'shadow_error',
    minSamples: 10,
    alpha: 0.05,
    bound: { kind: 'at-most', value: 0.05 },
  } as const;
  assert.equal(judgeBound({ ...common, values: new Array<number>(30).fill(1) }).verdict, 'High');
  assert.equal(judgeBound({ ...common, values: new Array<number>(30).fill(0) }).verdict, 'Pass');
  // 3 of 30 failed (10 %): above 5 %, yet 30 values cannot tell it from 5 %.
  const some = judgeBound({ ...common, values: [1, 1, 1, ...new Array<number>(27).fill(0)] });
  assert.equal(some.verdict, 'Pass', some.explanation.reason);
});
