// The grant rule of keys: a key of role A creates or revokes a key of role B only when B's
// grants are a subset of A's. Written out by hand, so a change to the role table that changes
// who manages whom shows up here.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ACTIONS, grantsOf, mayManageKeyOf, ROLES, type Role } from './roles.js';

const MANAGES: Readonly<Record<Role, readonly Role[]>> = {
  'platform-admin': ROLES,
  'tenant-admin': ['tenant-admin', 'operator', 'analyst', 'auditor'],
  operator: ['operator', 'analyst'],
  analyst: ['analyst'],
  auditor: ['auditor'],
};

describe('mayManageKeyOf: grants(target) ⊆ grants(actor)', () => {
  test('every role x target role', () => {
    for (const actor of ROLES) {
      for (const target of ROLES)
        assert.equal(mayManageKeyOf(actor, target), MANAGES[actor].includes(target), `${actor} manages ${target}`);
    }
  });

  test('roles are not a ladder: analyst and auditor are not comparable', () => {
    assert.equal(mayManageKeyOf('analyst', 'auditor'), false);
    assert.equal(mayManageKeyOf('auditor', 'analyst'), false);
    assert.equal(mayManageKeyOf('operator', 'auditor'), false, 'operator lacks audit.read');
  });

  test('the rule is the subset relation of the role table', () => {
    for (const actor of ROLES) {
      for (const target of ROLES) {
        const subset = grantsOf(target).every((a) => grantsOf(actor).includes(a));
        assert.equal(mayManageKeyOf(actor, target), subset, `${actor} / ${target}`);
      }
    }
    assert.deepEqual(grantsOf('platform-admin'), ACTIONS);
  });
});
