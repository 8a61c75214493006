// Processes for end-to-end tests on loopback: free ports, Debian's Prometheus (and other
// daemons) started with their output kept for failure messages, stopped cleanly, and polling.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** Debian's Prometheus (package `prometheus`); IRIS_TEST_PROMETHEUS names another binary. */
export const PROMETHEUS = process.env.IRIS_TEST_PROMETHEUS ?? '/usr/bin/prometheus';

/** Why a test that needs Prometheus cannot run here, or false when it can. */
export function prometheusMissing(): string | false {
  return spawnSync(PROMETHEUS, ['--version']).status === 0
    ? false
    : `no Prometheus at ${PROMETHEUS} (apt-get install prometheus; CI installs it)`;
}

/** Listens on a free loopback port; returns the port. */
export async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** A loopback port free a moment ago (for a process that must be told its port). */
export async function freePort(): Promise<number> {
  const s = createServer();
  const port = await listen(s);
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Polls `probe` every 250 ms until it gives a value. @throws after `deadlineMs`. */
export async function waitFor<T>(
  what: string,
  deadlineMs: number,
  probe: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Spawns `cmd`, keeping the last lines of its output in `log` (for a failure message). */
export function start(cmd: string, args: string[], log: string[]): ChildProcess {
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (b: Buffer): void =>
    void log.push(
      ...b
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== '')
        .slice(-20),
    );
  p.stdout?.on('data', keep);
  p.stderr?.on('data', keep);
  return p;
}

/** SIGTERM, then SIGKILL after 5 s; resolves once the process exited. */
export async function stop(p: ChildProcess | undefined): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGTERM');
  const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** A Prometheus started by {@link startPrometheus}. */
export interface RunningPrometheus {
  readonly url: string;
  readonly process: ChildProcess;
  /** GET on its API; the JSON body, or undefined when it does not answer 200. */
  api(path: string): Promise<{ data: unknown } | undefined>;
}

/**
 * Starts Prometheus on `port` with `config` (prometheus.yml lines) written into `dir`, and
 * waits until it is ready. Its output goes to `log`.
 */
export async function startPrometheus(opts: {
  dir: string;
  port: number;
  config: readonly string[];
  log: string[];
}): Promise<RunningPrometheus> {
  writeFileSync(join(opts.dir, 'prometheus.yml'), opts.config.join('\n'));
  const url = `http://127.0.0.1:${opts.port}`;
  const p = start(
    PROMETHEUS,
    [
      `--config.file=${join(opts.dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(opts.dir, 'prom')}`,
      `--web.listen-address=127.0.0.1:${opts.port}`,
    ],
    opts.log,
  );
  const api = async (path: string): Promise<{ data: unknown } | undefined> => {
    const r = await fetch(`${url}${path}`).catch(() => undefined);
    return r?.ok ? ((await r.json()) as { data: unknown }) : undefined;
  };
  await waitFor('Prometheus ready', 30_000, async () => {
    if (p.exitCode !== null) throw new Error(`Prometheus exited: ${opts.log.join('\n')}`);
    const r = await fetch(`${url}/-/ready`).catch(() => undefined);
    return r?.ok === true ? true : undefined;
  });
  return { url, process: p, api };
}
