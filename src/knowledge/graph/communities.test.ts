// Unit tests of community detection: two dense groups joined by one weak edge split apart,
// levels link to parents, results do not depend on edge order, components are independent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { componentsOf, detectCommunities, type GraphEdge } from './communities.js';
import { buildReport } from './community-reports.js';

const clique = (names: string[], weight = 5): GraphEdge[] =>
  names.flatMap((a, i) => names.slice(i + 1).map((b) => ({ source: a, target: b, weight })));
const twoGroups: GraphEdge[] = [
  ...clique(['a1', 'a2', 'a3', 'a4']),
  ...clique(['b1', 'b2', 'b3', 'b4']),
  { source: 'a1', target: 'b1', weight: 0.1 },
];

test('dense groups become communities at the finest level', () => {
  const level0 = detectCommunities(twoGroups).filter((c) => c.level === 0);
  assert.deepEqual(level0.map((c) => c.members).sort(), [
    ['a1', 'a2', 'a3', 'a4'],
    ['b1', 'b2', 'b3', 'b4'],
  ]);
});

test('the result does not depend on the order of edges, and parents exist on the next level', () => {
  const a = detectCommunities(twoGroups);
  const b = detectCommunities([...twoGroups].reverse());
  assert.deepEqual(a, b);
  const ids = new Set(a.map((c) => c.id));
  for (const c of a) if (c.parentId !== undefined) assert.ok(ids.has(c.parentId));
});

test('components are computed independently: adding a separate component leaves the others unchanged', () => {
  const before = detectCommunities(twoGroups);
  const after = detectCommunities([...twoGroups, ...clique(['x', 'y', 'z'])]);
  for (const c of before)
    assert.ok(
      after.some((d) => d.id === c.id),
      `community ${c.id} changed`,
    );
  assert.ok(after.some((c) => c.members.join() === 'x,y,z'));
});

test('componentsOf follows edges from the start nodes only', () => {
  const edges = [...clique(['a', 'b']), ...clique(['c', 'd'])];
  assert.deepEqual([...componentsOf(['a'], edges)].sort(), ['a', 'b']);
  assert.deepEqual([...componentsOf(['ghost'], edges)], ['ghost']);
});

test('an extractive report names its central members, states relations and quotes evidence', () => {
  const r = buildReport({
    members: [
      { nameKey: 'gw', name: 'Payments Gateway', type: 'service', mentions: 3 },
      { nameKey: 'fs', name: 'Fraud Scoring API', type: 'api', mentions: 1 },
    ],
    relations: [
      {
        sourceKey: 'gw',
        targetKey: 'fs',
        source: 'Payments Gateway',
        target: 'Fraud Scoring API',
        type: 'depends_on',
        weight: 2,
      },
    ],
    evidence: [{ text: 'Intro. The Payments Gateway depends on the Fraud Scoring API for every card payment.' }],
  });
  assert.equal(r.title, 'Payments Gateway and Fraud Scoring API');
  assert.match(r.report, /Members: Payments Gateway \(service\), Fraud Scoring API \(api\)\./);
  assert.match(r.report, /- Payments Gateway depends on Fraud Scoring API\./);
  assert.match(r.report, /> The Payments Gateway depends on the Fraud Scoring API for every card payment\./);
  assert.ok(r.rank > 2);
});
