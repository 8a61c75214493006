// Rainbow releases end to end on a real server (app.inject through the whole gateway) under
// generated multi-tenant load, with the fixed test intervals (guard every 5 s, bakes
// of 30 s, 50 samples per colour): a healthy release goes through three rings and promotes;
// a candidate that fails requests, and one that slows them, is rolled back automatically
// within 15 s of the fault's onset, and no request outside the candidate's share fails.
import { OpenFeature } from '@openfeature/server-sdk';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StoredRelease } from '../../src/rollout/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { releaseDoc as shared, waitForPhase } from '../support/release-doc.js';
import { storeName } from '../support/test-database.js';

const RINGS = ['canary', 'early', 'general'] as const;
const TENANTS_PER_RING = 16;

/** A release document with the test intervals; one step per ring. */
function releaseDoc(name: string, colour: string, rings: readonly string[], weight = 50, bakeSeconds = 30): object {
  return shared(name, colour, { rings, weight, bakeSeconds });
}

interface Served {
  tenant: string;
  status: number;
  colour: string | undefined;
}

/** Requests over every tenant, round robin, `concurrency` at a time, until stopped. */
function load(
  t: TestApp,
  tenants: readonly string[],
  concurrency = 8,
): { stop(): Promise<Served[]>; served: Served[] } {
  const served: Served[] = [];
  let running = true;
  let i = 0;
  const workers = Array.from({ length: concurrency }, async () => {
    while (running) {
      const tenant = tenants[i++ % tenants.length] as string;
      const res = await t.call('GET', `/v1/tenants/${tenant}`);
      const colour = res.headers['x-iris-colour'];
      served.push({ tenant, status: res.statusCode, colour: typeof colour === 'string' ? colour : undefined });
      // ~25 requests per second per worker: steady load, not a flood.
      await new Promise((r) => setTimeout(r, 40));
    }
  });
  return {
    served,
    async stop() {
      running = false;
      await Promise.all(workers);
      return served;
    },
  };
}

const waitFor = waitForPhase;

