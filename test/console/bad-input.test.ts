// What a person sees when things go wrong: a tenant over its rate limit (429), a server that
// restarts mid-session, a page or tenant that does not exist, a session whose key is revoked
// while the page is open. Each is a message in the page, never a blank screen.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createApp, type App } from '../../src/app/index.js';
import { loadConfig } from '../../src/core/config.js';
import { browserSkip, startConsole, type ConsoleHarness } from '../support/console-browser.js';
import { ADMIN_TOKEN, SCRAPE_TOKEN } from '../support/test-app.js';

describe('the console when things go wrong', { skip: browserSkip }, () => {
  let h: ConsoleHarness;
  let restarted: App | undefined;
  before(async () => {
    h = await startConsole({ IRIS_RATE_LIMITS: 'true' });
    for (const [id, quotas] of [
      ['acme', {}],
      ['tight', { requestsPerSecond: 1, burst: 1 }],
    ] as const) {
      const res = await h.t.call('POST', '/v1/tenants', { body: { id, displayName: id, quotas } });
      assert.equal(res.statusCode, 201, res.body);
    }
  });
  after(async () => {
    await restarted?.close();
    await h?.dispose().catch(() => undefined);
  });

  test("a tenant over its rate limit reads 'Too many requests' with the wait", async () => {
    const token = await h.t.keyFor('tight', 'analyst');
    const page = await h.signedIn(token);
    // The overview and then the tenant page fire several calls at once: with a burst of 1 some are refused.
    await page.goto('/console/tenants/tight');
    const alert = page.getByRole('alert').filter({ hasText: 'Too many requests' }).first();
    await alert.waitFor();
    assert.match(await alert.innerText(), /Error 429[\s\S]*Retry after \d+ s/);
    await h.shot(page, 'error-429');
  });

  test('a missing page and a missing tenant say so', async () => {
    const page = await h.signedIn(ADMIN_TOKEN);
    await page.goto('/console/no-such-page');
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    await page.goto('/console/tenants/no-such-tenant');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Error 404/);
  });

  test('a key revoked while the page is open: the next call returns to sign-in, saying why', async () => {
    const token = await h.t.keyFor('acme', 'tenant-admin');
    const page = await h.signedIn(token);
    const keyId = /^iris_([^_]+)_/.exec(token)?.[1];
    assert.equal((await h.t.call('DELETE', `/v1/tenants/acme/keys/${keyId}`)).statusCode, 200);
    await h.t.app.directory.resync();
    // NOTE: the overview's own polling may meet the 401 first; either way the next call ends the session.
    await page.evaluate(
      "history.pushState(null, '', '/console/tenants'); dispatchEvent(new PopStateEvent('popstate'))",
    );
    await page.getByLabel('API key').waitFor();
    assert.match(await page.getByRole('status').innerText(), /revoked/);
  });

  test('a server restart mid-session: the page says it cannot reach the server, then carries on signed in', async () => {
    const page = await h.signedIn(ADMIN_TOKEN);
    await page.getByRole('link', { name: 'Tenants' }).click();
    await page.getByRole('table', { name: 'Tenants' }).getByRole('link', { name: 'acme' }).waitFor();
    const port = new URL(h.origin).port;
    await h.t.app.close();
    await page.getByLabel('Search').fill('acme');
    await page.getByRole('button', { name: 'Search' }).click();
    const down = page.getByRole('alert');
    await down.waitFor();
    assert.match(await down.innerText(), /No connection[\s\S]*restarting/);
    await h.shot(page, 'error-restart');
    // The same deployment comes back (same store, same ledger key): the session is still good.
    restarted = await createApp(
      loadConfig({
        IRIS_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
        IRIS_DATA_DIR: h.t.dataDir,
        IRIS_PORT: port,
        IRIS_RATE_LIMITS: 'true',
        IRIS_METRICS_TOKEN: SCRAPE_TOKEN,
      }),
      { db: h.t.db },
    );
    await restarted.listen();
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('table', { name: 'Tenants' }).getByRole('link', { name: 'acme' }).waitFor();
    assert.equal(await page.getByLabel('API key').count(), 0, 'still signed in');
  });
});
