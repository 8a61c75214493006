import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Clock } from '../core/clock.js';
import type { Directory, KeyRecord } from '../tenants/index.js';
import { cookieValue, makeConsoleSessions, sessionSecretOf } from './console-session.js';
import { makeIdentity } from './identity.js';
import { newEd25519Keys } from '../core/ed25519.js';

const key: KeyRecord = {
  keyId: 'kabc123',
  tenantId: 'platform',
  role: 'platform-admin',
  secretHash: 'a'.repeat(64),
  expiresAt: null,
  revokedAt: null,
  allowedCidrs: [],
  agentName: null,
  agentCrew: null,
};

function setUp(record: KeyRecord = key) {
  let now = new Date('2026-12-06T12:00:00Z');
  const clock: Clock = { now: () => now };
  const sessions = makeConsoleSessions({
    secret: sessionSecretOf(newEd25519Keys().privateKey),
    ttlMs: 60_000,
  });
  let stored = record;
  const directory = { key: (id: string) => (id === stored.keyId ? stored : undefined), tenant: () => undefined };
  const identity = makeIdentity({ directory: directory as unknown as Directory, clock, sessions });
  return {
    sessions,
    identity,
    clock,
    advance: (ms: number) => (now = new Date(now.getTime() + ms)),
    replace: (r: KeyRecord) => (stored = r),
  };
}

test('a session resolves to its key until it expires', () => {
  const s = setUp();
  const { cookie } = s.sessions.issue(key, s.clock.now());
  assert.equal(s.identity.authenticateSession(cookie).keyId, key.keyId);
  s.advance(60_001);
  assert.throws(() => s.identity.authenticateSession(cookie), /expired/);
});

test('a session ends with its key: revoked, or its secret re-issued', () => {
  const s = setUp();
  const { cookie } = s.sessions.issue(key, s.clock.now());
  s.replace({ ...key, revokedAt: s.clock.now() });
  assert.throws(() => s.identity.authenticateSession(cookie), /revoked/);
  s.replace({ ...key, secretHash: 'b'.repeat(64) });
  assert.throws(() => s.identity.authenticateSession(cookie), /not valid/);
});

test('a tampered cookie (expiry pushed out, another key named, or bytes changed) is refused', () => {
  const s = setUp();
  const { cookie } = s.sessions.issue(key, s.clock.now());
  const [v, id, exp, nonce, mac] = cookie.split('.') as [string, string, string, string, string];
  const later = (parseInt(exp, 36) + 3_600_000).toString(36);
  for (const forged of [
    `${v}.${id}.${later}.${nonce}.${mac}`,
    `${v}.kother.${exp}.${nonce}.${mac}`,
    `${v}.${id}.${exp}.${nonce}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`,
    'v1.garbage',
    '',
  ])
    assert.throws(() => s.identity.authenticateSession(forged), /not valid/, forged);
});

test('a session from another deployment (another ledger key) is refused', () => {
  const a = setUp();
  const b = setUp();
  const { cookie } = a.sessions.issue(key, a.clock.now());
  assert.throws(() => b.identity.authenticateSession(cookie), /not valid/);
});

test('the CSRF token belongs to the session', () => {
  const s = setUp();
  const one = s.sessions.issue(key, s.clock.now());
  const two = s.sessions.issue(key, s.clock.now());
  assert.notEqual(one.csrf, two.csrf);
  const claims = s.sessions.read(one.cookie);
  assert.ok(claims);
  assert.equal(s.sessions.csrfOf(claims), one.csrf);
});

test('cookieValue finds one cookie among several', () => {
  assert.equal(cookieValue('a=1; iris_session=v1.x; b=2', 'iris_session'), 'v1.x');
  assert.equal(cookieValue('a=1', 'iris_session'), undefined);
  assert.equal(cookieValue(undefined, 'iris_session'), undefined);
});