describe(`rainbow releases (${storeName})`, () => {
  let t: TestApp;
  const faults = new Map<string, { errorRatio: number; delayMs: number }>();
  const tenants: string[] = [];

  before(async () => {
    t = await createTestApp({}, undefined, { rolloutFaults: (colour) => faults.get(colour) });
    for (const ring of RINGS)
      for (let n = 0; n < TENANTS_PER_RING; n++) {
        const id = `${ring}-t${n}`;
        const res = await t.call('POST', '/v1/tenants', { body: { id, displayName: id, ring } });
        assert.equal(res.statusCode, 201, res.body);
        tenants.push(id);
      }
    await t.app.directory.resync();
  });
  after(async () => t.dispose());

  test('bad release documents and unknown releases answer clear 4xx', async () => {
    const bad = await t.call('POST', '/v1/platform/releases', {
      body: { ...releaseDoc('bad', 'green', ['general', 'canary']), colour: 'Not A Colour' },
    });
    assert.equal(bad.statusCode, 400, bad.body);
    const problems = bad.json<{ problems: { path: string; message: string }[] }>().problems;
    assert.ok(
      problems.some((p) => p.path === '/colour'),
      bad.body,
    );
    assert.ok(
      problems.some((p) => /promotion order/.test(p.message)),
      bad.body,
    );
    const weight = await t.call('POST', '/v1/platform/releases', {
      body: releaseDoc('heavy', 'green', ['canary'], 150),
    });
    assert.equal(weight.statusCode, 400);
    assert.match(weight.json<{ detail: string }>().detail, /weight is a number from 0 to 100/);
    const reindex = releaseDoc('reindex', 'green', ['canary']) as { graphrag: { extractionVersion: string } };
    // A version this build cannot re-index into (it serves v1 and v2).
    reindex.graphrag.extractionVersion = 'v7';
    const extraction = await t.call('POST', '/v1/platform/releases', { body: reindex });
    assert.equal(extraction.statusCode, 400, extraction.body);
    assert.deepEqual(
      extraction.json<{ problems: { path: string }[] }>().problems.map((p) => p.path),
      ['/graphrag/extractionVersion'],
    );
    assert.match(extraction.json<{ detail: string }>().detail, /'v7' is not one this build serves \(v1, v2\)/);
    const control = await t.call('POST', '/v1/platform/releases', { body: releaseDoc('same', 'blue', ['canary']) });
    assert.equal(control.statusCode, 400);
    assert.match(control.json<{ detail: string }>().detail, /control colour/);
    assert.equal((await t.call('POST', '/v1/platform/releases/nope@1/start', { body: {} })).statusCode, 404);
    const tenantKey = await t.keyFor(tenants[0] as string, 'tenant-admin');
    const forbidden = await t.call('GET', '/v1/platform/releases', { token: tenantKey });
    assert.equal(forbidden.statusCode, 403);
  });

  test('a healthy release rolls through three rings and promotes; its flags follow it', async () => {
    const created = await t.call('POST', '/v1/platform/releases', { body: releaseDoc('healthy', 'green', RINGS) });
    assert.equal(created.statusCode, 201, created.body);
    const id = 'healthy@1.0.0';
    const again = await t.call('POST', '/v1/platform/releases', { body: releaseDoc('healthy', 'green', RINGS) });
    assert.equal(again.statusCode, 409);
    const traffic = load(t, tenants);
    const started = Date.now();
    const start = await t.call('POST', `/v1/platform/releases/${id}/start`, { body: {} });
    assert.equal(start.statusCode, 200, start.body);
    assert.equal(start.json<StoredRelease>().weights.canary, 50);
    // Two releases may not hold one ring.
    await t.call('POST', '/v1/platform/releases', { body: releaseDoc('rival', 'red', ['canary']) });
    const rival = await t.call('POST', '/v1/platform/releases/rival@1.0.0/start', { body: {} });
    assert.equal(rival.statusCode, 409, rival.body);
    assert.match(rival.json<{ detail: string }>().detail, /ring 'canary' is held by healthy@1\.0\.0/);

    const { release, at } = await waitFor(t, id, ['promoted', 'rolled_back', 'paused', 'aborted'], 200_000);
    const served = await traffic.stop();
    assert.equal(release.phase, 'promoted', `${release.phase}: ${release.reason ?? ''}`);
    const seconds = (at - started) / 1000;
    assert.ok(seconds >= 90, `three bakes of 30 s: ${seconds}`);
    const history = await t.call('GET', `/v1/platform/releases/${id}/history`);
    const events = history.json<{ items: { event: string; detail: { verdicts?: { verdict: string }[] } }[] }>().items;
    // Preflight ran before the start and before each next ring, and was recorded.
    assert.equal(events.filter((e) => e.event === 'preflight').length, 3);
    assert.deepEqual(
      events.map((e) => e.event).filter((e) => e !== 'preflight'),
      [
        'create',
        'start',
        'bake_elapsed',
        'analysis_passed',
        'bake_elapsed',
        'analysis_passed',
        'bake_elapsed',
        'analysis_passed',
      ],
    );
    for (const e of events.filter((x) => x.event === 'analysis_passed'))
      assert.deepEqual(
        e.detail.verdicts?.map((v) => v.verdict),
        ['Pass', 'Pass'],
      );
    assert.ok(
      served.every((s) => s.status === 200),
      'no request failed',
    );
    assert.ok(served.some((s) => s.colour === 'green') && served.some((s) => s.colour === 'blue'));
    // Promoted: green is the control; every tenant is served green, with the release's flags.
    await t.app.rollout.state.reload();
    const flags = await t.call('GET', `/v1/platform/flags?tenant=${tenants[0] as string}`);
    assert.equal(flags.json<{ colour: string }>().colour, 'green');
    assert.deepEqual(flags.json<{ flags: { name: string; value: unknown }[] }>().flags, [
      { name: 'graphrag.rerank', value: true, source: 'control (colour green)' },
    ]);
    // Code asks through OpenFeature: the Iris provider answers from the configuration serving the tenant.
    await OpenFeature.setProviderAndWait('rollout-test', t.app.rollout.flagProvider);
    const client = OpenFeature.getClient('rollout-test');
    const details = await client.getBooleanDetails('graphrag.rerank', false, { tenantId: tenants[0] as string });
    assert.equal(details.value, true);
    assert.equal(details.variant, 'green');
    const unknown = await client.getBooleanDetails('graphrag.nope', false, { tenantId: tenants[0] as string });
    assert.equal(unknown.value, false);
    assert.equal(unknown.errorCode, 'FLAG_NOT_FOUND');
    await OpenFeature.clearProviders();
    // Every transition is in the platform ledger.
    const ledger = await t.call('GET', '/v1/audit/logs/platform/events?limit=1000');
    const actions = ledger.json<{ items: { event: { action: string } }[] }>().items.map((e) => e.event.action);
    assert.ok(actions.includes('release.start') && actions.includes('release.analysis_passed'), actions.join(','));
  });

  for (const fault of [
    { name: 'errors', colour: 'red', inject: { errorRatio: 0.3, delayMs: 0 }, check: /error_ratio/ },
    { name: 'latency', colour: 'violet', inject: { errorRatio: 0, delayMs: 300 }, check: /latency/ },
  ] as const) {
    test(`a candidate that regresses on ${fault.name} is rolled back within 15 s`, async () => {
      const doc = { ...releaseDoc(`bad-${fault.name}`, fault.colour, RINGS, 50, 120) };
      assert.equal((await t.call('POST', '/v1/platform/releases', { body: doc })).statusCode, 201);
      const id = `bad-${fault.name}@1.0.0`;
      const traffic = load(t, tenants);
      assert.equal((await t.call('POST', `/v1/platform/releases/${id}/start`, { body: {} })).statusCode, 200);
      await new Promise((r) => setTimeout(r, 6000));
      faults.set(fault.colour, fault.inject);
      const onset = Date.now();
      const { release, at } = await waitFor(t, id, ['rolled_back', 'promoted', 'aborted', 'paused'], 30_000);
      const detect = (at - onset) / 1000;
      await new Promise((r) => setTimeout(r, 1000));
      const served = await traffic.stop();
      faults.delete(fault.colour);
      assert.equal(release.phase, 'rolled_back');
      assert.match(release.reason ?? '', fault.check);
      assert.ok(detect < 15, `detected in ${detect} s`);
      assert.deepEqual(release.weights, { canary: 0 });
      // Only the candidate's share failed; once rolled back nobody is served the candidate.
      const failed = served.filter((s) => s.status >= 500);
      assert.ok(
        failed.every((s) => s.colour === fault.colour),
        'no request outside the candidate failed',
      );
      const last = served.slice(-20);
      assert.ok(
        last.every((s) => s.colour !== fault.colour),
        'after the rollback every tenant is off the candidate',
      );
      const metrics = await t.call('GET', '/metrics');
      assert.match(metrics.body, /iris_release_rollbacks_total\{[^}]*trigger="guard"[^}]*\} [1-9]/);
    });
  }
});
