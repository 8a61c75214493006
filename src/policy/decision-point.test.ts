// The built-in bundle reproduces the role table: for every role x action, same tenant and
// another tenant, Cedar's decision equals the one table of core/roles.ts (and `can()`). Also: fail-closed on evaluation errors, and cache keys.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { PLATFORM } from '../core/ids.js';
import { can, ROLES } from '../core/roles.js';
import { POLICY_ACTIONS } from './actions.js';
import { builtinBundle } from './builtin-load.js';
import { ROLE_GRANTS } from './builtin-bundle.js';
import { loadBundleSigner } from './bundle-signing.js';
import { makeDecisionPoint, normalizeIp, type DecisionPoint } from './decision-point.js';
import { activeBundleOf, loadTrust } from './policy-runtime.js';
import { newEd25519Pem } from '../core/ed25519.js';

const pem = newEd25519Pem();
const signer = loadBundleSigner({ pem, dataDir: '/nonexistent' });

describe('built-in bundle decisions', () => {
  let pdp: DecisionPoint;
  before(async () => {
    pdp = makeDecisionPoint({
      region: 'eu-west',
      tenantFacts: (id) => ({ region: id === 'faraway' ? 'us-east' : 'eu-west', tier: 'standard' }),
    });
    pdp.setPlatform(activeBundleOf(await builtinBundle(signer, loadTrust(signer, undefined), new Date(), 1 << 20)));
  });

  test('Cedar reproduces the role table for every role x action', () => {
    for (const role of ROLES) {
      const tenantId = role === 'platform-admin' ? PLATFORM : 'alpha';
      for (const action of POLICY_ACTIONS) {
        const own = pdp.decide({
          principal: { keyId: `k-${role}`, role, tenantId },
          action,
          resourceTenant: tenantId,
          resourceKind: 'Tenant',
          route: 'test',
        });
        const table = role === 'platform-admin' || (ROLE_GRANTS[role] as readonly string[]).includes(action);
        assert.equal(own.allowed, table, `${role} ${action} on own tenant`);
        assert.deepEqual(own.errors, []);
        assert.equal(own.allowed, can(role, action), `${role} ${action} differs from core/roles.ts`);
        const other = pdp.decide({
          principal: { keyId: `k-${role}`, role, tenantId },
          action,
          resourceTenant: 'beta',
          resourceKind: 'Tenant',
          route: 'test',
        });
        assert.equal(other.allowed, role === 'platform-admin', `${role} ${action} on another tenant`);
      }
    }
  });

  test('least privilege: auditor only reads the ledger; analyst never mutates', () => {
    assert.deepEqual(ROLE_GRANTS.auditor, ['identity.read', 'audit.read', 'audit.checkpoint']);
    for (const a of ROLE_GRANTS.analyst)
      assert.ok(['identity.read', 'tenant.read', 'tenant.list', 'job.read', 'knowledge.query'].includes(a));
  });

  test('an evaluation error is a deny (fail closed)', () => {
    // A role attribute of the wrong type makes the role policies error.
    const d = pdp.decide({
      principal: { keyId: 'kx', role: 'platform-admin', tenantId: PLATFORM },
      action: 'tenant.read',
      resourceTenant: 'alpha',
      resourceKind: 'Tenant',
      sourceIp: 'not-an-ip',
      route: 'test',
    });
    assert.equal(d.allowed, false);
    assert.ok(d.errors.length > 0, 'the deny carries the evaluation error');
  });

  test('the cache answers repeated inputs and keys on every input', () => {
    pdp.clearCache();
    const base = {
      principal: { keyId: 'k1', role: 'tenant-admin', tenantId: 'alpha' },
      action: 'audit.read',
      resourceTenant: 'alpha',
      resourceKind: 'Log',
      route: 'r',
      sourceIp: '10.0.0.1',
    };
    assert.equal(pdp.decide(base).cached, false);
    assert.equal(pdp.decide(base).cached, true);
    assert.equal(pdp.decide({ ...base, sourceIp: '10.0.0.2' }).cached, false);
    assert.equal(
      pdp.decide({ ...base, upstreamRegions: ['us-east'] }).allowed,
      false,
      'upstream residency is an input',
    );
    assert.equal(
      pdp.decide({ ...base, resourceTenant: 'faraway', principal: { ...base.principal, tenantId: 'faraway' } }).allowed,
      false,
      'served from another region',
    );
  });

  test('client addresses are normalised for Cedar', () => {
    assert.equal(normalizeIp('::ffff:10.1.2.3'), '10.1.2.3');
    assert.equal(normalizeIp('fe80::1%eth0'), 'fe80::1');
    assert.equal(normalizeIp(undefined), '127.0.0.1');
  });
});
