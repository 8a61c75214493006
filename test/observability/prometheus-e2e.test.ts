// End to end with a real Prometheus and Alertmanager (Debian's packages), all on loopback:
// Prometheus scrapes a running Iris every second and evaluates ops/prometheus/rules as
// shipped; Alertmanager sends to a webhook receiver here. Faults, injected together: the store
// refuses one tenant's connections (its requests answer 503), the upstream LLM (a fake
// OpenAI-compatible server behind Iris's LLM gateway) answers 500, and a worker stalls (its
// only slot held by a job that does not finish, while another tenant's jobs wait); finally the
// Iris instance goes away. Each alert must reach the receiver; the test prints the time from the
// fault to the notification. Runs only with IRIS_E2E_PROMETHEUS=1 (.ci/run sets it after
// installing the packages); it never installs anything itself.
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { createApp, type App } from '../../src/app/index.js';
import { loadConfig } from '../../src/core/config.js';
import type { Database } from '../../src/core/db.js';
import { startFakeOpenAi } from '../support/fake-openai.js';
import { createTestDatabase } from '../support/test-database.js';
import { freePort, listen, PROMETHEUS, start, stop, waitFor } from './support/processes.js';

const ADMIN = 'e2e-bootstrap-token-0123456789abcdef';
const SCRAPE = 'e2e-scrape-token-0123456789abcdef';
const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
const installed =
  spawnSync(PROMETHEUS, ['--version']).status === 0 && spawnSync(ALERTMANAGER, ['--version']).status === 0;
const skip =
  process.env.IRIS_E2E_PROMETHEUS !== '1'
    ? 'set IRIS_E2E_PROMETHEUS=1 to run (.ci/run does)'
    : !installed
      ? 'Debian prometheus/prometheus-alertmanager not installed (.ci/run installs them)'
      : false;

interface Notification {
  readonly at: number;
  readonly status: string;
  readonly labels: Record<string, string>;
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((r) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => r(Buffer.concat(chunks).toString('utf8')));
  });
}

/** The database port with a switch that makes `tenant`'s transactions fail like a refused connection. */
function faultyStore(db: Database, tenant: string): { db: Database; fail(on: boolean): void } {
  let failing = false;
  const refuse = (): never => {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432 (injected)'), { code: 'ECONNREFUSED' });
  };
  return {
    fail: (on) => void (failing = on),
    db: {
      dialect: db.dialect,
      transaction: async (scope, fn) =>
        failing && scope.kind === 'tenant' && scope.tenantId === tenant ? refuse() : db.transaction(scope, fn),
      read: async (scope, sql, params) =>
        failing && scope.kind === 'tenant' && scope.tenantId === tenant ? refuse() : db.read(scope, sql, params),
      asOwner: (fn) => db.asOwner(fn),
      listen: (c, f, r) => db.listen(c, f, r),
      ping: () => db.ping(),
      close: () => db.close(),
    },
  };
}

