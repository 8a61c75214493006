// Every bundle invariant holds on the server, not only in the compiler (issue 11, item 6): a
// validly signed bundle whose compiled policies break one (a permit in a tenant overlay, a
// syntax error, two policies under one id, an @id that is not its key, a reserved id, a schema
// violation, a template) is
// refused on push and never stored; activating such a bundle stored earlier fails and records
// nothing (no activation row, no ledger event); and only platform-admin keys write the
// platform bundle, which decides for every tenant and for platform-admin keys themselves.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { canonicalJson } from '../../src/audit/index.js';
import { PLATFORM } from '../../src/core/ids.js';
import {
  builtinOverlayFiles,
  builtinPlatformFiles,
  compileBundle,
  loadBundleSigner,
  signBundle,
  type BundleSigner,
  type SignedBundle,
} from '../../src/policy/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';
import { newEd25519Pem } from '../../src/core/ed25519.js';

const PEM = newEd25519Pem();
const sha256 = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** `base` with other compiled policies, its manifest made to match and signed: what a holder of a trusted key can make. */
function forge(base: SignedBundle, policies: Record<string, string>, signer: BundleSigner): SignedBundle {
  const manifest = {
    ...base.manifest,
    policies: { digest: sha256(canonicalJson(policies)), ids: Object.keys(policies).sort() },
  };
  return signBundle({ format: base.format, manifest, files: base.files, policies }, signer, new Date());
}

const AUDITOR_KEYS =
  'permit (principal, action == Iris::Action::"key.create", resource)\nwhen { principal.role == "auditor" && principal.tenant == resource.tenant };';

/** Compiled policy sets a tenant overlay may not hold, each with what is wrong with it. */
const BAD_OVERLAYS: readonly (readonly [string, Record<string, string>])[] = [
  ['a permit', { 'acme.auditor-keys': `@id("acme.auditor-keys")\n${AUDITOR_KEYS}` }],
  [
    'a syntax error',
    { 'acme.broken': '@id("acme.broken")\nforbid (principal, action, resource) when { principal.role == ' },
  ],
  [
    'two policies under one id',
    {
      'acme.two':
        '@id("acme.two")\nforbid (principal, action, resource) when { principal.role == "analyst" };\n@id("acme.two-b")\npermit (principal, action, resource);',
    },
  ],
  [
    'an @id that is not its key',
    { 'acme.named': '@id("acme.other")\nforbid (principal, action, resource) when { principal.role == "analyst" };' },
  ],
  [
    'the reserved iris. prefix',
    { 'iris.acme': '@id("iris.acme")\nforbid (principal, action, resource) when { principal.role == "analyst" };' },
  ],
  [
    'a schema violation',
    { 'acme.attr': '@id("acme.attr")\nforbid (principal, action, resource) when { principal.nickname == "x" };' },
  ],
  ['a template', { 'acme.template': '@id("acme.template")\nforbid (principal == ?principal, action, resource);' }],
];

