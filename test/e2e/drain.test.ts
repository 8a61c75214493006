// Graceful drain of `iris serve` (the built CLI, a child process, the embedded store): after
// SIGTERM with IRIS_DRAIN_SECONDS set, the health checks answer 503 so a load balancer takes the
// replica out, while requests are still served; then the process closes and exits 0. Without a
// drain, requests that reach a closing server on a kept-alive connection get a bare 503 with no
// Retry-After (found by the chaos suite's rolling restart).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BIN } from '../support/run-cli.js';

const TOKEN = 'iris-drain-bootstrap-token-0123456789';

describe('iris serve: graceful drain on SIGTERM', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'iris-drain-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('health checks fail at once, requests are served during the drain, then it exits 0', async () => {
    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: {
        PATH: process.env.PATH ?? '',
        IRIS_DATA_DIR: dataDir,
        IRIS_PORT: '0',
        IRIS_BOOTSTRAP_TOKEN: TOKEN,
        IRIS_LOG_LEVEL: 'warn',
        IRIS_EXTRACT_THREADS: '0',
        IRIS_DRAIN_SECONDS: '2',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = once(child, 'exit');
    try {
      const deadline = Date.now() + 90_000;
      while (!/API\s+http:\/\/\S+\/v1/.test(output)) {
        assert.equal(child.exitCode, null, `iris serve exited: ${output}`);
        assert.ok(Date.now() < deadline, `iris serve did not start: ${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const api = (/API\s+(http:\/\/\S+)\/v1/.exec(output) as RegExpExecArray)[1] as string;
      const before = await fetch(`${api}/healthz`);
      assert.equal(before.status, 200);
      assert.notEqual(before.headers.get('connection'), 'close', 'connections are kept alive until the drain');

      const signalled = Date.now();
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 200));
      const health = await fetch(`${api}/healthz`);
      assert.equal(health.status, 503, 'draining: /healthz fails');
      assert.deepEqual(await health.json(), { status: 'draining' });
      assert.equal((await fetch(`${api}/readyz`)).status, 503, 'draining: /readyz fails');
      const served = await fetch(`${api}/v1/tenants`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(served.status, 200, 'requests are still served while draining');
      assert.equal(
        served.headers.get('connection'),
        'close',
        'while draining, answers close their connection (no kept-alive connection is left for the close)',
      );

      const [code] = (await exited) as [number | null];
      assert.equal(code, 0, output);
      const took = Date.now() - signalled;
      assert.ok(took >= 1_800, `it drained for IRIS_DRAIN_SECONDS before closing (exited after ${took} ms)`);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
