// Unit tests of the per-tenant answer cache: budgets, LRU order, tenant isolation, question
// normalisation, coalescing of concurrent misses, the error path, versions and lookup counts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ANSWER_CACHE_BUDGET_BYTES, makeAnswerCache, normaliseQuestion, type AnswerCacheKey } from './answer-cache.js';

function keyOf(tenantId: string, question: string, extra: Partial<AnswerCacheKey> = {}): AnswerCacheKey {
  return { tenantId, question, mode: 'local', graphVersion: 1, release: 'r1', ...extra };
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('budgets grow with the tier', () => {
  const { free, standard, premium, enterprise } = ANSWER_CACHE_BUDGET_BYTES;
  assert.equal(free, 1024 * 1024);
  assert.ok(free < standard && standard < premium && premium < enterprise);
  assert.ok(Object.isFrozen(ANSWER_CACHE_BUDGET_BYTES));
});

test('questions that differ in case, spacing, width and trailing punctuation share a form', () => {
  assert.equal(normaliseQuestion('What owns X?'), 'what owns x');
  assert.equal(normaliseQuestion('  what   owns x '), 'what owns x');
  assert.equal(normaliseQuestion('WHAT OWNS X?!.'), 'what owns x');
  assert.equal(normaliseQuestion('Ｗｈａｔ owns\tX ？'), 'what owns x');
  assert.equal(normaliseQuestion('wh\u200Bat owns x'), 'what owns x');
  assert.notEqual(normaliseQuestion('what owns x.y'), normaliseQuestion('what owns x'));
  assert.equal(normaliseQuestion('is v1.2 live?'), 'is v1.2 live');
});

test('a second lookup of a normalised-equal question is a hit', async () => {
  const cache = makeAnswerCache<string>();
  let calls = 0;
  const compute = async (): Promise<string> => `answer ${++calls}`;
  const first = await cache.getOrCompute(keyOf('acme', 'What owns X?'), 10_000, compute);
  const second = await cache.getOrCompute(keyOf('acme', '  what owns x '), 10_000, compute);
  assert.deepEqual(first, { value: 'answer 1', hit: false, coalesced: false });
  assert.deepEqual(second, { value: 'answer 1', hit: true, coalesced: false });
  assert.equal(calls, 1);
  assert.equal(cache.peek(keyOf('acme', 'WHAT OWNS X')), 'answer 1');
});

test('tenants never see each other’s answers', async () => {
  const cache = makeAnswerCache<string>();
  const a = await cache.getOrCompute(keyOf('acme', 'who is on call?'), 10_000, async () => 'acme: kai');
  const b = await cache.getOrCompute(keyOf('globex', 'who is on call?'), 10_000, async () => 'globex: ana');
  assert.equal(a.value, 'acme: kai');
  assert.deepEqual(b, { value: 'globex: ana', hit: false, coalesced: false });
  assert.equal(cache.peek(keyOf('acme', 'who is on call?')), 'acme: kai');
  assert.equal(cache.peek(keyOf('globex', 'who is on call?')), 'globex: ana');
  cache.invalidateTenant('acme');
  assert.equal(cache.peek(keyOf('acme', 'who is on call?')), undefined);
  assert.equal(cache.peek(keyOf('globex', 'who is on call?')), 'globex: ana');
});

test('one tenant filling its budget evicts nothing of another tenant', async () => {
  const cache = makeAnswerCache<string>();
  await cache.getOrCompute(keyOf('quiet', 'q'), 2_000, async () => 'kept');
  for (let i = 0; i < 500; i++) await cache.getOrCompute(keyOf('noisy', `q${i}`), 2_000, async () => 'x'.repeat(100));
  assert.equal(cache.peek(keyOf('quiet', 'q')), 'kept');
  assert.ok(cache.stats('noisy').bytes <= 2_000);
});

test('bytes never exceed the budget across many inserts of varied size', async () => {
  const budget = 4_096;
  const cache = makeAnswerCache<string>();
  let seed = 7;
  for (let i = 0; i < 1_000; i++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const value = 'é'.repeat(seed % 300);
    await cache.getOrCompute(keyOf('t1', `question ${i}`), budget, async () => value);
    const { bytes, entries } = cache.stats('t1');
    assert.ok(bytes <= budget, `after ${i}: ${bytes} bytes`);
    assert.ok(entries >= 1);
  }
  const stats = cache.stats('t1');
  assert.equal(stats.budgetBytes, budget);
  assert.ok(stats.bytes > budget / 2, 'the budget is actually used');
});

test('the least recently used entry is evicted first', async () => {
  const cache = makeAnswerCache<string>({ sizeOf: () => 100 });
  const key = (q: string): AnswerCacheKey => keyOf('t', q);
  const entryBytes = 100 + Buffer.byteLength(JSON.stringify(['a', 'local', '1', 'r1']));
  const budget = entryBytes * 3;
  for (const q of ['a', 'b', 'c']) await cache.getOrCompute(key(q), budget, async () => q.toUpperCase());
  assert.equal(cache.stats('t').entries, 3);
  assert.equal((await cache.getOrCompute(key('a'), budget, async () => 'recomputed')).hit, true);
  await cache.getOrCompute(key('d'), budget, async () => 'D');
  assert.equal(cache.peek(key('b')), undefined, 'b was the least recently used');
  assert.deepEqual(
    ['a', 'c', 'd'].map((q) => cache.peek(key(q))),
    ['A', 'C', 'D'],
  );
});

test('an entry larger than the budget or maxEntryBytes is returned but not stored', async () => {
  const cache = makeAnswerCache<string>({ maxEntryBytes: 500 });
  const big = await cache.getOrCompute(keyOf('t', 'big'), 200, async () => 'x'.repeat(300));
  assert.equal(big.value.length, 300);
  assert.equal(cache.peek(keyOf('t', 'big')), undefined);
  const medium = await cache.getOrCompute(keyOf('t', 'medium'), 10_000, async () => 'y'.repeat(600));
  assert.equal(medium.value.length, 600);
  assert.equal(cache.peek(keyOf('t', 'medium')), undefined);
  await cache.getOrCompute(keyOf('t', 'small'), 10_000, async () => 'z');
  assert.equal(cache.peek(keyOf('t', 'small')), 'z');
  assert.deepEqual(cache.stats('t').entries, 1);
});

test('a budget change recreates the tenant’s LRU; a zero budget stores nothing', async () => {
  const cache = makeAnswerCache<string>();
  await cache.getOrCompute(keyOf('t', 'q'), 10_000, async () => 'v');
  assert.equal(cache.stats('t').entries, 1);
  const again = await cache.getOrCompute(keyOf('t', 'q'), 20_000, async () => 'v2');
  assert.deepEqual(again, { value: 'v2', hit: false, coalesced: false });
  assert.equal(cache.stats('t').budgetBytes, 20_000);
  await cache.getOrCompute(keyOf('t', 'q'), 0, async () => 'v3');
  assert.deepEqual(cache.stats('t'), { entries: 0, bytes: 0, budgetBytes: 0, hits: 0, misses: 3, coalesced: 0 });
});

test('50 concurrent identical misses run compute once', async () => {
  const cache = makeAnswerCache<{ answer: string }>();
  let calls = 0;
  const compute = async (): Promise<{ answer: string }> => {
    calls++;
    await delay(30);
    return { answer: 'team-finance' };
  };
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      cache.getOrCompute(keyOf('t', i % 2 ? 'Who owns ledger?' : 'who owns ledger'), 10_000, compute),
    ),
  );
  assert.equal(calls, 1);
  assert.equal(results.filter((r) => r.coalesced).length, 49);
  assert.equal(results.filter((r) => !r.coalesced && !r.hit).length, 1);
  assert.ok(results.every((r) => r.value.answer === 'team-finance'));
  assert.deepEqual(cache.stats('t'), { ...cache.stats('t'), hits: 0, misses: 1, coalesced: 49, entries: 1 });
  assert.equal((await cache.getOrCompute(keyOf('t', 'who owns ledger'), 10_000, compute)).hit, true);
});