describe(`bundle invariants on push and activation (${storeName})`, () => {
  let t: TestApp;
  let signer: BundleSigner;
  let overlay: SignedBundle;
  let acmeAdmin: string;
  let platformTenantAdmin: string;

  const count = async (table: 'policy_bundles' | 'policy_activations', owner: string): Promise<number> =>
    Number(
      (
        await t.db.asOwner((s) =>
          s.query<{ n: number }>(`select count(*)::int as n from ${table} where tenant_id = $1`, [owner]),
        )
      ).rows[0]?.n,
    );
  const ledgerActions = async (log: string): Promise<string[]> =>
    (await t.call('GET', `/v1/audit/logs/${log}/events?limit=1000`))
      .json<{ items: { event: { action: string } }[] }>()
      .items.map((e) => e.event.action);

  before(async () => {
    t = await createTestApp({ IRIS_POLICY_SIGNING_KEY: PEM });
    signer = loadBundleSigner({ pem: PEM, dataDir: t.dataDir });
    assert.equal((await t.call('POST', '/v1/tenants', { body: { id: 'acme', displayName: 'Acme' } })).statusCode, 201);
    overlay = await compileBundle({ files: builtinOverlayFiles('acme'), now: new Date() });
    acmeAdmin = await t.keyFor('acme', 'tenant-admin');
    const res = await t.call('POST', '/v1/platform/keys', { body: { name: 'platform-ta', role: 'tenant-admin' } });
    assert.equal(res.statusCode, 201, res.body);
    platformTenantAdmin = res.json<{ token: string }>().token;
    await t.app.directory.resync();
  });
  after(async () => t.dispose());

  test('a signed overlay that breaks an invariant is refused on push (422) and not stored', async () => {
    const accepted: string[] = [];
    for (const [what, policies] of BAD_OVERLAYS) {
      const res = await t.call('POST', '/v1/tenants/acme/policy/bundles', {
        token: acmeAdmin,
        body: forge(overlay, policies, signer),
      });
      if (res.statusCode !== 422) accepted.push(`${what}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      else assert.equal(res.json().code, 'bundle_invalid', `${what}: ${res.body}`);
    }
    assert.deepEqual(accepted, []);
    assert.equal(await count('policy_bundles', 'acme'), 0, 'nothing was stored');
    assert.ok(!(await ledgerActions('acme')).includes('policy.push'));
  });

  test('a signed platform bundle with a syntax error is refused on push and not stored', async () => {
    const platform = await compileBundle({
      files: { ...builtinPlatformFiles(), 'bundle.json': JSON.stringify({ name: 'broken', scope: 'platform' }) },
      now: new Date(),
      verification: { isolation: 'proved', residency: 'proved' },
    });
    const broken = forge(
      platform,
      { ...platform.policies, 'ops.broken': '@id("ops.broken")\npermit (principal, action, resource) when { ' },
      signer,
    );
    const res = await t.call('POST', '/v1/platform/policy/bundles', { body: broken });
    assert.equal(res.statusCode, 422, res.body);
    assert.equal(res.json().code, 'bundle_invalid');
    assert.equal(await count('policy_bundles', PLATFORM), 0);
  });

  test('activating a bad bundle stored earlier fails and records nothing; a good one then activates', async () => {
    for (const [what, policies] of BAD_OVERLAYS.slice(0, 2)) {
      // As a push before this fix stored it.
      const doc = forge(overlay, policies, signer);
      const id = sha256(canonicalJson(doc.manifest));
      await t.db.asOwner((s) =>
        s.query(
          'insert into policy_bundles (tenant_id, bundle_id, name, scope, document, signer_key_id, size_bytes, pushed_by) values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing',
          ['acme', id, 'stored-earlier', 'tenant', JSON.stringify(doc), signer.keyId, 100, 'key:test'],
        ),
      );
      const res = await t.call('POST', `/v1/tenants/acme/policy/bundles/${id.slice(7)}/activate`, { token: acmeAdmin });
      assert.equal(res.statusCode, 422, `${what}: ${res.body}`);
      assert.equal(await count('policy_activations', 'acme'), 0, `${what}: the failed activation was recorded`);
      assert.ok(
        !(await ledgerActions('acme')).includes('policy.activate'),
        `${what}: the failed activation is in the ledger`,
      );
      assert.equal(t.app.policy.pdp.overlay('acme'), undefined);
    }
    const good = signBundle(
      await compileBundle({
        files: {
          ...builtinOverlayFiles('acme'),
          'policies/overlay.cedar':
            '@id("acme.no-analyst-writes")\nforbid (principal, action == Iris::Action::"knowledge.write", resource) when { principal.role == "analyst" };',
        },
        now: new Date(),
      }),
      signer,
      new Date(),
    );
    const pushed = await t.call('POST', '/v1/tenants/acme/policy/bundles', { token: acmeAdmin, body: good });
    assert.equal(pushed.statusCode, 201, pushed.body);
    const act = await t.call('POST', `/v1/tenants/acme/policy/bundles/${pushed.json().id.slice(7)}/activate`, {
      token: acmeAdmin,
    });
    assert.equal(act.statusCode, 200, act.body);
    assert.equal(act.json().seq, 1, 'the first recorded activation');
    assert.equal(t.app.policy.pdp.overlay('acme')?.id, pushed.json().id);
  });

  test('only platform-admin keys write the platform bundle; a platform-level tenant-admin reads it', async () => {
    const platform = signBundle(
      await compileBundle({
        files: builtinPlatformFiles(),
        now: new Date(),
        verification: { isolation: 'proved', residency: 'proved' },
      }),
      signer,
      new Date(),
    );
    const push = await t.call('POST', '/v1/platform/policy/bundles', { token: platformTenantAdmin, body: platform });
    assert.equal(push.statusCode, 403, push.body);
    const rollback = await t.call('POST', '/v1/platform/policy/rollback', { token: platformTenantAdmin });
    assert.equal(rollback.statusCode, 403, rollback.body);
    assert.equal((await t.call('GET', '/v1/platform/policy/bundles', { token: platformTenantAdmin })).statusCode, 200);
    assert.equal(await count('policy_bundles', PLATFORM), 0);
  });
});
