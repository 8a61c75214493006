// The face end to end, as the wiring will use it: a release document parsed, its plan run
// through the machine, each effect's weight applied to routing, and a bake judged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  analyseStep,
  colourFor,
  parseReleaseSpec,
  transition,
  type ColourWeights,
  type ReleaseEffect,
  type ReleaseRun,
} from './index.js';

const RINGS = ['internal', 'canary', 'general'];
const doc = {
  apiVersion: 'iris/v1',
  kind: 'Release',
  name: 'prompt-v2',
  version: '2',
  colour: 'green',
  graphrag: {
    retrieval: { topK: 8, maxHops: 1, minScore: 0.3, rerank: false },
    prompts: { answer: 'v2' },
    provider: 'fake',
    model: 'fake-1',
    safety: {},
    extractionVersion: 'x1',
  },
  flags: {},
  plan: {
    guardIntervalSeconds: 5,
    minSamples: 50,
    thresholds: { alpha: 0.05, tolerance: 0.1, errorMargin: 0.02, latencyMargin: 0.1 },
    rings: [{ ring: 'canary', steps: [{ weight: 25, bakeSeconds: 30 }] }],
  },
};

test('spec -> machine -> routing -> analysis -> promotion', () => {
  const parsed = parseReleaseSpec(doc, RINGS);
  assert.ok(parsed.ok);
  let run: ReleaseRun = {
    releaseId: 'rel-42',
    colour: parsed.spec.colour,
    control: 'blue',
    plan: parsed.spec.plan.rings,
    phase: 'planned',
    position: null,
    reason: null,
  };
  const routing: { control: string; rings: Record<string, { releaseId: string; colour: string; weight: number }> } = {
    control: 'blue',
    rings: {},
  };
  const apply = (effects: readonly ReleaseEffect[]): void => {
    for (const e of effects)
      if (e.kind === 'set_weight')
        routing.rings[e.ring] = { releaseId: run.releaseId, colour: e.colour, weight: e.weight };
  };
  const step = (result: ReturnType<typeof transition>): void => {
    if ('refused' in result) assert.fail(result.refused);
    run = result.next;
    apply(result.effects);
  };

  step(transition(run, { kind: 'start', at: 0, actor: 'ops' }));
  const tenants = Array.from({ length: 2000 }, (_, i) => `tenant-${i}`);
  const share = (w: ColourWeights, ring: string): number =>
    tenants.filter((t) => colourFor(t, ring, w).colour === 'green').length / tenants.length;
  assert.ok(Math.abs(share(routing, 'canary') - 0.25) < 0.05, `canary share ${share(routing, 'canary')}`);
  assert.equal(share(routing, 'general'), 0);

  step(transition(run, { kind: 'bake_elapsed', at: 30_000, actor: 'system', step: { ringIndex: 0, stepIndex: 0 } }));
  const samples = Array.from({ length: 60 }, (_, i) => 100 + (i % 7));
  const analysis = analyseStep(
    { ringIndex: 0, stepIndex: 0 },
    [{ metric: 'latency_ms', direction: 'higher-is-worse', control: samples, candidate: samples }],
    {
      minSamples: parsed.spec.plan.minSamples,
      alpha: parsed.spec.plan.thresholds.alpha,
      tolerance: parsed.spec.plan.thresholds.tolerance,
    },
  );
  assert.equal(analysis.event, 'analysis_passed');
  step(transition(run, { kind: 'analysis_passed', at: 31_000, actor: 'system', step: analysis.step }));
  assert.equal(run.phase, 'promoted');
  assert.equal(share(routing, 'canary'), 1);
});
