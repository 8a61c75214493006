// Release documents and waiting for a release's phase, for the tests that roll releases out.
import assert from 'node:assert/strict';
import type { StoredRelease } from '../../src/rollout/index.js';
import type { TestApp } from './test-app.js';

export interface ReleaseDocOptions {
  /** Rings in promotion order (default canary). */
  readonly rings?: readonly string[];
  /** One step per ring: its weight (default 50) and bake (default the test bake, 30 s). */
  readonly weight?: number;
  readonly bakeSeconds?: number;
  /** The fixed test intervals unless given: a guard every 5 s, 50 samples per colour. */
  readonly guardIntervalSeconds?: number;
  readonly minSamples?: number;
  /** The plan's shadow bounds (`plan.shadow`). */
  readonly shadow?: object;
  /** Flag values (default graphrag.rerank on). */
  readonly flags?: Record<string, unknown>;
  /** Analysis thresholds (default alpha 0.05, tolerance 0.2, margins 0.02 and 0.1). */
  readonly thresholds?: object;
  /** Retrieval topK (default 7) and the answer prompt (default "Answer from the sources."). */
  readonly topK?: number;
  readonly answerPrompt?: string;
  /** A pushed platform policy bundle the release serves (`{ name, digest }`). */
  readonly policyBundle?: { readonly name: string; readonly digest: string };
}

/** A valid release document (version 1.0.0, id `${name}@1.0.0`) with the test intervals. */
export function releaseDoc(name: string, colour: string, options: ReleaseDocOptions = {}): object {
  const { rings = ['canary'], weight = 50, bakeSeconds = 30 } = options;
  return {
    apiVersion: 'iris/v1',
    kind: 'Release',
    name,
    version: '1.0.0',
    colour,
    graphrag: {
      retrieval: { topK: options.topK ?? 7, maxHops: 2, minScore: 0.1, rerank: true },
      prompts: { answer: options.answerPrompt ?? 'Answer from the sources.' },
      provider: 'none',
      model: 'extractive',
      safety: { minGroundedness: 0.5 },
      extractionVersion: 'v1',
    },
    flags: options.flags ?? { 'graphrag.rerank': true },
    ...(options.policyBundle === undefined ? {} : { policyBundle: options.policyBundle }),
    plan: {
      guardIntervalSeconds: options.guardIntervalSeconds ?? 5,
      minSamples: options.minSamples ?? 50,
      thresholds: options.thresholds ?? { alpha: 0.05, tolerance: 0.2, errorMargin: 0.02, latencyMargin: 0.1 },
      ...(options.shadow === undefined ? {} : { shadow: options.shadow }),
      rings: rings.map((ring) => ({ ring, steps: [{ weight, bakeSeconds }] })),
    },
  };
}

/** Polls a release until its phase is one of `phases`; fails with its phase and reason after `timeoutMs`. */
export async function waitForPhase(
  t: TestApp,
  id: string,
  phases: readonly string[],
  timeoutMs: number,
): Promise<{ release: StoredRelease; at: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await t.call('GET', `/v1/platform/releases/${id}`);
    assert.equal(res.statusCode, 200, res.body);
    const release = res.json<StoredRelease>();
    if (phases.includes(release.phase)) return { release, at: Date.now() };
    if (Date.now() > deadline)
      assert.fail(`release ${id} is ${release.phase} (${release.reason ?? ''}), not ${phases.join('|')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
