// `iris up` as a user runs it (what `npm start` runs): the built CLI in a child process on a
// fresh data directory; seeded demo tenants, a working admin token, data surviving a restart,
// and clear start-up messages for a bad configuration.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../bin/iris.js', import.meta.url));

async function up(env: Record<string, string>): Promise<{ stop: () => Promise<void>; api: string; output: string }> {
  const child = spawn(process.execPath, [bin, 'up'], {
    env: { ...process.env, IRIS_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 90_000;
  while (!/API\s+(http:\/\/\S+)\/v1/.test(output)) {
    if (child.exitCode !== null) throw new Error(`iris up exited ${child.exitCode}: ${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`iris up did not start: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const api = (/API\s+(http:\/\/\S+)\/v1/.exec(output) as RegExpExecArray)[1] as string;
  return {
    api,
    output,
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

describe('iris up (the embedded default)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'iris-up-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('starts seeded, prints where to look, serves with the printed token, keeps data across restarts', async () => {
    const first = await up({ IRIS_DATA_DIR: dataDir, IRIS_PORT: '0' });
    let tokenLine: string;
    try {
      assert.match(first.output, /API docs\s+http:\/\/\S+\/docs/);
      assert.match(first.output, /Console\s+http:\/\/\S+\/console\//);
      assert.match(first.output, /Metrics\s+http:\/\/\S+\/metrics/);
      assert.match(first.output, /Seeded\s+demo tenants: acme, globex/);
      tokenLine = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
      assert.ok(first.output.includes(tokenLine), 'the printed token is the stored one');
      const res = await fetch(`${first.api}/v1/tenants`, { headers: { authorization: `Bearer ${tokenLine}` } });
      assert.equal(res.status, 200);
      assert.equal((await fetch(`${first.api}/console/`)).status, 200, 'the console is served');
      const body = (await res.json()) as { items: { id: string }[] };
      assert.deepEqual(
        body.items.map((t) => t.id),
        ['acme', 'globex'],
      );
      const created = await fetch(`${first.api}/v1/tenants`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokenLine}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'persisted', displayName: 'Persisted' }),
      });
      assert.equal(created.status, 201);
    } finally {
      await first.stop();
    }
    const second = await up({ IRIS_DATA_DIR: dataDir, IRIS_PORT: '0' });
    try {
      assert.doesNotMatch(second.output, /Seeded/);
      const res = await fetch(`${second.api}/v1/tenants/persisted`, {
        headers: { authorization: `Bearer ${tokenLine}` },
      });
      assert.equal(res.status, 200);
      const verify = await fetch(`${second.api}/v1/audit/logs/acme/verify`, {
        headers: { authorization: `Bearer ${tokenLine}` },
      });
      assert.equal(((await verify.json()) as { ok: boolean }).ok, true);
    } finally {
      await second.stop();
    }
  });

  test('an unreachable DATABASE_URL or a bad setting is one clear line, no stack trace', async () => {
    for (const [env, expected] of [
      [
        { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/iris' },
        /Cannot reach PostgreSQL at postgres:\/\/nobody@127\.0\.0\.1:1\/iris/,
      ],
      [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must start with postgres:\/\//],
      [{ IRIS_PORT: 'eighty' }, /IRIS_PORT must be an integer/],
    ] as const) {
      const child = spawn(process.execPath, [bin, 'up'], {
        env: { ...process.env, IRIS_DATA_DIR: dataDir, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const [code] = (await once(child, 'exit')) as [number];
      assert.equal(code, 1);
      assert.match(err, expected);
      assert.doesNotMatch(err, /\n\s+at /, 'no stack trace');
    }
  });
});