test('a failed compute reaches every waiter, is not cached, and the next call computes again', async () => {
  const cache = makeAnswerCache<string>();
  let calls = 0;
  const failing = async (): Promise<string> => {
    calls++;
    await delay(10);
    throw new Error('upstream down');
  };
  const settled = await Promise.allSettled(
    Array.from({ length: 5 }, () => cache.getOrCompute(keyOf('t', 'q'), 10_000, failing)),
  );
  assert.equal(calls, 1);
  assert.deepEqual(
    settled.map((s) => (s.status === 'rejected' ? (s.reason as Error).message : 'fulfilled')),
    Array(5).fill('upstream down'),
  );
  assert.equal(cache.peek(keyOf('t', 'q')), undefined);
  const next = await cache.getOrCompute(keyOf('t', 'q'), 10_000, async () => {
    calls++;
    return 'ok';
  });
  assert.deepEqual(next, { value: 'ok', hit: false, coalesced: false });
  assert.equal(calls, 2);
  // A compute that throws synchronously is a rejection too.
  await assert.rejects(
    cache.getOrCompute(keyOf('t', 'sync'), 10_000, () => {
      throw new Error('sync');
    }),
    /sync/,
  );
});

test('a new graph version or release makes old answers unreachable', async () => {
  const cache = makeAnswerCache<string>();
  await cache.getOrCompute(keyOf('t', 'q'), 10_000, async () => 'v1');
  const newGraph = await cache.getOrCompute(keyOf('t', 'q', { graphVersion: 2 }), 10_000, async () => 'v2');
  const newRelease = await cache.getOrCompute(keyOf('t', 'q', { release: 'r2' }), 10_000, async () => 'r2');
  const otherMode = await cache.getOrCompute(keyOf('t', 'q', { mode: 'global' }), 10_000, async () => 'g');
  assert.deepEqual([newGraph.hit, newRelease.hit, otherMode.hit], [false, false, false]);
  assert.deepEqual([newGraph.value, newRelease.value, otherMode.value], ['v2', 'r2', 'g']);
});

