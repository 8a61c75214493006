import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeGroupCommit, type Outcome } from './group-commit.js';

/** A run that records its batches and answers each item after `gate` opens. */
function recorder(answer: (item: number) => Outcome<string> = (n) => ({ ok: `done ${n}` })) {
  const runs: { key: string; items: number[] }[] = [];
  let open: () => void = () => undefined;
  let gate = new Promise<void>((r) => (open = r));
  return {
    runs,
    release(): void {
      open();
      gate = new Promise<void>((r) => (open = r));
    },
    run: async (key: string, items: readonly number[]): Promise<Outcome<string>[]> => {
      runs.push({ key, items: [...items] });
      await gate;
      return items.map(answer);
    },
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('a lone submission runs at once; those arriving meanwhile share the next run, in order', async () => {
  const r = recorder();
  const g = makeGroupCommit(r.run, { sizeOf: () => 1, maxSize: 100 });
  const first = g.submit('acme', 1);
  await tick();
  assert.deepEqual(r.runs, [{ key: 'acme', items: [1] }]);
  const rest = [2, 3, 4].map((n) => g.submit('acme', n));
  await tick();
  assert.equal(r.runs.length, 1, 'no second run while the first is in flight');
  r.release();
  assert.equal(await first, 'done 1');
  await tick();
  assert.deepEqual(r.runs[1], { key: 'acme', items: [2, 3, 4] });
  r.release();
  assert.deepEqual(await Promise.all(rest), ['done 2', 'done 3', 'done 4']);
});

test('keys run independently: another tenant does not wait for this one', async () => {
  const r = recorder();
  const g = makeGroupCommit(r.run, { sizeOf: () => 1, maxSize: 100 });
  const a = g.submit('acme', 1);
  const b = g.submit('globex', 2);
  await tick();
  assert.deepEqual(
    r.runs.map((x) => x.key),
    ['acme', 'globex'],
  );
  r.release();
  assert.deepEqual(await Promise.all([a, b]), ['done 1', 'done 2']);
});

test('a run takes items up to maxSize by size, and at least one however large', async () => {
  const r = recorder();
  const g = makeGroupCommit(r.run, { sizeOf: (n) => n, maxSize: 10 });
  const all = [g.submit('t', 1)];
  await tick();
  all.push(g.submit('t', 4), g.submit('t', 5), g.submit('t', 3), g.submit('t', 50));
  r.release();
  for (let i = 0; i < 4; i++) {
    await tick();
    r.release();
  }
  await Promise.all(all);
  assert.deepEqual(
    r.runs.map((x) => x.items),
    [[1], [4, 5], [3], [50]],
  );
});

test("each caller gets its own outcome: one caller's error is not another's", async () => {
  const r = recorder((n) => (n === 3 ? { error: new Error('queue full') } : { ok: `done ${n}` }));
  const g = makeGroupCommit(r.run, { sizeOf: () => 1, maxSize: 100 });
  const first = g.submit('t', 1);
  await tick();
  const [two, three] = [g.submit('t', 2), g.submit('t', 3)];
  r.release();
  await first;
  await tick();
  r.release();
  assert.equal(await two, 'done 2');
  await assert.rejects(three, /queue full/);
});

test('a run that fails as a whole runs each item alone, so only the guilty caller fails', async () => {
  const runs: number[][] = [];
  const g = makeGroupCommit<number, string>(
    async (_key, items) => {
      runs.push([...items]);
      await tick();
      if (items.includes(13)) throw new Error('hook refused job 13');
      return items.map((n) => ({ ok: `done ${n}` }));
    },
    { sizeOf: () => 1, maxSize: 100 },
  );
  const first = g.submit('t', 1);
  const later = [12, 13, 14].map((n) => g.submit('t', n));
  assert.equal(await first, 'done 1');
  const settled = await Promise.allSettled(later);
  assert.deepEqual(
    settled.map((s) => s.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  assert.deepEqual(runs, [[1], [12, 13, 14], [12], [13], [14]]);
});

test('a shared error (the store is down) goes to every caller of the run without running each alone', async () => {
  const runs: number[][] = [];
  const down = new Error('store unavailable');
  const g = makeGroupCommit<number, string>(
    async (_key, items) => {
      runs.push([...items]);
      await tick();
      throw down;
    },
    { sizeOf: () => 1, maxSize: 100, shared: (err) => err === down },
  );
  const all = [1, 2, 3].map((n) => g.submit('t', n));
  const settled = await Promise.allSettled(all);
  assert.ok(settled.every((s) => s.status === 'rejected' && s.reason === down));
  assert.deepEqual(runs, [[1], [2, 3]]);
});

test('a broken size function fails the callers waiting, never leaves them hanging; later submissions run', async () => {
  const g = makeGroupCommit<number, string>(async (_key, items) => items.map((n) => ({ ok: `done ${n}` })), {
    sizeOf: (n) => {
      if (n === 13) throw new Error('no size for 13');
      return 1;
    },
    maxSize: 100,
  });
  const settled = await Promise.allSettled([g.submit('t', 13), g.submit('t', 14)]);
  assert.deepEqual(
    settled.map((s) => s.status),
    ['rejected', 'fulfilled'],
  );
  assert.equal(await g.submit('t', 15), 'done 15');
});
