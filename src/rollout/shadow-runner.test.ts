// The shadow runner: bounded concurrency, drops when full, never rejects to the caller.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeShadowRunner } from './shadow-runner.js';

/** A promise tasks can wait on, and the function that resolves it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

test('at most `concurrency` tasks run at once; the rest wait in order', async () => {
  const runner = makeShadowRunner({ concurrency: 2, maxQueued: 10 });
  const g = gate();
  let now = 0;
  let peak = 0;
  const order: number[] = [];
  for (let i = 0; i < 6; i++) {
    const accepted = runner.submit({
      tenantId: `t-${i}`,
      run: async () => {
        now += 1;
        peak = Math.max(peak, now);
        order.push(i);
        await g.opened;
        now -= 1;
      },
    });
    assert.equal(accepted, true);
  }
  assert.equal(runner.started, 0, 'nothing starts on the submitter’s stack');
  await new Promise((r) => setImmediate(r));
  assert.equal(runner.running, 2);
  assert.equal(runner.queued, 4);
  g.open();
  await runner.drain();
  assert.equal(peak, 2);
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
  assert.deepEqual([runner.submitted, runner.started, runner.completed, runner.dropped], [6, 6, 6, 0]);
  assert.equal(runner.coverage(), 1);
});

test('a full queue drops and counts; coverage is the share not dropped', async () => {
  const runner = makeShadowRunner({ concurrency: 1, maxQueued: 2 });
  const g = gate();
  const results = Array.from({ length: 5 }, (_, i) => runner.submit({ tenantId: `t-${i}`, run: () => g.opened }));
  // One slot and two queue places: three accepted, two dropped.
  assert.deepEqual(results, [true, true, true, false, false]);
  assert.equal(runner.dropped, 2);
  assert.equal(runner.coverage(), 3 / 5);
  g.open();
  await runner.drain();
  assert.deepEqual([runner.started, runner.completed, runner.failed], [3, 3, 0]);
});

test('a failing task (rejecting or throwing at once) is counted and reported, never rethrown', async () => {
  const errors: [string, unknown][] = [];
  const runner = makeShadowRunner({
    concurrency: 2,
    maxQueued: 5,
    onError: (tenantId, error) => {
      errors.push([tenantId, error]);
      throw new Error('the logger fails too');
    },
  });
  runner.submit({ tenantId: 'acme', run: () => Promise.reject(new Error('upstream 500')) });
  runner.submit({
    tenantId: 'globex',
    run: () => {
      throw new Error('sync');
    },
  });
  runner.submit({ tenantId: 'initech', run: async () => {} });
  await runner.drain();
  assert.deepEqual([runner.completed, runner.failed], [1, 2]);
  assert.deepEqual(errors.map(([t, e]) => [t, (e as Error).message]).sort(), [
    ['acme', 'upstream 500'],
    ['globex', 'sync'],
  ]);
});

test('one tenant cannot take the whole queue when maxQueuedPerTenant is set', async () => {
  const runner = makeShadowRunner({ concurrency: 1, maxQueued: 10, maxQueuedPerTenant: 2 });
  const g = gate();
  const busy = Array.from({ length: 5 }, () => runner.submit({ tenantId: 'busy', run: () => g.opened }));
  assert.deepEqual(busy, [true, true, false, false, false]);
  assert.equal(runner.submit({ tenantId: 'quiet', run: () => g.opened }), true);
  await new Promise((r) => setImmediate(r));
  // One of busy's tasks started, so busy may queue one more.
  assert.equal(runner.submit({ tenantId: 'busy', run: () => g.opened }), true);
  g.open();
  await runner.drain();
  assert.deepEqual([runner.submitted, runner.dropped, runner.completed], [7, 3, 4]);
});

test('drain resolves at once when idle, and maxQueued 0 still fills free slots', async () => {
  const runner = makeShadowRunner({ concurrency: 1, maxQueued: 0 });
  await runner.drain();
  assert.equal(runner.coverage(), 1, 'nothing submitted: full coverage');
  let ran = 0;
  assert.equal(
    runner.submit({
      tenantId: 'a',
      run: async () => {
        ran += 1;
      },
    }),
    true,
  );
  assert.equal(runner.submit({ tenantId: 'b', run: async () => {} }), false);
  await runner.drain();
  assert.equal(ran, 1);
});
