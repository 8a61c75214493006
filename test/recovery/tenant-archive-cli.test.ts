// `iris tenants export` and `iris tenants import` as an operator runs them: the built CLI
// against two listening Irises on the store under test, the exporter's verifier key pinned
// from a file, and a refusal printed as the problem's message with a failing exit code.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ADMIN_TOKEN, createTestApp, type TestApp } from '../support/test-app.js';
import { runCli } from '../support/run-cli.js';
import { storeName } from '../support/test-database.js';

const QUIET = { IRIS_LEDGER_WITNESS_SECONDS: '0', IRIS_POLICY_DECISION_SAMPLE: '0' };

describe(`iris tenants export/import (${storeName})`, () => {
  let a: TestApp;
  let b: TestApp;
  let apiA: string;
  let apiB: string;
  let work: string;
  const iris = (api: string, args: string[]) =>
    runCli(args, { IRIS_API: api, IRIS_TOKEN: ADMIN_TOKEN, IRIS_DATA_DIR: join(work, 'none') }, work);

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'iris-archive-cli-'));
    a = await createTestApp(QUIET);
    b = await createTestApp(QUIET);
    [apiA, apiB] = [await a.app.listen(), await b.app.listen()];
    assert.equal((await a.call('POST', '/v1/tenants', { body: { id: 'acme', displayName: 'Acme' } })).statusCode, 201);
    await a.keyFor('acme', 'analyst');
  });
  after(async () => {
    await a.dispose();
    await b.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  test('--help teaches both commands', async () => {
    const [exp, imp] = await Promise.all([
      iris(apiA, ['tenants', 'export', '--help']),
      iris(apiA, ['tenants', 'import', '--help']),
    ]);
    assert.equal(exp.code, 0, exp.stderr);
    assert.match(exp.stdout, /--out <file>/);
    assert.match(exp.stdout, /iris tenants export acme/);
    assert.equal(imp.code, 0, imp.stderr);
    for (const flag of ['--replace', '--rehome <region>', '--verifier-key <vkey>'])
      assert.ok(imp.stdout.includes(flag), `import --help names ${flag}`);
    assert.match(imp.stdout, /GET \/v1\/audit\/key/);
  });

  test('export to a file, import it into another Iris with the pinned key, and refuse it there a second time', async () => {
    const file = join(work, 'acme.gz');
    const exported = await iris(apiA, ['tenants', 'export', 'acme', '--out', file, '--output', 'json']);
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(JSON.parse(exported.stdout).bytes, statSync(file).size);

    const unpinned = await iris(apiB, ['tenants', 'import', file]);
    assert.equal(unpinned.code, 1);
    assert.match(unpinned.stderr, /signature does not verify/);

    const vkey = (await a.call('GET', '/v1/audit/key')).json<{ vkey: string }>().vkey;
    writeFileSync(join(work, 'a.vkey'), `${vkey}\n`);
    const imported = await iris(apiB, ['tenants', 'import', file, '--verifier-key', '@a.vkey']);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /Imported tenant acme/);
    assert.match(imported.stdout, /VERIFIED\s+ok/);
    assert.equal((await b.call('GET', '/v1/tenants/acme')).statusCode, 200);

    const again = await iris(apiB, ['tenants', 'import', file, '--verifier-key', '@a.vkey']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already has rows here.*replace/);
    const replaced = await iris(apiB, [
      'tenants',
      'import',
      file,
      '--verifier-key',
      `@${join(work, 'a.vkey')}`,
      '--replace',
    ]);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.match(replaced.stdout, /replacing its rows here/);
    assert.ok(readFileSync(file).length > 100);
  });
});
