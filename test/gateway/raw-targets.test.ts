// Deny by default, decided by the matched route: request targets sent byte for byte over a
// raw socket (percent-encoded segments, the absolute form, double slashes, dot segments,
// case) never reach a handler without a principal. Every route of the OpenAPI document that
// is not marked public answers 401 without a key, and a large body sent to a protected route
// without a key is refused before it is read.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ADMIN_TOKEN, createTestApp, SCRAPE_TOKEN, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

interface RawResponse {
  readonly status: number;
  readonly head: string;
  readonly body: string;
}

/** Sends `request` as is and reads one response (the server closes or the length is reached). */
function raw(port: number, request: string, opts: { bodyBytes?: number } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const done = (): void => {
      const [head = '', ...rest] = data.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, head, body: rest.join('\r\n\r\n') });
      socket.destroy();
    };
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      data += chunk;
      const [head, body] = data.split('\r\n\r\n');
      const length = Number(/content-length: (\d+)/i.exec(head ?? '')?.[1] ?? -1);
      if (body !== undefined && length >= 0 && Buffer.byteLength(body, 'latin1') >= length) done();
    });
    socket.on('end', done);
    socket.on('error', (err) => (data === '' ? reject(err) : done()));
    socket.write(request);
    // A body the server should refuse before reading: only the first bytes are ever sent.
    if (opts.bodyBytes !== undefined) socket.write('{"id":"x"');
  });
}

const get = (target: string, headers: string[] = []): string =>
  [`GET ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...headers, '', ''].join('\r\n');

describe(`raw request targets cannot skip authentication (${storeName})`, () => {
  let t: TestApp;
  let port: number;
  before(async () => {
    t = await createTestApp();
    port = Number(new URL(await t.app.listen()).port);
  });
  after(async () => t?.dispose());

  test('encoded, absolute, doubled, dotted and re-cased targets of /v1/tenants answer 401 or 404 without a key, never a handler', async () => {
    const targets = [
      '/%761/tenants',
      '/%76%31/%74enants',
      'http://x/v1/tenants',
      'http://127.0.0.1/%761/tenants',
      '//v1/tenants',
      '/v1//tenants',
      '/v1/tenants/',
      '/./v1/tenants',
      '/v1/./tenants',
      '/x/../v1/tenants',
      '/v1/%2e/tenants',
      '/v1/%2E%2E/v1/tenants',
      '/V1/tenants',
      '/v1/TENANTS',
      '/v1/tenants%2F',
      '/%2Fv1/tenants',
      '/v1/tenants?x=/healthz',
      '/v1/tenants#/healthz',
      '/v1/tenants;public',
      '/v1/platform/keys',
      '/%76%31/platform/keys',
      '/metrics',
      '/%6detrics',
      'http://x/metrics',
      '/metrics/',
      '/v1/tenants/acme%00',
    ];
    const seen: string[] = [];
    for (const target of targets) {
      const res = await raw(port, get(target));
      seen.push(`${target} -> ${res.status}`);
      assert.ok([400, 401, 404].includes(res.status), `${target} answered ${res.status}: ${res.body.slice(0, 200)}`);
      assert.match(res.head, /content-type: application\/problem\+json/i, `${target}: problem+json`);
      assert.doesNotMatch(
        res.body,
        /"items"|"tenants"|at .+:\d+:\d+/,
        `${target} leaked a handler's answer or a stack`,
      );
    }
    // The encoded forms route to the real handler: with a key they are served, so the 401 above
    // came from the route's own authentication, not from a miss.
    const encoded = await raw(port, get('/%761/tenants', [`Authorization: Bearer ${ADMIN_TOKEN}`]));
    const absolute = await raw(port, get('http://x/v1/tenants', [`Authorization: Bearer ${ADMIN_TOKEN}`]));
    assert.deepEqual([encoded.status, absolute.status], [200, 200], seen.join('\n'));
    assert.equal((await raw(port, get('/%761/tenants'))).status, 401);
    const head = await raw(port, get('/%761/tenants').replace(/^GET/, 'HEAD'));
    assert.equal(head.status, 401, 'HEAD routes are protected like their GET');
  });

  test('a large body to a protected route without a key is refused before it is read', async () => {
    const head = [
      'POST /%761/tenants HTTP/1.1',
      'Host: 127.0.0.1',
      'Content-Type: application/json',
      `Content-Length: ${26 * 1024 * 1024}`,
      'Connection: close',
      '',
      '',
    ].join('\r\n');
    const res = await raw(port, head, { bodyBytes: 26 * 1024 * 1024 });
    assert.equal(res.status, 401, res.body);
  });

  test('public routes stay public; /metrics needs the scrape token or a platform-admin key', async () => {
    assert.equal((await raw(port, get('/healthz'))).status, 200);
    assert.equal((await raw(port, get('/v1/audit/key'))).status, 200);
    assert.equal((await raw(port, get('/openapi.json'))).status, 200);
    assert.ok([200, 302].includes((await raw(port, get('/docs'))).status));
    assert.ok([200, 302].includes((await raw(port, get('/docs/static/index.html'))).status));
    const anonymous = await raw(port, get('/metrics'));
    assert.equal(anonymous.status, 401);
    assert.doesNotMatch(anonymous.body, /acme|globex|iris_/);
    assert.equal((await raw(port, get('/metrics', [`Authorization: Bearer ${SCRAPE_TOKEN}`]))).status, 200);
    assert.equal((await raw(port, get('/metrics', [`Authorization: Bearer ${ADMIN_TOKEN}`]))).status, 200);
    assert.equal((await raw(port, get('/metrics', [`Authorization: Bearer ${SCRAPE_TOKEN}x`]))).status, 401);
  });

  test("a tenant's key cannot read /metrics (it names every tenant)", async () => {
    await t.call('POST', '/v1/tenants', { body: { id: 'acme', displayName: 'Acme' } });
    const key = await t.keyFor('acme', 'tenant-admin');
    const res = await raw(port, get('/metrics', [`Authorization: Bearer ${key}`]));
    assert.equal(res.status, 403, res.body);
  });

  test('every operation of the OpenAPI document that is not public answers 401 without a key', async () => {
    const doc = (await t.call('GET', '/openapi.json')).json<{
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    }>();
    let checked = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const url = path.replace(/\{[^}]+\}/g, 'acme');
        const res = await t.call(method.toUpperCase(), url, {
          token: null,
          ...(method === 'get' || method === 'delete' ? {} : { body: {} }),
        });
        if (op.security === undefined) {
          assert.notEqual(res.statusCode, 401, `${method} ${path} is documented as public`);
          continue;
        }
        assert.equal(res.statusCode, 401, `${method.toUpperCase()} ${path} answered ${res.statusCode} without a key`);
        checked++;
      }
    }
    assert.ok(checked >= 40, `${checked} protected operations`);
  });
});
