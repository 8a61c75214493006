// Who may create and revoke which API keys (issue 11, items 5 and 6): a key of role A manages a
// key of role B only when B's grants are a subset of A's, for tenant-level and platform-level
// keys alike, and whatever the policy in force permits. Every acting role x every target role,
// for create and for revoke, first under the built-in bundle, then under policies that permit
// key.create and key.revoke to every role (an overlay, or a platform bundle, that says so).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PLATFORM } from '../../src/core/ids.js';
import { ROLES, type Role } from '../../src/core/roles.js';
import { bootstrapKey } from '../../src/tenants/index.js';
import { ADMIN_TOKEN, createTestApp, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

const TENANT_ROLES = ROLES.filter((r) => r !== 'platform-admin');

/** grants(target) ⊆ grants(actor), written out by hand from the role table of core/roles.ts. */
const MANAGES: Readonly<Record<Role, readonly Role[]>> = {
  'platform-admin': ROLES,
  'tenant-admin': ['tenant-admin', 'operator', 'analyst', 'auditor'],
  operator: ['operator', 'analyst'],
  analyst: ['analyst'],
  auditor: ['auditor'],
};

/** A policy, as an overlay or in the platform bundle, that lets every role manage keys of its own tenant. */
const PERMIT_KEYS =
  '@id("test.permit-keys")\npermit (principal, action in [Iris::Action::"key.create", Iris::Action::"key.revoke"], resource)\nwhen { principal.tenant == resource.tenant };';

interface Actor {
  readonly role: Role;
  readonly scope: string; // a tenant id or PLATFORM: where the actor's key lives and acts
  readonly token: string;
}

const keysPath = (scope: string): string => (scope === PLATFORM ? '/v1/platform/keys' : `/v1/tenants/${scope}/keys`);

describe(`key create and revoke: role x target role (${storeName})`, () => {
  let t: TestApp;
  const actors: Actor[] = [];

  /** A fresh key of `role` in `scope`, made by the bootstrap admin; its id and token. */
  async function adminKey(scope: string, role: Role): Promise<{ id: string; token: string }> {
    const res = await t.call('POST', keysPath(scope), { body: { name: `${role}-target`, role } });
    assert.equal(res.statusCode, 201, res.body);
    await t.app.directory.resync();
    return res.json<{ id: string; token: string }>();
  }

  // Any authenticated answer (200, 403, 404) means the key works; 401 means it does not.
  const works = async (token: string): Promise<boolean> =>
    (await t.call('GET', '/v1/tenants/alpha', { token })).statusCode !== 401;

  before(async () => {
    t = await createTestApp();
    assert.equal(
      (await t.call('POST', '/v1/tenants', { body: { id: 'alpha', displayName: 'Alpha' } })).statusCode,
      201,
    );
    actors.push(
      { role: 'platform-admin', scope: PLATFORM, token: ADMIN_TOKEN },
      { role: 'platform-admin', scope: 'alpha', token: ADMIN_TOKEN },
    );
    for (const role of TENANT_ROLES) {
      actors.push({ role, scope: 'alpha', token: (await adminKey('alpha', role)).token });
      actors.push({ role, scope: PLATFORM, token: (await adminKey(PLATFORM, role)).token });
    }
  });
  after(async () => t.dispose());

  /** The status a create must answer; `keyGrant`: whether the policy in force lets `actor` manage keys at all. */
  function expectedCreate(actor: Actor, target: Role, keyGrant: boolean): number {
    if (!keyGrant || !MANAGES[actor.role].includes(target)) return 403;
    if (target === 'platform-admin' && actor.scope !== PLATFORM) return 400; // platform-admin keys are platform-level
    return 201;
  }

  async function createMatrix(keyGrant: (role: Role) => boolean): Promise<number> {
    const wrong: string[] = [];
    let n = 0;
    for (const actor of actors) {
      for (const target of ROLES) {
        const res = await t.call('POST', keysPath(actor.scope), {
          token: actor.token,
          body: { name: 'matrix', role: target },
        });
        const want = expectedCreate(actor, target, keyGrant(actor.role));
        if (res.statusCode !== want)
          wrong.push(
            `${actor.role}@${actor.scope} creates ${target}: ${res.statusCode}, want ${want} ${res.body.slice(0, 160)}`,
          );
        n++;
      }
    }
    assert.deepEqual(wrong, []);
    return n;
  }

  async function revokeMatrix(keyGrant: (role: Role) => boolean): Promise<number> {
    const wrong: string[] = [];
    let n = 0;
    for (const actor of actors) {
      for (const target of actor.scope === PLATFORM ? ROLES : TENANT_ROLES) {
        const victim = await adminKey(actor.scope, target);
        const res = await t.call('DELETE', `${keysPath(actor.scope)}/${victim.id}`, { token: actor.token });
        const allowed = keyGrant(actor.role) && MANAGES[actor.role].includes(target);
        if (res.statusCode !== (allowed ? 200 : 403))
          wrong.push(
            `${actor.role}@${actor.scope} revokes ${target}: ${res.statusCode}, want ${allowed ? 200 : 403} ${res.body.slice(0, 160)}`,
          );
        await t.app.directory.resync();
        if ((await works(victim.token)) === allowed)
          wrong.push(
            `${actor.role}@${actor.scope} revokes ${target}: the key ${allowed ? 'still works' : 'stopped working'}`,
          );
        n++;
      }
    }
    assert.deepEqual(wrong, []);
    return n;
  }

  const builtinGrant = (role: Role): boolean => role === 'platform-admin' || role === 'tenant-admin';

  test('under the built-in bundle: only tenant-admin and platform-admin manage keys, never above their own grants', async () => {
    assert.equal(await createMatrix(builtinGrant), 50);
    assert.equal(await revokeMatrix(builtinGrant), 45);
  });

  test('a platform-level tenant-admin cannot revoke the bootstrap key, and it still works after a restart', async () => {
    const lesser = actors.find((a) => a.role === 'tenant-admin' && a.scope === PLATFORM) as Actor;
    const { keyId } = bootstrapKey(ADMIN_TOKEN);
    const res = await t.call('DELETE', `/v1/platform/keys/${keyId}`, { token: lesser.token });
    assert.equal(res.statusCode, 403, res.body);
    assert.match(res.json().detail, /platform-admin/);
    const restarted = await createTestApp({}, t.testDb);
    try {
      assert.equal(
        (await restarted.call('GET', '/v1/platform/keys')).statusCode,
        200,
        'the bootstrap key works after a restart',
      );
    } finally {
      await restarted.dispose();
    }
  });

  test('under policies that permit key management to every role, the grant rule still decides', async () => {
    // As if an overlay and a platform bundle permitting it had been activated (both are
    // refused on push now; bundles stored earlier could still say so).
    const pdp = t.app.policy.pdp;
    const platform = pdp.platform();
    assert.ok(platform);
    try {
      pdp.setPlatform({
        ...platform,
        id: `${platform.id}-permissive`,
        policies: { ...platform.policies, 'test.permit-keys': PERMIT_KEYS },
      });
      pdp.setOverlay('alpha', {
        id: 'sha256:permissive-overlay',
        name: 'permissive',
        scope: 'tenant',
        tenant: 'alpha',
        policies: { 'test.permit-keys.alpha': PERMIT_KEYS.replace('test.permit-keys', 'test.permit-keys.alpha') },
      });
      const auditor = actors.find((a) => a.role === 'auditor' && a.scope === 'alpha') as Actor;
      const escalate = await t.call('POST', '/v1/tenants/alpha/keys', {
        token: auditor.token,
        body: { name: 'escalate', role: 'tenant-admin' },
      });
      assert.equal(escalate.statusCode, 403, `an auditor obtained a tenant-admin key: ${escalate.body}`);
      assert.equal(await createMatrix(() => true), 50);
      assert.equal(await revokeMatrix(() => true), 45);
    } finally {
      pdp.setOverlay('alpha', undefined);
      pdp.setPlatform(platform);
    }
  });
});
