// The audit ledger end to end: an event per mutation in the same transaction, verification
// that catches edited, deleted and reordered rows made directly in the table, and inclusion
// proofs that verify offline.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { verifyProofBundle, type ProofBundle } from '../../src/audit/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

describe(`audit ledger (${storeName})`, () => {
  let t: TestApp;
  const owner = <T>(sql: string, params: unknown[] = []): Promise<T[]> =>
    t.db.asOwner(async (s) => (await s.query<T>(sql, params)).rows);
  const verify = async (log: string): Promise<{ ok: boolean; problems: { problem: string }[]; size: number }> =>
    (await t.call('GET', `/v1/audit/logs/${log}/verify`)).json();

  before(async () => {
    t = await createTestApp();
    assert.equal((await t.call('POST', '/v1/tenants', { body: { id: 'ledger-a', displayName: 'A' } })).statusCode, 201);
    for (let i = 0; i < 6; i++)
      assert.equal(
        (
          await t.call('PATCH', '/v1/tenants/ledger-a', {
            body: { displayName: `A${i}` },
            headers: { 'x-request-id': `req-${i}` },
          })
        ).statusCode,
        200,
      );
    assert.equal(
      (await t.call('POST', '/v1/tenants/ledger-a/keys', { body: { name: 'k', role: 'analyst' } })).statusCode,
      201,
    );
  });
  after(async () => t.dispose());

  test('each mutation appended one event with actor, request id and digests', async () => {
    const page = (await t.call('GET', '/v1/audit/logs/ledger-a/events?limit=100')).json();
    assert.equal(page.size, 8);
    assert.deepEqual(
      page.items.map((e: { event: { action: string } }) => e.event.action),
      ['tenant.create', ...Array(6).fill('tenant.update'), 'key.create'],
    );
    const upd = page.items[1].event;
    assert.equal(upd.requestId, 'req-0');
    assert.equal(upd.actor.role, 'platform-admin');
    assert.match(upd.before, /^sha256:[0-9a-f]{64}$/);
    assert.notEqual(upd.before, upd.after);
    const v = await verify('ledger-a');
    assert.equal(v.ok, true, JSON.stringify(v.problems));
    assert.equal(v.size, 8);
  });

  test('a failed mutation leaves neither the change nor an event', async () => {
    const sizeBefore = (await t.call('GET', '/v1/audit/logs/ledger-a/head')).json().size;
    const res = await t.call('PATCH', '/v1/tenants/ledger-a', {
      body: { displayName: 'nope' },
      headers: { 'if-match': '"1"' },
    });
    assert.equal(res.statusCode, 412);
    assert.equal((await t.call('GET', '/v1/audit/logs/ledger-a/head')).json().size, sizeBefore);
    assert.equal((await t.call('GET', '/v1/tenants/ledger-a')).json().displayName, 'A5');
  });

  test('an inclusion proof verifies offline and fails when edited', async () => {
    const bundle = (await t.call('GET', '/v1/audit/logs/ledger-a/proof/3')).json<ProofBundle>();
    const { vkey } = (await t.call('GET', '/v1/audit/key', { token: null })).json();
    assert.deepEqual(verifyProofBundle(bundle, vkey), { ok: true });
    const edited = { ...bundle, event: { ...bundle.event, action: 'tenant.delete' } };
    assert.equal(verifyProofBundle(edited, vkey).ok, false);
    const otherPath = { ...bundle, auditPath: [...bundle.auditPath.slice(1), bundle.auditPath[0] as string] };
    assert.equal(verifyProofBundle(otherPath, vkey).ok, false);
    const { vkey: otherKey } = { vkey: vkey.replace(/\+[0-9a-f]{8}\+/, '+00000000+') };
    assert.equal(verifyProofBundle(bundle, otherKey).ok, false);
  });

  // Each tamper runs on its own tenant so one does not mask the next.
  async function freshLog(id: string, n: number): Promise<void> {
    assert.equal((await t.call('POST', '/v1/tenants', { body: { id, displayName: id } })).statusCode, 201);
    for (let i = 1; i < n; i++) await t.call('PATCH', `/v1/tenants/${id}`, { body: { displayName: `${id}-${i}` } });
    assert.equal((await verify(id)).ok, true);
  }

  test('an edited row is detected', async () => {
    await freshLog('tamper-edit', 5);
    await owner(
      "update audit_events set event = jsonb_set(event, '{actor,role}', '\"analyst\"') where tenant_id = 'tamper-edit' and seq = 2",
    );
    const v = await verify('tamper-edit');
    assert.equal(v.ok, false);
    assert.match(v.problems.map((p) => p.problem).join('\n'), /edited/);
  });

  test('an edited row with a recomputed leaf hash is still detected by the signed head', async () => {
    await freshLog('tamper-rehash', 5);
    const rows = await owner<{ event: Record<string, unknown> }>(
      "select event from audit_events where tenant_id = 'tamper-rehash' and seq = 1",
    );
    const { canonicalJson } = await import('../../src/audit/index.js');
    const { createHash } = await import('node:crypto');
    const forged = { ...rows[0]?.event, action: 'tenant.read' };
    const leaf = createHash('sha256')
      .update(Buffer.concat([Buffer.from([0]), Buffer.from(canonicalJson(forged))]))
      .digest('hex');
    await owner("update audit_events set event = $1, leaf_hash = $2 where tenant_id = 'tamper-rehash' and seq = 1", [
      JSON.stringify(forged),
      leaf,
    ]);
    const v = await verify('tamper-rehash');
    assert.equal(v.ok, false);
    assert.match(v.problems.map((p) => p.problem).join('\n'), /signed head/);
  });

  test('a deleted row is detected (middle and last)', async () => {
    await freshLog('tamper-del', 5);
    await owner("delete from audit_events where tenant_id = 'tamper-del' and seq = 2");
    assert.equal((await verify('tamper-del')).ok, false);
    await freshLog('tamper-tail', 5);
    await owner("delete from audit_events where tenant_id = 'tamper-tail' and seq = 4");
    const v = await verify('tamper-tail');
    assert.equal(v.ok, false);
    assert.match(v.problems.map((p) => p.problem).join('\n'), /deleted/);
  });

  test('reordered rows are detected', async () => {
    await freshLog('tamper-order', 5);
    await owner("update audit_events set seq = -1 where tenant_id = 'tamper-order' and seq = 1");
    await owner("update audit_events set seq = 1 where tenant_id = 'tamper-order' and seq = 3");
    await owner("update audit_events set seq = 3 where tenant_id = 'tamper-order' and seq = -1");
    const v = await verify('tamper-order');
    assert.equal(v.ok, false);
    assert.match(v.problems.map((p) => p.problem).join('\n'), /moved|reordered/);
  });

  test('platform events go to the platform log', async () => {
    const res = await t.call('POST', '/v1/platform/keys', { body: { name: 'ops', role: 'auditor' } });
    assert.equal(res.statusCode, 201, res.body);
    const page = (await t.call('GET', '/v1/audit/logs/platform/events')).json();
    assert.ok(
      page.items.some(
        (e: { event: { action: string; resource: { id: string } } }) =>
          e.event.action === 'key.create' && e.event.resource.id === res.json().id,
      ),
    );
    assert.equal((await verify('platform')).ok, true);
  });
});
