// A tenant-onboarder (tenant.create only) creates a tenant with its first tenant-admin key in one
// transaction: the key works at once, is audited in the new tenant's log, and nothing is left
// behind when the creation fails.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

describe(`a new tenant's first tenant-admin key (${storeName})`, () => {
  let t: TestApp;
  let onboarder: string;

  before(async () => {
    t = await createTestApp();
    const res = await t.call('POST', '/v1/platform/keys', { body: { name: 'onboarder', role: 'tenant-onboarder' } });
    assert.equal(res.statusCode, 201, res.body);
    onboarder = res.json<{ token: string }>().token;
  });
  after(async () => t.dispose());

  test('the onboarder creates the tenant and its admin key; the key works at once and is audited', async () => {
    const res = await t.call('POST', '/v1/tenants', {
      token: onboarder,
      body: { id: 'globex', displayName: 'Globex', firstKey: { name: 'globex-admin', expiresInSeconds: 3600 } },
    });
    assert.equal(res.statusCode, 201, res.body);
    const created = res.json<{
      id: string;
      firstKey: { id: string; role: string; tenantId: string; token: string; expiresAt: string };
    }>();
    assert.equal(created.id, 'globex');
    assert.equal(created.firstKey.role, 'tenant-admin');
    assert.equal(created.firstKey.tenantId, 'globex');
    assert.ok(created.firstKey.expiresAt, 'the asked-for expiry is kept');

    // Usable on this replica as soon as the call returns (no resync).
    const own = await t.call('GET', '/v1/tenants/globex', { token: created.firstKey.token });
    assert.equal(own.statusCode, 200, own.body);
    const keys = await t.call('GET', '/v1/tenants/globex/keys', { token: created.firstKey.token });
    assert.deepEqual(
      keys.json<{ items: { id: string }[] }>().items.map((k) => k.id),
      [created.firstKey.id],
    );

    const events = await t.call('GET', '/v1/audit/logs/globex/events');
    assert.equal(events.statusCode, 200, events.body);
    const actions = events.json<{ items: { event: { action: string } }[] }>().items.map((e) => e.event.action);
    assert.ok(actions.includes('key.create'), `key.create is in the tenant's log: ${actions.join(',')}`);
  });

  test('outside tenant creation the onboarder still cannot create keys in the tenant', async () => {
    const before = (await t.call('GET', '/v1/tenants/globex/keys')).body;
    const res = await t.call('POST', '/v1/tenants/globex/keys', {
      token: onboarder,
      body: { name: 'another-admin', role: 'tenant-admin' },
    });
    // A platform role without key.create: refused, and the tenant is not even shown to it (404).
    assert.equal(res.statusCode, 404, res.body);
    assert.equal((await t.call('GET', '/v1/tenants/globex/keys')).body, before);
  });

  test('a failed creation leaves no key behind; a bad first key is refused before anything is written', async () => {
    const before = (await t.call('GET', '/v1/tenants/globex/keys')).body;
    const dup = await t.call('POST', '/v1/tenants', {
      token: onboarder,
      body: { id: 'globex', displayName: 'Again', firstKey: { name: 'second-admin' } },
    });
    assert.equal(dup.statusCode, 409, dup.body);
    assert.equal((await t.call('GET', '/v1/tenants/globex/keys')).body, before);

    const bad = await t.call('POST', '/v1/tenants', {
      token: onboarder,
      body: { id: 'initech', displayName: 'Initech', firstKey: { name: 'bad\u0007name' } },
    });
    assert.equal(bad.statusCode, 400, bad.body);
    assert.equal((await t.call('GET', '/v1/tenants/initech')).statusCode, 404);
  });
});
