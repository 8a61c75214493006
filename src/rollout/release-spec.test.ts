// The release document: a valid one parses; each kind of bad input is reported at its path,
// all problems at once, and nothing throws.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseReleaseSpec, type ParseResult } from './release-spec.js';

const RINGS = ['internal', 'canary', 'early', 'general'];

function valid(): Record<string, unknown> {
  return {
    apiVersion: 'iris/v1',
    kind: 'Release',
    name: 'rerank-on',
    version: '2026.12.6-1',
    colour: 'green',
    graphrag: {
      retrieval: { topK: 12, maxHops: 2, minScore: 0.25, rerank: true },
      prompts: { answer: 'Answer from the context only.\n{{context}}\n{{question}}' },
      provider: 'openai',
      model: 'gpt-4.1-mini',
      safety: { minGroundedness: 0.7 },
      extractionVersion: 'x3',
    },
    flags: { 'graphrag.rerank': true, 'answers.max-citations': 5, 'ui.banner': 'new' },
    plan: {
      guardIntervalSeconds: 5,
      minSamples: 50,
      thresholds: { alpha: 0.05, tolerance: 0.1, errorMargin: 0.02, latencyMargin: 0.1 },
      rings: [
        {
          ring: 'canary',
          steps: [
            { weight: 10, bakeSeconds: 30 },
            { weight: 100, bakeSeconds: 30 },
          ],
        },
        {
          ring: 'general',
          steps: [
            { weight: 5, bakeSeconds: 300 },
            { weight: 100, bakeSeconds: 600 },
          ],
        },
      ],
    },
  };
}

function problems(result: ParseResult): string[] {
  if (result.ok) assert.fail('expected problems');
  return result.problems.map((p) => `${p.path}: ${p.message}`);
}

test('a valid release parses and keeps its values', () => {
  const r = parseReleaseSpec(valid(), RINGS);
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.spec.colour, 'green');
  assert.deepEqual(
    r.spec.plan.rings.map((x) => x.ring),
    ['canary', 'general'],
  );
  assert.equal(r.spec.flags['graphrag.rerank'], true);
});

test('weights outside 0..100 and weights that do not increase are each reported', () => {
  const doc = valid();
  const plan = doc['plan'] as { rings: { ring: string; steps: { weight: number; bakeSeconds: number }[] }[] };
  plan.rings[0] = {
    ring: 'canary',
    steps: [
      { weight: 50, bakeSeconds: 1 },
      { weight: 20, bakeSeconds: 1 },
      { weight: 120, bakeSeconds: 1 },
    ],
  };
  plan.rings[1] = {
    ring: 'general',
    steps: [
      { weight: -1, bakeSeconds: 1 },
      { weight: 30, bakeSeconds: 1 },
      { weight: 30, bakeSeconds: 1 },
    ],
  };
  assert.deepEqual(problems(parseReleaseSpec(doc, RINGS)), [
    '/plan/rings/0/steps/2/weight: a weight is a number from 0 to 100 (percent of the ring)',
    '/plan/rings/1/steps/0/weight: a weight is a number from 0 to 100 (percent of the ring)',
    '/plan/rings/0/steps/1/weight: weights must increase within a ring: 20 after 50',
    '/plan/rings/1/steps/2/weight: weights must increase within a ring: 30 after 30',
  ]);
});

test('unknown, duplicate and out-of-order rings, and an empty ring, are reported together', () => {
  const doc = valid();
  (doc['plan'] as Record<string, unknown>)['rings'] = [
    { ring: 'early', steps: [{ weight: 100, bakeSeconds: 1 }] },
    { ring: 'canary', steps: [{ weight: 100, bakeSeconds: 1 }] },
    { ring: 'early', steps: [] },
    { ring: 'mars', steps: [{ weight: 100, bakeSeconds: 1 }] },
  ];
  assert.deepEqual(problems(parseReleaseSpec(doc, RINGS)), [
    "/plan/rings/1/ring: ring 'canary' comes before early in the promotion order (internal, canary, early, general)",
    "/plan/rings/2/ring: ring 'early' is listed twice",
    '/plan/rings/2/steps: a ring needs at least one step',
    "/plan/rings/3/ring: unknown ring 'mars'; known rings: internal, canary, early, general",
  ]);
});

test('an empty plan is reported', () => {
  const doc = valid();
  (doc['plan'] as Record<string, unknown>)['rings'] = [];
  assert.deepEqual(problems(parseReleaseSpec(doc, RINGS)), ['/plan/rings: the plan has no rings']);
});

test('schema problems: missing fields, wrong types, unknown properties, bad flag names', () => {
  const doc = valid();
  delete doc['colour'];
  doc['extra'] = 1;
  (doc['graphrag'] as Record<string, unknown>)['retrieval'] = { topK: 0, maxHops: 2, minScore: 2, rerank: 'yes' };
  doc['flags'] = { 'Bad Name': true, ok: null };
  doc['policyBundle'] = { name: 'core', digest: 'md5:abc' };
  const found = problems(parseReleaseSpec(doc, RINGS));
  for (const path of [
    '/extra',
    '/colour',
    '/graphrag/retrieval/topK',
    '/graphrag/retrieval/minScore',
    '/graphrag/retrieval/rerank',
    '/flags/ok',
    '/policyBundle/digest',
    '/flags/Bad Name',
  ]) {
    assert.ok(
      found.some((p) => p.startsWith(`${path}: `)),
      `no problem at ${path} in ${JSON.stringify(found)}`,
    );
  }
});

test('anything that is not a document gives problems, never an exception', () => {
  for (const input of [null, undefined, 42, 'release', [], { plan: { rings: 'x' } }, { a: 1n }]) {
    const r = parseReleaseSpec(input, RINGS);
    assert.equal(r.ok, false, typeof input);
    if (!r.ok) assert.ok(r.problems.length > 0);
  }
});
