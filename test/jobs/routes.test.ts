// The jobs HTTP routes through fastify().inject(): 202 + Location, Idempotency-Key, reads,
// lists, cancel/retry/redrive with their 4xx, schema rejection of unknown fields, 429 at the
// cap, and authorization called with the right action before anything else.
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ForbiddenError } from '../../src/core/errors.js';
import { jobRoutes, problemErrorHandler, ProblemSchema, type JobRouteAction } from '../../src/gateway/index.js';
import { makeJobQueue } from '../../src/jobs/index.js';
import { storeName } from '../support/test-database.js';
import { createHarness, waitForState, type Harness } from './support/harness.js';

let h: Harness;
let app: FastifyInstance;
const calls: { action: JobRouteAction; tenantId: string }[] = [];

before(async () => {
  h = await createHarness();
  // Same Ajv options as the gateway: unknown fields are rejected, not stripped.
  app = Fastify({ ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true } } });
  // The gateway's problem+json handler and the Problem schema every route answers with.
  app.setErrorHandler(problemErrorHandler);
  app.addSchema(ProblemSchema);
  const queue = makeJobQueue({ db: h.db, registry: h.registry, maxQueuedOf: (t) => (t === 'small' ? 2 : undefined) });
  await app.register(
    jobRoutes({
      queue,
      authorize(req: FastifyRequest, action, tenantId) {
        calls.push({ action, tenantId });
        if (req.headers['x-test-deny'] === 'yes') throw new ForbiddenError(`may not ${action}`);
      },
      requestContext: (req) => ({
        requestId: String(req.headers['x-request-id'] ?? 'req_1'),
        actor: 'key:route-test',
        traceparent: typeof req.headers.traceparent === 'string' ? req.headers.traceparent : undefined,
      }),
    }),
  );
  await app.ready();
});
after(async () => {
  await app.close();
  await h.dispose();
});

const post = (url: string, payload?: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, payload: payload as object, headers });

test(`[${storeName}] POST /jobs answers 202 with the job URL; GET shows state, trace id and request id`, async () => {
  const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  const res = await post(
    '/v1/tenants/acme/jobs',
    { kind: 'sleep', payload: { ms: 10 } },
    { traceparent: tp, 'x-request-id': 'req_abc' },
  );
  assert.equal(res.statusCode, 202, res.body);
  const job = res.json<{ jobId: string; state: string; links: { self: string } }>();
  assert.equal(res.headers.location, `/v1/tenants/acme/jobs/${job.jobId}`);
  assert.equal(job.links.self, res.headers.location);
  assert.equal(job.state, 'queued');
  assert.deepEqual(calls.at(-1), { action: 'job.create', tenantId: 'acme' });

  const got = await app.inject({ method: 'GET', url: res.headers.location });
  assert.equal(got.statusCode, 200);
  const body = got.json<Record<string, unknown>>();
  assert.equal(body.traceId, '0af7651916cd43dd8448eb211c80319c');
  assert.equal(body.requestId, 'req_abc');
  assert.equal(body.createdBy, 'key:route-test');
  assert.deepEqual(body.payload, { ms: 10 });
  assert.deepEqual(body.progress, { percent: null, message: null });
  assert.equal(body.attempts, 0);
  assert.equal('leaseOwner' in body, false);
  assert.deepEqual(calls.at(-1), { action: 'job.read', tenantId: 'acme' });
});

test(`[${storeName}] Idempotency-Key returns the same job, marked as replayed`, async () => {
  const a = await post('/v1/tenants/acme/jobs', { kind: 'noop' }, { 'idempotency-key': 'pay-42' });
  const b = await post('/v1/tenants/acme/jobs', { kind: 'noop' }, { 'idempotency-key': 'pay-42' });
  assert.deepEqual([a.statusCode, b.statusCode], [202, 202]);
  assert.equal(b.json<{ jobId: string }>().jobId, a.json<{ jobId: string }>().jobId);
  assert.equal(a.headers['idempotent-replayed'], undefined);
  assert.equal(b.headers['idempotent-replayed'], 'true');
  assert.equal(a.json<{ idempotencyKey: string }>().idempotencyKey, 'pay-42');
  const reused = await post(
    '/v1/tenants/acme/jobs',
    { kind: 'noop', payload: { echo: 'other' } },
    { 'idempotency-key': 'pay-42' },
  );
  assert.equal(reused.statusCode, 422);
  const both = await post('/v1/tenants/acme/jobs', { kind: 'noop', idempotencyKey: 'x' }, { 'idempotency-key': 'y' });
  assert.equal(both.statusCode, 400);
});

test(`[${storeName}] bad requests are 4xx: unknown kind, bad payload, unknown fields, bad ids`, async () => {
  const cases: [unknown, number, string][] = [
    [{ kind: 'no.such.kind' }, 400, 'unknown_job_kind'],
    [{ kind: 'sleep', payload: { ms: -5 } }, 400, 'invalid_job_payload'],
    [{ kind: 'noop', payload: { echo: 'x'.repeat(70_000) } }, 413, 'payload_too_large'],
    [{ kind: 'noop', surprise: true }, 400, 'validation_failed'],
    [{ kind: 'noop', priority: 500 }, 400, 'validation_failed'],
    [{ payload: {} }, 400, 'validation_failed'],
  ];
  for (const [body, status, code] of cases) {
    const res = await post('/v1/tenants/acme/jobs', body);
    assert.equal(res.statusCode, status, `${JSON.stringify(body).slice(0, 60)}: ${res.body.slice(0, 200)}`);
    assert.equal(res.json<{ code: string }>().code, code);
  }
  assert.equal((await app.inject({ method: 'GET', url: '/v1/tenants/acme/jobs/not-a-job-id' })).statusCode, 400);
  assert.equal((await app.inject({ method: 'GET', url: '/v1/tenants/acme/jobs/job_doesnotexist' })).statusCode, 404);
  assert.equal((await app.inject({ method: 'GET', url: '/v1/tenants/acme/jobs?color=red' })).statusCode, 400);
  assert.equal(
    (await app.inject({ method: 'GET', url: '/v1/tenants/acme/jobs', headers: { 'x-test-deny': 'yes' } })).statusCode,
    403,
  );
});

