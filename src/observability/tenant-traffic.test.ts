import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quantileOf, TRAFFIC_BUCKETS_MS } from './tenant-traffic.js';

const empty = () => new Array<number>(TRAFFIC_BUCKETS_MS.length + 1).fill(0);

test('quantileOf interpolates within the bucket the rank falls in', () => {
  const b = empty();
  b[0] = 90; // <= 5 ms
  b[3] = 10; // 25..50 ms
  // rank 99 of 100: the 9th of the 10 in (25, 50]
  assert.equal(quantileOf(b, 0.99), 25 + (25 * 9) / 10);
  assert.equal(quantileOf(b, 0.5), (5 * 50) / 90);
});

test('quantileOf: no requests is null; the open last bucket answers its lower bound', () => {
  assert.equal(quantileOf(empty(), 0.99), null);
  const b = empty();
  b[TRAFFIC_BUCKETS_MS.length] = 3;
  assert.equal(quantileOf(b, 0.99), 10000);
});
