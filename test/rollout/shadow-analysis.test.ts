// Shadow GraphRAG agreement as a bake metric, across replicas through the store: every
// replica's shadow comparisons add up in `release_shadow`, and a release whose plan bounds the
// citation overlap is rolled back when the fleet's shadows agree too little, and promoted when
// they agree enough. The comparisons come from a second recorder on the same database (another
// replica, as far as the store can tell); the serving traffic is real tenant reads.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Clock } from '../../src/core/clock.js';
import { systemClock } from '../../src/core/clock.js';
import { platformScope } from '../../src/core/db.js';
import {
  makeShadowRecorder,
  SHADOW_SAMPLES_PER_SECOND,
  selectShadowWindow,
  type ShadowRecorder,
} from '../../src/rollout/index.js';
import { releaseDoc, waitForPhase } from '../support/release-doc.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

const agreement = (overlap: number, error = false) => ({
  error,
  overlap: error ? null : overlap,
  similarity: error ? null : 0.9,
  latencyDeltaMs: 4,
});

describe(`shadow agreement judges a bake (${storeName})`, () => {
  let t: TestApp;
  const tenants: string[] = [];

  before(async () => {
    t = await createTestApp();
    for (let n = 0; n < 8; n++) {
      const id = `shadowed-t${n}`;
      const res = await t.call('POST', '/v1/tenants', { body: { id, displayName: id, ring: 'canary' } });
      assert.equal(res.statusCode, 201, res.body);
      tenants.push(id);
    }
    await t.app.directory.resync();
  });
  after(async () => t.dispose());

  test("every replica's comparisons add up; samples are capped per second and replica", async () => {
    const at = new Date('2026-01-01T00:00:00.500Z');
    const clock: Clock = { now: () => at };
    const key = { releaseId: 'sum@1', ring: 'canary' };
    const replicas = ['replica-a', 'replica-b'].map((replicaId) =>
      makeShadowRecorder({ db: t.db, clock, replicaId, flushMs: 60_000 }),
    );
    for (const r of replicas) {
      for (let i = 0; i < 40; i++) r.record(key, agreement(0.5));
      for (let i = 0; i < 5; i++) r.record(key, agreement(0, true));
      await r.stop();
    }
    const w = await t.db.transaction(platformScope, async (tx) =>
      selectShadowWindow(tx, key, new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:00:01Z')),
    );
    assert.equal(w.samples, 90);
    assert.equal(w.errors, 10);
    assert.equal(w.overlap.length, 2 * SHADOW_SAMPLES_PER_SECOND);
    assert.ok(w.overlap.every((o) => o === 0.5));
    // Outside the window: nothing.
    const later = await t.db.transaction(platformScope, async (tx) =>
      selectShadowWindow(tx, key, new Date('2026-01-01T00:00:01Z'), new Date('2026-01-01T00:00:02Z')),
    );
    assert.equal(later.samples, 0);
  });

  /** Tenant reads and shadow comparisons of `overlap` from another replica until stopped. */
  function traffic(releaseId: string, overlap: number): { stop(): Promise<void> } {
    let running = true;
    const peer: ShadowRecorder = makeShadowRecorder({
      db: t.db,
      clock: systemClock,
      replicaId: 'peer',
      flushMs: 250,
    });
    let i = 0;
    const loop = (async () => {
      while (running) {
        const tenant = tenants[i++ % tenants.length] as string;
        const res = await t.call('GET', `/v1/tenants/${tenant}`);
        assert.equal(res.statusCode, 200);
        peer.record({ releaseId, ring: 'canary' }, agreement(overlap));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    return {
      async stop() {
        running = false;
        await loop;
        await peer.stop();
      },
    };
  }

  test('a candidate whose shadows cite other sources is rolled back; one that agrees is promoted', async () => {
    const plan = { bakeSeconds: 6, guardIntervalSeconds: 2, minSamples: 20, shadow: { minCitationOverlap: 0.7 } };
    const bad = releaseDoc('shadow-bad', 'red', plan);
    const created = await t.call('POST', '/v1/platform/releases', { body: bad });
    assert.equal(created.statusCode, 201, created.body);
    let load = traffic('shadow-bad@1.0.0', 0.2);
    try {
      const start = await t.call('POST', '/v1/platform/releases/shadow-bad@1.0.0/start', { body: {} });
      assert.equal(start.statusCode, 200, start.body);
      const { release } = await waitForPhase(t, 'shadow-bad@1.0.0', ['promoted', 'rolled_back', 'paused'], 60_000);
      assert.equal(release.phase, 'rolled_back', release.reason ?? '');
      assert.match(release.reason ?? '', /shadow_citation_overlap Low \(mean 0\.2 over \d+ is below the bound 0\.7/);
    } finally {
      await load.stop();
    }
    const history = await t.call('GET', '/v1/platform/releases/shadow-bad@1.0.0/history');
    const failed = history
      .json<{
        items: { event: string; detail: { verdicts?: { verdict: string; explanation: { metric: string } }[] } }[];
      }>()
      .items.find((e) => e.event === 'analysis_failed');
    assert.deepEqual(
      failed?.detail.verdicts?.map((v) => [v.explanation.metric, v.verdict]),
      [
        ['error', 'Pass'],
        ['latency_ms', 'Pass'],
        ['shadow_citation_overlap', 'Low'],
      ],
    );

    const good = releaseDoc('shadow-good', 'green', plan);
    assert.equal((await t.call('POST', '/v1/platform/releases', { body: good })).statusCode, 201);
    load = traffic('shadow-good@1.0.0', 0.95);
    try {
      const start = await t.call('POST', '/v1/platform/releases/shadow-good@1.0.0/start', { body: {} });
      assert.equal(start.statusCode, 200, start.body);
      const { release } = await waitForPhase(t, 'shadow-good@1.0.0', ['promoted', 'rolled_back', 'paused'], 60_000);
      assert.equal(release.phase, 'promoted', release.reason ?? '');
    } finally {
      await load.stop();
    }
  });
});
