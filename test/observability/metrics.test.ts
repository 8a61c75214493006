// Metrics through a running app: OpenMetrics with trace_id exemplars, golden signals per
// route and bounded tenant, series that stay flat as tenants grow, event-loop lag, database
// pool use, ledger verifications, and /metrics render time at 1,000 tenants.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  makeIrisMetrics,
  makeTenantLabeler,
  MetricNames,
  TenantLabel,
  type TenantPlacement,
} from '../../src/observability/index.js';
import { storeName } from '../support/test-database.js';
import { SCRAPE_TOKEN } from '../support/test-app.js';
import { parseSamples, startObservedApp, type ObservedApp } from './support/observed-app.js';

const H = MetricNames.httpDuration;

describe(`metrics (${storeName})`, () => {
  let o: ObservedApp;
  before(async () => {
    o = await startObservedApp({ IRIS_METRICS_TOP_TENANTS: '2', IRIS_RELEASE_COLOR: 'green' });
  });
  after(async () => o.dispose());

  test('/metrics is OpenMetrics and latency buckets carry the trace id of a request as exemplar', async () => {
    const token = await o.tenantWithKey('acme', 'premium', 'canary');
    const res = await o.call('GET', '/v1/tenants/acme', { token });
    assert.equal(res.statusCode, 200, res.body);
    const traceId = /^00-([0-9a-f]{32})-/.exec(String(res.headers.traceparent))?.[1];
    assert.ok(traceId, 'traceparent on the response');
    const m = await o.call('GET', '/metrics', { token: SCRAPE_TOKEN });
    assert.match(String(m.headers['content-type']), /^application\/openmetrics-text; version=1\.0\.0/);
    assert.ok(m.body.trimEnd().endsWith('# EOF'));
    const samples = parseSamples(m.body).filter(
      (s) => s.name === `${H}_bucket` && s.labels.route === '/v1/tenants/:tenantId' && s.labels.tenant === 'acme',
    );
    assert.ok(samples.length > 0, 'a bucket series for the tenant route');
    const withExemplar = samples.filter((s) => s.exemplar?.trace_id === traceId);
    assert.equal(withExemplar.length, 1, 'exactly one bucket holds the exemplar of that request');
    const labels = withExemplar[0]?.labels ?? {};
    assert.deepEqual(
      [labels.method, labels.status_class, labels.tier, labels.ring, labels.color],
      ['GET', '2xx', 'premium', 'canary', 'green'],
    );
  });

  test('errors are counted by status class; unauthenticated requests have tenant "none"', async () => {
    const bad = await o.call('GET', '/v1/tenants/acme', { token: 'iris_knope_nope' });
    assert.equal(bad.statusCode, 401);
    const m = parseSamples((await o.call('GET', '/metrics', { token: SCRAPE_TOKEN })).body);
    const count = m.find(
      (s) => s.name === `${H}_count` && s.labels.status_class === '4xx' && s.labels.tenant === TenantLabel.none,
    );
    assert.equal(count?.value, 1);
  });

  test('past the top-N, tenants are counted as "other" within their tier', async () => {
    const tokens: [string, string][] = [];
    for (const id of ['beta', 'gamma', 'delta', 'epsilon'])
      tokens.push([id, await o.tenantWithKey(id, id === 'delta' ? 'free' : 'standard')]);
    for (const [id, token] of tokens)
      assert.equal((await o.call('GET', `/v1/tenants/${id}`, { token })).statusCode, 200);
    const m = parseSamples((await o.call('GET', '/metrics', { token: SCRAPE_TOKEN })).body).filter(
      (s) => s.name === `${H}_count` && s.labels.route === '/v1/tenants/:tenantId',
    );
    const tenants = new Set(m.map((s) => s.labels.tenant));
    // acme and the first newcomer took the two slots; the rest are 'other' per tier.
    assert.deepEqual([...tenants].sort(), ['acme', 'beta', 'none', 'other'].sort());
    const other = m
      .filter((s) => s.labels.tenant === 'other')
      .map((s) => `${s.labels.tier}:${s.value}`)
      .sort();
    assert.deepEqual(other, ['free:1', 'standard:2']);
  });

  test('event-loop lag, database pool use and requests in flight are exposed', async () => {
    const m = parseSamples((await o.call('GET', '/metrics', { token: SCRAPE_TOKEN })).body);
    const names = new Set(m.map((s) => s.name));
    for (const n of [
      MetricNames.eventLoopLagP99,
      MetricNames.dbInFlight,
      MetricNames.dbPoolMax,
      MetricNames.httpInFlight,
      `${MetricNames.dbDuration}_count`,
    ])
      assert.ok(names.has(n), n);
    const tx = m
      .filter((s) => s.name === `${MetricNames.dbDuration}_count` && s.labels.outcome === 'commit')
      .reduce((a, s) => a + s.value, 0);
    assert.ok(tx > 0, 'transactions were timed');
    // The scrape itself is in flight while it renders.
    assert.equal(m.find((s) => s.name === MetricNames.httpInFlight)?.value, 1);
  });

  test('ledger verifications are counted by result', async () => {
    const res = await o.call('GET', '/v1/audit/logs/acme/verify');
    assert.equal(res.statusCode, 200, res.body);
    const m = parseSamples((await o.call('GET', '/metrics', { token: SCRAPE_TOKEN })).body);
    const ok = m.find((s) => s.name === MetricNames.ledgerVerifications && s.labels.result === 'ok');
    assert.equal(ok?.value, 1);
  });
});

