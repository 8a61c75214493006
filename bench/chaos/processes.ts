// Child processes of the chaos suite: spawn one, keep the tail of its output, wait for it to
// be ready, stop it. Every child is tracked so that an exit (normal, failure or SIGINT) can
// kill whatever is still running.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  /** The last lines the process wrote (stdout and stderr together). */
  tail(): string;
  alive(): boolean;
  /** Sends `signal`, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

const TAIL_CHARS = 8_000;
const running = new Set<Proc>();

/** Starts `command` with its output kept in memory (the last TAIL_CHARS characters). */
export function spawnProc(name: string, command: string, args: readonly string[], opts: SpawnOptions = {}): Proc {
  const child = spawn(command, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer): void => {
    out = (out + d.toString()).slice(-TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = once(child, 'exit').then(() => undefined);
  // NOTE: a spawn error (missing binary) is also an exit; the output says why.
  child.on('error', (err) => keep(Buffer.from(`spawn error: ${err.message}\n`)));
  const proc: Proc = {
    name,
    child,
    tail: () => out,
    alive: () => child.exitCode === null && child.signalCode === null && child.pid !== undefined,
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (proc.alive()) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      running.delete(proc);
    },
  };
  running.add(proc);
  void exited.then(() => running.delete(proc));
  return proc;
}

/** Stops every child still running: a gentle signal first, then SIGKILL. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop('SIGTERM', 5_000)));
}

/** Last resort in a synchronous `exit` handler: SIGKILL to every child still running. */
export function killAllNow(): void {
  for (const p of running) if (p.alive()) p.child.kill('SIGKILL');
}

/** Polls `check` every `everyMs` until it holds; throws naming `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 60_000,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await Promise.resolve(check()).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A loopback port free right now (the OS picks it; the caller binds it soon after). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** GET `url`; true on a 2xx within `timeoutMs`. */
export async function answers(url: string, timeoutMs = 1_000): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}
