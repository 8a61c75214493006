// The span chain request -> policy -> store -> job -> store / LLM call, with the tenant on every
// span: a request enqueues a job, a worker runs it, and the job's span (a new root) links to
// the request span. Then sampling: a parent-based ratio, and a job following its request's
// sampled flag.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Type } from '@sinclair/typebox';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { tenantScope } from '../../src/core/db.js';
import { defineJobKind } from '../../src/jobs/index.js';
import { GenAiAttributes, POLICY_OUTCOME_ATTRIBUTE, TENANT_ATTRIBUTE } from '../../src/observability/index.js';
import { storeName } from '../support/test-database.js';
import { SCRAPE_TOKEN } from '../support/test-app.js';
import { startObservedApp, type ObservedApp } from './support/observed-app.js';

const TRACEPARENT_OUT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$/;

/** Registers `obstest.traced-work`: one tenant transaction and one (fake) LLM call, as GraphRAG jobs do. */
function registerTracedKind(o: ObservedApp): void {
  o.app.jobKinds.register(
    defineJobKind({
      kind: 'obstest.traced-work',
      description: 'A store call and an LLM call, for the tracing tests.',
      payload: Type.Object({}, { additionalProperties: false }),
      async handler(_payload, ctx) {
        await o.app.db.transaction(tenantScope(ctx.tenantId, ctx.trace), (tx) => tx.query('select 1 as one'));
        const attributes = {
          [TENANT_ATTRIBUTE]: ctx.tenantId,
          'llm.provider': 'fake',
          'llm.model': 'fake-model-1',
          'llm.region': 'eu-west',
          'llm.purpose': 'answer',
        };
        await o.app.telemetry.llmSpan('llm.call', attributes, ctx.trace, async (span) => {
          o.app.telemetry.signals.llmCall({
            provider: 'fake',
            outcome: 'ok',
            seconds: 0.01,
            promptTokens: 120,
            completionTokens: 30,
            span,
          });
          return 'an answer';
        });
        return null;
      },
      timeoutMs: 10_000,
    }),
  );
}

