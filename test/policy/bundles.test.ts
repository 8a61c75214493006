// Signed bundles end to end: compile (strict validation + Z3 proofs) and sign, push, activate
// (audited, on every replica), rollback, list, diff; refusal of unsigned, tampered, untrusted,
// expired-key and unverified bundles while the active bundle stays active; a bundle altered
// in the table is not loaded (the last good one keeps serving); tenant overlays; the
// decision log and explain.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  builtinOverlayFiles,
  builtinPlatformFiles,
  compileBundle,
  loadBundleSigner,
  shutdownVerifier,
  signBundle,
  verifyPolicies,
  type SignedBundle,
} from '../../src/policy/index.js';
import { openPostgresDatabase } from '../../src/store/index.js';
import { ADMIN_TOKEN, createTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase, storeName, type TestDatabase } from '../support/test-database.js';
import { newEd25519Pem } from '../../src/core/ed25519.js';

const newPem = (): string => newEd25519Pem();
const SHARED_PEM = newPem();

async function eventually(check: () => Promise<boolean> | boolean, ms = 4000): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`condition not met within ${ms} ms`);
}

let denyUnsigned: SignedBundle;
let unverifiedUnsigned: SignedBundle;
before(async () => {
  const files = {
    ...builtinPlatformFiles(),
    'bundle.json': JSON.stringify({ name: 'deny-doc-range', scope: 'platform' }),
    'data/deny-cidrs.json': JSON.stringify({ deny: ['192.0.2.0/24', '2001:db8:ffff::/48'] }),
  };
  denyUnsigned = await compileBundle({ files, now: new Date(), verify: (i) => verifyPolicies(i) });
  unverifiedUnsigned = await compileBundle({
    files: { ...files, 'bundle.json': JSON.stringify({ name: 'unverified', scope: 'platform' }) },
    now: new Date(),
  });
});
after(async () => shutdownVerifier());