/** Drives `tenants` tenants' traffic over 20 routes straight into the instruments, for `rounds` minutes. */
function loaded(tenants: number, opts: { topN?: number; rounds?: number; shift?: number } = {}) {
  let now = 0;
  let seed = 42;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const placement = (_id: string): TenantPlacement => ({
    tier: ['free', 'standard', 'premium', 'enterprise'][rand(4)] as string,
    ring: ['canary', 'early', 'general'][rand(3)] as string,
  });
  const labeler = makeTenantLabeler({
    topN: opts.topN ?? 20,
    refreshMs: 60_000,
    maxRings: 16,
    now: () => now,
    placement,
    platformId: 'platform',
  });
  const metrics = makeIrisMetrics({ labeler, color: 'blue', poolMax: 10 });
  for (let round = 0; round < (opts.rounds ?? 3); round++) {
    for (let t = 0; t < tenants; t++) {
      // Zipf-like traffic; with `shift`, the busiest tenants change every round.
      const rank = (t + round * (opts.shift ?? 0)) % tenants;
      const n = Math.max(1, Math.round(2000 / (rank + 1)));
      for (let i = 0; i < n; i++) {
        const labels = {
          route: `/v1/r${rand(20)}`,
          method: 'GET',
          status_class: rand(50) === 0 ? '5xx' : '2xx',
          ...labeler.record(`t${t}`),
        };
        metrics.httpDuration.observe(
          metrics.httpDuration.series(metrics.ownSeries(metrics.httpDuration, labels)),
          0.003 * (rand(7) + 1),
        );
      }
    }
    now += 61_000;
  }
  return metrics;
}

async function seriesOf(metrics: ReturnType<typeof loaded>): Promise<number> {
  const m = await metrics.registry.getMetricsAsJSON();
  return m.find((x) => x.name === H)?.values.length ?? 0;
}

describe('cardinality and render time', () => {
  test('the number of latency series stays flat as tenants grow from 1,000 to 5,000', async () => {
    const s1000 = await seriesOf(loaded(1000));
    const s5000 = await seriesOf(loaded(5000));
    // 20 routes x 2 status classes x (20 tenants + 4 tiers x 3 rings), times (10 buckets + +Inf + sum + count).
    const bound = 20 * 2 * (20 + 12) * 13;
    assert.ok(s1000 <= bound, `${s1000} <= ${bound}`);
    assert.ok(
      Math.abs(s5000 - s1000) <= s1000 * 0.02,
      `series at 5,000 tenants (${s5000}) ~ those at 1,000 (${s1000})`,
    );
  });

  test('series stay bounded while the busiest tenants change: series of leavers are dropped', async () => {
    const steady = await seriesOf(loaded(1000, { rounds: 6 }));
    const churning = await seriesOf(loaded(1000, { rounds: 6, shift: 50 }));
    assert.ok(churning <= 20 * 2 * (20 + 12) * 13, `${churning} within the bound`);
    assert.ok(churning <= steady * 1.05, `churning ${churning} vs steady ${steady}`);
  });

  test('/metrics renders in well under a scrape interval at 1,000 tenants', async () => {
    const metrics = loaded(1000);
    await metrics.registry.metrics();
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const body = await metrics.registry.metrics();
      runs.push(performance.now() - t0);
      assert.ok(body.length > 0);
    }
    runs.sort((a, b) => a - b);
    const median = runs[2] as number;
    process.stdout.write(`# /metrics render at 1,000 tenants: median ${median.toFixed(1)} ms\n`);
    assert.ok(median < 250, `median render ${median.toFixed(1)} ms`);
  });
});

describe('release series', () => {
  test('shadow comparisons are counted by outcome with their agreement, and leave with the release', async () => {
    const labeler = makeTenantLabeler({
      topN: 20,
      refreshMs: 60_000,
      maxRings: 16,
      now: () => 0,
      placement: () => undefined,
      platformId: 'platform',
    });
    const metrics = makeIrisMetrics({ labeler, color: 'blue', poolMax: 10 });
    const key = { releaseId: 'rag@1.0.0', ring: 'canary' };
    const key4 = { release: 'rag@1.0.0', ring: 'canary' };
    metrics.signals.releaseShadow(key, 0.5, 0.9);
    metrics.signals.releaseShadow(key, 1, 1);
    metrics.signals.releaseShadow(key, null, null);
    const text = await metrics.registry.metrics();
    // One sample's value by name and labels, whatever the labels' order.
    const value = (name: string, labels: Record<string, string>): number | undefined => {
      const line = text
        .split('\n')
        .find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    assert.equal(value(MetricNames.releaseShadowComparisons, { ...key4, outcome: 'ok' }), 2);
    assert.equal(value(MetricNames.releaseShadowComparisons, { ...key4, outcome: 'error' }), 1);
    assert.equal(value(`${MetricNames.releaseShadowOverlap}_sum`, key4), 1.5);
    assert.equal(value(`${MetricNames.releaseShadowSimilarity}_count`, key4), 2);
    assert.equal(value(`${MetricNames.releaseShadowSimilarity}_bucket`, { ...key4, le: '0.9' }), 1);
    metrics.signals.releaseSeriesKeep(new Set());
    assert.ok(!(await metrics.registry.metrics()).includes('rag@1.0.0'), 'a finished release leaves /metrics');
  });
});
