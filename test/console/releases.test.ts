// The releases page in a browser, on a real server with a real rollout: tenants in ring canary,
// a release created and started through the API. The page shows the release, its colour and its
// weight on canary, and follows it live (no reload) when it is paused through the API; a
// platform admin pauses from the page's button (with a reason, sent with the CSRF token) and a
// refused start shows the API's problem detail; a tenant's key and a platform key of another role
// see that releases need platform-admin and no buttons. axe finds nothing serious.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { StoredRelease } from '../../src/rollout/index.js';
import { axeViolations, browserSkip, startConsole, type ConsoleHarness } from '../support/console-browser.js';
import { releaseDoc } from '../support/release-doc.js';
import { ADMIN_TOKEN } from '../support/test-app.js';

const ID = 'answers@1.0.0';
const CANARY = ['canary-a', 'canary-b', 'canary-c', 'canary-d'];

/** Counts the page's navigations, so a test can tell a live update from a reload. */
function navigations(page: Page): () => number {
  let n = 0;
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) n++;
  });
  return () => n;
}

describe('the releases page in a browser', { skip: browserSkip }, () => {
  let h: ConsoleHarness;
  let tenantKey: string;
  let onboarderKey: string;
  const release = async (id = ID) =>
    (await h.t.call('GET', `/v1/platform/releases/${id}`)).json<StoredRelease & { bakeSecondsLeft: number | null }>();

  before(async () => {
    // NOTE: preflight records only: no load probe or Alertmanager runs in this suite.
    h = await startConsole({ IRIS_RELEASE_PREFLIGHT: 'record', IRIS_LEDGER_WITNESS_SECONDS: '0' });
    for (const id of CANARY) {
      const res = await h.t.call('POST', '/v1/tenants', { body: { id, displayName: id, ring: 'canary' } });
      assert.equal(res.statusCode, 201, res.body);
    }
    const other = await h.t.call('POST', '/v1/tenants', { body: { id: 'general-a', displayName: 'General A' } });
    assert.equal(other.statusCode, 201, other.body);
    await h.t.app.directory.resync();
    tenantKey = await h.t.keyFor('canary-a', 'tenant-admin');
    const onboarder = await h.t.call('POST', '/v1/platform/keys', {
      body: { name: 'onboarder-key', role: 'tenant-onboarder' },
    });
    assert.equal(onboarder.statusCode, 201, onboarder.body);
    onboarderKey = onboarder.json<{ token: string }>().token;
    await h.t.app.directory.resync();

    // A long bake, so the step is still baking while the page is looked at.
    const created = await h.t.call('POST', '/v1/platform/releases', {
      body: releaseDoc('answers', 'green', { rings: ['canary'], weight: 50, bakeSeconds: 900 }),
    });
    assert.equal(created.statusCode, 201, created.body);
    const started = await h.t.call('POST', `/v1/platform/releases/${ID}/start`, { body: {} });
    assert.equal(started.statusCode, 200, started.body);
    assert.equal(started.json<StoredRelease>().weights.canary, 50);
    // A second release for the same ring: starting it is refused while answers holds canary.
    const rival = await h.t.call('POST', '/v1/platform/releases', {
      body: releaseDoc('rival', 'red', { rings: ['canary'], weight: 20, bakeSeconds: 900 }),
    });
    assert.equal(rival.statusCode, 201, rival.body);
  });
  after(async () => h?.dispose());

  test('a platform admin sees the release move live, pauses it from the page, and reads a refusal', async () => {
    const page = await h.signedIn(ADMIN_TOKEN);
    await page.goto('/console/releases');
    const loads = navigations(page);

    // The list: both releases, newest first; the live one is shown.
    const row = page.locator('.release-list tr', { hasText: ID });
    await row.waitFor();
    assert.match(await row.innerText(), /green/);
    assert.match(await row.innerText(), /progressing/);
    assert.match(await row.innerText(), /canary step 1\/1 at 50%/);
    assert.match(await page.locator('.release-list tr', { hasText: 'rival@1.0.0' }).innerText(), /planned/);

    // The live release: its colour, the split of canary, the bake's time left, the guard.
    const panel = page.getByRole('region', { name: `Release ${ID}` });
    await panel.waitFor();
    assert.match(await panel.getByRole('heading', { level: 2 }).innerText(), /green/);
    await panel.getByRole('img', { name: 'canary: 50% on green, 50% on blue' }).waitFor();
    const canary = panel.locator('.ring-split tr', { hasText: 'canary' });
    assert.match(await canary.innerText(), /50% green · 50% blue/);
    const onCandidate = /(\d+) of 4/.exec(await canary.innerText());
    assert.ok(onCandidate, await canary.innerText());
    assert.match(await panel.locator('.release-facts').innerText(), /Bake left\s+\d+ s/);
    // The first guard runs within a second of the start: no traffic, so it has no say and continues.
    await canary.getByText('continue').waitFor({ timeout: 15_000 });
    assert.match(await panel.locator('.timeline').innerText(), /start/);

    // Paused through the API: the page follows without a reload.
    const paused = await h.t.call('POST', `/v1/platform/releases/${ID}/pause`, {
      body: { reason: 'paused by the API for the console test' },
    });
    assert.equal(paused.statusCode, 200, paused.body);
    await panel.locator('.release-facts').getByText('paused by the API for the console test').waitFor();
    await row.getByText('paused').waitFor();
    assert.match(await panel.locator('.release-facts').innerText(), /stopped while paused/);
    await panel.locator('.timeline li', { hasText: 'paused by the API for the console test' }).waitFor();
    assert.equal(loads(), 0, 'the page updated in place');

    // Resume through the API, then pause from the page: a reason is asked for first.
    assert.equal((await h.t.call('POST', `/v1/platform/releases/${ID}/resume`, { body: {} })).statusCode, 200);
    const pause = panel.getByRole('button', { name: 'Pause', exact: true });
    await pause.waitFor();
    for (const name of ['Promote', 'Abort', 'Roll back'])
      assert.equal(await panel.getByRole('button', { name, exact: true }).count(), 1, name);
    assert.equal(await panel.getByRole('button', { name: 'Start', exact: true }).count(), 0);
    await pause.click();
    // The reason field takes the focus.
    assert.equal(
      await page.evaluate<string>('document.activeElement ? document.activeElement.id : ""'),
      'release-reason',
    );
    await panel.getByLabel(/Why pause\?/).fill('holding canary from the console');
    await panel.getByRole('button', { name: `Pause ${ID}` }).click();
    await panel
      .getByRole('status')
      .filter({ hasText: `Pause: ${ID} is now paused.` })
      .waitFor();
    const after = await release();
    assert.equal(after.phase, 'paused');
    assert.equal(after.reason, 'holding canary from the console');
    assert.equal(after.weights.canary, 50, 'a pause keeps the weight');
    await panel.locator('.timeline li', { hasText: 'holding canary from the console' }).waitFor();
    await panel.getByRole('button', { name: 'Resume', exact: true }).waitFor();
    assert.equal(loads(), 0);
    await page.screenshot({ path: '/tmp/releases.png', fullPage: true });
    await h.shot(page, 'releases');
    assert.deepEqual(await axeViolations(page), []);

    // The rings: canary holds the release, in promotion order with its tenants.
    const ringCard = page.locator('.ring-card', { hasText: 'ring canary' });
    assert.match(await ringCard.innerText(), /4 tenants/);
    assert.match(await ringCard.innerText(), new RegExp(ID.replace('.', '\\.')));
    await ringCard.getByRole('link', { name: 'canary-a' }).waitFor();

    // The rival cannot start while answers holds canary: the API's 409 in words.
    await page.locator('.release-list').getByRole('link', { name: 'rival@1.0.0' }).click();
    const rival = page.getByRole('region', { name: 'Release rival@1.0.0' });
    await rival.getByRole('button', { name: 'Start', exact: true }).click();
    const refused = rival.getByRole('alert');
    await refused.waitFor();
    assert.match(await refused.innerText(), /Error 409/);
    assert.match(await refused.innerText(), /ring 'canary' is held by answers@1\.0\.0/);
    assert.equal((await release('rival@1.0.0')).phase, 'planned');
    await h.shot(page, 'releases-refused');
    assert.deepEqual(await axeViolations(page), []);
  });

  test("a bake with too little traffic pauses: the page shows each metric's NoData verdict and why", async () => {
    // Ring early holds no tenant: the 2 s bake ends with no samples, and the analysis pauses the release.
    const created = await h.t.call('POST', '/v1/platform/releases', {
      body: releaseDoc('quiet', 'violet', { rings: ['early'], weight: 10, bakeSeconds: 2 }),
    });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal((await h.t.call('POST', '/v1/platform/releases/quiet@1.0.0/start', { body: {} })).statusCode, 200);
    const page = await h.signedIn(ADMIN_TOKEN);
    await page.goto('/console/releases/quiet@1.0.0');
    const panel = page.getByRole('region', { name: 'Release quiet@1.0.0' });
    await panel
      .getByRole('heading', { name: /Last bake analysis: early step 1, no data/ })
      .waitFor({ timeout: 20_000 });
    const verdicts = panel.locator('table', { hasText: 'Samples (candidate / control)' });
    for (const metric of ['error', 'latency_ms']) {
      const line = verdicts.locator('tr', { hasText: metric });
      assert.match(await line.innerText(), /NoData/);
      assert.match(await line.innerText(), /needs 50 samples per colour; control has 0, candidate 0/);
    }
    await panel.locator('.timeline li', { hasText: 'iris:analysis' }).first().waitFor();
    await page
      .getByRole('row', { name: /quiet@1\.0\.0/ })
      .getByText('paused')
      .waitFor();
    await h.shot(page, 'releases-verdicts');
    assert.deepEqual(await axeViolations(page), []);
  });

  test('a tenant key and a platform key of another role are told releases need platform-admin', async () => {
    for (const token of [tenantKey, onboarderKey]) {
      const page = await h.signedIn(token);
      await page.goto('/console/releases');
      const notice = page.getByRole('status').filter({ hasText: 'Releases need platform-admin' });
      await notice.waitFor();
      assert.equal(
        await page.getByRole('button', { name: /^(Start|Pause|Resume|Promote|Abort|Roll back)$/ }).count(),
        0,
      );
      assert.equal(await page.getByRole('alert').count(), 0, 'no error, a notice');
      await h.shot(page, token === tenantKey ? 'releases-tenant' : 'releases-onboarder');
      assert.deepEqual(await axeViolations(page), []);
      // The server refuses the call the page does not offer, even with the session's CSRF token.
      const forged = await page.evaluate(async (id) => {
        const session = (await (await fetch('/v1/console/session')).json()) as { csrfToken: string };
        const r = await fetch(`/v1/platform/releases/${id}/resume`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-iris-csrf': session.csrfToken },
          body: '{}',
        });
        return r.status;
      }, ID);
      assert.equal(forged, 403);
    }
    // A tenant's own ring is still shown to its key.
    const page = await h.signedIn(tenantKey);
    await page.goto('/console/releases');
    await page.getByRole('heading', { name: /ring canary/ }).waitFor();
    assert.equal((await release()).phase, 'paused');
  });
});
