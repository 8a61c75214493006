// The console's sign-in as a browser does it: an API key exchanged for an HttpOnly,
// SameSite=Strict cookie; the page shows the role's pages; a forged mutation without the
// CSRF token is refused; revoking the key ends the session; the page is served with a strict CSP.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { axeViolations, browserSkip, startConsole, type ConsoleHarness } from '../support/console-browser.js';
import { ADMIN_TOKEN } from '../support/test-app.js';

describe('console sessions in a browser', { skip: browserSkip }, () => {
  let h: ConsoleHarness;
  before(async () => {
    h = await startConsole();
    const res = await h.t.call('POST', '/v1/tenants', { body: { id: 'acme', displayName: 'Acme Corp' } });
    assert.equal(res.statusCode, 201, res.body);
  });
  after(async () => h?.dispose());

  test('the page is served with a strict CSP and long-cached hashed assets', async () => {
    const page = await fetch(`${h.origin}/console/`);
    assert.equal(page.status, 200);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    const html = await page.text();
    const asset = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(asset, html);
    const js = await fetch(h.origin + asset);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('cache-control') ?? '', /immutable/);
    assert.equal((await fetch(`${h.origin}/console/assets/missing-abc.js`)).status, 404);
    // A client-side route is the same page.
    assert.equal((await fetch(`${h.origin}/console/tenants/acme`)).status, 200);
  });

  test('a bad key is refused in words; a good one signs in with an HttpOnly SameSite=Strict cookie', async () => {
    const c = await h.context();
    const page = await c.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    await page.goto('/console/');
    await page.getByLabel('API key').fill('iris_knotakey_notasecretnotasecretnotasecret');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /not valid/);
    await page.getByLabel('API key').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Console' }).waitFor();
    const cookies = await c.cookies();
    const session = cookies.find((k) => k.name === 'iris_session');
    assert.ok(session, 'a session cookie');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(await page.evaluate('document.cookie'), '', 'the page cannot read the cookie');
    assert.deepEqual(violations, []);
    assert.deepEqual(await axeViolations(page), []);
  });

  test('a mutation with the cookie but without the CSRF token is refused', async () => {
    const page = await h.signedIn(ADMIN_TOKEN);
    const forged = await page.evaluate(async () => {
      const r = await fetch('/v1/tenants/acme', {
        method: 'PATCH',
        headers: { 'content-type': 'application/merge-patch+json' },
        body: JSON.stringify({ labels: { forged: 'yes' } }),
      });
      return { status: r.status, body: await r.text() };
    });
    assert.equal(forged.status, 403, forged.body);
    assert.match(forged.body, /CSRF/);
    const read = await page.evaluate(async () => (await fetch('/v1/tenants/acme')).status);
    assert.equal(read, 200, 'reads need no CSRF token');
    const tenant = await h.t.call('GET', '/v1/tenants/acme?consistent=true');
    assert.equal(tenant.json<{ labels: Record<string, string> }>().labels.forged, undefined);
  });

  test('revoking the key ends its session: the page asks to sign in again', async () => {
    const token = await h.t.keyFor('acme', 'analyst');
    const page = await h.signedIn(token);
    const keyId = /^iris_([^_]+)_/.exec(token)?.[1];
    const revoke = await h.t.call('DELETE', `/v1/tenants/acme/keys/${keyId}`);
    assert.equal(revoke.statusCode, 200, revoke.body);
    await h.t.app.directory.resync();
    const status = await page.evaluate(async () => (await fetch('/v1/tenants/acme')).status);
    assert.equal(status, 401);
    await page.reload();
    await page.getByLabel('API key').waitFor();
  });
});
