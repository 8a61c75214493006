// `iris rings`, `iris release` and `iris flags` as an operator runs them: the built CLI against
// a listening Iris on the store under test, with the shipped example release document.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../support/run-cli.js';
import { ADMIN_TOKEN, createTestApp, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

const EXAMPLE = resolve('examples/releases/answers-tuning.yaml');

describe(`iris release (${storeName})`, () => {
  let t: TestApp;
  let api: string;
  let work: string;
  const iris = (args: string[]) =>
    runCli(args, { IRIS_API: api, IRIS_TOKEN: ADMIN_TOKEN, IRIS_DATA_DIR: join(work, 'none') }, work);

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'iris-release-cli-'));
    t = await createTestApp({ IRIS_LEDGER_WITNESS_SECONDS: '0' });
    api = await t.app.listen();
    for (const [id, ring] of [
      ['acme', 'canary'],
      ['globex', 'general'],
    ] as const)
      assert.equal((await t.call('POST', '/v1/tenants', { body: { id, displayName: id, ring } })).statusCode, 201);
    await t.app.directory.resync();
  });
  after(async () => {
    await t.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  test('--help teaches the release commands', async () => {
    const help = await iris(['release', '--help']);
    assert.equal(help.code, 0, help.stderr);
    for (const word of ['create', 'plan', 'status', 'rollback', 'change-record', 'Mann-Whitney'])
      assert.ok(help.stdout.includes(word), `release --help names ${word}`);
    const rollback = await iris(['release', 'rollback', '--help']);
    assert.match(rollback.stdout, /--reason <text>/);
  });

  test('create, plan, change record, start, status, flags, rollback, history', async () => {
    const bad = join(work, 'bad.yaml');
    writeFileSync(bad, 'apiVersion: iris/v1\nkind: Release\nname: x\n');
    const refused = await iris(['release', 'create', '-f', bad]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /problem\(s\)/);
    assert.match(refused.stderr, /plan/);

    const preview = await iris(['release', 'change-record', '--file', EXAMPLE]);
    assert.equal(preview.code, 0, preview.stderr);
    assert.match(preview.stdout, /graphrag\/retrieval\/topK|retrieval/);
    assert.match(preview.stdout, /iris release rollback/);

    const created = await iris(['release', 'create', '-f', EXAMPLE]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /Release answers-tuning@1\.4\.0 created: colour green, 3 ring\(s\)/);

    const plan = await iris(['release', 'plan', 'answers-tuning@1.4.0']);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /canary\s+1\s+0\s+0%/);

    const started = await iris(['release', 'start', 'answers-tuning@1.4.0']);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /progressing; step canary 1\/2 @50%/);
    await t.app.rollout.state.reload();

    const status = await iris(['release', 'status', 'answers-tuning@1.4.0', '--output', 'json']);
    assert.equal(status.code, 0, status.stderr);
    const view = JSON.parse(status.stdout) as { release: { phase: string; weights: Record<string, number> } };
    assert.equal(view.release.phase, 'progressing');
    assert.deepEqual(view.release.weights, { canary: 50 });

    const flags = await iris(['flags', 'explain', '--tenant', 'acme']);
    assert.equal(flags.code, 0, flags.stderr);
    assert.match(flags.stdout, /canary \(by field\)/);
    assert.match(flags.stdout, /Bucket\s+\d+ of 10000; candidate below 5000/);

    const noReason = await iris(['release', 'rollback', 'answers-tuning@1.4.0']);
    assert.notEqual(noReason.code, 0);
    assert.match(noReason.stderr, /--reason/);
    const rolled = await iris(['release', 'rollback', 'answers-tuning@1.4.0', '--reason', 'cli test']);
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.match(rolled.stdout, /rolled_back \(cli test\)/);
    const again = await iris(['release', 'promote', 'answers-tuning@1.4.0']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /finished|rolled_back/);

    const history = await iris(['release', 'history', 'answers-tuning@1.4.0']);
    assert.equal(history.code, 0, history.stderr);
    assert.match(history.stdout, /create[\s\S]*start[\s\S]*rollback/);

    const rings = await iris(['rings', 'update', 'canary', '--order', '1', '--pin', 'globex']);
    assert.equal(rings.code, 0, rings.stderr);
    const shown = await iris(['rings', 'show', 'canary']);
    assert.match(shown.stdout, /globex\s+pin/);
    assert.match(shown.stdout, /acme\s+field/);
  });
});
