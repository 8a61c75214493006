// Graph rollouts, the pure part: what each tenant's graph should become as a release that
// changes the extraction version moves over the rings, the bake's verdict on a ring's graphs,
// and a dual-read probe's figures.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_GRAPH_PROBE,
  judgeGraphs,
  planGraphWork,
  probeFigures,
  type GraphPlanInput,
  type GraphProbeFigures,
  type TenantGraphView,
} from './graph-rollout.js';

const rings = [
  { name: 'internal', order: 0 },
  { name: 'canary', order: 1 },
  { name: 'early', order: 2 },
  { name: 'general', order: 3 },
];
const tenants = [
  { tenantId: 'in-1', ring: 'internal', labels: {} },
  { tenantId: 'ca-1', ring: 'canary', labels: {} },
  { tenantId: 'ea-1', ring: 'early', labels: {} },
  { tenantId: 'ge-1', ring: 'general', labels: {} },
];
const release = {
  id: 'graphs@2',
  phase: 'progressing' as const,
  extractionVersion: 'v2',
  rings: ['canary', 'early', 'general'],
  ringIndex: 0,
};
const okProbe: GraphProbeFigures = { questions: 3, citationOverlap: 0.9, answerSimilarity: 0.8, ok: true, at: 'x' };
const on = (tenantId: string, primaryVersion = 'v1', slot: TenantGraphView['slot'] = null): TenantGraphView => ({
  tenantId,
  primaryVersion,
  slot,
});
const slot = (status: 'building' | 'ready' | 'failed', probe: GraphProbeFigures | null = null, version = 'v2') => ({
  extractionVersion: version,
  releaseId: 'graphs@2',
  status,
  error: status === 'failed' ? 'disk full' : null,
  probe,
});
const input = (graphs: TenantGraphView[], over: Partial<GraphPlanInput> = {}): GraphPlanInput => ({
  releases: [release],
  control: { extractionVersion: 'v1', releaseId: null },
  rings,
  tenants,
  graphs: new Map(graphs.map((g) => [g.tenantId, g])),
  ...over,
});
const kinds = (i: GraphPlanInput): string[] => planGraphWork(i).map((a) => `${a.kind}:${a.tenantId}`);

test('a live release re-indexes the tenants of its ring and of the next, and no others', () => {
  const all = tenants.map((t) => on(t.tenantId));
  assert.deepEqual(kinds(input(all)), ['reindex:ca-1', 'reindex:ea-1']);
  const [first] = planGraphWork(input(all));
  assert.deepEqual(first, {
    kind: 'reindex',
    tenantId: 'ca-1',
    extractionVersion: 'v2',
    releaseId: 'graphs@2',
    dedupKey: 'graph-reindex:v2:graphs@2',
  });
  // In the last ring, every plan ring's tenants; a ring outside the plan (internal) never.
  assert.deepEqual(kinds(input(all, { releases: [{ ...release, ringIndex: 2 }] })), [
    'reindex:ca-1',
    'reindex:ea-1',
    'reindex:ge-1',
  ]);
  // Not started: nothing.
  assert.deepEqual(kinds(input(all, { releases: [{ ...release, ringIndex: null }] })), []);
  // A release of the version the tenants already have: nothing.
  assert.deepEqual(kinds(input(all, { releases: [{ ...release, extractionVersion: 'v1' }] })), []);
});

test('a built graph is probed once, then waits; a failed build is held with its error', () => {
  const plan = planGraphWork(
    input([on('in-1'), on('ca-1', 'v1', slot('ready')), on('ea-1', 'v1', slot('building')), on('ge-1')]),
  );
  assert.deepEqual(
    plan.map((a) => `${a.kind}:${a.tenantId}`),
    ['probe:ca-1'],
  );
  assert.deepEqual(kinds(input([on('ca-1', 'v1', slot('ready', okProbe)), on('ea-1', 'v1', slot('failed'))])), [
    'hold:ea-1',
  ]);
  const held = planGraphWork(input([on('ea-1', 'v1', slot('failed'))]))[0];
  assert.equal(held?.kind === 'hold' && held.reason, 're-index failed: disk full');
});

test('a slot of another version is rebuilt; a slot nobody wants any more is dropped', () => {
  assert.deepEqual(kinds(input([on('ca-1', 'v1', slot('ready', okProbe, 'v3'))])), ['reindex:ca-1']);
  // Rolled back: the release is no longer live.
  assert.deepEqual(kinds(input([on('ca-1', 'v1', slot('ready', okProbe))], { releases: [] })), ['drop:ca-1']);
});

