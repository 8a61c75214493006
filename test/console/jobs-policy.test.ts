// The jobs and policy pages in a browser, on real data: a tenant's live queue (counts, jobs,
// poisoned jobs), a job's detail; an operator cancels, retries and redrives from the page; an
// analyst sees no such buttons and a forged call (no CSRF token, or a read-only role) is
// refused. Policy: bundles, the active one and the history, a diff, the decision log and
// explain of a denied request. axe finds nothing serious on either page.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Type } from '@sinclair/typebox';
import { defineJobKind } from '../../src/jobs/index.js';
import { builtinOverlayFiles, compileBundle, loadBundleSigner, signBundle } from '../../src/policy/index.js';
import { axeViolations, browserSkip, startConsole, type ConsoleHarness } from '../support/console-browser.js';
import { newEd25519Pem } from '../../src/core/ed25519.js';

const PEM = newEd25519Pem();

async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`condition not met within ${ms} ms`);
}

describe('the jobs and policy pages in a browser', { skip: browserSkip }, () => {
  let h: ConsoleHarness;
  let poisonedId: string;
  let queuedId: string;
  let operator: string;
  let analyst: string;
  let admin: string;
  before(async () => {
    h = await startConsole({ IRIS_POLICY_SIGNING_KEY: PEM, IRIS_LEDGER_WITNESS_SECONDS: '0' });
    assert.equal(
      (await h.t.call('POST', '/v1/tenants', { body: { id: 'acme', displayName: 'Acme' } })).statusCode,
      201,
    );
    h.t.app.jobKinds.register(
      defineJobKind({
        kind: 'flaky',
        description: 'Always fails, retryably (a dependency that is down).',
        payload: Type.Object({}, { additionalProperties: false }),
        async handler() {
          throw new Error('upstream is down');
        },
        timeoutMs: 5_000,
      }),
    );
    operator = await h.t.keyFor('acme', 'operator');
    analyst = await h.t.keyFor('acme', 'analyst');
    admin = await h.t.keyFor('acme', 'tenant-admin');
    const flaky = await h.t.call('POST', '/v1/tenants/acme/jobs', {
      token: operator,
      body: { kind: 'flaky', maxAttempts: 1 },
    });
    assert.equal(flaky.statusCode, 202, flaky.body);
    poisonedId = flaky.json<{ jobId: string }>().jobId;
    for (let i = 0; i < 2; i++)
      await h.t.call('POST', '/v1/tenants/acme/jobs', {
        token: operator,
        body: { kind: 'noop', payload: { echo: `n${i}` } },
      });
    const later = await h.t.call('POST', '/v1/tenants/acme/jobs', {
      token: operator,
      body: { kind: 'noop', runAt: new Date(Date.now() + 3_600_000).toISOString() },
    });
    queuedId = later.json<{ jobId: string }>().jobId;
    await h.t.app.startWorker({ concurrency: 2 });
    await eventually(async () => {
      const j = await h.t.call('GET', `/v1/tenants/acme/jobs/${poisonedId}`);
      return j.json<{ state: string }>().state === 'poisoned';
    });

    // Two overlays for acme (the second allows loopback only), both activated: a history and a diff.
    const signer = loadBundleSigner({ pem: PEM, dataDir: h.t.dataDir });
    const overlay = async (allow: string[]) =>
      signBundle(
        await compileBundle({
          files: { ...builtinOverlayFiles('acme'), 'data/allow-cidrs.json': JSON.stringify({ allow }) },
          now: new Date(),
        }),
        signer,
        new Date(),
      );
    for (const allow of [[], ['127.0.0.0/8', '::1/128']]) {
      const pushed = await h.t.call('POST', '/v1/tenants/acme/policy/bundles', { body: await overlay(allow) });
      assert.equal(pushed.statusCode, 201, pushed.body);
      const act = await h.t.call(
        'POST',
        `/v1/tenants/acme/policy/bundles/${pushed.json<{ id: string }>().id.slice(7)}/activate`,
      );
      assert.equal(act.statusCode, 200, act.body);
    }
    // A denied request with a known id, for the decision log and explain.
    const denied = await h.t.call('POST', `/v1/tenants/acme/jobs/${queuedId}/cancel`, {
      token: analyst,
      body: {},
      headers: { 'x-request-id': 'probe-deny-1' },
    });
    assert.equal(denied.statusCode, 403, denied.body);
    await h.t.app.decisions.flush();
  });
  after(async () => h?.dispose());

  test('an operator sees the live queue and cancels, retries and redrives from the page', async () => {
    const page = await h.signedIn(operator);
    await page.goto('/console/jobs');
    await page.waitForURL(/\/console\/jobs\/acme$/);
    const counts = page.locator('.job-counts');
    await counts.getByText('poisoned').waitFor();
    await counts.locator('.stat').filter({ hasText: 'succeeded' }).filter({ hasText: '2' }).first().waitFor();
    assert.match(await counts.innerText(), /poisoned\s+1/);
    assert.match(await counts.innerText(), /queued\s+1/);
    const poisonedRow = page.locator('tr', { hasText: poisonedId }).first();
    assert.match(await poisonedRow.innerText(), /upstream is down/);
    await h.shot(page, 'jobs');
    assert.deepEqual(await axeViolations(page), []);

    // Cancel the queued job from its page, then run it again.
    await page.getByRole('link', { name: queuedId }).click();
    await page.getByRole('heading', { name: `Job ${queuedId}` }).waitFor();
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Cancelled: ${queuedId} is now cancelled.` })
      .waitFor();
    await page.getByRole('button', { name: 'Retry job' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Queued again: ${queuedId} is now queued.` })
      .waitFor();
    // Retried, it runs at once (the worker is on): queued, running or already done, not cancelled.
    const retried = (await h.t.call('GET', `/v1/tenants/acme/jobs/${queuedId}`)).json<{ state: string }>().state;
    assert.ok(['queued', 'running', 'succeeded'].includes(retried), retried);
    await h.shot(page, 'job');
    assert.deepEqual(await axeViolations(page), []);

    // Redrive the poisoned job from the queue page; it fails again, but was requeued.
    await page.goto(`/console/jobs/acme/${poisonedId}`);
    await page.getByText('upstream is down').first().waitFor();
    assert.match(await page.locator('dl.facts').innerText(), /Attempts\s+1 of 1/);
    await page.getByRole('button', { name: 'Redrive job' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Redriven: ${poisonedId}` })
      .waitFor();

    // A call that no longer applies answers 409, in words.
    const conflict = await h.t.call('POST', `/v1/tenants/acme/jobs/${queuedId}/redrive`, {
      token: operator,
      body: {},
    });
    assert.equal(conflict.statusCode, 409);

    // The cookie alone, without the CSRF token, cannot cancel.
    const forged = await page.evaluate(async (id) => {
      const r = await fetch(`/v1/tenants/acme/jobs/${id}/cancel`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      return { status: r.status, body: await r.text() };
    }, queuedId);
    assert.equal(forged.status, 403, forged.body);
    assert.match(forged.body, /CSRF/);
  });

  test('an analyst sees no job buttons, and its forged call with the CSRF token is refused', async () => {
    const state = async () =>
      (await h.t.call('GET', `/v1/tenants/acme/jobs/${poisonedId}`)).json<{ state: string }>().state;
    await eventually(async () => (await state()) === 'poisoned');
    const page = await h.signedIn(analyst);
    await page.goto(`/console/jobs/acme/${poisonedId}`);
    await page.getByRole('heading', { name: `Job ${poisonedId}` }).waitFor();
    await page.locator('dl.facts').waitFor();
    for (const name of ['Cancel job', 'Retry job', 'Redrive job'])
      assert.equal(await page.getByRole('button', { name }).count(), 0, name);
    await page.goto('/console/jobs/acme');
    await page.locator('tr', { hasText: poisonedId }).first().waitFor();
    assert.equal(await page.getByRole('button', { name: /^(Cancel|Retry|Redrive)/ }).count(), 0);
    const forged = await page.evaluate(async (id) => {
      const session = (await (await fetch('/v1/console/session')).json()) as { csrfToken: string };
      const r = await fetch(`/v1/tenants/acme/jobs/${id}/redrive`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-iris-csrf': session.csrfToken },
        body: '{}',
      });
      return r.status;
    }, poisonedId);
    assert.equal(forged, 403);
    assert.equal(await state(), 'poisoned');
    // The policy page's decision log needs a right the analyst lacks: a 403 in words, not a blank page.
    await page.goto('/console/policy/acme');
    const alert = page.getByRole('alert').first();
    await alert.waitFor();
    assert.match(await alert.innerText(), /Error 403/);
  });

  test('policy: bundles, active and history, a diff, the decision log and explain', async () => {
    const page = await h.signedIn(admin);
    await page.goto('/console/policy');
    await page.waitForURL(/\/console\/policy\/acme$/);
    const bundles = page.locator('table', { has: page.locator('caption', { hasText: 'Bundles pushed' }) });
    await bundles.waitFor();
    assert.equal(await bundles.locator('tbody tr').count(), 2);
    assert.equal(await bundles.getByText('active', { exact: true }).count(), 1);
    const history = page.locator('table', { has: page.locator('caption', { hasText: 'Activation history' }) });
    assert.equal(await history.locator('tbody tr').count(), 2);
    const options = await page.getByLabel('To', { exact: true }).locator('option').allInnerTexts();
    const inactive = options.find((o) => !o.includes('(active)'));
    assert.ok(inactive, options.join());
    await page.getByLabel('To', { exact: true }).selectOption({ label: inactive });
    await page.getByRole('button', { name: 'Show differences' }).click();
    const diff = page.locator('.diff');
    await diff.waitFor();
    // The first overlay allows every address: it has no allow policy, which the second adds back.
    assert.match(await diff.innerText(), /0 added, 1 removed, 0 changed/);
    assert.match(await diff.innerText(), /Removed: − tenant\.network\.allow/);

    const deny = page.locator('tr', { hasText: 'probe-deny-1' });
    await deny.waitFor();
    assert.match(await deny.innerText(), /deny/);
    assert.match(await deny.innerText(), /job\.cancel/);
    await deny.getByRole('button', { name: 'Explain request probe-deny-1' }).click();
    const explained = page.locator('.explain');
    await explained.getByText('job.cancel', { exact: true }).waitFor();
    assert.match(await explained.innerText(), /deny/);
    await h.shot(page, 'policy');
    assert.deepEqual(await axeViolations(page), []);

    await page.getByLabel('Request id').fill('no-such-request');
    await page.getByRole('button', { name: 'Explain', exact: true }).click();
    await page.getByText('No decisions are logged for request').waitFor();
  });
});
