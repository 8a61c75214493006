// A release row edited in the table into something that is not a release document: routing
// drops it (the control serves every tenant, requests keep succeeding), and the driver keeps
// working on the other releases.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { releaseDoc } from '../support/release-doc.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

/** A one-ring release holding the whole ring for an hour. */
const doc = (name: string, colour: string, ring: string): object =>
  releaseDoc(name, colour, { rings: [ring], weight: 100, bakeSeconds: 3600 });

describe(`tampered release rows (${storeName})`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    for (const [id, ring] of [
      ['tamper-a', 'canary'],
      ['tamper-b', 'early'],
    ] as const)
      assert.equal((await t.call('POST', '/v1/tenants', { body: { id, displayName: id, ring } })).statusCode, 201);
    await t.app.directory.resync();
  });
  after(async () => t.dispose());

  test('routing drops a row that is not a release document; the driver goes on with the rest', async () => {
    for (const [name, colour, ring] of [
      ['edited', 'green', 'canary'],
      ['intact', 'red', 'early'],
    ] as const) {
      assert.equal((await t.call('POST', '/v1/platform/releases', { body: doc(name, colour, ring) })).statusCode, 201);
      const started = await t.call('POST', `/v1/platform/releases/${name}@1.0.0/start`, { body: {} });
      assert.equal(started.statusCode, 200, started.body);
    }
    await t.app.rollout.state.reload();
    assert.equal((await t.call('GET', '/v1/tenants/tamper-a')).headers['x-iris-colour'], 'green');

    await t.db.asOwner((s) =>
      s.query(
        `update releases set spec = jsonb_set(spec, '{plan,guardIntervalSeconds}', '"soon"') where release_id = 'edited@1.0.0'`,
      ),
    );
    await t.app.rollout.state.reload();
    const a = await t.call('GET', '/v1/tenants/tamper-a');
    assert.equal(a.statusCode, 200);
    assert.equal(a.headers['x-iris-colour'], 'blue', 'the control serves the tampered release ring');
    assert.equal((await t.call('GET', '/v1/tenants/tamper-b')).headers['x-iris-colour'], 'red');
    // The driver's tick still reaches the intact release (its guard runs and is recorded).
    await t.app.rollout.releases.tick();
    const intact = await t.call('GET', '/v1/platform/releases/intact@1.0.0');
    assert.notEqual(intact.json<{ guardAt: string | null }>().guardAt, null);
  });
});
