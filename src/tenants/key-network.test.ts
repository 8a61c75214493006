// The CIDR binding of keys: parsing and matching, IPv4, IPv6 and mapped addresses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addressAllowed, parseCidr } from './key-network.js';

test('parseCidr accepts networks and bare addresses, refuses the rest', () => {
  assert.deepEqual(parseCidr('10.0.0.0/8'), { family: 'ipv4', address: '10.0.0.0', prefix: 8 });
  assert.deepEqual(parseCidr('2001:db8::/32'), { family: 'ipv6', address: '2001:db8::', prefix: 32 });
  assert.deepEqual(parseCidr('192.0.2.7'), { family: 'ipv4', address: '192.0.2.7', prefix: 32 });
  for (const bad of ['10.0.0.0/33', '10.0.0/8', 'x/8', '10.0.0.0/8/1', '::/129', '10.0.0.0/'])
    assert.equal(parseCidr(bad), null, bad);
});

test('addressAllowed: empty list allows all; otherwise only addresses inside', () => {
  assert.equal(addressAllowed([], '203.0.113.5'), true);
  assert.equal(addressAllowed(['10.0.0.0/8'], '10.200.1.1'), true);
  assert.equal(addressAllowed(['10.0.0.0/8'], '11.0.0.1'), false);
  assert.equal(addressAllowed(['10.0.0.0/8'], '::ffff:10.1.2.3'), true, 'IPv4-mapped');
  assert.equal(addressAllowed(['2001:db8::/32'], '2001:db8:1::1'), true);
  assert.equal(addressAllowed(['2001:db8::/32'], '2001:db9::1'), false);
  assert.equal(addressAllowed(['127.0.0.1'], undefined), false);
});
