// The per-request policy counters, counted in a Map and handed to prom-client when collected:
// a scrape sees every decision once, and a tenant that leaves the top-N loses its series.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeIrisMetrics } from './iris-metrics.js';
import { makeTenantLabeler } from './tenant-labels.js';

function metrics() {
  const clock = { now: 0 };
  const labeler = makeTenantLabeler({
    topN: 2,
    refreshMs: 60_000,
    maxRings: 2,
    now: () => clock.now,
    placement: () => ({ tier: 'premium', ring: 'ring-a' }),
    platformId: 'platform',
  });
  return { m: makeIrisMetrics({ labeler, color: 'blue', poolMax: 4 }), labeler, clock };
}

/** The value of the one sample of `name` whose labels include every pair of `labels`, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inner = line.slice(name.length + 1, line.indexOf('}'));
    if (Object.entries(labels).every(([k, v]) => inner.includes(`${k}="${v}"`))) return Number(line.split(' ').at(-1));
  }
  return undefined;
}

test('policy decisions and cache lookups are counted exactly, once per scrape, without double counting', async () => {
  const { m, labeler } = metrics();
  labeler.record('acme');
  for (let i = 0; i < 3; i++) m.signals.policyDecision('acme', 'allow');
  m.signals.policyDecision('acme', 'deny');
  m.signals.cacheLookup('acme', 'policy', true);
  let text = await m.registry.metrics();
  assert.equal(sample(text, 'iris_policy_decisions_total', { tenant: 'acme', outcome: 'allow' }), 3);
  assert.equal(sample(text, 'iris_policy_decisions_total', { tenant: 'acme', outcome: 'deny' }), 1);
  assert.equal(
    sample(text, 'iris_graphrag_cache_requests_total', { tenant: 'acme', cache: 'policy', result: 'hit' }),
    1,
  );
  // A second scrape with nothing new reads the same totals; new decisions add to them.
  text = await m.registry.metrics();
  assert.equal(sample(text, 'iris_policy_decisions_total', { tenant: 'acme', outcome: 'allow' }), 3);
  m.signals.policyDecision('acme', 'allow');
  text = await m.registry.metrics();
  assert.equal(sample(text, 'iris_policy_decisions_total', { tenant: 'acme', outcome: 'allow' }), 4);
});

test('a tenant that leaves the top-N loses its series, including decisions counted since the last scrape', async () => {
  const { m, labeler, clock } = metrics();
  labeler.record('old-a');
  labeler.record('old-b');
  m.signals.policyDecision('old-a', 'allow');
  await m.registry.metrics();
  m.signals.policyDecision('old-a', 'allow'); // pending when the tenant is evicted
  for (let i = 0; i < 10; i++) labeler.record('new-c');
  for (let i = 0; i < 10; i++) labeler.record('new-d');
  clock.now = 61_000;
  labeler.record('new-c'); // the refresh evicts old-a and old-b
  const text = await m.registry.metrics();
  assert.equal(sample(text, 'iris_policy_decisions_total', { tenant: 'old-a' }), undefined, text);
});
