// The second hop's bridges: names next to the question's words in the best unit of the seeds,
// and the far ends of the graph's relations; rare ones are picked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bridgeCandidates, bridgeRarity, pickBridges } from './second-hop.js';

const INCIDENT =
  '{\n  "id": "INC-41",\n  "title": "Card payments failed",\n  "root_service": "ledger-sync",\n  "commander": "Ana Ruiz",\n  "status": "closed"\n}';

test("a record's field next to the question's words names the bridge; keys and far fields do not", () => {
  const c = bridgeCandidates('Which team owns the service at the root of INC-41?', [{ text: INCIDENT }], []);
  assert.deepEqual(c, [['ledger', 'sync']]);
});

test("prose: capitalised names and ids near the question's words; a sentence's first word is no name", () => {
  const c = bridgeCandidates(
    'Who approved the budget?',
    [{ text: 'Nothing else happened. Finance approved the budget under PO-5512 with Nadia Rahman signing.' }],
    [],
  );
  assert.ok(c.some((t) => t.join(' ') === 'po 5512'));
  assert.ok(!c.some((t) => t.join(' ') === 'financ'), 'a sentence-initial capital is not a name');
});

test("the graph's relation ends are bridges, without the question's own terms", () => {
  const c = bridgeCandidates('Who owns INC-41?', [], [{ source: 'INC-41', target: 'Ledger Sync' }]);
  assert.deepEqual(c, [['ledger', 'sync']]);
});

test('bridges are picked rarest first, none that most passages hold, at most max', () => {
  const df = new Map([
    ['ledger', 3],
    ['sync', 9],
    ['common', 400],
    ['rare', 1],
    ['absent', 0],
  ]);
  const picked = pickBridges([['ledger', 'sync'], ['common'], ['rare'], ['absent']], 'question', df, 1000, 2);
  assert.deepEqual(picked, [['rare'], ['ledger', 'sync']]);
  assert.equal(bridgeRarity(26), 6);
  assert.equal(bridgeRarity(6), 3);
  assert.equal(bridgeRarity(10_000), 20);
});
