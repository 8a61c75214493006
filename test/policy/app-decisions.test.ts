// Authorization state belongs to an app, not to the module: two apps in one process (as the
// replica tests run them) each decide Iris's own calls, for which no request bound the
// principal, with their own bundles.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RequestContext } from '../../src/core/context.js';
import { IrisError } from '../../src/core/errors.js';
import { activeBundleOf, builtinOverlayFiles, bundleIdOf, compileBundle } from '../../src/policy/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

describe(`two apps in one process decide with their own bundles (${storeName})`, () => {
  let a: TestApp;
  let b: TestApp;
  before(async () => {
    a = await createTestApp();
    b = await createTestApp();
  });
  after(async () => {
    await b.dispose();
    await a.dispose();
  });

  // A fresh, unbound principal per call, as Iris's own control loops and scripts use them.
  const twinAdmin = (): RequestContext => ({
    principal: { keyId: 'twin-admin', role: 'tenant-admin', tenantId: 'twin' },
    requestId: 'req_twin',
    traceId: undefined,
    sourceIp: undefined,
  });

  test("an overlay served by app A denies A's calls and leaves app B's alone, whichever app was built last", async () => {
    for (const t of [a, b])
      assert.equal(
        (await t.call('POST', '/v1/tenants', { body: { id: 'twin', displayName: 'Twin' } })).statusCode,
        201,
      );
    // Only 10.0.0.0/8 may act on the tenant: calls without a source address (127.0.0.1) are denied.
    const overlay = await compileBundle({
      files: { ...builtinOverlayFiles('twin'), 'data/allow-cidrs.json': JSON.stringify({ allow: ['10.0.0.0/8'] }) },
      now: new Date(),
    });
    a.app.policy.pdp.setOverlay('twin', activeBundleOf({ id: bundleIdOf(overlay.manifest), bundle: overlay }));

    await assert.rejects(a.app.tenants.get(twinAdmin(), 'twin'), (err: unknown) => {
      assert.ok(err instanceof IrisError);
      assert.equal(err.status, 403);
      assert.deepEqual(err.extensions.policies, ['tenant.network.allow']);
      return true;
    });
    assert.equal((await b.app.tenants.get(twinAdmin(), 'twin')).id, 'twin');
    // And the other way round: A's calls keep A's overlay after B decided.
    await assert.rejects(
      a.app.keys.list(twinAdmin(), 'twin'),
      (err: unknown) => err instanceof IrisError && err.status === 403,
    );
  });
});
