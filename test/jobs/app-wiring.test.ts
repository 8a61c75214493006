// The executor as wired into Iris: a tenant key enqueues through the API (202 + job URL), the
// app's worker runs the job, every state change of this user-started job lands in the
// tenant's audit log, and /metrics reports queue depth and finished jobs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, SCRAPE_TOKEN, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

describe(`jobs wired into the app (${storeName})`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    assert.equal(
      (await t.call('POST', '/v1/tenants', { body: { id: 'jobs-co', displayName: 'Jobs Co' } })).statusCode,
      201,
    );
  });
  after(async () => t.dispose());

  test('enqueue -> worker -> audited states -> metrics', async () => {
    const token = await t.keyFor('jobs-co', 'operator');
    const res = await t.call('POST', '/v1/tenants/jobs-co/jobs', {
      token,
      body: { kind: 'noop', payload: { echo: 'hi' } },
      headers: { 'idempotency-key': 'once-1' },
    });
    assert.equal(res.statusCode, 202, res.body);
    const url = String(res.headers.location);
    assert.match(url, /^\/v1\/tenants\/jobs-co\/jobs\/job_/);
    const again = await t.call('POST', '/v1/tenants/jobs-co/jobs', {
      token,
      body: { kind: 'noop', payload: { echo: 'hi' } },
      headers: { 'idempotency-key': 'once-1' },
    });
    assert.equal(again.json().jobId, res.json().jobId, 'the same idempotency key returns the same job');

    const metricsBefore = (await t.call('GET', '/metrics', { token: SCRAPE_TOKEN })).body;
    assert.match(metricsBefore, /iris_jobs_queue_depth\{[^}]*state="ready"[^}]*\} 1/);

    await t.app.startWorker({ concurrency: 2 });
    const deadline = Date.now() + 10_000;
    let state = '';
    while (Date.now() < deadline) {
      state = (await t.call('GET', url, { token })).json().state;
      if (state === 'succeeded') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(state, 'succeeded');

    const events = (await t.call('GET', '/v1/audit/logs/jobs-co/events?limit=100'))
      .json()
      .items.map((e: { event: { action: string } }) => e.event.action);
    for (const action of ['job.enqueue', 'job.claim', 'job.succeed'])
      assert.ok(events.includes(action), `${action} missing from ${events.join(',')}`);
    assert.equal((await t.call('GET', '/v1/audit/logs/jobs-co/verify')).json().ok, true);
    const metrics = (await t.call('GET', '/metrics', { token: SCRAPE_TOKEN })).body;
    assert.match(metrics, /iris_jobs_finished_total\{[^}]*outcome="succeeded"[^}]*\} 1/);
  });

  test('an analyst cannot enqueue; another tenant cannot see the job', async () => {
    const analyst = await t.keyFor('jobs-co', 'analyst');
    const res = await t.call('POST', '/v1/tenants/jobs-co/jobs', { token: analyst, body: { kind: 'noop' } });
    assert.equal(res.statusCode, 403, res.body);
    assert.equal(
      (await t.call('POST', '/v1/tenants', { body: { id: 'other-co', displayName: 'Other' } })).statusCode,
      201,
    );
    const other = await t.keyFor('other-co', 'tenant-admin');
    assert.equal((await t.call('GET', '/v1/tenants/jobs-co/jobs', { token: other })).statusCode, 404);
  });
});
