// GCRA arithmetic: burst from idle, then the sustained rate; a refusal consumes nothing; the
// limit needing the longest wait is the one reported.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkLimits, type RateLimit } from './gcra.js';

test('a burst from idle, then one request per interval', () => {
  const limit: RateLimit = { name: 'tenant', key: 't', rate: 10, burst: 3 };
  let tat: number | undefined;
  const at = (now: number): boolean => {
    const { verdict, newTats } = checkLimits([limit], [tat], now);
    if (newTats) tat = newTats[0];
    return verdict.allowed;
  };
  assert.deepEqual([at(0), at(0), at(0), at(0)], [true, true, true, false]);
  const refused = checkLimits([limit], [tat], 1);
  assert.equal(refused.verdict.retryAfterMs, 99);
  assert.equal(refused.verdict.limitedBy, 'tenant');
  assert.equal(at(100), true);
  assert.equal(at(101), false);
  assert.equal(at(1000), true, 'idle time refills the bucket');
  assert.equal(checkLimits([limit], [tat], 1000).verdict.limits[0]?.remaining, 1);
});

test('several limits pass or fail together, and the tightest one is named', () => {
  const limits: RateLimit[] = [
    { name: 'tenant', key: 't', rate: 100, burst: 100 },
    { name: 'route', key: 'r', rate: 1, burst: 1 },
  ];
  const first = checkLimits(limits, [undefined, undefined], 0);
  assert.equal(first.verdict.allowed, true);
  const second = checkLimits(limits, first.newTats ?? [], 0);
  assert.equal(second.verdict.allowed, false);
  assert.equal(second.verdict.limitedBy, 'route');
  assert.equal(second.newTats, undefined, 'a refused request stores nothing');
  assert.equal(second.verdict.retryAfterMs, 1000);
});
