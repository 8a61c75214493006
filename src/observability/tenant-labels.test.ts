// The bounded tenant labeler: first-come slots, traffic-ranked refresh, eviction, tiers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeTenantLabeler, TenantLabel } from './tenant-labels.js';

function labeler(topN: number) {
  const clock = { now: 0 };
  const evicted: string[] = [];
  const l = makeTenantLabeler({
    topN,
    refreshMs: 60_000,
    maxRings: 2,
    now: () => clock.now,
    placement: (id) =>
      id.startsWith('x')
        ? undefined
        : {
            tier: id.startsWith('p') ? 'premium' : 'free',
            ring: id.endsWith('9') ? 'ring-c' : id.endsWith('8') ? 'ring-b' : 'ring-a',
          },
    platformId: 'platform',
  });
  l.onEvict((id) => evicted.push(id));
  return { l, clock, evicted };
}

test('the first N tenants take the free slots; the rest are "other" in their tier and ring', () => {
  const { l } = labeler(2);
  assert.deepEqual(l.record('p-one'), { tenant: 'p-one', tier: 'premium', ring: 'ring-a' });
  assert.equal(l.record('f-two').tenant, 'f-two');
  assert.deepEqual(l.record('p-three'), { tenant: TenantLabel.other, tier: 'premium', ring: 'ring-a' });
  assert.deepEqual(l.record(undefined), { tenant: 'none', tier: 'none', ring: 'none' });
  assert.deepEqual(l.record('platform'), { tenant: 'platform', tier: 'platform', ring: 'platform' });
  assert.deepEqual(l.record('x-unknown'), { tenant: TenantLabel.other, tier: 'unknown', ring: 'unknown' });
});

test('each refresh ranks tenants by traffic and evicts those that dropped out', () => {
  const { l, clock, evicted } = labeler(2);
  l.record('f-a');
  l.record('f-b');
  for (let i = 0; i < 10; i++) l.record('f-c');
  for (let i = 0; i < 5; i++) l.record('f-d');
  clock.now = 61_000;
  l.record('f-c');
  assert.deepEqual([...l.top()].sort(), ['f-c', 'f-d']);
  assert.deepEqual(evicted.sort(), ['f-a', 'f-b']);
  assert.equal(l.labelsOf('f-a').tenant, TenantLabel.other);
});

test('ring labels are bounded too', () => {
  const { l } = labeler(5);
  assert.equal(l.labelsOf('f-1').ring, 'ring-a');
  assert.equal(l.labelsOf('f-8').ring, 'ring-b');
  assert.equal(l.labelsOf('f-9').ring, TenantLabel.unknown);
});
