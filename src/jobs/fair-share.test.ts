// Unit tests of the tenant-fair allocation: round-robin interleave, weights, caps and surge.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allocateClaims, type TenantBacklog } from './fair-share.js';

const backlog = (tenantId: string, queued: number, running = 0): TenantBacklog => ({ tenantId, queued, running });
const counts = (allocs: { tenantId: string; count: number }[]): Record<string, number> =>
  Object.fromEntries(allocs.map((a) => [a.tenantId, a.count]));

test('a quiet tenant gets a job in the same batch as a noisy tenant with a huge backlog', () => {
  const a = allocateClaims([backlog('noisy', 20_000), backlog('quiet', 1)], { limit: 10 });
  assert.deepEqual(counts(a), { noisy: 9, quiet: 1 });
});

test('a tenant alone on the queue gets the whole batch (work-conserving)', () => {
  assert.deepEqual(counts(allocateClaims([backlog('solo', 500)], { limit: 100 })), { solo: 100 });
});

test('equal backlogs split evenly; the remainder goes to the tenants earliest in the rotation', () => {
  const a = allocateClaims([backlog('a', 100), backlog('b', 100), backlog('c', 100)], { limit: 10 });
  assert.deepEqual(counts(a), { a: 4, b: 3, c: 3 });
  // Positions order the next rotation: the tenant whose last job came earliest goes first.
  const next = [...a].sort((x, y) => x.position - y.position).map((x) => x.tenantId);
  assert.deepEqual(next, ['b', 'c', 'a']);
});

test('rotating by positions over many claims is fair to within one job', () => {
  let order = ['a', 'b', 'c'];
  const total: Record<string, number> = { a: 0, b: 0, c: 0 };
  for (let i = 0; i < 30; i++) {
    const a = allocateClaims(
      order.map((t) => backlog(t, 1_000_000)),
      { limit: 10 },
    );
    for (const x of a) total[x.tenantId] = (total[x.tenantId] ?? 0) + x.count;
    order = [...a].sort((x, y) => x.position - y.position).map((x) => x.tenantId);
  }
  assert.deepEqual(total, { a: 100, b: 100, c: 100 });
});

test('weights give proportional shares', () => {
  const weights: Record<string, number> = { gold: 3, free: 1 };
  const a = allocateClaims([backlog('gold', 1000), backlog('free', 1000)], {
    limit: 40,
    weightOf: (t) => weights[t] ?? 1,
  });
  assert.deepEqual(counts(a), { gold: 30, free: 10 });
});

test('small backlogs are used up and the rest of the batch goes to tenants with more', () => {
  const a = allocateClaims([backlog('a', 2), backlog('b', 1), backlog('c', 1000)], { limit: 50 });
  assert.deepEqual(counts(a), { a: 2, b: 1, c: 47 });
});

test('concurrency caps bind while others have work, and lift when the tenant is alone (surge lane)', () => {
  const caps = (): number => 5;
  const shared = allocateClaims([backlog('capped', 1000, 3), backlog('other', 1000)], {
    limit: 20,
    maxRunningOf: (t) => (t === 'capped' ? caps() : undefined),
  });
  assert.deepEqual(counts(shared), { capped: 2, other: 18 });
  const alone = allocateClaims([backlog('capped', 1000, 3)], { limit: 20, maxRunningOf: caps });
  assert.deepEqual(counts(alone), { capped: 20 });
});

test('limit 0, no backlog and empty queues allocate nothing', () => {
  assert.deepEqual(allocateClaims([backlog('a', 10)], { limit: 0 }), []);
  assert.deepEqual(allocateClaims([], { limit: 10 }), []);
  assert.deepEqual(allocateClaims([backlog('a', 0)], { limit: 10 }), []);
});
