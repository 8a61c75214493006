// The silences preflight gate against a real Alertmanager (the Debian package's binary, started
// from a tmpdir with clustering off): a silence on ring=canary created over its v2 API makes the
// gate fail for a release whose plan has the canary ring, naming the silence, its creator and
// its comment; after a named person reviews it (recorded in release_silence_reviews, audited) the
// gate passes. The release and every recorded result live in the app's real store.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PLATFORM } from '../../src/core/ids.js';
import { makeAlertmanagerClient, AlertmanagerError } from '../../src/rollout/alertmanager-client.js';
import { makePreflightService, type PreflightService } from '../../src/rollout/preflight-service.js';
import { makeReleaseService, type ReleaseService } from '../../src/rollout/release-service.js';
import { releaseDoc } from '../support/release-doc.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

const BINARY = process.env.IRIS_TEST_ALERTMANAGER ?? '/usr/bin/prometheus-alertmanager';
const DASHBOARD = resolve(fileURLToPath(import.meta.url), '../../../../ops/grafana/dashboards/iris-rings.json');
const RELEASE = 'preflight-rag@1.0.0';

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

const preflightDoc = (): object => releaseDoc('preflight-rag', 'green', { rings: ['canary', 'early'], flags: {} });

describe(
  `preflight silences gate with a real Alertmanager (${storeName})`,
  { skip: !existsSync(BINARY) && `no Alertmanager at ${BINARY} (apt-get install prometheus-alertmanager)` },
  () => {
    let dir: string;
    let child: ChildProcess;
    let base: string;
    let output = '';
    let t: TestApp;
    let preflight: PreflightService;
    let releases: ReleaseService;
    let silenceId: string;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'iris-am-'));
      writeFileSync(join(dir, 'alertmanager.yml'), "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n");
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      child = spawn(
        BINARY,
        [
          `--config.file=${join(dir, 'alertmanager.yml')}`,
          `--storage.path=${join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--cluster.listen-address=',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
      child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
      const deadline = Date.now() + 15_000;
      for (;;) {
        try {
          if ((await fetch(`${base}/-/ready`)).ok) break;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`Alertmanager did not start:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      t = await createTestApp();
      const created = await t.call('POST', '/v1/platform/releases', { body: preflightDoc() });
      assert.equal(created.statusCode, 201, created.body);
      const alertmanager = makeAlertmanagerClient(base, { timeoutMs: 2000 });
      preflight = makePreflightService({
        db: t.db,
        clock: { now: () => new Date() },
        fallbackColour: 'blue',
        silences: () => alertmanager.activeSilences(),
        dashboard: {
          source: 'iris-rings.json',
          read: async () => JSON.parse(readFileSync(DASHBOARD, 'utf8')) as unknown,
        },
        policyBundle: async () => undefined,
        // NOTE: no control release yet, so the extraction version counts as changed: accuracy is due.
        loadProbe: async (_release, ring) => ({
          ring,
          requests: 200,
          successes: 200,
          accuracy: { correct: 98, total: 100 },
        }),
        audit: async (tx, ctx, record) => {
          await t.app.ledger.append(tx, ctx, { log: PLATFORM, ...record });
        },
      });
      // The release service with preflight enforced before start, as the app would wire it.
      releases = makeReleaseService({
        db: t.db,
        clock: { now: () => new Date() },
        fallbackColour: 'blue',
        audit: async (tx, ctx, record) => {
          await t.app.ledger.append(tx, ctx, { log: PLATFORM, ...record });
        },
        tenantFacts: async () => [],
        systemContext: () => t.app.systemContext(),
        preflight: { check: (ctx, id, stage) => preflight.check(ctx, id, stage), enforce: true },
      });
    });

    after(async () => {
      if (child !== undefined && child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      await t?.dispose();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    });

    test('with no silence the gate passes', async () => {
      const run = await preflight.check(t.app.systemContext(), RELEASE, 'start');
      const gate = run.results.find((r) => r.gate === 'silences');
      assert.deepEqual(
        { ok: gate?.ok, detail: gate?.detail },
        { ok: true, detail: 'no active silence matches rings canary, early' },
      );
      assert.equal(run.stage, 'start');
      assert.equal(run.ok, true, JSON.stringify(run.results));
    });

    test('a silence on ring=canary fails the gate until a named person reviews it', async () => {
      const now = Date.now();
      const res = await fetch(`${base}/api/v2/silences`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          matchers: [{ name: 'ring', value: 'canary', isRegex: false, isEqual: true }],
          startsAt: new Date(now - 1000).toISOString(),
          endsAt: new Date(now + 3_600_000).toISOString(),
          createdBy: 'oncall@example.com',
          comment: 'canary noisy during reindex',
        }),
      });
      assert.equal(res.status, 200, await res.clone().text());
      silenceId = ((await res.json()) as { silenceID: string }).silenceID;
      // One on another ring only: not this release's business.
      await fetch(`${base}/api/v2/silences`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          matchers: [{ name: 'ring', value: 'general', isRegex: false, isEqual: true }],
          startsAt: new Date(now - 1000).toISOString(),
          endsAt: new Date(now + 3_600_000).toISOString(),
          createdBy: 'someone',
          comment: 'general',
        }),
      });

      const failing = await preflight.check(t.app.systemContext(), RELEASE, 'start');
      const gate = failing.results.find((r) => r.gate === 'silences');
      assert.equal(gate?.ok, false);
      assert.match(
        gate?.detail ?? '',
        new RegExp(
          `^1 of 1 matching silence\\(s\\) need a review .*${silenceId} \\(unreviewed; ring="canary"; created by oncall@example.com; "canary noisy during reindex"`,
        ),
      );
      assert.equal(failing.ok, false);
      // A promotion into `early` is not held by a canary silence.
      const early = await preflight.check(t.app.systemContext(), RELEASE, 'promote:early');
      assert.equal(early.results.find((r) => r.gate === 'silences')?.ok, true);

      await assert.rejects(
        preflight.review(t.app.systemContext(), RELEASE, { silenceId: 'no-such-silence', reviewer: 'Ada' }),
        /not active in Alertmanager/,
      );
      // Enforced: start is refused while the silence is unreviewed, and the release stays planned.
      await assert.rejects(releases.act(t.app.systemContext(), RELEASE, 'start'), (err: unknown) => {
        assert.equal((err as { code?: string }).code, 'preflight_failed');
        assert.match((err as Error).message, /start silences: 1 of 1 matching silence/);
        return true;
      });
      assert.equal((await releases.get(RELEASE)).phase, 'planned');
      const review = await preflight.review(t.app.systemContext(), RELEASE, {
        silenceId,
        reviewer: 'Ada Lovelace',
        note: 'expected during reindex',
      });
      assert.equal(review.reviewer, 'Ada Lovelace');
      const passing = await preflight.check(t.app.systemContext(), RELEASE, 'start');
      assert.deepEqual(
        passing.results.find((r) => r.gate === 'silences')?.detail,
        `1 matching silence(s) reviewed: ${silenceId} by Ada Lovelace`,
      );
      assert.equal(passing.ok, true, JSON.stringify(passing.results));

      const started = await releases.act(t.app.systemContext(), RELEASE, 'start');
      assert.equal(started.phase, 'progressing');
      // Recorded: runs numbered per release, each with a history line; the review in the ledger.
      const latest = await preflight.latest(RELEASE, 'start');
      assert.equal(latest?.runSeq, passing.runSeq + 1, 'the start itself ran preflight once more');
      assert.equal(latest?.ok, true);
      assert.deepEqual(
        latest?.results.map((r) => r.gate),
        ['policy', 'silences', 'dashboards', 'load-probe:canary'],
      );
      const history = await t.app.server.inject({
        method: 'GET',
        url: `/v1/platform/releases/${encodeURIComponent(RELEASE)}/history`,
        headers: { authorization: 'Bearer test-bootstrap-token-0123456789abcdef' },
      });
      const events = history
        .json<{ items: { event: string; reason: string | null }[] }>()
        .items.filter((e) => e.event === 'preflight');
      assert.equal(events.length, 6);
      assert.equal(events[1]?.reason, 'preflight failed: silences');
      const ledger = await t.call('GET', '/v1/audit/logs/platform/events?limit=1000');
      const actions = ledger.json<{ items: { event: { action: string } }[] }>().items.map((e) => e.event.action);
      assert.ok(actions.includes('release.silence_review'), `${ledger.statusCode} ${ledger.body.slice(0, 400)}`);
    });

    test('expired silences are left out; an unreachable Alertmanager is a typed error', async () => {
      const expire = await fetch(`${base}/api/v2/silence/${silenceId}`, { method: 'DELETE' });
      assert.equal(expire.status, 200);
      const active = await makeAlertmanagerClient(base).activeSilences();
      assert.deepEqual(
        active.map((s) => s.matchers[0]?.value),
        ['general'],
      );
      const dead = makeAlertmanagerClient(`http://127.0.0.1:${await freePort()}`, { timeoutMs: 500 });
      await assert.rejects(
        dead.activeSilences(),
        (err: unknown) => err instanceof AlertmanagerError && err.code === 'alertmanager_unreachable' && err.retryable,
      );
    });
  },
);
