// `iris … | head -2`: a reader that closes early ends the command quietly (exit 0, nothing on
// stderr), as git and kubectl do, instead of an EPIPE stack trace.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';

function runWithClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/iris.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    // NOTE: closing our end at once makes every write of the child fail with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

test('help piped into a reader that closes early exits quietly', async () => {
  for (const args of [['policy', '--help'], ['--help'], ['tenants', '--help']]) {
    const { code, stderr } = await runWithClosedStdout(args);
    assert.equal(stderr, '', `iris ${args.join(' ')} wrote to stderr`);
    assert.equal(code, 0, `iris ${args.join(' ')} exit code`);
  }
});
