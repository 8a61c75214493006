// Unit tests of retry scheduling: exponential growth, ceiling, jitter bounds, and decisions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelayMs, decideAfterFailure } from './backoff.js';

const policy = { baseMs: 1000, maxMs: 60_000, factor: 2 };

test('delays double per attempt, within [d/2, d], and stop growing at the ceiling', () => {
  assert.equal(
    backoffDelayMs(1, policy, () => 1),
    1000,
  );
  assert.equal(
    backoffDelayMs(1, policy, () => 0),
    500,
  );
  assert.equal(
    backoffDelayMs(2, policy, () => 1),
    2000,
  );
  assert.equal(
    backoffDelayMs(4, policy, () => 1),
    8000,
  );
  assert.equal(
    backoffDelayMs(30, policy, () => 1),
    60_000,
  );
  assert.equal(
    backoffDelayMs(30, policy, () => 0),
    30_000,
  );
});

test('jitter spreads retries of jobs that failed together', () => {
  const delays = new Set(Array.from({ length: 50 }, () => backoffDelayMs(3, policy)));
  assert.ok(delays.size > 10, `expected spread, got ${delays.size} distinct delays`);
  for (const d of delays) assert.ok(d >= 2000 && d <= 4000, `delay ${d} outside [2000, 4000]`);
});

test('retryable failures come back until the last attempt, which poisons the job', () => {
  assert.deepEqual(
    decideAfterFailure(1, 3, true, policy, () => 1),
    { to: 'queued', delayMs: 1000 },
  );
  assert.deepEqual(
    decideAfterFailure(2, 3, true, policy, () => 1),
    { to: 'queued', delayMs: 2000 },
  );
  assert.deepEqual(
    decideAfterFailure(3, 3, true, policy, () => 1),
    { to: 'poisoned' },
  );
});

test('non-retryable failures fail the job at once, whatever attempts remain', () => {
  assert.deepEqual(decideAfterFailure(1, 10, false, policy), { to: 'failed' });
});
