// `iris policy …` as a user runs it: the built CLI against a listening server. init writes a
// bundle DIR, test runs its cases, compile proves and signs it (and refuses a bundle whose
// isolation is broken, printing the counterexample Cedar confirmed, and a bad CIDR with its
// location), push --activate makes it active, explain shows why a request was denied.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN, createTestApp, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

const BIN = fileURLToPath(new URL('../../../bin/iris.js', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function iris(args: readonly string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe(`iris policy commands (${storeName})`, () => {
  let t: TestApp;
  let work: string;
  let env: Record<string, string>;
  before(async () => {
    t = await createTestApp();
    const address = await t.app.listen();
    work = mkdtempSync(join(tmpdir(), 'iris-policy-cli-'));
    // The CLI signs with the server's key file (<IRIS_DATA_DIR>/policy-ed25519.pem), as for `iris up`.
    env = { IRIS_API: address, IRIS_TOKEN: ADMIN_TOKEN, IRIS_DATA_DIR: t.dataDir };
    assert.equal((await t.call('POST', '/v1/tenants', { body: { id: 'acme', displayName: 'Acme' } })).statusCode, 201);
  });
  after(async () => {
    await t.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  test('init, test, compile (proved, signed), push --activate, list, explain', async () => {
    const dir = join(work, 'platform');
    assert.equal((await iris(['policy', 'init', dir], env)).code, 0);
    const tested = await iris(['policy', 'test', dir], env);
    assert.equal(tested.code, 0, tested.stderr);
    assert.match(tested.stdout, /5 passed, 0 failed/);
    writeFileSync(join(dir, 'data/deny-cidrs.json'), JSON.stringify({ deny: ['203.0.113.0/24'] }));
    const compiled = await iris(
      ['policy', 'compile', dir, '--out', join(work, 'p.bundle.json'), '--output', 'json'],
      env,
    );
    assert.equal(compiled.code, 0, compiled.stderr);
    const manifest = JSON.parse(compiled.stdout).manifest;
    assert.equal(manifest.verification.isolation, 'proved');
    assert.equal(manifest.verification.residency, 'proved');
    const pushed = await iris(['policy', 'push', join(work, 'p.bundle.json'), '--platform', '--activate'], env);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.match(pushed.stdout, /it is now active/);
    const list = await iris(['policy', 'list', '--platform'], env);
    assert.match(list.stdout, /\*/);
    const denied = await t.app.server.inject({
      method: 'GET',
      url: '/v1/tenants/acme',
      remoteAddress: '203.0.113.8',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-request-id': 'req-cli-explain' },
    });
    assert.equal(denied.statusCode, 403);
    const explained = await iris(['policy', 'explain', '--request-id', 'req-cli-explain'], env);
    assert.equal(explained.code, 0, explained.stderr);
    assert.match(explained.stdout, /DECISION\s+deny/);
    assert.match(explained.stdout, /iris\.network\.platform-deny/);
    assert.match(explained.stdout, /203\.0\.113\.8/);
    // A tenant's client sends the same request id: each tenant's answer stays its own.
    const acmeKey = await t.keyFor('acme', 'tenant-admin');
    const same = await t.app.server.inject({
      method: 'GET',
      url: '/v1/tenants/acme/keys',
      remoteAddress: '203.0.113.9',
      headers: { authorization: `Bearer ${acmeKey}`, 'x-request-id': 'req-cli-explain' },
    });
    assert.equal(same.statusCode, 403);
    const both = await iris(['policy', 'explain', '--request-id', 'req-cli-explain'], env);
    assert.equal(both.code, 0, both.stderr);
    assert.match(both.stdout, /^Request id req-cli-explain was used by 2 tenants/);
    assert.match(
      both.stdout,
      /== tenant acme\n[\s\S]*ACTION\s+key\.read[\s\S]*== tenant platform\n[\s\S]*ACTION\s+tenant\.read/,
    );
    const acmeOnly = await iris(['policy', 'explain', '--request-id', 'req-cli-explain', '--tenant', 'acme'], env);
    assert.equal(acmeOnly.code, 0, acmeOnly.stderr);
    assert.match(acmeOnly.stdout, /ACTION\s+key\.read/);
    assert.doesNotMatch(acmeOnly.stdout, /tenant\.read|== tenant/);
    const asAcme = await iris(['policy', 'explain', '--request-id', 'req-cli-explain'], {
      ...env,
      IRIS_TOKEN: acmeKey,
    });
    assert.equal(asAcme.code, 0, asAcme.stderr);
    assert.doesNotMatch(asAcme.stdout, /tenant\.read|203\.0\.113\.8/);
    const rb = await iris(['policy', 'rollback', '--platform'], env);
    assert.equal(rb.code, 0, rb.stderr);
  });

  test('a bundle whose isolation is broken is refused with a counterexample confirmed by Cedar', async () => {
    const dir = join(work, 'broken');
    assert.equal((await iris(['policy', 'init', dir], env)).code, 0);
    const roles = readFileSync(join(dir, 'policies/roles.cedar'), 'utf8').replace(
      /@id\("iris\.isolation"\)[\s\S]*$/,
      '',
    );
    writeFileSync(
      join(dir, 'policies/roles.cedar'),
      `${roles}\n@id("support.read-any")\npermit (principal, action == Iris::Action::"tenant.read", resource)\nwhen { principal.role == "operator" };\n`,
    );
    const r = await iris(['policy', 'compile', dir, '--out', join(work, 'broken.bundle.json')], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /isolation property does not hold/);
    assert.match(r.stderr, /support\.read-any/);
    assert.match(r.stderr, /"decision": "allow"/);
  });

  test('bad input names the problem and its location', async () => {
    const dir = join(work, 'bad');
    assert.equal((await iris(['policy', 'init', dir, '--tenant', 'acme'], env)).code, 0);
    writeFileSync(join(dir, 'data/allow-cidrs.json'), JSON.stringify({ allow: ['10.0.0.0/33'] }));
    writeFileSync(
      join(dir, 'policies/overlay.cedar'),
      '@id("x")\nforbid (principal, action, resource)\nwhen { principal.nope == 1 };\n\n@id("y")\npermit (principal, action, resource) when { true ;\n',
    );
    const r = await iris(['policy', 'compile', dir], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /policies\/overlay\.cedar:6:\d+/);
    assert.match(r.stderr, /data\/allow-cidrs\.json:\/allow\/0: '10\.0\.0\.0\/33': prefix \/33 is out of range/);
  });
});
