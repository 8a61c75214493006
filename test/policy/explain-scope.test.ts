// Request ids are chosen by clients, so two tenants can send the same X-Request-Id (issue 11,
// item 12). Every lookup by request id is scoped by tenant: a tenant key gets its own tenant's
// decisions only, a platform admin names the tenant or gets one group per tenant, never one
// mixed list. The client's id is still echoed back unchanged.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_TOKEN, createTestApp, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

interface Decision {
  tenantId: string;
  requestId: string;
  principal: string;
  action: string;
  resource: string;
}
interface Explained {
  requestId: string;
  tenant: string | null;
  items: Decision[];
  groups: { tenant: string; items: Decision[] }[];
}

const SAME_ID = 'shared-client-id-42';

describe(`explain is scoped by tenant (${storeName})`, () => {
  let t: TestApp;
  let keyA: string;
  let keyB: string;

  before(async () => {
    // Every allow is logged, so each tenant's ordinary request leaves a decision.
    t = await createTestApp({ IRIS_POLICY_DECISION_SAMPLE: '1', IRIS_LEDGER_WITNESS_SECONDS: '0' });
    for (const id of ['ex-alpha', 'ex-bravo'])
      assert.equal((await t.call('POST', '/v1/tenants', { body: { id, displayName: id } })).statusCode, 201);
    keyA = await t.keyFor('ex-alpha', 'tenant-admin');
    keyB = await t.keyFor('ex-bravo', 'tenant-admin');
    for (const [token, tenant] of [
      [keyA, 'ex-alpha'],
      [keyB, 'ex-bravo'],
      [ADMIN_TOKEN, 'ex-alpha'],
    ] as const) {
      const res = await t.call('GET', `/v1/tenants/${tenant}`, { token, headers: { 'x-request-id': SAME_ID } });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['x-request-id'], SAME_ID, "the client's id is echoed as given");
    }
    await t.app.decisions.flush();
  });
  after(async () => t.dispose());

  const explain = async (token: string, query = ''): Promise<{ status: number; body: Explained }> => {
    const res = await t.call('GET', `/v1/policy/decisions/${SAME_ID}${query}`, { token });
    return { status: res.statusCode, body: res.json<Explained>() };
  };

  test('each tenant key gets its own decisions for the shared id, and only those', async () => {
    for (const [token, tenant] of [
      [keyA, 'ex-alpha'],
      [keyB, 'ex-bravo'],
    ] as const) {
      const { status, body } = await explain(token);
      assert.equal(status, 200);
      assert.equal(body.tenant, tenant);
      assert.ok(body.items.length >= 1, `${tenant} sees its decision`);
      assert.deepEqual([...new Set(body.items.map((d) => d.tenantId))], [tenant]);
      assert.ok(
        body.items.every((d) => d.resource.includes(tenant)),
        JSON.stringify(body.items),
      );
      assert.deepEqual(
        body.groups.map((g) => g.tenant),
        [tenant],
      );
    }
    // Naming another tenant is the same 404 as a missing one.
    assert.equal((await explain(keyA, '?tenant=ex-bravo')).status, 404);
  });

  test('a platform admin never gets one mixed list: per-tenant groups, or the tenant it names', async () => {
    const all = await explain(ADMIN_TOKEN);
    assert.equal(all.status, 200);
    const tenantsInItems = new Set(all.body.items.map((d) => d.tenantId));
    assert.ok(tenantsInItems.size <= 1, `items mix tenants: ${[...tenantsInItems].join(', ')}`);
    assert.equal(all.body.tenant, null, 'three tenants used this id: no single answer');
    assert.deepEqual(
      all.body.groups.map((g) => g.tenant),
      ['ex-alpha', 'ex-bravo', 'platform'],
    );
    for (const g of all.body.groups) assert.ok(g.items.every((d) => d.tenantId === g.tenant));

    const named = await explain(ADMIN_TOKEN, '?tenant=ex-bravo');
    assert.equal(named.status, 200);
    assert.equal(named.body.tenant, 'ex-bravo');
    assert.ok(named.body.items.length >= 1);
    assert.ok(named.body.items.every((d) => d.tenantId === 'ex-bravo'));
  });

  test('filtering the platform decision log by request id needs the tenant', async () => {
    const mixed = await t.call('GET', `/v1/platform/policy/decisions?requestId=${SAME_ID}`);
    assert.equal(mixed.statusCode, 400, mixed.body);
    const scoped = await t.call('GET', `/v1/platform/policy/decisions?requestId=${SAME_ID}&tenant=ex-alpha`);
    assert.equal(scoped.statusCode, 200);
    assert.ok(scoped.json<{ items: Decision[] }>().items.every((d) => d.tenantId === 'ex-alpha'));
  });
});
