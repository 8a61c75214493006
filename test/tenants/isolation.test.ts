// Zero cross-tenant leakage: every tenant-scoped route in the OpenAPI document is called with
// each role of tenant A's keys against tenant B. Each answer must be exactly the answer for a
// tenant that does not exist (no inference), and B must be left untouched.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { can, isPlatformRole, ROLES, type Role } from '../../src/core/roles.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

const bodies: Record<string, unknown> = {
  'PATCH /v1/tenants/{tenantId}': { displayName: 'pwned' },
  'POST /v1/tenants/{tenantId}/keys': { name: 'stolen', role: 'analyst' },
};

function comparable(body: string): unknown {
  const { requestId: _r, instance: _i, ...rest } = JSON.parse(body) as Record<string, unknown>;
  return JSON.parse(JSON.stringify(rest).replaceAll('zzz-none', 'beta'));
}

describe(`cross-tenant isolation through every route (${storeName})`, () => {
  let t: TestApp;
  let bKeyId: string;
  const aTokens = new Map<string, string>();

  before(async () => {
    t = await createTestApp();
    for (const id of ['alpha', 'beta'])
      assert.equal((await t.call('POST', '/v1/tenants', { body: { id, displayName: id } })).statusCode, 201);
    for (const role of ROLES.filter((r) => !isPlatformRole(r))) aTokens.set(role, await t.keyFor('alpha', role));
    const bKey = await t.call('POST', '/v1/tenants/beta/keys', { body: { name: 'b', role: 'analyst' } });
    bKeyId = bKey.json().id;
    await t.app.directory.resync();
  });
  after(async () => t.dispose());

  test('tenant A cannot read, list, update or infer tenant B through any route', async () => {
    const spec = (await t.call('GET', '/openapi.json', { token: null })).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    const before = await t.call('GET', '/v1/tenants/beta');
    const bLogBefore = (await t.call('GET', '/v1/audit/logs/beta/head')).json().size;
    let checked = 0;
    for (const [path, ops] of Object.entries(spec.paths)) {
      if (!path.includes('{tenantId}') && !path.includes('{log}')) continue;
      for (const method of Object.keys(ops).map((m) => m.toUpperCase())) {
        const fill = (tenant: string): string =>
          path.replace('{tenantId}', tenant).replace('{log}', tenant).replace('{keyId}', bKeyId).replace('{seq}', '0');
        const body = bodies[`${method} ${path}`];
        for (const [role, token] of aTokens) {
          const probe = await t.call(method, fill('beta'), { token, body });
          const missing = await t.call(method, fill('zzz-none'), { token, body });
          assert.equal(
            probe.statusCode,
            404,
            `${role} ${method} ${fill('beta')} answered ${probe.statusCode}: ${probe.body}`,
          );
          assert.deepEqual(
            comparable(probe.body),
            comparable(missing.body),
            `${role} ${method} ${path}: B's answer differs from a missing tenant's`,
          );
          checked++;
        }
      }
    }
    assert.ok(checked >= 40, `only ${checked} route x role probes ran`);
    const afterRes = await t.call('GET', '/v1/tenants/beta');
    assert.equal(afterRes.json().resourceVersion, before.json().resourceVersion);
    assert.equal((await t.call('GET', '/v1/audit/logs/beta/head')).json().size, bLogBefore);
    assert.equal((await t.call('GET', '/v1/tenants/beta/keys')).json().items.length, 1);
  });

  test('listing tenants shows a tenant key only its own tenant', async () => {
    for (const [role, token] of aTokens) {
      const res = await t.call('GET', '/v1/tenants', { token });
      if (!can(role as Role, 'tenant.list')) {
        assert.equal(res.statusCode, 403, role);
        continue;
      }
      assert.deepEqual(
        res.json().items.map((x: { id: string }) => x.id),
        ['alpha'],
        role,
      );
    }
  });

  test('roles are least-privilege within their own tenant', async () => {
    const analyst = aTokens.get('analyst') as string;
    assert.equal((await t.call('GET', '/v1/tenants/alpha', { token: analyst })).statusCode, 200);
    assert.equal(
      (await t.call('PATCH', '/v1/tenants/alpha', { token: analyst, body: { displayName: 'x' } })).statusCode,
      403,
    );
    const auditor = aTokens.get('auditor') as string;
    assert.equal((await t.call('GET', '/v1/audit/logs/alpha/events', { token: auditor })).statusCode, 200);
    assert.equal((await t.call('GET', '/v1/tenants/alpha', { token: auditor })).statusCode, 403);
    const admin = aTokens.get('tenant-admin') as string;
    assert.equal(
      (await t.call('PATCH', '/v1/tenants/alpha', { token: admin, body: { displayName: 'Alpha Inc' } })).statusCode,
      200,
    );
    const placement = await t.call('PATCH', '/v1/tenants/alpha', { token: admin, body: { quotas: { burst: 100000 } } });
    assert.equal(placement.statusCode, 403, 'tenant admins cannot raise their own quotas');
    assert.equal(
      (await t.call('POST', '/v1/tenants', { token: admin, body: { id: 'gamma', displayName: 'g' } })).statusCode,
      403,
    );
  });
});
