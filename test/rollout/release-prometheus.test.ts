// Rainbow releases judged from a real Prometheus (Debian's package) scraping a real Iris server
// every second on loopback, with IRIS_ROLLOUT_PROMETHEUS_URL set: a healthy release's guard and
// bake read Prometheus's HTTP API and it promotes, each verdict saying `prometheus` with its
// sample counts; a candidate failing a fifth of its requests (injected as in release.test.ts)
// is judged High on errors by the bake from Prometheus and rolled back; with Prometheus gone,
// a bake is NoData with the reason and the release pauses, never passes. Skipped, with the
// reason, when the Prometheus binary is missing (CI installs it). Runs only with
// IRIS_E2E_PROMETHEUS=1, as the Prometheus end-to-end test does.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { StoredRelease } from '../../src/rollout/index.js';
import {
  freePort,
  prometheusMissing,
  startPrometheus,
  stop,
  type RunningPrometheus,
} from '../observability/support/processes.js';
import { releaseDoc as shared, waitForPhase } from '../support/release-doc.js';
import { runCli } from '../support/run-cli.js';
import { ADMIN_TOKEN, createTestApp, SCRAPE_TOKEN, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

const TENANTS = 16;
const STEP_SECONDS = 2;

/** One ring, one step at half weight; errorMargin 0.9 keeps the guard out of the way of a bake's own verdict. */
const releaseDoc = (name: string, colour: string, bakeSeconds: number, errorMargin = 0.02): object =>
  shared(name, colour, {
    bakeSeconds,
    flags: {},
    thresholds: { alpha: 0.01, tolerance: 0.2, errorMargin, latencyMargin: 0.5 },
  });

interface Verdict {
  verdict: string;
  explanation: { metric: string; samples: { control: number; candidate: number }; reason: string };
}
interface HistoryEntry {
  event: string;
  reason: string | null;
  detail: {
    source?: string;
    requests?: { control: number; candidate: number };
    verdicts?: Verdict[];
    checks?: unknown[];
  };
}

/** Requests over every tenant, round robin, `concurrency` at a time, until stopped. */
function load(t: TestApp, tenants: readonly string[], concurrency = 4): { stop(): Promise<number> } {
  let running = true;
  let sent = 0;
  let i = 0;
  const workers = Array.from({ length: concurrency }, async () => {
    while (running) {
      await t.call('GET', `/v1/tenants/${tenants[i++ % tenants.length] as string}`);
      sent++;
      await new Promise((r) => setTimeout(r, 40));
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(workers);
      return sent;
    },
  };
}

async function phaseOf(t: TestApp, id: string, phases: readonly string[], timeoutMs: number): Promise<StoredRelease> {
  return (await waitForPhase(t, id, phases, timeoutMs)).release;
}

async function history(t: TestApp, id: string): Promise<HistoryEntry[]> {
  const res = await t.call('GET', `/v1/platform/releases/${id}/history`);
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{ items: HistoryEntry[] }>().items;
}

// NOTE: about two minutes of bakes that do not depend on the store: .ci/run runs it once, beside
// the PostgreSQL suite, with the Prometheus end-to-end test.
const missing =
  process.env.IRIS_E2E_PROMETHEUS !== '1' ? 'set IRIS_E2E_PROMETHEUS=1 to run (.ci/run does)' : prometheusMissing();

describe(`rainbow releases judged from a real Prometheus (${storeName})`, { skip: missing }, () => {
  let t: TestApp;
  let prom: RunningPrometheus | undefined;
  let work: string;
  let address: string;
  const log: string[] = [];
  const iris = (args: string[]) =>
    runCli(args, { IRIS_API: address, IRIS_TOKEN: ADMIN_TOKEN, IRIS_DATA_DIR: join(work, 'none') }, work);
  const faults = new Map<string, { errorRatio: number; delayMs: number }>();
  const tenants: string[] = [];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'iris-release-prom-'));
    const promPort = await freePort();
    t = await createTestApp(
      {
        IRIS_HOST: '127.0.0.1',
        IRIS_ROLLOUT_PROMETHEUS_URL: `http://127.0.0.1:${promPort}`,
        IRIS_ROLLOUT_PROMETHEUS_STEP: String(STEP_SECONDS),
      },
      undefined,
      { rolloutFaults: (colour) => faults.get(colour) },
    );
    for (let n = 0; n < TENANTS; n++) {
      const id = `canary-p${n}`;
      const res = await t.call('POST', '/v1/tenants', { body: { id, displayName: id, ring: 'canary' } });
      assert.equal(res.statusCode, 201, res.body);
      tenants.push(id);
    }
    await t.app.directory.resync();
    address = await t.app.listen();
    writeFileSync(join(work, 'metrics-token'), `${SCRAPE_TOKEN}\n`, { mode: 0o600 });
    prom = await startPrometheus({
      dir: work,
      port: promPort,
      log,
      config: [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 900ms',
        'scrape_configs:',
        '  - job_name: iris',
        '    authorization:',
        '      type: Bearer',
        `      credentials_file: ${join(work, 'metrics-token')}`,
        '    static_configs:',
        `      - targets: ['${new URL(address).host}']`,
      ],
    });
  });
  after(async () => {
    await stop(prom?.process);
    await t?.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  test('a healthy release is guarded and judged from Prometheus and promotes; verdicts name the source', async (ctx) => {
    const id = 'prom-healthy@1.0.0';
    assert.equal(
      (await t.call('POST', '/v1/platform/releases', { body: releaseDoc('prom-healthy', 'green', 30) })).statusCode,
      201,
    );
    const traffic = load(t, tenants);
    try {
      assert.equal((await t.call('POST', `/v1/platform/releases/${id}/start`, { body: {} })).statusCode, 200);
      // The guard reads Prometheus while the bake runs: counts of both colours, not "no data".
      const guarded = await (async () => {
        const deadline = Date.now() + 25_000;
        for (;;) {
          const r = (await t.call('GET', `/v1/platform/releases/${id}`)).json<StoredRelease>();
          const g = r.lastGuard as {
            source?: string;
            rings?: Record<string, { checks: { outcome: string; candidate: number | null }[] }>;
          } | null;
          const checks = g?.rings?.canary?.checks ?? [];
          if (g?.source === 'prometheus' && checks.some((c) => c.outcome === 'ok' && c.candidate !== null)) return g;
          if (Date.now() > deadline) assert.fail(`no guard with Prometheus numbers: ${JSON.stringify(r.lastGuard)}`);
          await new Promise((res) => setTimeout(res, 500));
        }
      })();
      assert.equal(guarded.source, 'prometheus');
      const release = await phaseOf(t, id, ['promoted', 'rolled_back', 'paused', 'aborted'], 60_000);
      assert.equal(release.phase, 'promoted', `${release.phase}: ${release.reason ?? ''}`);
    } finally {
      await traffic.stop();
    }
    const passed = (await history(t, id)).find((e) => e.event === 'analysis_passed');
    assert.ok(passed !== undefined, 'an analysis_passed line');
    assert.equal(passed.detail.source, 'prometheus');
    const verdicts = passed.detail.verdicts ?? [];
    for (const v of verdicts) ctx.diagnostic(`${v.explanation.metric} ${v.verdict}: ${JSON.stringify(v.explanation)}`);
    assert.deepEqual(verdicts.map((v) => [v.explanation.metric, v.verdict]).sort(), [
      ['error', 'Pass'],
      ['latency_ms', 'Pass'],
    ]);
    // A sample is a step of STEP_SECONDS: a 30 s bake holds about 14 per colour, at least the 10 required.
    for (const v of verdicts) {
      assert.ok(v.explanation.samples.candidate >= 10 && v.explanation.samples.candidate <= 15, JSON.stringify(v));
      assert.equal(v.explanation.samples.control, v.explanation.samples.candidate, 'steps matched by time');
    }
    assert.ok((passed.detail.requests?.candidate ?? 0) >= 50, JSON.stringify(passed.detail.requests));
    // An operator sees where the numbers came from.
    const shown = await iris(['release', 'history', id]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /analysis_passed.*from prometheus; error Pass n=\d+\/\d+, latency_ms Pass n=\d+\/\d+/);
    const status = await iris(['release', 'status', id]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /Fast guard at .* \(from prometheus\):/);
    assert.match(
      status.stdout,
      /Last bake analysis: analysis_passed \(from prometheus; requests control \d+, candidate \d+\)/,
    );
    // The numbers are Prometheus's own: it scraped the release's series for both colours.
    const q = encodeURIComponent(`sum by (colour) (max_over_time(iris_release_requests_total{release="${id}"}[5m]))`);
    const series = (await prom?.api(`/api/v1/query?query=${q}`))?.data as { result: { metric: { colour: string } }[] };
    assert.deepEqual(series.result.map((s) => s.metric.colour).sort(), ['blue', 'green']);
    // Finished, the release leaves /metrics (only live releases have series).
    const deadline = Date.now() + 5000;
    for (;;) {
      const body = (await t.call('GET', '/metrics', { token: SCRAPE_TOKEN })).body;
      if (!body.includes(`release="${id}"`)) break;
      if (Date.now() > deadline) assert.fail(`${id} still has series on /metrics`);
      await new Promise((r) => setTimeout(r, 250));
    }
  });

  test('a candidate failing a fifth of its requests is judged High from Prometheus and rolled back', async (ctx) => {
    const id = 'prom-errors@1.0.0';
    const doc = releaseDoc('prom-errors', 'red', 30, 0.9);
    assert.equal((await t.call('POST', '/v1/platform/releases', { body: doc })).statusCode, 201);
    faults.set('red', { errorRatio: 0.2, delayMs: 0 });
    const traffic = load(t, tenants);
    let release: StoredRelease;
    try {
      assert.equal((await t.call('POST', `/v1/platform/releases/${id}/start`, { body: {} })).statusCode, 200);
      release = await phaseOf(t, id, ['promoted', 'rolled_back', 'paused', 'aborted'], 60_000);
    } finally {
      await traffic.stop();
      faults.delete('red');
    }
    assert.equal(release.phase, 'rolled_back', release.reason ?? '');
    assert.match(release.reason ?? '', /^analysis: from prometheus: error High/);
    const failed = (await history(t, id)).find((e) => e.event === 'analysis_failed');
    assert.equal(failed?.detail.source, 'prometheus');
    const error = failed?.detail.verdicts?.find((v) => v.explanation.metric === 'error');
    ctx.diagnostic(`error ${error?.verdict ?? '-'}: ${JSON.stringify(error?.explanation)}`);
    assert.equal(error?.verdict, 'High', JSON.stringify(error));
    assert.ok((error?.explanation.samples.candidate ?? 0) >= 10, JSON.stringify(error));
    assert.match(error?.explanation.reason ?? '', /candidate higher: p [0-9.e-]+ < 0\.01/);
  });

  test('with Prometheus gone a bake is NoData with the reason: the release pauses, never passes', async () => {
    await stop(prom?.process);
    const id = 'prom-down@1.0.0';
    assert.equal(
      (await t.call('POST', '/v1/platform/releases', { body: releaseDoc('prom-down', 'violet', 6) })).statusCode,
      201,
    );
    const traffic = load(t, tenants, 2);
    let release: StoredRelease;
    try {
      assert.equal((await t.call('POST', `/v1/platform/releases/${id}/start`, { body: {} })).statusCode, 200);
      release = await phaseOf(t, id, ['promoted', 'rolled_back', 'paused', 'aborted'], 30_000);
    } finally {
      await traffic.stop();
    }
    assert.equal(release.phase, 'paused', release.reason ?? '');
    assert.match(release.reason ?? '', /NoData.*prometheus: .*Prometheus unreachable/);
    const nodata = (await history(t, id)).find((e) => e.event === 'analysis_nodata');
    assert.equal(nodata?.detail.source, 'prometheus');
    assert.deepEqual(
      nodata?.detail.verdicts?.map((v) => v.verdict),
      ['NoData', 'NoData'],
    );
    const g = release.lastGuard as { source?: string; rings?: Record<string, { checks: { reason: string }[] }> };
    assert.equal(g.source, 'prometheus');
    assert.match(g.rings?.canary?.checks[0]?.reason ?? '', /unreachable/);
  });
});
