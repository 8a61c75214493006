// Admission through the gateway: GCRA limits per tenant, tenant+route and service with 429,
// Retry-After and RateLimit headers; concurrency caps; usage quotas naming the quota; and
// limits shared by two replicas through Redis (a real second server, one atomic script).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { systemClock } from '../../src/core/clock.js';
import {
  makeAdmission,
  QuotaExceededError,
  RateLimitedError,
  type TenantUsage,
} from '../../src/gateway/admission-control.js';
import { makeMemoryLimiter, makeRedisLimiter } from '../../src/gateway/admission-limiter.js';
import { resolveRoute } from '../../src/policy/index.js';
import { openPostgresDatabase } from '../../src/store/index.js';
import { defaultQuotas } from '../../src/tenants/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase, storeName, type TestDatabase } from '../support/test-database.js';

const redisUrl = process.env.IRIS_TEST_REDIS_URL;

async function eventually(check: () => Promise<boolean>, ms = 3000): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`condition not met within ${ms} ms`);
}

describe(`rate limits through the gateway (${storeName}, in memory)`, () => {
  let t: TestApp;
  let token: string;
  before(async () => {
    t = await createTestApp({ IRIS_RATE_LIMITS: 'true', IRIS_RATE_ROUTE_SHARE: '1' });
    const q = { requestsPerSecond: 1, burst: 3 };
    assert.equal(
      (await t.call('POST', '/v1/tenants', { body: { id: 'slow-co', displayName: 'S', quotas: q } })).statusCode,
      201,
    );
    token = await t.keyFor('slow-co', 'tenant-admin');
  });
  after(async () => t.dispose());

  test('a tenant over its rate gets 429 with Retry-After and RateLimit headers', async () => {
    const codes: number[] = [];
    let last;
    for (let i = 0; i < 4; i++) {
      last = await t.call('GET', '/v1/tenants/slow-co', { token });
      codes.push(last.statusCode);
      if (i === 0) {
        assert.match(String(last.headers.ratelimit), /^"(tenant|route)";r=2;t=\d+$/);
        assert.match(String(last.headers['ratelimit-policy']), /"tenant";q=3;w=3/);
      }
    }
    assert.deepEqual(codes, [200, 200, 200, 429]);
    assert.ok(last);
    assert.equal(last.headers['retry-after'], '1');
    assert.match(String(last.headers.ratelimit), /;r=0;/);
    const body = last.json();
    assert.equal(body.code, 'rate_limited');
    assert.ok(['tenant', 'route'].includes(body.limit));
    assert.equal(last.headers['content-type'], 'application/problem+json; charset=utf-8');
    // Platform keys have no tenant quota: the admin is not limited by slow-co's rate.
    assert.equal((await t.call('GET', '/v1/tenants/slow-co')).statusCode, 200);
  });
});

