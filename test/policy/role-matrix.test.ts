// Every role x every route of the OpenAPI document, decided by the Cedar bundle: a role the
// role table grants the route's action gets past the policy (whatever the handler then says
// about the request), every other role gets a 403 from the policy. Requests use bodies and
// preconditions that fail after the policy, so nothing is changed while probing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PLATFORM } from '../../src/core/ids.js';
import { ROLES } from '../../src/core/roles.js';
import { resolveRoute, ROLE_GRANTS } from '../../src/policy/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

function expectedAllowed(role: string, action: string, resourceTenant: string, principalTenant: string): boolean {
  if (role === 'platform-admin') return true;
  if (resourceTenant !== principalTenant) return false;
  return (ROLE_GRANTS[role as keyof typeof ROLE_GRANTS] as readonly string[]).includes(action);
}

describe(`role x route matrix through the Cedar bundle (${storeName})`, () => {
  let t: TestApp;
  const tokens = new Map<string, string>();

  before(async () => {
    t = await createTestApp();
    assert.equal(
      (await t.call('POST', '/v1/tenants', { body: { id: 'alpha', displayName: 'Alpha' } })).statusCode,
      201,
    );
    for (const role of ROLES.filter((r) => r !== 'platform-admin')) tokens.set(role, await t.keyFor('alpha', role));
    tokens.set('platform-admin', (await import('../support/test-app.js')).ADMIN_TOKEN);
  });
  after(async () => t.dispose());

  test('each role passes the policy exactly where its grants say', async () => {
    const spec = (await t.call('GET', '/openapi.json', { token: null })).json<{
      paths: Record<string, Record<string, { security?: unknown }>>;
    }>();
    let checked = 0;
    const allowedBy = new Map<string, number>();
    for (const [path, ops] of Object.entries(spec.paths)) {
      if (!path.startsWith('/v1/')) continue;
      for (const [m, op] of Object.entries(ops)) {
        if (op.security === undefined) continue; // public routes (the ledger's key)
        const method = m.toUpperCase();
        const template = path.replace(/\{(\w+)\}/g, ':$1');
        const url = path
          .replace('{tenantId}', 'alpha')
          .replace('{log}', 'alpha')
          .replace('{keyId}', 'k0000000000000000')
          .replace('{seq}', '0')
          .replace('{bundleId}', 'sha256-none')
          .replace('{requestId}', 'req_none')
          .replace('{jobId}', 'job_none');
        for (const role of ROLES) {
          const token = tokens.get(role) as string;
          const principalTenant = role === 'platform-admin' ? PLATFORM : 'alpha';
          const { rule, tenantId } = resolveRoute(
            method,
            template,
            { tenantId: url.includes('/tenants/alpha') ? 'alpha' : undefined, log: 'alpha' },
            principalTenant,
          );
          const want = expectedAllowed(role, rule.action, tenantId, principalTenant);
          // Bodies that fail validation and a stale If-Match: past the policy, nothing changes.
          const res = await t.call(method, url, {
            token,
            headers: { 'if-match': '"stale"' },
            ...(['POST', 'PATCH'].includes(method) ? { body: { __probe: true } } : {}),
          });
          const deniedByPolicy =
            res.statusCode === 403 ||
            (res.statusCode === 404 &&
              res.json().code === 'not_found' &&
              tenantId !== principalTenant &&
              role !== 'platform-admin');
          assert.equal(
            !deniedByPolicy,
            want,
            `${role} ${method} ${url} (${rule.action}): answered ${res.statusCode} ${res.body.slice(0, 200)}`,
          );
          if (want) allowedBy.set(role, (allowedBy.get(role) ?? 0) + 1);
          checked++;
        }
      }
    }
    assert.ok(checked >= 5 * 18, `only ${checked} role x route probes ran`);
    // Least privilege, as numbers: the auditor reaches only the ledger routes.
    assert.ok(
      (allowedBy.get('auditor') ?? 0) > 0 && (allowedBy.get('auditor') ?? 0) < (allowedBy.get('analyst') ?? 0) + 7,
    );
    assert.equal(
      (await t.call('GET', '/v1/tenants/alpha', { token: tokens.get('auditor') as string })).statusCode,
      403,
    );
  });

  test('an analyst cannot mutate anything, even with a valid request', async () => {
    const analyst = tokens.get('analyst') as string;
    const tries = [
      ['PATCH', '/v1/tenants/alpha', { displayName: 'x' }],
      ['POST', '/v1/tenants/alpha/keys', { name: 'n', role: 'analyst' }],
      ['DELETE', '/v1/tenants/alpha', undefined],
      ['POST', '/v1/tenants', { id: 'newco', displayName: 'n' }],
    ] as const;
    for (const [method, url, body] of tries) {
      const res = await t.call(method, url, { token: analyst, ...(body ? { body } : {}) });
      assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body}`);
    }
  });

  test('policy denials name the policy; the decision point answers with the bundle id', async () => {
    const d = t.app.policy.pdp.decide({
      principal: { keyId: 'k1', role: 'auditor', tenantId: 'alpha' },
      action: 'audit.read',
      resourceTenant: 'alpha',
      resourceKind: 'Log',
      route: 'test',
    });
    assert.equal(d.allowed, true);
    assert.deepEqual(d.policies, ['iris.roles.auditor']);
    assert.equal(d.bundle, t.app.policy.builtin.id);
    const cross = t.app.policy.pdp.decide({
      principal: { keyId: 'k1', role: 'tenant-admin', tenantId: 'alpha' },
      action: 'tenant.read',
      resourceTenant: 'beta',
      resourceKind: 'Tenant',
      route: 'test',
    });
    assert.equal(cross.allowed, false);
    assert.deepEqual(cross.policies, ['iris.isolation']);
  });
});
