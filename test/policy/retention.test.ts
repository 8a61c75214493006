// Retention of the decision log and the query log: old rows go, recent ones stay, the
// application role still cannot delete decisions itself, and each pruning is audited.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { platformScope } from '../../src/core/db.js';
import { makeRetention } from '../../src/app/index.js';
import { createTestApp, SCRAPE_TOKEN, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

describe(`retention of the decision log and the query log (${storeName})`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    assert.equal((await t.call('POST', '/v1/tenants', { body: { id: 'acme', displayName: 'Acme' } })).statusCode, 201);
  });
  after(async () => t.dispose());

  /** Writes decisions of acme made `ages` days ago, ids d<age> (the requests' own are dec_…). */
  const decide = (ages: readonly number[]) =>
    t.db.transaction(platformScope, (tx) =>
      tx.query(
        `insert into policy_decisions (tenant_id, decision_id, decided_at, request_id, principal, role, action, resource, resource_tenant, allowed, policies, errors, bundle, inputs)
         select 'acme', 'd' || a, now() - a * interval '1 day', 'req-' || a, 'key', 'tenant-admin', 'tenant.read', 'Tenant::"acme"', 'acme', false, '[]', '[]', 'builtin', '{}'
         from unnest($1::double precision[]) as a`,
        [ages],
      ),
    );
  const decisionIds = async (): Promise<string[]> =>
    t.db.transaction(platformScope, async (tx) =>
      (
        await tx.query<{ decision_id: string }>(
          "select decision_id from policy_decisions where decision_id ~ '^d[0-9]' order by decided_at",
        )
      ).rows.map((r) => r.decision_id),
    );
  const pruneEvents = async (): Promise<{ action: string; resource: { id: string } }[]> =>
    (await t.call('GET', '/v1/audit/logs/platform/events?limit=1000'))
      .json()
      .items.map((e: { event: { action: string; resource: { id: string } } }) => e.event)
      .filter((e: { action: string }) => e.action === 'policy.decisions.prune');
  const clear = () =>
    t.db.transaction(platformScope, (tx) =>
      tx.query("select iris_prune_policy_decisions(now() - interval '1 day', 50000)"),
    );

  test('decisions older than the retention go, with one audit event; recent ones stay', async () => {
    await decide([45, 31, 29, 0.01]);
    await t.db.transaction(platformScope, (tx) =>
      tx.query(
        `insert into kg_query_log (tenant_id, question, mode, asked, last_asked_at) values
         ('acme', 'who owns payments', 'local', 3, now() - interval '40 days'), ('acme', 'what does billing call', 'local', 1, now() - interval '2 days')`,
      ),
    );
    const report = await t.app.retention.run();
    assert.deepEqual(report, { policyDecisions: 2, queryLog: 1, ran: true });
    assert.deepEqual(await decisionIds(), ['d29', 'd0.01']);
    const questions = await t.db.transaction(platformScope, async (tx) =>
      (await tx.query<{ question: string }>('select question from kg_query_log')).rows.map((r) => r.question),
    );
    assert.deepEqual(questions, ['what does billing call']);

    const events = await pruneEvents();
    assert.equal(events.length, 1);
    assert.match(events[0]!.resource.id, /^decided-before\/\d{4}-\d\d-\d\dT/);
    assert.equal((await t.call('GET', '/v1/audit/logs/platform/verify')).json().ok, true);
    const metrics = (await t.call('GET', '/metrics', { token: SCRAPE_TOKEN })).body;
    assert.match(metrics, /^iris_retention_pruned_rows_total\{table="policy_decisions"[^}]*\} 2$/m);
    assert.match(metrics, /^iris_retention_pruned_rows_total\{table="kg_query_log"[^}]*\} 1$/m);

    assert.deepEqual(await t.app.retention.run(), { policyDecisions: 0, queryLog: 0, ran: true });
    assert.equal((await pruneEvents()).length, 1, 'a run that deletes nothing writes no event');
  });

  test('the application role cannot delete decisions, nor prune the last day through the function', async () => {
    await decide([0.5]);
    await assert.rejects(
      t.db.transaction(platformScope, (tx) => tx.query('delete from policy_decisions')),
      /permission denied/,
    );
    await assert.rejects(
      t.db.transaction(platformScope, (tx) =>
        tx.query("select iris_prune_policy_decisions(now() - interval '1 hour', 1000)"),
      ),
      /policy decisions of the last day are kept/,
    );
    assert.ok((await decisionIds()).includes('d0.5'));
  });

  test('large backlogs are pruned in batches, oldest first, and a capped run is finished by the next', async () => {
    await clear();
    await decide([90, 80, 70, 60, 2]);
    const retention = makeRetention(
      { db: t.db, ledger: t.app.ledger, clock: { now: () => new Date() }, context: () => t.app.systemContext() },
      { decisionDays: 30, queryLogDays: 30, batchRows: 2, maxBatches: 1 },
    );
    const before = (await pruneEvents()).length;
    // (the last day's decisions of the earlier tests are still there: nothing prunes them)
    const older = async () => (await decisionIds()).filter((id) => ['d90', 'd80', 'd70', 'd60', 'd2'].includes(id));
    assert.equal((await retention.run()).policyDecisions, 2);
    assert.deepEqual(await older(), ['d70', 'd60', 'd2']);
    assert.equal((await retention.run()).policyDecisions, 2);
    assert.deepEqual(await older(), ['d2']);
    assert.equal((await pruneEvents()).length, before + 2, 'one audit event per batch that deleted rows');
  });

  test('a retention of 0 days keeps every decision', async () => {
    await decide([400]);
    const keep = makeRetention(
      { db: t.db, ledger: t.app.ledger, clock: { now: () => new Date() }, context: () => t.app.systemContext() },
      { decisionDays: 0, queryLogDays: 30 },
    );
    assert.equal((await keep.run()).policyDecisions, 0);
    assert.ok((await decisionIds()).includes('d400'));
  });

  test(
    'while another replica holds the retention lock, a run does nothing',
    { skip: storeName === 'pglite' ? 'PGlite has one connection: no other replica' : false },
    async () => {
      const other = new pg.Client({ connectionString: t.testDb.url });
      await other.connect();
      try {
        await other.query('select pg_advisory_lock(7211042026)');
        assert.deepEqual(await t.app.retention.run(), { policyDecisions: 0, queryLog: 0, ran: false });
        assert.ok((await decisionIds()).includes('d400'));
        await other.query('select pg_advisory_unlock(7211042026)');
        assert.equal((await t.app.retention.run()).policyDecisions, 1);
      } finally {
        await other.end();
      }
    },
  );
});