describe(`signed bundles: push, activate, rollback (${storeName})`, () => {
  let t: TestApp;
  let signed: SignedBundle;
  let bundleId: string;
  before(async () => {
    t = await createTestApp({ IRIS_POLICY_SIGNING_KEY: SHARED_PEM });
    signed = signBundle(denyUnsigned, loadBundleSigner({ pem: SHARED_PEM, dataDir: t.dataDir }), new Date());
    assert.equal((await t.call('POST', '/v1/tenants', { body: { id: 'acme', displayName: 'Acme' } })).statusCode, 201);
  });
  after(async () => t.dispose());

  const from = (ip: string, url: string) =>
    t.app.server.inject({ method: 'GET', url, remoteAddress: ip, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

  test('a verified, signed bundle is pushed, activated (audited) and gates the routes', async () => {
    assert.equal(signed.manifest.verification.isolation, 'proved');
    const pushed = await t.call('POST', '/v1/platform/policy/bundles', { body: signed });
    assert.equal(pushed.statusCode, 201, pushed.body);
    bundleId = pushed.json().id;
    assert.match(bundleId, /^sha256:[0-9a-f]{64}$/);
    assert.equal(
      (await t.call('POST', '/v1/platform/policy/bundles', { body: signed })).statusCode,
      200,
      'pushing the same content again is idempotent',
    );
    assert.equal((await from('192.0.2.5', '/v1/tenants/acme')).statusCode, 200, 'not active yet');
    const act = await t.call('POST', `/v1/platform/policy/bundles/${bundleId.slice(7, 23)}/activate`);
    assert.equal(act.statusCode, 200, act.body);
    assert.equal(t.app.policy.pdp.platform()?.id, bundleId);
    const denied = await from('192.0.2.5', '/v1/tenants/acme');
    assert.equal(denied.statusCode, 403);
    assert.deepEqual(denied.json().policies, ['iris.network.platform-deny']);
    assert.equal((await from('2001:db8:ffff::9', '/v1/tenants/acme')).statusCode, 403);
    assert.equal((await from('198.51.100.1', '/v1/tenants/acme')).statusCode, 200);
    const events = (await t.call('GET', '/v1/audit/logs/platform/events?limit=1000'))
      .json()
      .items.map((e: { event: { action: string; resource: { id: string } } }) => e.event);
    assert.ok(
      events.some(
        (e: { action: string; resource: { id: string } }) => e.action === 'policy.push' && e.resource.id === bundleId,
      ),
    );
    assert.ok(
      events.some(
        (e: { action: string; resource: { id: string } }) =>
          e.action === 'policy.activate' && e.resource.id === bundleId,
      ),
    );
  });

  test('list and diff show the active bundle and what changed', async () => {
    const list = (await t.call('GET', '/v1/platform/policy/bundles')).json();
    assert.equal(list.active, bundleId);
    assert.equal(list.serving, bundleId);
    assert.deepEqual(
      list.items.map((i: { active: boolean }) => i.active),
      [true],
    );
    const diff = (await t.call('GET', `/v1/platform/policy/diff?from=builtin&to=${bundleId.slice(7)}`)).json();
    assert.deepEqual(diff.added, ['iris.network.platform-deny']);
    assert.deepEqual(diff.removed, []);
    assert.ok(diff.unchanged >= 8);
  });

  test('unsigned, tampered, untrusted and unverified bundles are refused; the active one stays', async () => {
    const refuse = async (body: unknown, code: string): Promise<void> => {
      const res = await t.call('POST', '/v1/platform/policy/bundles', { body });
      assert.equal(res.statusCode, 422, res.body);
      assert.equal(res.json().code, code, res.body);
    };
    const { signature: _s, ...unsigned } = signed;
    await refuse(unsigned, 'bundle_signature_invalid');
    await refuse(
      { ...signed, policies: { ...signed.policies, 'iris.roles.analyst': 'permit (principal, action, resource);' } },
      'bundle_signature_invalid',
    );
    await refuse(
      { ...signed, files: { ...signed.files, 'data/deny-cidrs.json': '{"deny": []}' } },
      'bundle_signature_invalid',
    );
    await refuse({ ...signed, manifest: { ...signed.manifest, name: 'renamed' } }, 'bundle_signature_invalid');
    await refuse(
      signBundle(denyUnsigned, loadBundleSigner({ pem: newPem(), dataDir: t.dataDir }), new Date()),
      'bundle_signature_invalid',
    );
    await refuse({ format: 'something-else' }, 'bundle_invalid');
    const unverified = signBundle(
      unverifiedUnsigned,
      loadBundleSigner({ pem: SHARED_PEM, dataDir: t.dataDir }),
      new Date(),
    );
    const pushed = await t.call('POST', '/v1/platform/policy/bundles', { body: unverified });
    assert.equal(pushed.statusCode, 201);
    const act = await t.call('POST', `/v1/platform/policy/bundles/${pushed.json().id.slice(7)}/activate`);
    assert.equal(act.statusCode, 422);
    assert.equal(act.json().code, 'bundle_unverified');
    const big = await t.call('POST', '/v1/platform/policy/bundles', {
      body: { ...signed, files: { ...signed.files, 'policies/huge.cedar': 'x'.repeat(1_200_000) } },
    });
    assert.ok([413, 422].includes(big.statusCode), `oversized: ${big.statusCode}`);
    assert.equal(t.app.policy.pdp.platform()?.id, bundleId, 'the active bundle is unchanged');
  });

  test('a bundle altered in the table is not loaded; the last good one keeps serving', async () => {
    await t.db.asOwner((s) =>
      s.query(
        "update policy_bundles set document = jsonb_set(document, '{policies,iris.roles.analyst}', to_jsonb('permit (principal, action, resource);'::text)) where bundle_id = $1",
        [bundleId],
      ),
    );
    await t.app.bundles.reload('platform');
    assert.equal(t.app.policy.pdp.platform()?.id, bundleId);
    assert.match(t.app.bundles.status().refused.platform ?? '', /tampered|altered/);
    assert.equal((await from('192.0.2.5', '/v1/tenants/acme')).statusCode, 403, 'still the last good bundle');
  });

  test('rollback returns to the previous bundle (the built-in one), audited', async () => {
    const rb = await t.call('POST', '/v1/platform/policy/rollback');
    assert.equal(rb.statusCode, 200, rb.body);
    assert.equal(rb.json().active, 'builtin');
    assert.equal(t.app.policy.pdp.platform()?.id, t.app.policy.builtin.id);
    assert.equal((await from('192.0.2.5', '/v1/tenants/acme')).statusCode, 200);
    assert.equal((await t.call('POST', '/v1/platform/policy/rollback')).statusCode, 409, 'nothing left to roll back');
    const events = (await t.call('GET', '/v1/audit/logs/platform/events?limit=1000'))
      .json()
      .items.map((e: { event: { action: string } }) => e.event.action);
    assert.ok(events.includes('policy.rollback'));
  });

  test('a key that expired is refused with a clear message', async () => {
    const expiredPem = newPem();
    const file = join(t.dataDir, 'trusted.json');
    const pub = loadBundleSigner({ pem: expiredPem, dataDir: t.dataDir })
      .publicKey.export({ format: 'pem', type: 'spki' })
      .toString();
    writeFileSync(file, JSON.stringify([{ publicKey: pub, notAfter: '2020-01-01T00:00:00Z' }]));
    const t2 = await createTestApp({ IRIS_POLICY_TRUSTED_KEYS: file }, t.testDb);
    try {
      const res = await t2.call('POST', '/v1/platform/policy/bundles', {
        body: signBundle(denyUnsigned, loadBundleSigner({ pem: expiredPem, dataDir: t.dataDir }), new Date()),
      });
      assert.equal(res.statusCode, 422);
      assert.match(res.json().detail, /expired at 2020-01-01/);
    } finally {
      await t2.dispose();
    }
  });
});

describe(`tenant overlays, replicas and the decision log (${storeName})`, () => {
  let shared: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let acmeAdmin: string;
  before(async () => {
    shared = await createTestDatabase();
    a = await createTestApp({ IRIS_POLICY_SIGNING_KEY: SHARED_PEM, IRIS_POLICY_DECISION_SAMPLE: '0' }, shared);
    const second = shared.url
      ? { ...shared, db: await openPostgresDatabase(shared.url, 5), dispose: async () => undefined }
      : shared;
    b = await createTestApp({ IRIS_POLICY_SIGNING_KEY: SHARED_PEM, IRIS_POLICY_DECISION_SAMPLE: '0' }, second);
    for (const id of ['acme', 'globex'])
      assert.equal((await a.call('POST', '/v1/tenants', { body: { id, displayName: id } })).statusCode, 201);
    acmeAdmin = await a.keyFor('acme', 'tenant-admin');
    await b.app.directory.resync();
  });
  after(async () => {
    await b.dispose();
    await a.dispose();
    if (shared.url) await b.db.close();
    await shared.dispose();
  });

  test("a tenant admin activates its own overlay; every replica enforces it; others' are out of reach", async () => {
    const overlay = signBundle(
      await compileBundle({
        files: {
          ...builtinOverlayFiles('acme'),
          'data/allow-cidrs.json': JSON.stringify({ allow: ['10.0.0.0/8', 'fd00::/8'] }),
        },
        now: new Date(),
      }),
      loadBundleSigner({ pem: SHARED_PEM, dataDir: a.dataDir }),
      new Date(),
    );
    assert.equal(
      (await a.call('POST', '/v1/tenants/globex/policy/bundles', { token: acmeAdmin, body: overlay })).statusCode,
      404,
    );
    assert.equal(
      (await a.call('POST', '/v1/platform/policy/bundles', { token: acmeAdmin, body: overlay })).statusCode,
      403,
    );
    const pushed = await a.app.server.inject({
      method: 'POST',
      url: '/v1/tenants/acme/policy/bundles',
      remoteAddress: '10.1.1.1',
      headers: { authorization: `Bearer ${acmeAdmin}` },
      payload: overlay,
    });
    assert.equal(pushed.statusCode, 201, pushed.body);
    const act = await a.app.server.inject({
      method: 'POST',
      url: `/v1/tenants/acme/policy/bundles/${pushed.json().id.slice(7)}/activate`,
      remoteAddress: '10.1.1.1',
      headers: { authorization: `Bearer ${acmeAdmin}` },
    });
    assert.equal(act.statusCode, 200, act.body);
    const at = (app: TestApp, ip: string) =>
      app.app.server.inject({
        method: 'GET',
        url: '/v1/tenants/acme',
        remoteAddress: ip,
        headers: { authorization: `Bearer ${acmeAdmin}`, 'x-request-id': `probe-${ip}` },
      });
    assert.equal((await at(a, '10.2.3.4')).statusCode, 200);
    assert.equal((await at(a, '203.0.113.50')).statusCode, 403);
    await eventually(() => b.app.policy.pdp.overlay('acme')?.id === pushed.json().id);
    assert.equal((await at(b, '203.0.113.51')).statusCode, 403, 'replica B enforces the overlay without a restart');
    assert.equal((await at(b, 'fd12::1')).statusCode, 200);
  });

  test('denies are logged with policies and inputs (allows sampled out); explain shows a request', async () => {
    await a.app.decisions.flush();
    const res = await a.app.server.inject({
      method: 'GET',
      url: '/v1/policy/decisions/probe-203.0.113.50',
      remoteAddress: '10.9.9.9',
      headers: { authorization: `Bearer ${acmeAdmin}` },
    });
    assert.equal(res.statusCode, 200, res.body);
    const [d] = res.json().items;
    assert.equal(d.allowed, false);
    assert.deepEqual(d.policies, ['tenant.network.allow']);
    assert.equal(d.inputs.sourceIp, '203.0.113.50');
    assert.equal(d.action, 'tenant.read');
    assert.match(d.bundle, /^sha256:[0-9a-f]{64}\+sha256:/);
    const allowLogged = await a.call('GET', '/v1/platform/policy/decisions?decision=allow&tenant=acme');
    assert.equal(allowLogged.json().items.length, 0, 'sample rate 0: no allows are logged');
    assert.ok(a.app.decisions.stats().sampledOut > 0);
    // Tenant keys see only their tenant's decisions.
    const globexKey = await a.keyFor('globex', 'tenant-admin');
    const hidden = await a.call('GET', '/v1/policy/decisions/probe-203.0.113.50', { token: globexKey });
    assert.deepEqual(hidden.json().items, []);
  });
});