test('a computation begun before invalidation does not store its answer', async () => {
  const cache = makeAnswerCache<string>();
  const pending = cache.getOrCompute(keyOf('t', 'q'), 10_000, async () => {
    await delay(10);
    return 'stale';
  });
  cache.invalidateTenant('t');
  const fresh = cache.getOrCompute(keyOf('t', 'q'), 10_000, async () => 'fresh');
  assert.equal((await pending).value, 'stale');
  assert.deepEqual(await fresh, { value: 'fresh', hit: false, coalesced: false });
  assert.equal(cache.peek(keyOf('t', 'q')), 'fresh');
});

test('onLookup reports every lookup per tenant, hits only from the cache', async () => {
  const seen: string[] = [];
  const cache = makeAnswerCache<string>({
    onLookup: (tenantId, hit) => seen.push(`${tenantId}:${hit ? 'hit' : 'miss'}`),
  });
  await cache.getOrCompute(keyOf('a', 'q'), 10_000, async () => 'x');
  await cache.getOrCompute(keyOf('a', 'q?'), 10_000, async () => 'y');
  await cache.getOrCompute(keyOf('b', 'q'), 10_000, async () => 'z');
  await Promise.all([1, 2].map(() => cache.getOrCompute(keyOf('b', 'r'), 10_000, async () => 'w')));
  assert.deepEqual(seen, ['a:miss', 'a:hit', 'b:miss', 'b:miss', 'b:miss']);
  assert.deepEqual(cache.stats('a'), {
    entries: 1,
    bytes: cache.stats('a').bytes,
    budgetBytes: 10_000,
    hits: 1,
    misses: 1,
    coalesced: 0,
  });
  assert.deepEqual(cache.stats('b'), {
    entries: 2,
    bytes: cache.stats('b').bytes,
    budgetBytes: 10_000,
    hits: 0,
    misses: 2,
    coalesced: 1,
  });
  assert.deepEqual(cache.stats('unknown'), { entries: 0, bytes: 0, budgetBytes: 0, hits: 0, misses: 0, coalesced: 0 });
});
