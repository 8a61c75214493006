// Data residency and CIDR allow/deny lists, compiled from data files into Cedar policies and
// enforced through the gateway: a tenant's data is served only from its home region (and
// only through upstream services there) unless an explicit exception allows it; a platform
// deny list and a tenant allow list gate requests by client address, IPv4 and IPv6.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  activeBundleOf,
  BundleError,
  builtinOverlayFiles,
  builtinPlatformFiles,
  compileBundle,
  loadBundleSigner,
  loadTrust,
  makeDecisionPoint,
  signBundle,
  verifyBundle,
  type DecisionPoint,
} from '../../src/policy/index.js';
import { ADMIN_TOKEN, createTestApp, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';
import { newEd25519Pem } from '../../src/core/ed25519.js';

const signer = loadBundleSigner({
  pem: newEd25519Pem(),
  dataDir: '/nonexistent',
});
const trust = loadTrust(signer, undefined);

async function bundleFrom(files: Record<string, string>) {
  const unsigned = await compileBundle({
    files,
    now: new Date(),
    verification: { isolation: 'skipped', residency: 'skipped' },
  });
  return activeBundleOf(verifyBundle(signBundle(unsigned, signer, new Date()), trust, new Date(), 1 << 20));
}

const platformWith = (data: Record<string, unknown>) => {
  const files = builtinPlatformFiles();
  for (const [k, v] of Object.entries(data)) files[k] = JSON.stringify(v);
  return files;
};
const overlayWith = (tenant: string, allow: string[]) => ({
  ...builtinOverlayFiles(tenant),
  'data/allow-cidrs.json': JSON.stringify({ allow }),
});

describe('residency and CIDR lists as policies (decision point)', () => {
  let pdp: DecisionPoint;
  const regions: Record<string, string> = { home: 'eu-west', away: 'us-east' };
  before(async () => {
    pdp = makeDecisionPoint({
      region: 'eu-west',
      tenantFacts: (id) => ({ region: regions[id] ?? 'eu-west', tier: 'standard' }),
    });
    pdp.setPlatform(await bundleFrom(builtinPlatformFiles()));
  });
  const ask = (
    tenantId: string,
    action: string,
    extra: { sourceIp?: string; upstreamRegions?: string[]; role?: string } = {},
  ) =>
    pdp.decide({
      principal: { keyId: `k-${tenantId}`, role: extra.role ?? 'tenant-admin', tenantId },
      action,
      resourceTenant: tenantId,
      resourceKind: 'Tenant',
      route: 'test',
      sourceIp: extra.sourceIp,
      upstreamRegions: extra.upstreamRegions,
    });

  test("a tenant's data is not served from another region; control-plane records are", () => {
    assert.equal(ask('home', 'audit.read').allowed, true);
    const away = ask('away', 'audit.read');
    assert.equal(away.allowed, false);
    assert.deepEqual(away.policies, ['iris.residency.serving']);
    assert.equal(ask('away', 'tenant.read').allowed, true, 'tenant records are control-plane metadata');
    assert.equal(ask('away', 'job.read', { role: 'operator' }).allowed, false);
  });

  test('even a platform admin is bound by residency', () => {
    const d = pdp.decide({
      principal: { keyId: 'root', role: 'platform-admin', tenantId: 'platform' },
      action: 'audit.read',
      resourceTenant: 'away',
      resourceKind: 'Log',
      route: 'test',
    });
    assert.equal(d.allowed, false);
  });

  test('upstream services outside the home region are refused', () => {
    assert.equal(ask('home', 'knowledge.query', { upstreamRegions: ['eu-west'] }).allowed, true);
    const d = ask('home', 'knowledge.query', { upstreamRegions: ['eu-west', 'us-east'] });
    assert.equal(d.allowed, false);
    assert.deepEqual(d.policies, ['iris.residency.upstream']);
  });

  test('an explicit exception allows serving and upstreams from the named regions only', async () => {
    pdp.setPlatform(
      await bundleFrom(
        platformWith({
          'data/residency.json': {
            exceptions: [
              { tenant: 'away', regions: ['eu-west'] },
              { tenant: 'home', regions: ['us-east'] },
            ],
          },
        }),
      ),
    );
    assert.equal(ask('away', 'audit.read').allowed, true);
    assert.equal(ask('home', 'knowledge.query', { upstreamRegions: ['us-east'] }).allowed, true);
    assert.equal(ask('home', 'knowledge.query', { upstreamRegions: ['ap-south'] }).allowed, false);
    pdp.setPlatform(await bundleFrom(builtinPlatformFiles()));
  });

  test('the platform deny list refuses IPv4 and IPv6 ranges for everyone', async () => {
    pdp.setPlatform(
      await bundleFrom(platformWith({ 'data/deny-cidrs.json': { deny: ['203.0.113.0/24', '2001:db8:bad::/48'] } })),
    );
    assert.equal(ask('home', 'tenant.read', { sourceIp: '203.0.113.9' }).allowed, false);
    assert.deepEqual(ask('home', 'tenant.read', { sourceIp: '2001:db8:bad::1' }).policies, [
      'iris.network.platform-deny',
    ]);
    assert.equal(ask('home', 'tenant.read', { sourceIp: '2001:db8:600d::1' }).allowed, true);
    assert.equal(ask('home', 'tenant.read', { sourceIp: '198.51.100.1' }).allowed, true);
    pdp.setPlatform(await bundleFrom(builtinPlatformFiles()));
  });

  test("a tenant allow list admits the tenant's keys only from its ranges", async () => {
    pdp.setOverlay('home', await bundleFrom(overlayWith('home', ['10.0.0.0/8', 'fd00::/8'])));
    assert.equal(ask('home', 'tenant.read', { sourceIp: '10.20.30.40' }).allowed, true);
    assert.equal(ask('home', 'tenant.read', { sourceIp: 'fd12::7' }).allowed, true);
    const outside = ask('home', 'tenant.read', { sourceIp: '192.0.2.1' });
    assert.equal(outside.allowed, false);
    assert.deepEqual(outside.policies, ['tenant.network.allow']);
    assert.equal(
      ask('home', 'policy.write', { sourceIp: '192.0.2.1' }).allowed,
      true,
      'policy repair is decided by the platform bundle',
    );
    assert.equal(ask('away', 'tenant.read', { sourceIp: '192.0.2.1' }).allowed, true, 'other tenants are unaffected');
    pdp.setOverlay('home', undefined);
    assert.equal(ask('home', 'tenant.read', { sourceIp: '192.0.2.1' }).allowed, true);
  });

  test('bad CIDRs and residency entries are refused with file and location', async () => {
    const bad = async (files: Record<string, string>): Promise<BundleError> => {
      try {
        await compileBundle({ files, now: new Date() });
      } catch (err) {
        assert.ok(err instanceof BundleError, String(err));
        return err;
      }
      assert.fail('compiled');
    };
    let e = await bad(overlayWith('home', ['10.0.0.0/8', '10.0.0.300/8', '2001:db8::/129']));
    assert.deepEqual(
      e.problems.map((p) => [p.file, p.path]),
      [
        ['data/allow-cidrs.json', '/allow/1'],
        ['data/allow-cidrs.json', '/allow/2'],
      ],
    );
    assert.match(e.message, /10\.0\.0\.300/);
    e = await bad(platformWith({ 'data/deny-cidrs.json': { deny: ['not-an-ip'] } }));
    assert.equal(e.problems[0]?.path, '/deny/0');
    e = await bad(
      platformWith({ 'data/residency.json': { exceptions: [{ tenant: 'Bad Tenant', regions: ['mars!'] }] } }),
    );
    assert.deepEqual(
      e.problems.map((p) => p.path),
      ['/exceptions/0/tenant', '/exceptions/0/regions/0'],
    );
  });
});

describe(`residency and CIDR lists through the gateway (${storeName})`, () => {
  let t: TestApp;
  let awayAdmin: string;
  let homeAdmin: string;
  before(async () => {
    t = await createTestApp({ IRIS_REGION: 'eu-west' });
    assert.equal((await t.call('POST', '/v1/tenants', { body: { id: 'home-co', displayName: 'H' } })).statusCode, 201);
    assert.equal(
      (await t.call('POST', '/v1/tenants', { body: { id: 'away-co', displayName: 'A', homeRegion: 'us-east' } }))
        .statusCode,
      201,
    );
    homeAdmin = await t.keyFor('home-co', 'tenant-admin');
    awayAdmin = await t.keyFor('away-co', 'tenant-admin');
  });
  after(async () => t.dispose());

  const from = (ip: string, url: string, token: string) =>
    t.app.server.inject({ method: 'GET', url, remoteAddress: ip, headers: { authorization: `Bearer ${token}` } });

  test("data of a tenant homed elsewhere is refused with the residency policy's id", async () => {
    const res = await t.call('GET', '/v1/audit/logs/away-co/events', { token: awayAdmin });
    assert.equal(res.statusCode, 403);
    assert.deepEqual(res.json().policies, ['iris.residency.serving']);
    assert.equal((await t.call('GET', '/v1/audit/logs/away-co/events', { token: ADMIN_TOKEN })).statusCode, 403);
    assert.equal((await t.call('GET', '/v1/tenants/away-co', { token: awayAdmin })).statusCode, 200);
    assert.equal((await t.call('GET', '/v1/audit/logs/home-co/events', { token: homeAdmin })).statusCode, 200);
  });

  test('a tenant allow list and the platform deny list gate by client address (IPv4 and IPv6)', async () => {
    t.app.policy.pdp.setOverlay('home-co', await bundleFrom(overlayWith('home-co', ['10.0.0.0/8', '2001:db8:1::/48'])));
    try {
      assert.equal((await from('10.1.1.1', '/v1/tenants/home-co', homeAdmin)).statusCode, 200);
      assert.equal((await from('2001:db8:1::5', '/v1/tenants/home-co', homeAdmin)).statusCode, 200);
      const out = await from('192.0.2.10', '/v1/tenants/home-co', homeAdmin);
      assert.equal(out.statusCode, 403);
      assert.deepEqual(out.json().policies, ['tenant.network.allow']);
      assert.equal(
        (await from('::ffff:10.1.1.1', '/v1/tenants/home-co', homeAdmin)).statusCode,
        200,
        'IPv4-mapped IPv6 is the IPv4 address',
      );
    } finally {
      t.app.policy.pdp.setOverlay('home-co', undefined);
    }
    const platform = t.app.policy.pdp.platform();
    t.app.policy.pdp.setPlatform(
      await bundleFrom(platformWith({ 'data/deny-cidrs.json': { deny: ['198.51.100.0/24', '2001:db8:dead::/48'] } })),
    );
    try {
      assert.equal((await from('198.51.100.7', '/v1/tenants/home-co', ADMIN_TOKEN)).statusCode, 403);
      assert.equal((await from('2001:db8:dead::1', '/v1/tenants/home-co', homeAdmin)).statusCode, 403);
      assert.equal((await from('2001:db8:beef::1', '/v1/tenants/home-co', homeAdmin)).statusCode, 200);
    } finally {
      if (platform) t.app.policy.pdp.setPlatform(platform);
    }
  });
});