describe('admission control units', () => {
  const fakeReq = (tenantId: string): FastifyRequest =>
    ({ ctx: { principal: { keyId: 'k', role: 'tenant-admin', tenantId } } }) as unknown as FastifyRequest;
  const headers = new Map<string, string>();
  const newReply = (): FastifyReply & { sent: boolean } =>
    ({
      header: (k: string, v: string) => headers.set(k, v),
      sent: false,
      raw: { writableEnded: false, destroyed: false },
    }) as unknown as FastifyReply & { sent: boolean };
  const reply = newReply();
  const route = (method: string, template: string, tenantId = 'acme') =>
    resolveRoute(method, template, { tenantId }, tenantId);

  test('per tenant+route: one route cannot use more than its share', async () => {
    const quotas = { ...defaultQuotas('standard'), requestsPerSecond: 10, burst: 4 };
    const a = makeAdmission({
      limiter: makeMemoryLimiter(systemClock),
      quotas: () => quotas,
      routeShare: 0.5,
      serviceRps: 1000,
      serviceBurst: 1000,
      clock: systemClock,
    });
    const r = route('GET', '/v1/tenants/:tenantId');
    for (let i = 0; i < 2; i++) {
      const req = fakeReq('acme');
      await a.admit(req, reply, r);
      a.release(req);
    }
    await assert.rejects(
      async () => a.admit(fakeReq('acme'), reply, r),
      (e: RateLimitedError) => e.status === 429 && e.extensions.limit === 'route',
    );
    // Another route of the same tenant still has room in the tenant limit.
    await a.admit(fakeReq('acme'), reply, route('GET', '/v1/tenants/:tenantId/keys'));
  });

  test('per service: all tenants together', async () => {
    const a = makeAdmission({
      limiter: makeMemoryLimiter(systemClock),
      quotas: () => defaultQuotas('enterprise'),
      routeShare: 1,
      serviceRps: 1,
      serviceBurst: 2,
      clock: systemClock,
    });
    await a.admit(fakeReq('one'), reply, route('GET', '/v1/tenants/:tenantId', 'one'));
    await a.admit(fakeReq('two'), reply, route('GET', '/v1/tenants/:tenantId', 'two'));
    await assert.rejects(
      async () => a.admit(fakeReq('three'), reply, route('GET', '/v1/tenants/:tenantId', 'three')),
      (e: RateLimitedError) => e.extensions.limit === 'service',
    );
  });

  test('a concurrency cap per tenant; a slot frees when its reply ends', async () => {
    const quotas = { ...defaultQuotas('standard'), concurrentRequests: 2 };
    const a = makeAdmission({
      limiter: makeMemoryLimiter(systemClock),
      quotas: () => quotas,
      routeShare: 1,
      serviceRps: 1000,
      serviceBurst: 1000,
      clock: systemClock,
    });
    const r = route('GET', '/v1/tenants/:tenantId');
    const [x, y] = [fakeReq('acme'), fakeReq('acme')];
    const [rx, ry] = [newReply(), newReply()];
    await a.admit(x, rx, r);
    await a.admit(y, ry, r);
    await assert.rejects(
      async () => a.admit(fakeReq('acme'), newReply(), r),
      (e: RateLimitedError) => e.status === 429 && e.extensions.limit === 'concurrency',
    );
    a.release(x);
    a.release(x);
    assert.equal(a.inFlight('acme'), 1, 'release is idempotent');
    await a.admit(fakeReq('acme'), newReply(), r);
    await assert.rejects(
      async () => a.admit(fakeReq('acme'), newReply(), r),
      (e: RateLimitedError) => e.extensions.limit === 'concurrency',
    );
    ry.sent = true;
    await a.admit(fakeReq('acme'), newReply(), r);
    assert.equal(a.inFlight('acme'), 2, 'an ended reply gives its slot back without a hook');
  });

  test('usage quotas: 403 naming documents/storage, 429 until midnight for LLM tokens', async () => {
    const quotas = { ...defaultQuotas('free'), documents: 10, storageBytes: 1000, llmTokensPerDay: 500 };
    let usage: TenantUsage = { documents: 10, storageBytes: 10, llmTokensToday: 0 };
    const a = makeAdmission({
      limiter: makeMemoryLimiter(systemClock),
      quotas: () => quotas,
      usage: { usage: () => usage },
      routeShare: 1,
      serviceRps: 1000,
      serviceBurst: 1000,
      clock: systemClock,
    });
    const write = {
      ...route('POST', '/v1/tenants/:tenantId/documents'),
      rule: { ...route('POST', '/v1/tenants/:tenantId/graph/build').rule, action: 'knowledge.write' as const },
    };
    const query = { ...write, rule: { ...write.rule, action: 'knowledge.query' as const } };
    await assert.rejects(
      async () => a.admit(fakeReq('acme'), reply, write),
      (e: QuotaExceededError) => e.status === 403 && e.extensions.quota === 'documents' && e.extensions.used === 10,
    );
    await a.admit(fakeReq('acme'), reply, query);
    usage = { documents: 0, storageBytes: 10, llmTokensToday: 500 };
    await assert.rejects(
      async () => a.admit(fakeReq('acme'), reply, query),
      (e: QuotaExceededError) =>
        e.status === 429 && e.extensions.quota === 'llmTokensPerDay' && Number(e.extensions.retryAfterSeconds) > 0,
    );
  });
});

