import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mannWhitneyU } from './mann-whitney.js';
import { matchedByTime, type TimedSample } from './outcome-counters.js';

/** A deterministic generator (mulberry32), so the test never flakes. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('matching by second takes the same count per second from each colour', () => {
  const at = (second: number, ms: number, error = false): TimedSample => ({ second, ms, error });
  const { candidate, control } = matchedByTime(
    [at(1, 10), at(1, 11), at(1, 12), at(2, 20), at(3, 30, true)],
    [at(1, 5), at(2, 6), at(2, 7), at(4, 8)],
    seeded(1),
  );
  // Second 1: one each; second 2: one each; seconds 3 and 4 have one colour only.
  assert.equal(candidate.latencyMs.length, 2);
  assert.equal(control.latencyMs.length, 2);
  assert.ok([10, 11, 12].includes(candidate.latencyMs[0] as number));
  assert.equal(candidate.latencyMs[1], 20);
  assert.deepEqual(candidate.error, [0, 0]);
});

test('a slow spell seen by both colours does not make a capped colour look different', () => {
  // Both colours are equally fast (10 ms) in calm seconds and equally slow (100 ms) in a slow spell.
  // The candidate (more tenants, ~200 requests a second) is sampled up to the cap of 64 a second;
  // in the slow spell fewer requests arrive (50) and all are kept. The control (~20 a second) is
  // never capped. Unmatched, the candidate's slow seconds weigh three times more than the control's.
  const random = seeded(7);
  const candidate: TimedSample[] = [];
  const control: TimedSample[] = [];
  for (let second = 0; second < 30; second++) {
    const slow = second >= 24;
    const base = slow ? 100 : 10;
    const candidateN = slow ? 50 : 64;
    const controlN = slow ? 5 : 20;
    for (let i = 0; i < candidateN; i++) candidate.push({ second, ms: base + random() * 5, error: false });
    for (let i = 0; i < controlN; i++) control.push({ second, ms: base + random() * 5, error: false });
  }
  const raw = mannWhitneyU(
    candidate.map((x) => x.ms),
    control.map((x) => x.ms),
  );
  const matched = matchedByTime(candidate, control, seeded(3));
  const fair = mannWhitneyU(matched.candidate.latencyMs, matched.control.latencyMs);
  assert.ok(raw.p < 0.05, `unmatched, the healthy candidate looks different (p ${raw.p})`);
  assert.ok(fair.p > 0.05, `matched by second it does not (p ${fair.p})`);
});