test(
  'faults in a running Iris reach an Alertmanager webhook through a real Prometheus',
  { skip, timeout: 480_000 },
  async () => {
    const work = mkdtempSync(join(tmpdir(), 'iris-e2e-prom-'));
    const notifications: Notification[] = [];
    const receiver = createServer((req, res) => {
      void body(req).then((text) => {
        const doc = JSON.parse(text) as { alerts: { status: string; labels: Record<string, string> }[] };
        for (const a of doc.alerts) notifications.push({ at: Date.now(), status: a.status, labels: a.labels });
        res.writeHead(200).end();
      });
    });
    // The upstream LLM: a fake OpenAI-compatible server Iris's own LLM gateway calls.
    const llm = await startFakeOpenAi({ behaviour: { kind: 'ok', reply: 'ok' } });
    const tdb = await createTestDatabase();
    const store = faultyStore(tdb.db, 'acme');
    let app: App | undefined;
    let prom: ChildProcess | undefined;
    let am: ChildProcess | undefined;
    const logs: string[] = [];
    let traffic: NodeJS.Timeout | undefined;
    let llmLoop: NodeJS.Timeout | undefined;
    try {
      const receiverPort = await listen(receiver);
      // The scrape credential, shared by Iris and Prometheus as ops/prometheus/prometheus.yml shows.
      writeFileSync(join(work, 'metrics-token'), `${SCRAPE}\n`, { mode: 0o600 });
      const providers = [{ name: 'fake', baseUrl: llm.baseUrl, model: 'm', region: 'eu-west', timeoutMs: 2000 }];
      app = await createApp(
        loadConfig({
          IRIS_BOOTSTRAP_TOKEN: ADMIN,
          IRIS_DATA_DIR: join(work, 'iris'),
          IRIS_PORT: '0',
          IRIS_HOST: '127.0.0.1',
          IRIS_METRICS_TOKEN_FILE: join(work, 'metrics-token'),
          IRIS_LLM_PROVIDERS: JSON.stringify(providers),
        }),
        { db: store.db },
      );
      const ctx = app.systemContext();
      await app.tenants.create(ctx, { id: 'acme', displayName: 'Acme', tier: 'premium' });
      await app.tenants.create(ctx, { id: 'globex', displayName: 'Globex', tier: 'premium' });
      const key = await app.keys.create(ctx, 'acme', { name: 'e2e', role: 'analyst' });
      const globexKey = await app.keys.create(ctx, 'globex', { name: 'e2e', role: 'analyst' });
      await app.directory.resync();
      const address = await app.listen();
      const irisPort = new URL(address).port;

      const [promPort, amPort] = [await freePort(), await freePort()];
      writeFileSync(
        join(work, 'alertmanager.yml'),
        [
          'route:',
          '  receiver: webhook',
          '  group_by: [alertname, tenant, provider]',
          '  group_wait: 1s',
          '  group_interval: 1s',
          '  repeat_interval: 1h',
          'receivers:',
          '  - name: webhook',
          '    webhook_configs:',
          `      - url: http://127.0.0.1:${receiverPort}/alerts`,
          '        send_resolved: false',
        ].join('\n'),
      );
      writeFileSync(
        join(work, 'prometheus.yml'),
        [
          'global:',
          '  scrape_interval: 1s',
          '  scrape_timeout: 900ms',
          '  evaluation_interval: 1s',
          'rule_files:',
          `  - ${resolve('ops/prometheus/rules/iris.rules.yml')}`,
          'alerting:',
          '  alertmanagers:',
          '    - static_configs:',
          `        - targets: ['127.0.0.1:${amPort}']`,
          'scrape_configs:',
          '  - job_name: iris',
          '    authorization:',
          '      type: Bearer',
          `      credentials_file: ${join(work, 'metrics-token')}`,
          '    static_configs:',
          `      - targets: ['127.0.0.1:${irisPort}']`,
        ].join('\n'),
      );
      am = start(
        ALERTMANAGER,
        [
          `--config.file=${join(work, 'alertmanager.yml')}`,
          `--storage.path=${join(work, 'am')}`,
          `--web.listen-address=127.0.0.1:${amPort}`,
          '--cluster.listen-address=',
        ],
        logs,
      );
      prom = start(
        PROMETHEUS,
        [
          `--config.file=${join(work, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(work, 'prom')}`,
          `--web.listen-address=127.0.0.1:${promPort}`,
          '--enable-feature=exemplar-storage',
          '--rules.alert.resend-delay=1s',
        ],
        logs,
      );
      const api = async (path: string): Promise<{ data: unknown } | undefined> => {
        const r = await fetch(`http://127.0.0.1:${promPort}${path}`).catch(() => undefined);
        return r?.ok ? ((await r.json()) as { data: unknown }) : undefined;
      };

      // Healthy traffic: 20 requests a second for acme and 10 for globex, and 5 LLM calls a second through
      // Iris's LLM gateway (retries, circuit breaker, metrics) to the fake upstream. The reads are
      // consistent ones, so each reaches the store (a default read is served from the snapshot).
      let sent = 0;
      const statuses = new Map<number, number>();
      traffic = setInterval(() => {
        for (let i = 0; i < 2; i++) {
          sent++;
          void fetch(`${address}/v1/tenants/acme?consistent=true`, {
            headers: { authorization: `Bearer ${key.token}` },
          })
            .then((r) => statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1))
            .catch(() => undefined);
        }
        void fetch(`${address}/v1/tenants/globex?consistent=true`, {
          headers: { authorization: `Bearer ${globexKey.token}` },
        }).catch(() => undefined);
      }, 100);
      llmLoop = setInterval(() => {
        void app?.llm
          .complete({
            tenantId: 'acme',
            regionAllowed: () => true,
            messages: [{ role: 'user', content: 'ping' }],
            purpose: 'answer',
          })
          .catch(() => undefined);
      }, 200);

      // Prometheus is up and scraping Iris (OpenMetrics), with trace_id exemplars stored.
      await waitFor('the first scrape', 30_000, async () => {
        const r = (await api('/api/v1/query?query=up%7Bjob%3D%22iris%22%7D')) as
          { data: { result: { value: [number, string] }[] } } | undefined;
        return r?.data.result[0]?.value[1] === '1' ? true : undefined;
      });
      await new Promise((r) => setTimeout(r, 12_000));
      const ex = (await api(
        `/api/v1/query_exemplars?query=${encodeURIComponent('iris_http_request_duration_seconds_bucket{tenant="acme"}')}&start=${Date.now() / 1000 - 60}&end=${Date.now() / 1000}`,
      )) as { data: { exemplars: { labels: Record<string, string> }[] }[] } | undefined;
      const traceIds = (ex?.data ?? []).flatMap((s) => s.exemplars.map((e) => e.labels.trace_id));
      assert.ok(
        traceIds.length > 0 && traceIds.every((t) => /^[0-9a-f]{32}$/.test(String(t))),
        'Prometheus stored trace_id exemplars',
      );
      assert.equal(notifications.length, 0, `no alert on healthy traffic: ${JSON.stringify(notifications)}`);

      // Faults: the store refuses acme's connections, the upstream LLM answers 500, and a worker
      // stalls: its one slot runs a job that does not finish while globex's jobs wait.
      const faultAt = Date.now();
      store.fail(true);
      llm.behave({ kind: 'fail', status: 500 });
      const system = { actor: 'system' };
      await app.jobs.enqueue('globex', { kind: 'sleep', payload: { ms: 3_600_000 } }, system);
      await app.startWorker({ concurrency: 1 });
      for (let i = 0; i < 3; i++) await app.jobs.enqueue('globex', { kind: 'noop', payload: {} }, system);
      const expected = [
        'IrisTenantErrorBudgetBurn',
        'IrisTenantHighErrorRatio',
        'IrisLlmErrorRatioHigh',
        'IrisLlmBreakerOpen',
        'IrisJobQueueLagHigh',
      ];
      const seen = await waitFor('the fault alerts at the webhook', 330_000, () => {
        const firing = new Map<string, number>();
        for (const n of notifications)
          if (n.status === 'firing' && !firing.has(n.labels.alertname as string))
            firing.set(n.labels.alertname as string, n.at);
        return expected.every((a) => firing.has(a)) ? firing : undefined;
      });
      assert.ok((statuses.get(503) ?? 0) > 0, 'requests failed with 503 during the fault');
      const acme = notifications.find((n) => n.labels.alertname === 'IrisTenantHighErrorRatio');
      assert.equal(acme?.labels.tenant, 'acme');
      assert.equal(notifications.find((n) => n.labels.alertname === 'IrisLlmBreakerOpen')?.labels.provider, 'fake');
      assert.equal(notifications.find((n) => n.labels.alertname === 'IrisJobQueueLagHigh')?.labels.tenant, 'globex');
      assert.ok(
        !notifications.some((n) => n.labels.alertname?.startsWith('IrisTenant') && n.labels.tenant === 'globex'),
        'globex, whose store works, raises no tenant alert',
      );

      // Last fault: the instance goes away.
      clearInterval(traffic);
      clearInterval(llmLoop);
      const downAt = Date.now();
      await app.close();
      app = undefined;
      const downSeen = await waitFor(
        'IrisTargetDown at the webhook',
        120_000,
        () => notifications.find((n) => n.labels.alertname === 'IrisTargetDown' && n.at >= downAt)?.at,
      );

      const lines = [
        ...[...seen].map(([a, at]) => [a, at - faultAt] as const),
        ['IrisTargetDown', downSeen - downAt] as const,
      ].sort((a, b) => a[1] - b[1]);
      for (const [a, ms] of lines)
        process.stdout.write(`# e2e fault -> webhook: ${a.padEnd(28)} ${(ms / 1000).toFixed(1)} s\n`);
      process.stdout.write(`# e2e requests sent: ${sent}, statuses: ${JSON.stringify(Object.fromEntries(statuses))}\n`);
      for (const [a, ms] of lines) assert.ok(ms < 5 * 60_000, `${a} within 5 minutes`);
    } catch (err) {
      process.stdout.write(
        `# prometheus/alertmanager output (tail):\n${logs
          .slice(-30)
          .map((l) => `#   ${l}`)
          .join('\n')}\n`,
      );
      throw err;
    } finally {
      if (traffic) clearInterval(traffic);
      if (llmLoop) clearInterval(llmLoop);
      await stop(prom);
      await stop(am);
      if (app) await app.close().catch(() => undefined);
      await tdb.dispose();
      await new Promise<void>((r) => receiver.close(() => r()));
      await llm.close();
      rmSync(work, { recursive: true, force: true });
    }
  },
);
