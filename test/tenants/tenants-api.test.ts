// Tenants through the HTTP API: create, read, list, update with optimistic concurrency,
// soft delete and restore, and the errors a user gets for bad input.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { platformScope } from '../../src/core/db.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

describe(`tenants API (${storeName})`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ IRIS_TENANT_DELETE_GRACE_SECONDS: '0' });
  });
  after(async () => t.dispose());

  test('create, get and list a tenant with defaults filled in', async () => {
    const res = await t.call('POST', '/v1/tenants', {
      body: { id: 'acme', displayName: 'Acme', tier: 'premium', labels: { team: 'a' } },
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.headers.location, '/v1/tenants/acme');
    const body = res.json();
    assert.equal(body.homeRegion, 'eu-west');
    assert.equal(body.ring, 'general');
    assert.equal(body.status, 'active');
    assert.equal(body.quotas.requestsPerSecond, 200);
    assert.equal(body.resourceVersion, '1');
    assert.equal(res.headers.etag, '"1"');
    const got = await t.call('GET', '/v1/tenants/acme');
    assert.deepEqual(got.json(), body);
    const list = await t.call('GET', '/v1/tenants');
    assert.deepEqual(
      list.json().items.map((x: { id: string }) => x.id),
      ['acme'],
    );
  });

  test('list pages with a continue token', async () => {
    for (const id of ['page-a', 'page-b', 'page-c']) {
      assert.equal((await t.call('POST', '/v1/tenants', { body: { id, displayName: id } })).statusCode, 201);
    }
    const first = (await t.call('GET', '/v1/tenants?limit=2')).json();
    assert.equal(first.items.length, 2);
    assert.ok(first.continue);
    const second = (await t.call('GET', `/v1/tenants?limit=2&continue=${first.continue}`)).json();
    const ids = [...first.items, ...second.items].map((x: { id: string }) => x.id);
    assert.deepEqual(ids.slice(0, 4), ['acme', 'page-a', 'page-b', 'page-c']);
  });

  test('If-Match: a stale version is refused with 412 and nothing changes', async () => {
    const ok = await t.call('PATCH', '/v1/tenants/acme', {
      body: { displayName: 'Acme 2' },
      headers: { 'if-match': '"1"' },
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().resourceVersion, '2');
    const stale = await t.call('PATCH', '/v1/tenants/acme', {
      body: { displayName: 'Acme 3' },
      headers: { 'if-match': '"1"' },
    });
    assert.equal(stale.statusCode, 412);
    assert.equal(stale.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(stale.json().code, 'precondition_failed');
    assert.equal(stale.json().currentResourceVersion, '2');
    const conflict = await t.call('PATCH', '/v1/tenants/acme', {
      body: { displayName: 'Acme 3', resourceVersion: '1' },
    });
    assert.equal(conflict.statusCode, 409);
    assert.equal((await t.call('GET', '/v1/tenants/acme')).json().displayName, 'Acme 2');
  });

  test('labels merge and null removes a label; quotas merge', async () => {
    const res = await t.call('PATCH', '/v1/tenants/acme', {
      body: { labels: { team: null, env: 'prod' }, quotas: { burst: 999 } },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().labels, { env: 'prod' });
    assert.equal(res.json().quotas.burst, 999);
    assert.equal(res.json().quotas.requestsPerSecond, 200);
  });

  test('bad input gets a clear problem, never a 500', async () => {
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/v1/tenants', { id: 'Bad Slug', displayName: 'x' }, 400, 'validation_failed'],
      ['POST', '/v1/tenants', { id: 'platform', displayName: 'x' }, 400, 'validation_failed'],
      ['POST', '/v1/tenants', { id: 'good-one', displayName: 'x', extra: 1 }, 400, 'validation_failed'],
      ['POST', '/v1/tenants', { id: 'acme', displayName: 'dup' }, 409, 'tenant_exists'],
      ['POST', '/v1/tenants', { id: 'reg-x', displayName: 'x', homeRegion: 'mars-1' }, 400, 'validation_failed'],
      ['PATCH', '/v1/tenants/acme', {}, 400, 'validation_failed'],
      ['GET', '/v1/tenants/nope-nope', undefined, 404, 'not_found'],
      ['GET', '/v1/nothing-here', undefined, 404, 'route_not_found'],
    ];
    for (const [method, url, body, status, code] of cases) {
      const res = await t.call(method, url, { body });
      assert.equal(res.statusCode, status, `${method} ${url} ${JSON.stringify(body)}: ${res.body}`);
      assert.equal(res.json().code, code, res.body);
      assert.ok(res.json().detail.length > 10);
      assert.ok(!res.body.includes('    at '), 'no stack trace');
    }
    const unknownField = await t.call('POST', '/v1/tenants', { body: { id: 'good-one', displayName: 'x', extra: 1 } });
    assert.match(unknownField.json().detail, /extra/);
    const malformed = await t.app.server.inject({
      method: 'POST',
      url: '/v1/tenants',
      headers: { authorization: 'Bearer test-bootstrap-token-0123456789abcdef', 'content-type': 'application/json' },
      payload: '{"id": "x",',
    });
    assert.equal(malformed.statusCode, 400);
    assert.equal(malformed.json().code, 'malformed_json');
    const huge = await t.call('POST', '/v1/tenants', { body: { id: 'huge', displayName: 'x'.repeat(300 * 1024) } });
    assert.equal(huge.statusCode, 413);
    assert.equal(huge.json().code, 'payload_too_large');
    assert.equal((await t.call('GET', '/v1/tenants/huge')).statusCode, 404, 'nothing half-written');
  });

  test('a request id is echoed, or generated when absent', async () => {
    const given = await t.call('GET', '/v1/tenants/acme', { headers: { 'x-request-id': 'my-req-123' } });
    assert.equal(given.headers['x-request-id'], 'my-req-123');
    const generated = await t.call('GET', '/v1/tenants/acme');
    assert.match(String(generated.headers['x-request-id']), /^req_/);
    const bad = await t.call('GET', '/v1/tenants/acme', { headers: { 'x-request-id': 'bad id with spaces' } });
    assert.match(String(bad.headers['x-request-id']), /^req_/);
  });

  test('soft delete keeps the tenant until purge; restore brings it back', async () => {
    const del = await t.call('DELETE', '/v1/tenants/page-a');
    assert.equal(del.statusCode, 200, del.body);
    assert.equal(del.json().status, 'deleting');
    assert.ok(del.json().purgeAfter);
    const restored = await t.call('POST', '/v1/tenants/page-a/restore');
    assert.equal(restored.json().status, 'active');
    // page-b owns rows in other contexts too: a document in its knowledge graph and a job.
    await t.app.knowledge.ingest('page-b', {
      documentId: 'a.md',
      name: 'a.md',
      bytes: new TextEncoder().encode('| source | relation | target |\n|---|---|---|\n| A | calls | B |\n'),
    });
    assert.equal((await t.call('POST', '/v1/tenants/page-b/jobs', { body: { kind: 'noop' } })).statusCode, 202);
    const owned = async (): Promise<number> =>
      t.db.transaction(platformScope, async (tx) => {
        const tables = ['kg_documents', 'kg_chunks', 'kg_relations', 'kg_relation_mentions', 'kg_graph_state', 'jobs'];
        let n = 0;
        for (const table of tables)
          n +=
            (await tx.query<{ n: number }>(`select count(*)::int as n from ${table} where tenant_id = $1`, ['page-b']))
              .rows[0]?.n ?? 0;
        return n;
      });
    assert.equal(await owned(), 6);
    assert.equal((await t.call('DELETE', '/v1/tenants/page-b')).statusCode, 200);
    const purged = await t.app.tenants.purgeExpired(t.app.systemContext());
    assert.deepEqual(purged, ['page-b']);
    assert.equal(await owned(), 0, "purge removes the tenant's rows in every context");
    assert.equal((await t.call('GET', '/v1/tenants/page-b')).statusCode, 404);
    assert.equal((await t.call('GET', '/v1/tenants/page-a')).statusCode, 200);
  });

  test('unknown, malformed and missing keys are 401 problems', async () => {
    for (const token of [null, 'nonsense', 'iris_k0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
      const res = await t.call('GET', '/v1/tenants', { token });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().code, 'unauthenticated');
    }
  });

  test('health, readiness and OpenAPI', async () => {
    assert.equal((await t.call('GET', '/healthz', { token: null })).statusCode, 200);
    const ready = await t.call('GET', '/readyz', { token: null });
    assert.equal(ready.statusCode, 200, ready.body);
    const spec = (await t.call('GET', '/openapi.json', { token: null })).json();
    assert.equal(spec.openapi, '3.1.0');
    assert.ok(spec.paths['/v1/tenants/{tenantId}']);
    // Swagger UI and its assets are served by @fastify/static (content-disposition pinned to a
    // Node 20 line, package.json overrides).
    const docs = await t.call('GET', '/docs/', { token: null });
    assert.equal(docs.statusCode, 200, docs.body);
    assert.match(docs.headers['content-type'] as string, /text\/html/);
    const css = await t.call('GET', '/docs/static/swagger-ui.css', { token: null });
    assert.equal(css.statusCode, 200);
    assert.match(css.body, /swagger-ui/);
  });
});
