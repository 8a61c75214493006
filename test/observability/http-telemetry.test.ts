// The request span made by the HTTP telemetry's own hooks, on a bare Fastify app: named after
// the route, a child of the caller's traceparent (tracestate kept), a 5xx marked as an error
// with its exception, an unmatched route and a client that hangs up still ending their spans.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import Fastify, { type FastifyInstance } from 'fastify';
import { makeHttpTelemetry } from '../../src/observability/http-telemetry.js';
import { makeIrisMetrics, makeTenantLabeler, makeTracing, type Tracing } from '../../src/observability/index.js';

describe('HTTP telemetry: the request span', () => {
  const spans = new InMemorySpanExporter();
  let tracing: Tracing;
  let app: FastifyInstance;
  let released: () => void = () => undefined;

  before(async () => {
    tracing = makeTracing({
      serviceName: 'iris-test',
      serviceVersion: '0',
      otlpEndpoint: undefined,
      spanProcessors: [new SimpleSpanProcessor(spans)],
    });
    const labeler = makeTenantLabeler({
      topN: 5,
      refreshMs: 60_000,
      maxRings: 4,
      now: () => 0,
      placement: () => undefined,
      platformId: 'platform',
    });
    const http = makeHttpTelemetry({
      metrics: makeIrisMetrics({ labeler, color: 'blue', poolMax: 1 }),
      labeler,
      tracing,
    });
    app = Fastify();
    await http.install(app);
    app.get('/ok/:id', async () => ({ ok: true }));
    app.get('/boom', async () => {
      throw new Error('store exploded');
    });
    app.get('/slow', async () => {
      await new Promise<void>((r) => (released = r));
      return { late: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    released();
    await app.close();
    await tracing.shutdown();
  });

  const serverSpans = (): ReadableSpan[] => spans.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);

  test("continues the caller's trace and state, named {method} {route}, with the status", async () => {
    spans.reset();
    const res = await app.inject({
      method: 'GET',
      url: '/ok/42?x=1',
      headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'vendor=abc' },
    });
    assert.equal(res.statusCode, 200);
    const [span] = serverSpans();
    assert.ok(span);
    assert.equal(span.name, 'GET /ok/:id');
    assert.equal(span.spanContext().traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(span.parentSpanContext?.spanId, 'b7ad6b7169203331');
    assert.equal(span.spanContext().traceState?.get('vendor'), 'abc');
    assert.equal(span.attributes['http.route'], '/ok/:id');
    assert.equal(span.attributes['url.path'], '/ok/42');
    assert.equal(span.attributes['http.response.status_code'], 200);
    assert.equal(span.status.code, SpanStatusCode.UNSET);
    assert.equal(res.headers.traceparent, `00-0af7651916cd43dd8448eb211c80319c-${span.spanContext().spanId}-01`);
  });

  test('a malformed traceparent starts a new trace', async () => {
    spans.reset();
    await app.inject({
      method: 'GET',
      url: '/ok/1',
      headers: { traceparent: '00-00000000000000000000000000000000-b7ad6b7169203331-01' },
    });
    const [span] = serverSpans();
    assert.ok(span);
    assert.equal(span.parentSpanContext, undefined);
    assert.notEqual(span.spanContext().traceId, '00000000000000000000000000000000');
  });

  test('a 5xx marks the span as an error and records the exception', async () => {
    spans.reset();
    const res = await app.inject({ method: 'GET', url: '/boom' });
    assert.equal(res.statusCode, 500);
    const [span] = serverSpans();
    assert.ok(span);
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.attributes['http.response.status_code'], 500);
    assert.ok(
      span.events.some((e) => e.name === 'exception' && e.attributes?.['exception.message'] === 'store exploded'),
    );
  });

  test('an unmatched route ends its span with 404 and no route', async () => {
    spans.reset();
    const res = await app.inject({ method: 'GET', url: '/nowhere' });
    assert.equal(res.statusCode, 404);
    const [span] = serverSpans();
    assert.ok(span);
    assert.equal(span.attributes['http.response.status_code'], 404);
    assert.equal(span.attributes['http.route'], '');
    assert.equal(span.status.code, SpanStatusCode.UNSET);
  });

  test('a client that hangs up ends the span as an error', async () => {
    spans.reset();
    const { port } = app.server.address() as AddressInfo;
    const req = request({ host: '127.0.0.1', port, path: '/slow' });
    req.on('error', () => undefined);
    req.end();
    for (let i = 0; i < 100 && serverSpans().length === 0; i++) {
      if (i === 5) req.destroy();
      await new Promise((r) => setTimeout(r, 20));
    }
    const [span] = serverSpans();
    assert.ok(span, 'the span ended without a response');
    assert.equal(span.name, 'GET /slow');
    assert.equal(span.status.code, SpanStatusCode.ERROR);
  });
});
