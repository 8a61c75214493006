// Hostile input at the console's session routes and the overview's platform routes: every one
// answers 4xx (or a plain "no session"), never 5xx.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(async () => t?.dispose());

test('sign-in refuses wrong types, huge and NUL-laden tokens with 4xx', async () => {
  for (const body of [
    { token: 42 },
    { token: ['iris_x'] },
    { token: 'x'.repeat(100_000) },
    { token: 'iris_k\u0000abc_secret' },
    { token: '' },
    { token: 'iris_kabc_secret', extra: true },
    { nested: { a: { b: { c: {} } } } },
  ]) {
    const res = await t.call('POST', '/v1/console/session', { token: null, body });
    assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${JSON.stringify(body).slice(0, 60)}: ${res.statusCode}`);
  }
});

test('a forged, huge or NUL-laden session cookie is no session, never a 5xx', async () => {
  for (const cookie of [
    'v1.k1.zz.aaaaaaaaaaaaaaaa.' + 'A'.repeat(43),
    `iris_session=${'x'.repeat(8000)}`,
    'iris_session=v1.%00',
  ]) {
    const header = cookie.startsWith('iris_session=') ? cookie : `iris_session=${cookie}`;
    const status = await t.call('GET', '/v1/console/session', { token: null, headers: { cookie: header } });
    assert.equal(status.statusCode, 200);
    assert.equal(status.json<{ signedIn: boolean }>().signedIn, false);
    const api = await t.call('GET', '/v1/tenants', { token: null, headers: { cookie: header } });
    assert.equal(api.statusCode, 401);
  }
});

test('traffic refuses bad windows, wrong types and NUL in tenant ids with 400', async () => {
  for (const q of [
    'minutes=abc',
    'minutes=100000',
    'top=0',
    'top=-1',
    'tenant=a%00b',
    `tenant=${'a'.repeat(500)}`,
    'other=1',
  ])
    assert.equal((await t.call('GET', `/v1/platform/traffic?${q}`)).statusCode, 400, q);
});
