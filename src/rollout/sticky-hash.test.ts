// Sticky routing: stability, monotone weights, uniform buckets, per-request hashing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUCKETS, bucketOf, colourFor, thresholdOf, type ColourWeights } from './sticky-hash.js';

/** Recomputed independently with Python's hashlib (sha256 of "5:rel-14:acme", first 6 bytes, mod 10 000). */
const PINNED = [5122, 6627, 3286];
const tenants = Array.from({ length: 10_000 }, (_, i) => `t-${i}`);

test('a bucket is a fixed function of release and subject', () => {
  // Pinned values: if these change, every live release would reshuffle its tenants.
  assert.equal(bucketOf('rel-1', 'acme'), bucketOf('rel-1', 'acme'));
  const pinned = [bucketOf('rel-1', 'acme'), bucketOf('rel-2', 'acme'), bucketOf('rel-1', 'globex')];
  assert.deepEqual(pinned, PINNED);
  for (const b of pinned) assert.ok(Number.isInteger(b) && b >= 0 && b < BUCKETS);
});

test('length prefixes keep ("ab","c") and ("a","bc") apart', () => {
  assert.notEqual(bucketOf('ab', 'c'), bucketOf('a', 'bc'));
});

test('raising a weight only adds tenants (monotone over every weight 0..100 by 0.5)', () => {
  const weights: ColourWeights = { control: 'blue', rings: {} };
  // NOTE: 2,000 tenants (about 10 per step of 0.5 %): 201 weights x 10,000 took 49 s in CI.
  const some = tenants.slice(0, 2_000);
  let previous = new Set<string>();
  for (let w = 0; w <= 100; w += 0.5) {
    const routing = { ...weights, rings: { canary: { releaseId: 'rel-7', colour: 'green', weight: w } } };
    const now = new Set(some.filter((t) => colourFor(t, 'canary', routing).candidate));
    for (const t of previous) assert.ok(now.has(t), `${t} left the candidate when weight rose to ${w}`);
    previous = now;
  }
  assert.equal(previous.size, some.length, 'weight 100 puts every tenant on the candidate');
});

test('weights 0 and 100 are exact; the share at 10 % is near 10 %', () => {
  const at = (weight: number): number =>
    tenants.filter(
      (t) =>
        colourFor(t, 'r', { control: 'blue', rings: { r: { releaseId: 'x', colour: 'green', weight } } }).candidate,
    ).length;
  assert.equal(at(0), 0);
  assert.equal(at(100), 10_000);
  // Binomial(10000, 0.1): sd = 30; 5 sd either side.
  const ten = at(10);
  assert.ok(ten > 850 && ten < 1150, `10 % gave ${ten} of 10000`);
});

test('buckets are uniform: chi-square over 20 bins of 10 000 tenants stays below the 0.999 quantile', () => {
  const bins = new Array<number>(20).fill(0);
  for (const t of tenants) {
    const i = Math.floor(bucketOf('rel-uniform', t) / (BUCKETS / 20));
    bins[i] = (bins[i] ?? 0) + 1;
  }
  const expected = tenants.length / 20;
  const chi2 = bins.reduce((s, o) => s + (o - expected) ** 2 / expected, 0);
  // chi-square with 19 degrees of freedom: the 0.999 quantile is 43.82 (standard tables).
  assert.ok(chi2 < 43.82, `chi-square ${chi2.toFixed(2)} over ${JSON.stringify(bins)}`);
});

test('two releases split tenants independently (no tenant is always first)', () => {
  const both = tenants.filter((t) => bucketOf('rel-a', t) < 1000 && bucketOf('rel-b', t) < 1000).length;
  // Independent 10 % shares overlap on about 1 %: 100 of 10 000 (sd ~10).
  assert.ok(both > 50 && both < 150, `overlap ${both}`);
});

test('a ring without a candidate is served by the control; other rings are untouched', () => {
  const routing: ColourWeights = {
    control: 'blue',
    rings: { canary: { releaseId: 'r', colour: 'green', weight: 100 } },
  };
  assert.deepEqual(colourFor('acme', 'general', routing), {
    colour: 'blue',
    candidate: false,
    bucket: null,
    threshold: 0,
  });
  assert.equal(colourFor('acme', 'canary', routing).colour, 'green');
  assert.equal(colourFor('acme', 'toString', routing).colour, 'blue', 'prototype names are not rings');
});

test('per-request hashing spreads one tenant over both colours', () => {
  const routing: ColourWeights = { control: 'blue', rings: { r: { releaseId: 'rel', colour: 'green', weight: 50 } } };
  const colours = new Set(
    Array.from({ length: 64 }, (_, i) => colourFor('acme', 'r', routing, { requestId: `req-${i}` }).colour),
  );
  assert.deepEqual([...colours].sort(), ['blue', 'green']);
});

test('thresholds follow the 0.01 % grid and clamp', () => {
  assert.deepEqual(
    [thresholdOf(-1), thresholdOf(0), thresholdOf(0.01), thresholdOf(12.5), thresholdOf(100), thresholdOf(101)],
    [0, 0, 1, 1250, 10_000, 10_000],
  );
  assert.equal(thresholdOf(Number.NaN), 0);
});
