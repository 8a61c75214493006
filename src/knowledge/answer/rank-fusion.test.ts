// Reciprocal rank fusion: agreement between lists beats one list's first place, weights scale a
// list's votes, and one list fused alone comes back unchanged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuseRankings, RRF_K } from './rank-fusion.js';

const id = (s: string): string => s;

test('one list fused alone comes back in its order, without repeats', () => {
  assert.deepEqual(fuseRankings([{ items: ['a', 'b', 'a', 'c'], weight: 1 }], id), ['a', 'b', 'c']);
});

test('an item two lists hold outranks the first place of one list', () => {
  const fused = fuseRankings(
    [
      { items: ['x', 'shared'], weight: 1 },
      { items: ['y', 'shared'], weight: 1 },
    ],
    id,
  );
  assert.equal(fused[0], 'shared');
  assert.deepEqual(fused.slice(1), ['x', 'y']);
});

test('scores are weight / (k + rank): a light list moves an item less', () => {
  // 'b' is second in the heavy list and first in the light one: 1/(k+2) + 0.01/(k+1) < 1/(k+1).
  const fused = fuseRankings(
    [
      { items: ['a', 'b'], weight: 1 },
      { items: ['b'], weight: 0.01 },
    ],
    id,
  );
  assert.deepEqual(fused, ['a', 'b']);
  assert.ok(1 / (RRF_K + 2) + 0.01 / (RRF_K + 1) < 1 / (RRF_K + 1));
  // With a full vote the same item wins.
  assert.deepEqual(
    fuseRankings(
      [
        { items: ['a', 'b'], weight: 1 },
        { items: ['b'], weight: 1 },
      ],
      id,
    ),
    ['b', 'a'],
  );
});

test('items are the same by key; the first list supplies the object kept', () => {
  const fused = fuseRankings(
    [
      { items: [{ k: '1', from: 'first' }], weight: 1 },
      { items: [{ k: '1', from: 'second' }], weight: 1 },
    ],
    (x) => x.k,
  );
  assert.deepEqual(fused, [{ k: '1', from: 'first' }]);
});
