// A built Iris run as a user runs it (node bin/iris.js serve|worker …) in a child process,
// resolved once its output says it is ready.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { BIN } from './run-cli.js';

export interface Proc {
  readonly child: ChildProcess;
  output: string;
  alive(): boolean;
  stop(): Promise<void>;
}

/** Starts `bin` (default: this build's) with `args`; resolves when `ready` matches its output. */
export function startIris(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  opts: { bin?: string; startTimeoutMs?: number } = {},
): Promise<Proc> {
  const child = spawn(process.execPath, [opts.bin ?? BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc: Proc = {
    child,
    output: '',
    alive: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (!proc.alive()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await once(child, 'exit');
      clearTimeout(timer);
    },
  };
  child.stdout?.on('data', (d: Buffer) => (proc.output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (proc.output += d.toString()));
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
    const poll = setInterval(() => {
      if (ready.test(proc.output)) {
        clearInterval(poll);
        resolve(proc);
      } else if (!proc.alive() || Date.now() > deadline) {
        clearInterval(poll);
        child.kill('SIGKILL');
        reject(new Error(`iris ${args.join(' ')} did not start: ${proc.output}`));
      }
    }, 50);
  });
}
