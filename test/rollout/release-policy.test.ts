// A policy bundle rolled out by ring: a release names a pushed (not activated) platform bundle
// that denies a documentation address range. In its ring, the tenants on the candidate's share
// are decided by it (denied from that range); the other tenants of the ring are decided by the
// active bundle (allowed) while the candidate decides in shadow beside it, and each disagreement
// is counted, exported as a metric and shown in the release; tenants of other rings never meet
// the candidate. A rollback returns every tenant to the active bundle at once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newEd25519Pem } from '../../src/core/ed25519.js';
import {
  builtinPlatformFiles,
  compileBundle,
  loadBundleSigner,
  shutdownVerifier,
  signBundle,
  verifyPolicies,
} from '../../src/policy/index.js';
import { releaseDoc } from '../support/release-doc.js';
import { ADMIN_TOKEN, createTestApp, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

const PEM = newEd25519Pem();
const DENIED_IP = '192.0.2.5';

describe(`policy bundles by ring (${storeName})`, () => {
  let t: TestApp;
  let bundleId: string;
  const canary: string[] = [];
  const general: string[] = [];

  before(async () => {
    t = await createTestApp({ IRIS_POLICY_SIGNING_KEY: PEM });
    const unsigned = await compileBundle({
      files: {
        ...builtinPlatformFiles(),
        'bundle.json': JSON.stringify({ name: 'deny-doc-range', scope: 'platform' }),
        'data/deny-cidrs.json': JSON.stringify({ deny: ['192.0.2.0/24'] }),
      },
      now: new Date(),
      verify: (i) => verifyPolicies(i),
    });
    const signed = signBundle(unsigned, loadBundleSigner({ pem: PEM, dataDir: t.dataDir }), new Date());
    const pushed = await t.call('POST', '/v1/platform/policy/bundles', { body: signed });
    assert.equal(pushed.statusCode, 201, pushed.body);
    bundleId = pushed.json<{ id: string }>().id;
    for (let n = 0; n < 12; n++) {
      for (const [ring, list] of [
        ['canary', canary],
        ['general', general],
      ] as const) {
        const id = `${ring}-p${n}`;
        const res = await t.call('POST', '/v1/tenants', { body: { id, displayName: id, ring } });
        assert.equal(res.statusCode, 201, res.body);
        list.push(id);
      }
    }
    await t.app.directory.resync();
  });
  after(async () => {
    await t.dispose();
    await shutdownVerifier();
  });

  const from = (ip: string, tenant: string) =>
    t.app.server.inject({
      method: 'GET',
      url: `/v1/tenants/${tenant}`,
      remoteAddress: ip,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });

  test('the candidate bundle serves its share of the ring, decides in shadow for the rest, and rolls back', async () => {
    const doc = releaseDoc('deny-range', 'green', {
      bakeSeconds: 3600,
      flags: {},
      policyBundle: { name: 'deny-doc-range', digest: bundleId },
      thresholds: { alpha: 0.05, tolerance: 0.2, errorMargin: 0.5, latencyMargin: 0.5 },
    });
    assert.equal((await t.call('POST', '/v1/platform/releases', { body: doc })).statusCode, 201);
    const start = await t.call('POST', '/v1/platform/releases/deny-range@1.0.0/start', { body: {} });
    assert.equal(start.statusCode, 200, start.body);
    await t.app.rollout.state.reload();
    // The first request after a change may still be decided by the last candidates; settle.
    await from('198.51.100.1', canary[0] as string);
    await new Promise((r) => setTimeout(r, 300));

    const onCandidate = canary.filter((id) => t.app.rollout.placementOf(id)?.candidate === true);
    const onControl = canary.filter((id) => t.app.rollout.placementOf(id)?.candidate === false);
    assert.ok(onCandidate.length > 0 && onControl.length > 0, `split ${onCandidate.length}/${onControl.length}`);

    for (const id of onCandidate) {
      const res = await from(DENIED_IP, id);
      assert.equal(res.statusCode, 403, `${id} on the candidate is denied from the range`);
      assert.deepEqual(res.json<{ policies: string[] }>().policies, ['iris.network.platform-deny']);
      assert.equal((await from('198.51.100.1', id)).statusCode, 200, 'other addresses pass');
    }
    for (const id of [...onControl, ...general]) assert.equal((await from(DENIED_IP, id)).statusCode, 200, id);

    const release = await t.call('GET', '/v1/platform/releases/deny-range@1.0.0');
    const shadow = release.json<{ policyShadow: { disagreements: number; candidateDenies: number } }>().policyShadow;
    assert.ok(shadow.disagreements >= onControl.length, JSON.stringify(shadow));
    assert.equal(shadow.candidateDenies, shadow.disagreements);
    const metrics = await t.call('GET', '/metrics');
    assert.match(
      metrics.body,
      /iris_release_policy_disagreements_total\{[^}]*ring="canary"[^}]*outcome="candidate_denies"[^}]*\} [1-9]/,
    );

    const back = await t.call('POST', '/v1/platform/releases/deny-range@1.0.0/rollback', {
      body: { reason: 'policy test' },
    });
    assert.equal(back.statusCode, 200, back.body);
    await t.app.rollout.state.reload();
    await from('198.51.100.1', canary[0] as string);
    await new Promise((r) => setTimeout(r, 300));
    for (const id of onCandidate)
      assert.equal((await from(DENIED_IP, id)).statusCode, 200, `${id} back on the active bundle`);
  });
});
