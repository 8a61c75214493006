// Logs: every line is JSON with tenant_id, request_id, trace_id and span_id, and no API key,
// bearer token or secret ever reaches a line, whatever route or failure produced it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Type } from '@sinclair/typebox';
import { defineJobKind, NonRetryableJobError } from '../../src/jobs/index.js';
import { storeName } from '../support/test-database.js';
import { ADMIN_TOKEN, startObservedApp, type ObservedApp } from './support/observed-app.js';

describe(`logs (${storeName})`, () => {
  let o: ObservedApp;
  const secrets: string[] = [ADMIN_TOKEN];
  before(async () => {
    o = await startObservedApp({}, 'debug');
  });
  after(async () => o.dispose());

  test("request lines carry tenant_id, request_id, trace_id and span_id; the trace id is the caller's", async () => {
    const token = await o.tenantWithKey('acme', 'premium');
    secrets.push(token);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await o.call('GET', '/v1/tenants/acme', {
      token,
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'x-request-id': 'req-from-caller-1' },
    });
    assert.equal(res.statusCode, 200);
    const line = o.logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.request_id === 'req-from-caller-1');
    assert.ok(line, 'an access line for the request');
    assert.equal(line.tenant_id, 'acme');
    assert.equal(line.trace_id, traceId);
    assert.match(String(line.span_id), /^[0-9a-f]{16}$/);
    assert.notEqual(line.span_id, '00f067aa0ba902b7', "our own span, child of the caller's");
    assert.equal(line.route, '/v1/tenants/:tenantId');
    assert.equal(typeof line.time, 'string');
    assert.equal(line.level, 'info');
  });

  test('no token, key or secret is ever logged, on any route or failure', async () => {
    const token = await o.tenantWithKey('globex', 'standard');
    secrets.push(token);
    const created = await o.call('POST', '/v1/tenants/globex/keys', { body: { name: 'ci', role: 'analyst' } });
    assert.equal(created.statusCode, 201, created.body);
    const fresh = created.json<{ token: string }>().token;
    secrets.push(fresh, fresh.split('_').slice(2).join('_'));
    const forged = `iris_k0123456789abcdef_${'S3cr3t'.repeat(8)}`;
    secrets.push(forged);
    const calls: [string, string, { token?: string | null; body?: unknown; headers?: Record<string, string> }][] = [
      ['GET', '/v1/tenants/globex', { token }],
      ['GET', '/v1/tenants/globex/keys', { token: fresh }],
      ['GET', '/v1/tenants/globex', { token: forged }],
      [
        'GET',
        '/v1/tenants/globex',
        { token: null, headers: { authorization: `Basic ${Buffer.from(`u:${forged}`).toString('base64')}` } },
      ],
      ['GET', '/v1/tenants/acme', { token }],
      ['POST', '/v1/tenants', { token, body: { id: 'nope', displayName: 'x', token: forged } }],
      [
        'PATCH',
        '/v1/tenants/globex',
        { body: { secret: forged }, headers: { 'content-type': 'application/merge-patch+json' } },
      ],
      ['GET', `/v1/tenants/globex?token=${forged}`, { token }],
      ['GET', '/metrics', { token: null, headers: { cookie: `session=${forged}`, 'x-api-key': forged } }],
      ['GET', '/nowhere', { token: fresh }],
    ];
    for (const [method, url, opts] of calls) await o.call(method, url, opts);
    // A context logging carelessly is still redacted.
    o.app.server.log.warn(
      {
        headers: { authorization: `Bearer ${forged}` },
        token: forged,
        input: { apiKey: forged, nested: { password: forged } },
      },
      'careless',
    );

    assert.ok(o.logLines.length >= calls.length, `${o.logLines.length} lines`);
    const all = o.logLines.join('\n');
    for (const s of secrets) assert.ok(!all.includes(s), `a secret leaked into the logs: ${s.slice(0, 12)}…`);
    assert.ok(!/Bearer\s+iris_/.test(all));
    assert.ok(all.includes('[redacted]'), 'the careless line was censored, not dropped');
  });

  test("a job's lines carry its tenant, the request that enqueued it and the attempt's span", async () => {
    o.app.jobKinds.register(
      defineJobKind({
        kind: 'logtest.broken',
        description: 'Fails for good, for the log tests.',
        payload: Type.Object({}, { additionalProperties: false }),
        async handler() {
          throw new NonRetryableJobError('the input is unusable');
        },
        timeoutMs: 10_000,
      }),
    );
    const token = await o.tenantWithKey('initech');
    const res = await o.call('POST', '/v1/tenants/initech/jobs', {
      token,
      body: { kind: 'logtest.broken' },
      headers: { 'x-request-id': 'req-enqueue-1' },
    });
    assert.equal(res.statusCode, 202, res.body);
    const jobId = res.json<{ jobId: string }>().jobId;
    const worker = await o.app.startWorker({ concurrency: 1 });
    let line: Record<string, unknown> | undefined;
    try {
      for (let i = 0; i < 200 && line === undefined; i++) {
        await new Promise((r) => setTimeout(r, 25));
        line = o.logLines
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .find((l) => l.msg === 'job failed' && l.job_id === jobId);
      }
    } finally {
      await worker.stop();
    }
    assert.ok(line, 'the failure is logged');
    assert.equal(line.tenant_id, 'initech');
    assert.equal(line.request_id, 'req-enqueue-1');
    assert.equal(line.level, 'warn');
    const span = o.spans
      .getFinishedSpans()
      .find((x) => x.name === 'job logtest.broken' && x.attributes['iris.job.id'] === jobId);
    assert.ok(span, 'the attempt has a span');
    assert.equal(line.trace_id, span.spanContext().traceId);
    assert.equal(line.span_id, span.spanContext().spanId);
  });

  test('every line is JSON with the four correlation fields', () => {
    const requestLines = o.logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg !== 'careless');
    assert.ok(requestLines.length > 10);
    for (const l of requestLines) {
      for (const k of ['tenant_id', 'request_id', 'trace_id', 'span_id'])
        assert.ok(k in l, `${k} missing in ${JSON.stringify(l)}`);
      assert.match(String(l.trace_id), /^[0-9a-f]{32}$/);
      assert.match(String(l.span_id), /^[0-9a-f]{16}$/);
    }
    const tenants = new Set(requestLines.map((l) => l.tenant_id));
    assert.ok(tenants.has('globex') && tenants.has('platform') && tenants.has(null), [...tenants].join(','));
  });
});
