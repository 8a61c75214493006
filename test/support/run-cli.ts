// Runs the built `iris` CLI as a user runs it (node bin/iris.js …), asynchronously: the server
// under test usually lives in the same process, so never execFileSync.
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../../bin/iris.js');

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs one command; `timeoutMs` only guards against a hung CLI. A command takes well under a
 * second, but tests start several at once and a loaded 2-core CI machine has stretched one
 * past 20 s, so the guard is generous.
 */
export function runCli(
  args: readonly string[],
  env: Record<string, string>,
  cwd: string,
  timeoutMs = 90_000,
): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, cwd, timeout: timeoutMs },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        done({ code, stdout, stderr });
      },
    );
  });
}
