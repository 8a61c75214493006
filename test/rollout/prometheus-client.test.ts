// The Prometheus analysis source's HTTP side against small HTTP servers on loopback standing in
// for Prometheus's edge cases (its real answers are covered by release-prometheus.test.ts):
// a refused connection, a server that never answers, an error body, a success body. Each
// failure is a reading with its reason, never an exception and never zeros.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { test } from 'node:test';
import { makePrometheusSource } from '../../src/app/prometheus-analysis.js';
import { freePort, listen } from '../observability/support/processes.js';

const key = { releaseId: 'r@1', ring: 'canary', colour: 'green' };
const window = { from: new Date(1_700_000_000_000), to: new Date(1_700_000_005_000) };

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  return { url: `http://127.0.0.1:${await listen(server)}`, server };
}
const close = (s: Server): Promise<void> => new Promise((r) => s.close(() => r()));

test('refused and silent Prometheus: NoData readings with the reason', async () => {
  const refused = makePrometheusSource({ url: `http://127.0.0.1:${await freePort()}`, stepSeconds: 2 });
  const a = await refused.counters(undefined, key, window.from, window.to);
  assert.equal(a.ok, false);
  assert.match(!a.ok ? a.reason : '', /Prometheus unreachable at http:\/\/127\.0\.0\.1:\d+/);

  const { url, server } = await serve(() => undefined);
  try {
    const silent = makePrometheusSource({ url, stepSeconds: 2, timeoutMs: 200 });
    const b = await silent.bake(
      undefined,
      { releaseId: 'r@1', ring: 'canary', candidate: 'green', control: 'blue' },
      window.from,
      window.to,
      50,
    );
    assert.deepEqual(b, { ok: false, reason: 'candidate: no answer from Prometheus in 200 ms' });
  } finally {
    server.closeAllConnections();
    await close(server);
  }
});

test('an error body is NoData naming it; a success body is read; the queries carry the window', async () => {
  const seen: URL[] = [];
  const { url, server } = await serve((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    seen.push(u);
    const query = u.searchParams.get('query') ?? '';
    if (query.includes('"broken"')) {
      res.writeHead(422, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'error', errorType: 'execution', error: 'query timed out' }));
      return;
    }
    const result = query.startsWith('sum by (outcome)')
      ? [
          { metric: { outcome: 'ok' }, value: [1_700_000_004, '95'] },
          { metric: { outcome: 'error' }, value: [1_700_000_004, '5'] },
        ]
      : [];
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
  });
  try {
    const source = makePrometheusSource({ url, stepSeconds: 2 });
    assert.equal(source.name, 'prometheus');
    const ok = await source.counters(undefined, key, window.from, window.to);
    assert.deepEqual(ok, { ok: true, value: { requests: 100, errors: 5 } });
    const instant = seen.find((u) => u.pathname === '/api/v1/query');
    assert.equal(instant?.searchParams.get('time'), '1700000005');
    assert.match(instant?.searchParams.get('query') ?? '', /\[5s\]\)\)$/);
    const broken = await source.counters(undefined, { ...key, colour: 'broken' }, window.from, window.to);
    assert.deepEqual(broken, { ok: false, reason: 'Prometheus answered execution: query timed out' });
  } finally {
    await close(server);
  }
});