/** Enqueues `kind` for `tenant`, runs a worker until the job has finished, returns the request's traceparent. */
async function runJob(
  o: ObservedApp,
  token: string,
  tenant: string,
  headers: Record<string, string> = {},
): Promise<{ traceparent: string; jobId: string }> {
  const res = await o.call('POST', `/v1/tenants/${tenant}/jobs`, {
    token,
    body: { kind: 'obstest.traced-work' },
    headers,
  });
  assert.equal(res.statusCode, 202, res.body);
  const { jobId, traceparent: stored } = res.json<{ jobId: string; traceparent: string | null }>();
  const traceparent = String(res.headers.traceparent);
  assert.equal(stored, traceparent, "the job stores the request span's own context, not a made-up span id");
  const worker = await o.app.startWorker({ concurrency: 1 });
  try {
    for (let i = 0; i < 200; i++) {
      const job = await o.call('GET', `/v1/tenants/${tenant}/jobs/${jobId}`, { token });
      const state = job.json<{ state: string }>().state;
      if (state === 'succeeded') return { traceparent, jobId };
      assert.ok(state === 'queued' || state === 'running', `job state ${state}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.fail('the job did not finish');
  } finally {
    await worker.stop();
  }
}

const childrenOf = (spans: readonly ReadableSpan[], parent: ReadableSpan): ReadableSpan[] =>
  spans.filter(
    (s) =>
      s.parentSpanContext?.spanId === parent.spanContext().spanId &&
      s.spanContext().traceId === parent.spanContext().traceId,
  );

describe(`job traces (${storeName})`, () => {
  let o: ObservedApp;
  let token: string;
  before(async () => {
    o = await startObservedApp();
    registerTracedKind(o);
    token = await o.tenantWithKey('acme', 'premium');
  });
  after(async () => o.dispose());

  test('request -> policy -> store, and the job span links to the request span', async () => {
    o.spans.reset();
    const caller = '4bf92f3577b34da6a3ce929d0e0e4736';
    const { traceparent, jobId } = await runJob(o, token, 'acme', { traceparent: `00-${caller}-00f067aa0ba902b7-01` });
    const [, traceId, requestSpanId] = TRACEPARENT_OUT.exec(traceparent) ?? [];
    assert.equal(traceId, caller);
    const spans = o.spans.getFinishedSpans();

    const request = spans.find((s) => s.kind === SpanKind.SERVER && s.spanContext().spanId === requestSpanId);
    assert.ok(request, `request span; spans: ${spans.map((s) => s.name).join(', ')}`);
    assert.equal(request.attributes[TENANT_ATTRIBUTE], 'acme');
    const below = childrenOf(spans, request);
    const policy = below.filter((s) => s.name === 'policy.decide');
    assert.equal(policy.length, 1, `one policy span below the request: ${below.map((s) => s.name).join(', ')}`);
    assert.equal(policy[0]?.attributes[TENANT_ATTRIBUTE], 'acme');
    assert.equal(policy[0]?.attributes[POLICY_OUTCOME_ATTRIBUTE], 'allow');
    assert.equal(policy[0]?.attributes['iris.policy.action'], 'job.create');
    const store = below.filter((s) => s.name === 'db.transaction');
    assert.ok(store.length >= 1, 'the enqueue is a store span below the request');
    for (const s of store) assert.equal(s.attributes[TENANT_ATTRIBUTE], 'acme', 'store spans carry the tenant');

    const job = spans.find((s) => s.name === 'job obstest.traced-work' && s.attributes['iris.job.id'] === jobId);
    assert.ok(job, `job span; spans: ${spans.map((s) => s.name).join(', ')}`);
    assert.equal(job.parentSpanContext, undefined, 'the job span is a new root');
    assert.notEqual(job.spanContext().traceId, caller, 'in a trace of its own');
    assert.equal(job.links.length, 1);
    assert.equal(job.links[0]?.context.traceId, caller, "linked to the request's trace");
    assert.equal(job.links[0]?.context.spanId, requestSpanId, 'and to the request span itself');
    assert.equal(job.attributes[TENANT_ATTRIBUTE], 'acme');

    const inJob = childrenOf(spans, job);
    const jobStore = inJob.find((s) => s.name === 'db.transaction');
    assert.equal(jobStore?.attributes[TENANT_ATTRIBUTE], 'acme', "the job's store call is its child, with the tenant");
    const llm = inJob.find((s) => s.name === 'chat fake-model-1');
    assert.ok(llm, `LLM span below the job: ${inJob.map((s) => s.name).join(', ')}`);
    assert.equal(llm.attributes[TENANT_ATTRIBUTE], 'acme');
    assert.equal(llm.attributes[GenAiAttributes.system], 'fake');
    assert.equal(llm.attributes[GenAiAttributes.requestModel], 'fake-model-1');
    assert.equal(llm.attributes[GenAiAttributes.operation], 'chat');
    assert.equal(llm.attributes[GenAiAttributes.inputTokens], 120);
    assert.equal(llm.attributes[GenAiAttributes.outputTokens], 30);
  });

  test("a denied request's policy span says deny", async () => {
    const other = await o.tenantWithKey('globex', 'standard');
    o.spans.reset();
    const res = await o.call('DELETE', '/v1/tenants/globex', { token: other });
    assert.ok(res.statusCode === 403 || res.statusCode === 404, `${res.statusCode}`);
    const policy = o.spans.getFinishedSpans().filter((s) => s.name === 'policy.decide');
    assert.equal(policy.length, 1);
    assert.equal(policy[0]?.attributes[POLICY_OUTCOME_ATTRIBUTE], 'deny');
    assert.equal(policy[0]?.attributes[TENANT_ATTRIBUTE], 'globex');
  });
});

describe(`trace sampling (${storeName})`, () => {
  let o: ObservedApp;
  let token: string;
  before(async () => {
    o = await startObservedApp({ IRIS_TRACE_SAMPLE_RATIO: '0' });
    registerTracedKind(o);
    token = await o.tenantWithKey('acme', 'premium');
  });
  after(async () => o.dispose());

  test('ratio 0: new traces keep ids (headers, logs) but record no span', async () => {
    o.spans.reset();
    const res = await o.call('GET', '/v1/tenants/acme', { token });
    assert.equal(res.statusCode, 200);
    const m = TRACEPARENT_OUT.exec(String(res.headers.traceparent));
    assert.ok(m, String(res.headers.traceparent));
    assert.equal(m[3], '00', 'the traceparent out says: not sampled');
    assert.equal(o.spans.getFinishedSpans().length, 0);
    const metrics = await o.call('GET', '/metrics', { token: SCRAPE_TOKEN });
    assert.ok(!metrics.body.includes(`trace_id="${m[1]}"`), 'no exemplar names a trace that was not kept');
  });

  test("parent-based: a caller's sampled trace is recorded, and its job follows it", async () => {
    o.spans.reset();
    const caller = '0af7651916cd43dd8448eb211c80319c';
    const { traceparent, jobId } = await runJob(o, token, 'acme', { traceparent: `00-${caller}-b7ad6b7169203331-01` });
    assert.match(traceparent, /-01$/);
    const spans = o.spans.getFinishedSpans();
    assert.ok(spans.some((s) => s.kind === SpanKind.SERVER && s.spanContext().traceId === caller));
    const job = spans.find((s) => s.name === 'job obstest.traced-work' && s.attributes['iris.job.id'] === jobId);
    assert.ok(job, 'the job of a sampled request is sampled, whatever the ratio');
    assert.equal(job.links[0]?.context.traceId, caller);
  });
});
