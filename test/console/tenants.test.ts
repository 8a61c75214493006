// Tenants and keys in the console, as a person uses them: the overview's live traffic, search
// and pages, a label edit that meets a conflicting change (both versions shown, then applied on
// top), a key created in the page that then works with the CLI, revoking a key, and a role
// without rights that sees no mutation controls and whose forged call is refused.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  axeViolations,
  browserSkip,
  startConsole,
  waitForCount,
  type ConsoleHarness,
} from '../support/console-browser.js';
import { runCli } from '../support/run-cli.js';
import { ADMIN_TOKEN } from '../support/test-app.js';

describe('tenants and keys in the console', { skip: browserSkip }, () => {
  let h: ConsoleHarness;
  before(async () => {
    h = await startConsole();
    for (let i = 0; i < 30; i++) {
      const id = `tenant-${String(i).padStart(2, '0')}`;
      const res = await h.t.call('POST', '/v1/tenants', {
        body: {
          id,
          displayName: i % 10 === 0 ? `Search Target ${i}` : `Tenant ${i}`,
          ring: i % 3 === 0 ? 'canary' : 'general',
        },
      });
      assert.equal(res.statusCode, 201, res.body);
    }
    assert.equal(
      (await h.t.call('POST', '/v1/tenants', { body: { id: 'acme', displayName: 'Acme Corp' } })).statusCode,
      201,
    );
  });
  after(async () => h?.dispose());

  test('the overview shows traffic across replicas, queues and rings', async () => {
    const analyst = await h.t.keyFor('acme', 'analyst');
    for (let i = 0; i < 5; i++) await h.t.call('GET', '/v1/tenants/acme', { token: analyst });
    const page = await h.signedIn(ADMIN_TOKEN);
    const busiest = page.getByRole('table', { name: 'Busiest tenants' });
    await busiest.getByRole('link', { name: 'acme' }).waitFor();
    await page.getByLabel('Any tenant').fill('acme');
    await page.getByRole('button', { name: 'Show' }).click();
    const one = page.getByRole('table', { name: 'Traffic of acme' });
    await one.waitFor();
    assert.match(await one.innerText(), /acme\s+[\d.]+\s+\d+\s+100%/);
    await page.getByText('ring canary').waitFor();
    await h.shot(page, 'overview');
    assert.deepEqual(await axeViolations(page), []);
  });

  test('search and page through tenants', async () => {
    const page = await h.signedIn(ADMIN_TOKEN);
    await page.getByRole('link', { name: 'Tenants' }).click();
    const table = page.getByRole('table', { name: 'Tenants' });
    await table.getByRole('link', { name: 'acme' }).waitFor();
    assert.equal(await table.getByRole('row').count(), 26, 'a page of 25 and the header');
    await page.getByRole('button', { name: 'Next' }).click();
    await table.getByRole('link', { name: 'tenant-29' }).waitFor();
    await page.getByRole('button', { name: 'Previous' }).click();
    await table.getByRole('link', { name: 'acme' }).waitFor();
    await page.getByLabel('Search').fill('search target');
    await page.getByRole('button', { name: 'Search' }).click();
    // NOTE: tenant-20 is on the first page too: wait for the search's answer (3 rows and the header).
    await waitForCount(table.getByRole('row'), 4);
    await table.getByRole('link', { name: 'tenant-20' }).waitFor();
    await h.shot(page, 'tenants');
    assert.deepEqual(await axeViolations(page), []);
  });

  test('a label edit that meets a conflicting change shows both versions and applies on top', async () => {
    const page = await h.signedIn(ADMIN_TOKEN);
    await page.goto('/console/tenants/acme');
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('button', { name: 'Add label' }).click();
    await page.getByLabel('Label 1 key').fill('team');
    await page.getByLabel('Label 1 value').fill('payments');
    // Someone else changes the tenant meanwhile.
    const other = await h.t.call('PATCH', '/v1/tenants/acme', { body: { labels: { owner: 'ops' } } });
    assert.equal(other.statusCode, 200, other.body);
    await page.getByRole('button', { name: 'Save' }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.waitFor();
    const text = await dialog.innerText();
    assert.match(text, /Your version[\s\S]*"team": "payments"/);
    assert.match(text, /Current version[\s\S]*"owner": "ops"/);
    await h.shot(page, 'tenant-conflict');
    assert.deepEqual(await axeViolations(page), []);
    await dialog.getByRole('button', { name: 'Apply my change to the current version' }).click();
    await page.getByText('team=payments').waitFor();
    const stored = (await h.t.call('GET', '/v1/tenants/acme?consistent=true')).json<{
      labels: Record<string, string>;
    }>();
    assert.deepEqual(stored.labels, { owner: 'ops', team: 'payments' }, 'both changes kept');
  });

  test('a key created in the console works with the CLI; revoking it in the console stops it', async () => {
    const page = await h.signedIn(ADMIN_TOKEN);
    await page.goto('/console/tenants/acme');
    await page.getByLabel('New key').fill('from-console');
    await page.getByLabel('Role').selectOption('operator');
    await page.getByRole('button', { name: 'Create key' }).click();
    const token = (await page.locator('code.token').innerText()).trim();
    assert.match(token, /^iris_k[0-9a-f]+_/);
    await page.getByRole('button', { name: 'Copy token' }).waitFor();
    await h.shot(page, 'tenant-detail');
    await h.t.app.directory.resync();
    const cwd = mkdtempSync(join(tmpdir(), 'iris-console-cli-'));
    const env = { IRIS_API: h.origin, IRIS_TOKEN: token, HOME: cwd };
    const who = await runCli(['whoami', '--output', 'json'], env, cwd);
    assert.equal(who.code, 0, who.stderr);
    assert.equal(JSON.parse(who.stdout).role, 'operator');

    page.on('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: 'Revoke key from-console' }).click();
    await page
      .getByRole('row', { name: /from-console/ })
      .getByText('revoked')
      .waitFor();
    await h.t.app.directory.resync();
    const refused = await runCli(['whoami'], env, cwd);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /revoked/);
  });

  test('a role without rights sees no mutation controls, and its forged call is refused', async () => {
    const analyst = await h.t.keyFor('acme', 'analyst');
    const page = await h.signedIn(analyst);
    await page.goto('/console/tenants/acme');
    await page.getByRole('heading', { name: 'Acme Corp' }).waitFor();
    await page.getByRole('heading', { name: 'Placement' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Edit' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Create key' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: /Revoke/ }).count(), 0);
    // The page's own CSRF token does not help: the server decides by role.
    const forged = await page.evaluate(async () => {
      const s = (await (await fetch('/v1/console/session')).json()) as { csrfToken: string };
      const r = await fetch('/v1/tenants/acme', {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', 'x-iris-csrf': s.csrfToken },
        body: JSON.stringify({ labels: { forged: 'yes' } }),
      });
      return r.status;
    });
    assert.equal(forged, 403);
    await h.shot(page, 'tenant-analyst');
  });
});