test('once the release is the control, every tenant converges: cut over when probed ok, held when not', () => {
  const control = { extractionVersion: 'v2', releaseId: 'graphs@2' };
  const plan = planGraphWork(
    input(
      [
        on('in-1'),
        on('ca-1', 'v1', slot('ready', okProbe)),
        on('ea-1', 'v1', slot('ready', { ...okProbe, ok: false, detail: 'overlap 0.1' })),
        on('ge-1', 'v2'),
      ],
      { releases: [], control },
    ),
  );
  assert.deepEqual(
    plan.map((a) => `${a.kind}:${a.tenantId}`),
    ['reindex:in-1', 'cut-over:ca-1', 'hold:ea-1'],
  );
  // A tenant on the control's version with a leftover slot: dropped.
  assert.deepEqual(kinds(input([on('ge-1', 'v2', slot('ready', okProbe, 'v3'))], { releases: [], control })), [
    'drop:ge-1',
  ]);
  // A tenant the knowledge context has not seen (no graph state yet): nothing planned.
  assert.deepEqual(kinds(input([], { releases: [], control })), []);
});

test("a bake's graph verdict: Low on any failure, NoData while any graph is pending, else Pass", () => {
  const settings = { alpha: 0.05 };
  const pass = judgeGraphs('v2', [on('a', 'v1', slot('ready', okProbe)), on('b', 'v2')], settings);
  assert.equal(pass.verdict, 'Pass');
  assert.equal(pass.explanation.metric, 'graph_probe');
  assert.match(pass.explanation.reason, /1 tenants' v2 graphs built and probed, 1 already on v2/);
  const pending = judgeGraphs('v2', [on('a', 'v1', slot('ready')), on('b', 'v1', slot('building')), on('c')], settings);
  assert.equal(pending.verdict, 'NoData');
  assert.match(pending.explanation.reason, /3 of 3 .* \(a, b, c\)/);
  const low = judgeGraphs(
    'v2',
    [on('a', 'v1', slot('ready', { ...okProbe, ok: false, detail: 'overlap 0.2' })), on('b', 'v1', slot('building'))],
    settings,
  );
  assert.equal(low.verdict, 'Low');
  assert.match(low.explanation.reason, /a: probe failed \(overlap 0.2\)/);
  assert.equal(judgeGraphs('v2', [on('a', 'v1', slot('failed'))], settings).verdict, 'Low');
  // An empty ring has nothing to wait for.
  assert.equal(judgeGraphs('v2', [], settings).verdict, 'Pass');
});

test('probe figures compare cited documents (not chunks) and answers; a candidate failure scores 0', () => {
  const cite = (...ids: string[]) => ids.map((documentId, chunkIndex) => ({ documentId, chunkIndex }));
  const at = new Date('2026-12-07T00:00:00Z');
  const same = probeFigures(
    [
      // Re-chunked: other chunk indexes, same documents.
      {
        question: 'q1',
        primary: { answer: 'Ana owns payments', citations: cite('a', 'b') },
        candidate: {
          answer: 'Ana owns payments',
          citations: [
            { documentId: 'b', chunkIndex: 7 },
            { documentId: 'a', chunkIndex: 3 },
          ],
        },
      },
      { question: 'q2', primary: { error: 'blocked' }, candidate: { answer: 'x', citations: [] } },
    ],
    DEFAULT_GRAPH_PROBE,
    at,
  );
  assert.deepEqual(
    { q: same.questions, o: same.citationOverlap, s: same.answerSimilarity, ok: same.ok },
    { q: 1, o: 1, s: 1, ok: true },
  );
  const drift = probeFigures(
    [
      { question: 'q1', primary: { answer: 'Ana owns payments', citations: cite('a') }, candidate: { error: 'boom' } },
      {
        question: 'q2',
        primary: { answer: 'Ana owns payments', citations: cite('a', 'b') },
        candidate: { answer: 'Ana owns payments', citations: cite('b', 'c') },
      },
    ],
    DEFAULT_GRAPH_PROBE,
    at,
  );
  // Overlaps 0 and 1/3: mean 1/6, below the default 0.5.
  assert.equal(drift.citationOverlap, 0.167);
  assert.equal(drift.ok, false);
  assert.match(drift.detail ?? '', /1 failed on the new graph/);
  const none = probeFigures([], DEFAULT_GRAPH_PROBE, at);
  assert.equal(none.ok, true);
  assert.match(none.detail ?? '', /none asked yet/);
});
