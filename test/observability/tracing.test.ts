// Traces: W3C traceparent in and out, a span tree request -> handler -> store with the tenant
// on every span (in-memory exporter), and the OTLP/HTTP exporter posting to its endpoint.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { TENANT_ATTRIBUTE } from '../../src/observability/index.js';
import { storeName } from '../support/test-database.js';
import { startObservedApp, type ObservedApp } from './support/observed-app.js';

describe(`tracing (${storeName})`, () => {
  let o: ObservedApp;
  before(async () => {
    o = await startObservedApp();
  });
  after(async () => o.dispose());

  test("continues the caller's trace, answers with its own traceparent, tags every span with the tenant", async () => {
    const token = await o.tenantWithKey('acme', 'premium');
    o.spans.reset();
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const parent = 'b7ad6b7169203331';
    // A consistent read goes to the store (a default read is served from the replica's snapshot).
    const res = await o.call('GET', '/v1/tenants/acme?consistent=true', {
      token,
      headers: { traceparent: `00-${traceId}-${parent}-01` },
    });
    assert.equal(res.statusCode, 200);
    const out = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(String(res.headers.traceparent));
    assert.equal(out?.[1], traceId, 'the response continues the trace');
    assert.notEqual(out?.[2], parent);

    const spans = o.spans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const request = spans.find((s) => s.kind === SpanKind.SERVER);
    assert.ok(request, `spans: ${spans.map((s) => s.name).join(', ')}`);
    assert.equal(request.name, 'GET /v1/tenants/:tenantId', 'the request span is named after its route');
    assert.equal(request.attributes['http.response.status_code'], 200);
    assert.equal(request.parentSpanContext?.spanId, parent, "the request span is a child of the caller's");
    assert.equal(request.spanContext().spanId, out?.[2], 'traceparent out names the request span');
    const db = spans.filter((s) => s.name === 'db.transaction');
    assert.ok(db.length >= 1, 'the store call is a span');
    const ids = new Set(spans.map((s) => s.spanContext().spanId));
    for (const s of db)
      assert.ok(s.parentSpanContext && ids.has(s.parentSpanContext.spanId), 'store spans hang below the request');
    for (const s of spans) assert.equal(s.attributes[TENANT_ATTRIBUTE], 'acme', `${s.name} carries the tenant`);
  });

  test('a request without traceparent starts a new trace; a 5xx marks the span as an error', async () => {
    o.spans.reset();
    const res = await o.call('GET', '/healthz', { token: null });
    const out = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(String(res.headers.traceparent));
    assert.ok(out);
    assert.ok(o.spans.getFinishedSpans().some((s) => s.spanContext().traceId === out[1]));
  });
});

describe('OTLP/HTTP export', () => {
  for (const [protocol, contentType] of [
    ['http/protobuf', 'application/x-protobuf'],
    ['http/json', 'application/json'],
  ] as const) {
    test(`spans are posted to the configured endpoint (${protocol})`, async () => {
      const received: { url: string; type: string; body: Buffer }[] = [];
      const collector = createServer((req: IncomingMessage, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push({ url: req.url ?? '', type: String(req.headers['content-type']), body: Buffer.concat(chunks) });
          res.writeHead(200, { 'content-type': contentType }).end(protocol === 'http/json' ? '{}' : '');
        });
      });
      await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
      const port = (collector.address() as AddressInfo).port;
      const env: Record<string, string> = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` };
      if (protocol === 'http/json') env.OTEL_EXPORTER_OTLP_PROTOCOL = protocol;
      const o = await startObservedApp(env);
      try {
        const res = await o.call('GET', '/v1/tenants');
        const traceId = /^00-([0-9a-f]{32})-/.exec(String(res.headers.traceparent))?.[1] as string;
        await o.app.telemetry.tracing?.provider.forceFlush();
        assert.ok(received.length >= 1, 'the collector got a post');
        assert.equal(received[0]?.url, '/v1/traces');
        assert.equal(received[0]?.type, contentType);
        const all = Buffer.concat(received.map((r) => r.body));
        // OTLP carries ids as raw bytes in protobuf and as hex in JSON.
        assert.ok(
          protocol === 'http/json' ? all.includes(traceId) : all.includes(Buffer.from(traceId, 'hex')),
          'the trace id was exported',
        );
      } finally {
        await o.dispose();
        await new Promise<void>((r) => collector.close(() => r()));
      }
    });
  }
});
