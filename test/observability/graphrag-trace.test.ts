// GraphRAG's spans with the span parents passed explicitly (no context manager): an ingest
// job's store and LLM spans hang below the job span, a query request's below the request span,
// each tagged with the tenant; the LLM span carries the usage the provider reported.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { GenAiAttributes, TENANT_ATTRIBUTE } from '../../src/observability/index.js';
import { DEFAULT_USAGE, startFakeOpenAi, type FakeChatMessage, type FakeOpenAi } from '../support/fake-openai.js';
import { storeName } from '../support/test-database.js';
import { startObservedApp, type ObservedApp } from './support/observed-app.js';

const PROSE =
  'The Payments Gateway is run by the Payments Team. Every night it hands settled batches to the Quantum Ledger.\n';
const isAnswerPrompt = (messages: readonly FakeChatMessage[]): boolean =>
  messages.some((m) => m.role === 'system' && /numbered sources/.test(m.content));
const reply = (messages: readonly FakeChatMessage[]): string =>
  isAnswerPrompt(messages)
    ? 'The Payments Gateway hands settled batches to the Quantum Ledger [1].'
    : JSON.stringify({
        entities: [{ name: 'Quantum Ledger', type: 'datastore', description: 'Stores settled batches.' }],
        relations: [],
      });

/** Spans of `traceId` whose parent is `parent`. */
const childrenOf = (spans: readonly ReadableSpan[], parent: ReadableSpan): ReadableSpan[] =>
  spans.filter(
    (s) =>
      s.parentSpanContext?.spanId === parent.spanContext().spanId &&
      s.spanContext().traceId === parent.spanContext().traceId,
  );

describe(`GraphRAG traces (${storeName})`, () => {
  let o: ObservedApp;
  let llm: FakeOpenAi;
  let token: string;

  before(async () => {
    llm = await startFakeOpenAi({ behaviour: { kind: 'ok', reply } });
    o = await startObservedApp({
      IRIS_LLM_PROVIDERS: JSON.stringify([{ name: 'home', baseUrl: llm.baseUrl, model: 'm1', region: 'eu-west' }]),
    });
    token = await o.tenantWithKey('acme', 'premium');
  });
  after(async () => {
    await o.dispose();
    await llm.close();
  });

  test('an ingest job: its store and LLM spans hang below the job span', async () => {
    o.spans.reset();
    const res = await o.call('POST', '/v1/tenants/acme/documents', {
      token,
      body: { name: 'payments.txt', content: PROSE },
    });
    assert.equal(res.statusCode, 202, res.body);
    const jobId = res.json<{ job: { jobId: string } }>().job.jobId;
    const worker = await o.app.startWorker({ concurrency: 1 });
    try {
      for (let i = 0; i < 400; i++) {
        const state = (await o.call('GET', `/v1/tenants/acme/jobs/${jobId}`, { token })).json<{ state: string }>()
          .state;
        if (state === 'succeeded') break;
        assert.ok(state === 'queued' || state === 'running', `ingest ${state}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    } finally {
      await worker.stop();
    }
    const spans = o.spans.getFinishedSpans();
    const job = spans.find((s) => s.name === 'job knowledge.ingest' && s.attributes['iris.job.id'] === jobId);
    assert.ok(job, `job span; spans: ${spans.map((s) => s.name).join(', ')}`);
    const below = childrenOf(spans, job);
    assert.ok(
      below.filter((s) => s.name === 'db.transaction').length >= 3,
      `store spans below the job: ${below.map((s) => s.name).join(', ')}`,
    );
    const chat = below.find((s) => s.name === 'chat m1');
    assert.ok(chat, `LLM span below the job: ${below.map((s) => s.name).join(', ')}`);
    assert.equal(chat.kind, SpanKind.CLIENT);
    assert.equal(chat.attributes[GenAiAttributes.system], 'home');
    assert.equal(chat.attributes[GenAiAttributes.inputTokens], DEFAULT_USAGE.prompt);
    assert.equal(chat.attributes[GenAiAttributes.outputTokens], DEFAULT_USAGE.completion);
    for (const s of [job, ...below])
      assert.equal(s.attributes[TENANT_ATTRIBUTE], 'acme', `${s.name} carries the tenant`);
    const sent = llm.requests.map((r) => r.traceparent);
    assert.ok(
      sent.includes(`00-${chat.spanContext().traceId}-${chat.spanContext().spanId}-01`),
      `the provider was told the call's span: ${sent.join(', ')}`,
    );
  });

  test('a query request: its store and LLM spans hang below the request span', async () => {
    o.spans.reset();
    const res = await o.call('POST', '/v1/tenants/acme/query', {
      token,
      body: { question: 'What does the Payments Gateway hand to the Quantum Ledger?' },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json<{ llmUsed: boolean }>().llmUsed, true);
    const spanId = /^00-[0-9a-f]{32}-([0-9a-f]{16})-01$/.exec(String(res.headers.traceparent))?.[1];
    const spans = o.spans.getFinishedSpans();
    const request = spans.find((s) => s.kind === SpanKind.SERVER && s.spanContext().spanId === spanId);
    assert.ok(request, `request span; spans: ${spans.map((s) => s.name).join(', ')}`);
    assert.equal(request.name, 'POST /v1/tenants/:tenantId/query');
    const below = childrenOf(spans, request);
    const names = below.map((s) => s.name);
    assert.ok(names.includes('policy.decide'), names.join(', '));
    assert.ok(
      names.filter((n) => n === 'db.transaction').length >= 2,
      `graph version and retrieval are store spans: ${names.join(', ')}`,
    );
    assert.ok(names.includes('chat m1'), `the answer's LLM call: ${names.join(', ')}`);
    for (const s of below) assert.equal(s.attributes[TENANT_ATTRIBUTE], 'acme', `${s.name} carries the tenant`);
  });
});