describe(
  `rate limits shared by two replicas through Redis (${storeName})`,
  { skip: redisUrl === undefined ? 'IRIS_TEST_REDIS_URL is not set' : false },
  () => {
    let shared: TestDatabase;
    let a: TestApp;
    let b: TestApp;
    const env = {
      IRIS_RATE_LIMITS: 'true',
      IRIS_RATE_ROUTE_SHARE: '1',
      IRIS_REDIS_URL: redisUrl ?? '',
      IRIS_REDIS_PREFIX: `iris:test:${randomBytes(6).toString('hex')}:`,
    };
    before(async () => {
      shared = await createTestDatabase();
      a = await createTestApp(env, shared);
      const second = shared.url
        ? { ...shared, db: await openPostgresDatabase(shared.url, 5), dispose: async () => undefined }
        : shared;
      b = await createTestApp(env, second);
    });
    after(async () => {
      await b.dispose();
      await a.dispose();
      if (shared.url) await b.db.close();
      await shared.dispose();
    });

    test('requests on replica A use up the limit replica B enforces', async () => {
      assert.equal(
        (
          await a.call('POST', '/v1/tenants', {
            body: { id: 'shared-co', displayName: 'S', quotas: { requestsPerSecond: 1, burst: 3 } },
          })
        ).statusCode,
        201,
      );
      const token = await a.keyFor('shared-co', 'tenant-admin');
      await eventually(
        async () =>
          b.app.directory.key(token.split('_')[1] ?? '') !== undefined &&
          b.app.directory.tenant('shared-co') !== undefined,
      );
      // Let the two probes above refill, then spend the burst on A (until A itself refuses)
      // and ask B at once. NOTE: the bucket refills one request a second, so on a loaded machine
      // a token may arrive between A's refusal and B's call: the cycle runs up to five times,
      // and B must refuse in one of them. Replicas with limits of their own would never refuse
      // there (B's own burst of 3 would be untouched).
      await new Promise((r) => setTimeout(r, 1100));
      const seen: string[] = [];
      let onB: Awaited<ReturnType<typeof b.call>> | undefined;
      for (let cycle = 0; cycle < 5; cycle++) {
        const onA = [];
        for (let i = 0; i < 4 && onA.at(-1) !== 429; i++)
          onA.push((await a.call('GET', '/v1/tenants/shared-co', { token })).statusCode);
        onB = await b.call('GET', '/v1/tenants/shared-co', { token });
        seen.push(`A ${onA.join(',')} then B ${onB.statusCode} (${String(onB.headers.ratelimit)})`);
        if (onB.statusCode === 429) break;
        // B let it through: only a token that refilled since A's refusal may explain that, so
        // nothing is left after it (B with a bucket of its own would have 2 of its burst left).
        assert.match(String(onB.headers.ratelimit), /;r=0;/, `B had a burst of its own: ${seen.join('; ')}`);
      }
      assert.ok(onB?.statusCode === 429, `B never refused: ${seen.join('; ')}`);
      assert.equal(onB.json().code, 'rate_limited');
      assert.ok(Number(onB.headers['retry-after']) >= 1);
      assert.match(String(onB.headers.ratelimit), /;r=0;/);
    });

    test('the Redis limiter runs GCRA atomically on the server', async () => {
      const limiter = makeRedisLimiter({
        url: redisUrl ?? '',
        prefix: `iris:test:${randomBytes(6).toString('hex')}:`,
        fallback: makeMemoryLimiter(systemClock),
      });
      try {
        const limits = [{ name: 'tenant', key: 't:x', rate: 1, burst: 5 }];
        const verdicts = await Promise.all(Array.from({ length: 8 }, async () => limiter.check(limits)));
        assert.equal(verdicts.filter((v) => v.allowed).length, 5, 'concurrent checks never over-admit');
        const refused = verdicts.find((v) => !v.allowed);
        assert.ok(refused && refused.retryAfterMs > 0 && refused.limitedBy === 'tenant');
      } finally {
        await limiter.close();
      }
    });
  },
);
