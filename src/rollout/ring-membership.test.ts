// Ring placement precedence (pin, field, selector, default) and configuration problems.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { promotionOrder, ringOf, ringProblems, type RingDefinition, type TenantRingFacts } from './ring-membership.js';

// Deliberately out of order: `order` decides, not the list position.
const RINGS: RingDefinition[] = [
  { name: 'general', order: 3 },
  { name: 'internal', order: 0, selector: { owner: 'iris' }, pins: ['acme'] },
  { name: 'canary', order: 1, selector: { tier: 'free', beta: 'yes' } },
  { name: 'early', order: 2, selector: { beta: 'yes' }, pins: ['acme'] },
];
const tenant = (tenantId: string, ring: string | null, labels: Record<string, string> = {}): TenantRingFacts => ({
  tenantId,
  ring,
  labels,
});

test('promotion order follows `order`', () => {
  assert.deepEqual(
    promotionOrder(RINGS).map((r) => r.name),
    ['internal', 'canary', 'early', 'general'],
  );
});

test('precedence: pin, then the ring field, then the first matching selector, then the last ring', () => {
  assert.deepEqual(ringOf(tenant('acme', 'general', { owner: 'x' }), RINGS), { ring: 'internal', by: 'pin' });
  assert.deepEqual(ringOf(tenant('b', 'early', { owner: 'iris' }), RINGS), { ring: 'early', by: 'field' });
  assert.deepEqual(ringOf(tenant('c', null, { tier: 'free', beta: 'yes' }), RINGS), { ring: 'canary', by: 'selector' });
  assert.deepEqual(ringOf(tenant('d', null, { beta: 'yes' }), RINGS), { ring: 'early', by: 'selector' });
  assert.deepEqual(ringOf(tenant('e', null, { tier: 'free' }), RINGS), { ring: 'general', by: 'default' });
});

test('a ring field naming a deleted ring falls through; no rings at all gives null', () => {
  assert.deepEqual(ringOf(tenant('f', 'mars', { owner: 'iris' }), RINGS), { ring: 'internal', by: 'selector' });
  assert.equal(ringOf(tenant('g', 'canary'), []), null);
});

test('an empty selector matches nobody; inherited properties are not labels', () => {
  const rings: RingDefinition[] = [
    { name: 'all', order: 0, selector: {} },
    { name: 'rest', order: 1 },
  ];
  assert.deepEqual(ringOf(tenant('h', null), rings), { ring: 'rest', by: 'default' });
  const proto: RingDefinition[] = [
    { name: 'p', order: 0, selector: { toString: 'x' } },
    { name: 'rest', order: 1 },
  ];
  assert.equal(ringOf(tenant('i', null), proto)?.ring, 'rest');
});

test('configuration problems are named', () => {
  assert.deepEqual(ringProblems(RINGS), ["tenant 'acme' is pinned to 'internal' and 'early'"]);
  assert.deepEqual(
    ringProblems([
      { name: 'a', order: 0 },
      { name: 'a', order: 1 },
      { name: 'b', order: 1 },
    ]),
    ["ring 'a' is defined twice", "rings 'a' and 'b' share order 1"],
  );
  assert.deepEqual(ringProblems([{ name: 'a', order: 0, pins: ['t', 't'] }]), []);
});