test(`[${storeName}] a full queue answers 429 with Retry-After`, async () => {
  assert.equal((await post('/v1/tenants/small/jobs', { kind: 'noop' })).statusCode, 202);
  assert.equal((await post('/v1/tenants/small/jobs', { kind: 'noop' })).statusCode, 202);
  const res = await post('/v1/tenants/small/jobs', { kind: 'noop' });
  assert.equal(res.statusCode, 429);
  assert.equal(res.headers['retry-after'], '5');
  assert.equal(res.json<{ code: string }>().code, 'queue_full');
});

test(`[${storeName}] list, cancel (409 once finished), retry, poisoned list and redrive (409 unless poisoned)`, async () => {
  const made = await post('/v1/tenants/ops/jobs', { kind: 'test.flaky', maxAttempts: 1 });
  const jobId = made.json<{ jobId: string }>().jobId;
  const list = await app.inject({ method: 'GET', url: '/v1/tenants/ops/jobs?state=queued&limit=10' });
  assert.equal(list.statusCode, 200);
  assert.deepEqual(
    list.json<{ items: { jobId: string }[] }>().items.map((j) => j.jobId),
    [jobId],
  );
  assert.equal('payload' in (list.json<{ items: object[] }>().items[0] ?? {}), false);

  const notPoisoned = await post(`/v1/tenants/ops/jobs/${jobId}/redrive`);
  assert.equal(notPoisoned.statusCode, 409);
  assert.equal(notPoisoned.json<{ code: string }>().code, 'job_not_poisoned');
  assert.deepEqual(calls.at(-1), { action: 'job.redrive', tenantId: 'ops' });

  // Run it: test.flaky fails, and with maxAttempts 1 the job is poisoned.
  h.flakyHealthy = false;
  const w = h.worker();
  await w.start();
  try {
    await waitForState(h, 'ops', jobId, 'poisoned');
    const poisoned = await app.inject({ method: 'GET', url: '/v1/tenants/ops/jobs-poisoned' });
    assert.deepEqual(
      poisoned.json<{ items: { jobId: string }[] }>().items.map((j) => j.jobId),
      [jobId],
    );
    const cancel = await post(`/v1/tenants/ops/jobs/${jobId}/cancel`);
    assert.equal(cancel.statusCode, 409);
    assert.equal(cancel.json<{ code: string; state: string }>().state, 'poisoned');
    h.flakyHealthy = true;
    const redrive = await post(`/v1/tenants/ops/jobs/${jobId}/redrive`, {});
    assert.equal(redrive.statusCode, 202, redrive.body);
    assert.equal(redrive.headers.location, `/v1/tenants/ops/jobs/${jobId}`);
    await waitForState(h, 'ops', jobId, 'succeeded');
    const done = await post(`/v1/tenants/ops/jobs/${jobId}/cancel`);
    assert.equal(done.statusCode, 409);
    assert.match(done.json<{ detail: string }>().detail, /succeeded; only queued or running jobs can be cancelled/);
    const retry = await post(`/v1/tenants/ops/jobs/${jobId}/retry`);
    assert.equal(retry.statusCode, 409);
    assert.equal(retry.json<{ code: string }>().code, 'job_not_retryable');
  } finally {
    await w.stop();
  }
  const queued = await post('/v1/tenants/ops/jobs', {
    kind: 'noop',
    runAt: new Date(Date.now() + 3600_000).toISOString(),
  });
  const cancelled = await post(`/v1/tenants/ops/jobs/${queued.json<{ jobId: string }>().jobId}/cancel`);
  assert.equal(cancelled.statusCode, 200);
  assert.equal(cancelled.json<{ state: string }>().state, 'cancelled');
  const retried = await post(`/v1/tenants/ops/jobs/${queued.json<{ jobId: string }>().jobId}/retry`);
  assert.equal(retried.statusCode, 202);
  assert.equal(retried.json<{ state: string }>().state, 'queued');
});

test(`[${storeName}] every route is registered with its method`, () => {
  const routes: [string, string][] = [
    ['POST', '/v1/tenants/:tenantId/jobs'],
    ['GET', '/v1/tenants/:tenantId/jobs'],
    ['GET', '/v1/tenants/:tenantId/jobs/:jobId'],
    ['POST', '/v1/tenants/:tenantId/jobs/:jobId/cancel'],
    ['POST', '/v1/tenants/:tenantId/jobs/:jobId/retry'],
    ['GET', '/v1/tenants/:tenantId/jobs-poisoned'],
    ['POST', '/v1/tenants/:tenantId/jobs/:jobId/redrive'],
  ];
  for (const [method, url] of routes) assert.ok(app.hasRoute({ method, url }), `${method} ${url}`);
});
