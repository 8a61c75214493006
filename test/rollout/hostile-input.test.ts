// The release, ring, flag and preflight routes under hostile input: NUL bytes, huge and deeply
// nested bodies, wrong types, unknown or malformed ids, another tenant's key: each answers a
// 4xx problem, never a 5xx, and nothing is stored.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { releaseDoc } from '../support/release-doc.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

describe(`rollout routes under hostile input (${storeName})`, () => {
  let t: TestApp;
  let tenantKey: string;
  before(async () => {
    t = await createTestApp();
    assert.equal((await t.call('POST', '/v1/tenants', { body: { id: 'acme', displayName: 'Acme' } })).statusCode, 201);
    tenantKey = await t.keyFor('acme', 'tenant-admin');
  });
  after(async () => t.dispose());

  const expect4xx = async (method: string, url: string, body?: unknown, token?: string): Promise<number> => {
    const res = await t.call(method, url, { ...(body === undefined ? {} : { body }), ...(token ? { token } : {}) });
    assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${method} ${url}: ${res.statusCode} ${res.body}`);
    assert.match(String(res.headers['content-type']), /problem\+json/);
    return res.statusCode;
  };

  test('bodies: NUL bytes, wrong types, deep nesting, huge', async () => {
    await expect4xx('POST', '/v1/platform/releases', { apiVersion: 'iris/v1', kind: 'Release', name: 'a\u0000b' });
    await expect4xx('POST', '/v1/platform/releases', { name: 42, plan: 'soon', flags: [1, 2] });
    let nested: unknown = {};
    for (let i = 0; i < 200; i++) nested = { x: nested };
    await expect4xx('POST', '/v1/platform/releases', nested);
    await expect4xx('POST', '/v1/platform/release-previews', nested);
    await expect4xx('POST', '/v1/platform/releases', { name: 'x'.repeat(2_000_000) });
    await expect4xx('PUT', '/v1/platform/rings/canary', { order: 'first' });
    await expect4xx('PUT', '/v1/platform/rings/canary', { order: 1, pins: ['a\u0000'] });
    await expect4xx('PUT', '/v1/platform/rings/canary', { order: 1, selector: { k: { deep: true } } });
    await expect4xx('POST', '/v1/platform/releases/nope@1/abort', { reason: 7 });
    assert.equal((await t.call('GET', '/v1/platform/releases')).json<{ items: unknown[] }>().items.length, 0);
  });

  test('analysis settings of the wrong type or out of range: shadow bounds, latency floor', async () => {
    const base = releaseDoc('hostile-plan', 'green') as { plan: Record<string, unknown> };
    const withPlan = (extra: Record<string, unknown>): object => ({ ...base, plan: { ...base.plan, ...extra } });
    await expect4xx('POST', '/v1/platform/releases', withPlan({ shadow: { minCitationOverlap: 'high' } }));
    await expect4xx('POST', '/v1/platform/releases', withPlan({ shadow: { minAnswerSimilarity: 2 } }));
    await expect4xx('POST', '/v1/platform/releases', withPlan({ shadow: { minSamples: 0 } }));
    await expect4xx('POST', '/v1/platform/releases', withPlan({ shadow: { unknown: 1 } }));
    await expect4xx('POST', '/v1/platform/releases', withPlan({ shadow: [1, 2] }));
    await expect4xx(
      'POST',
      '/v1/platform/releases',
      withPlan({
        thresholds: { alpha: 0.05, tolerance: 0.2, errorMargin: 0.02, latencyMargin: 0.1, latencyFloorMs: -1 },
      }),
    );
    assert.equal((await t.call('GET', '/v1/platform/releases/hostile-plan@1.0.0')).statusCode, 404);
  });

  test('ids: malformed, unknown, another tenant', async () => {
    await expect4xx('GET', '/v1/platform/releases/..%2F..%2Fetc');
    await expect4xx('GET', '/v1/platform/releases/nope@1.0.0');
    await expect4xx('POST', '/v1/platform/releases/nope@1.0.0/explode', {});
    await expect4xx('GET', '/v1/platform/releases/nope@1.0.0/history');
    await expect4xx('GET', '/v1/platform/releases/nope@1.0.0/preflight');
    await expect4xx('GET', '/v1/platform/rings/NOT_A_RING');
    await expect4xx('GET', '/v1/platform/rings/nosuch');
    await expect4xx('GET', '/v1/platform/flags?tenant=globex');
    await expect4xx('GET', '/v1/platform/flags?tenant=%00');
  });

  test("a tenant's key may call none of them", async () => {
    for (const [method, url, body] of [
      ['GET', '/v1/platform/rings', undefined],
      ['PUT', '/v1/platform/rings/canary', { order: 1 }],
      ['GET', '/v1/platform/releases', undefined],
      ['POST', '/v1/platform/releases', {}],
      ['POST', '/v1/platform/release-previews', {}],
      ['GET', '/v1/platform/flags?tenant=acme', undefined],
    ] as const)
      assert.equal(await expect4xx(method, url, body, tenantKey), 403, `${method} ${url}`);
  });
});
