// The system under test, all on loopback and all the suite's own: a PostgreSQL cluster (the
// machine's PostgreSQL 15 binaries, initdb into a temp dir, its own port), a Redis, a fake
// OpenAI-compatible LLM, two `iris serve` replicas behind an HAProxy, and two `iris worker`s.
// Restarting any of them never disturbs another suite.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { startFakeOpenAi, type FakeOpenAi } from '../../test/support/fake-openai.js';
import { answers, freePort, spawnProc, waitFor, type Proc } from './processes.js';
import { newEd25519Pem } from '../../src/core/ed25519.js';

const PG_BIN = process.env.CHAOS_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const BIN = resolve('bin/iris.js');
export const ADMIN_TOKEN = 'iris-chaos-bootstrap-token-0123456789abcdef';

export interface Cluster {
  /** HAProxy's frontend: what the clients call. */
  readonly api: string;
  readonly dir: string;
  readonly llm: FakeOpenAi;
  readonly replicas: readonly Replica[];
  readonly workers: readonly Worker[];
  readonly postgres: Postgres;
  readonly redis: Redis;
  /** Every process's output tail, for a failed run. */
  tails(): string;
  close(): Promise<void>;
}

export interface Replica {
  readonly name: string;
  readonly url: string;
  kill(): void;
  /** SIGTERM (what a rolling restart sends) and wait for the process to exit. */
  terminate(): Promise<void>;
  start(): Promise<void>;
}

export interface Worker {
  readonly name: string;
  /** The id the running worker printed (leases name it). */
  id(): string | undefined;
  kill(): void;
  start(): Promise<void>;
}

export interface Postgres {
  readonly url: string;
  /** Jobs leased to `workerId` right now. */
  runningJobs(workerId: string): Promise<number>;
  /** Terminates every client backend; returns how many. */
  terminateBackends(): Promise<number>;
  /** Fast shutdown, then start again; resolves when it accepts connections. */
  restart(): Promise<void>;
}

export interface Redis {
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** The uid/gid PostgreSQL runs as: it refuses root, so root runs it as `postgres`. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

function pemPair(): string {
  return newEd25519Pem();
}

async function startPostgres(dir: string): Promise<Postgres & { stop(): Promise<void> }> {
  const data = join(dir, 'pgdata');
  const user = postgresUser();
  mkdirSync(data, { mode: 0o700 });
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chownSync(data, user.uid, user.gid);
  }
  const asUser = user ? { uid: user.uid, gid: user.gid } : {};
  execFileSync(join(PG_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], {
    ...asUser,
    stdio: 'ignore',
  });
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let proc: Proc | undefined;
  const up = async (): Promise<void> => {
    proc = spawnProc(
      'postgres',
      join(PG_BIN, 'postgres'),
      ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
      asUser,
    );
    await waitFor('PostgreSQL to accept connections', async () => {
      const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
      try {
        await c.connect();
        await c.query('select 1');
        return true;
      } finally {
        await c.end().catch(() => undefined);
      }
    });
  };
  // NOTE: SIGINT is PostgreSQL's fast shutdown: backends are terminated, clients see the
  // connection close, and the next start needs no crash recovery.
  const down = async (): Promise<void> => proc?.stop('SIGINT', 15_000);
  await up();
  const count = async (sql: string, params: unknown[] = []): Promise<number> => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const { rows } = await c.query<{ n: string }>(sql, params);
      return Number(rows[0]?.n ?? 0);
    } finally {
      await c.end();
    }
  };
  return {
    url,
    // NOTE: the suite connects as the superuser, whom row-level security does not bind.
    runningJobs: (workerId) =>
      count("select count(*) as n from jobs where state = 'running' and lease_owner = $1", [workerId]),
    terminateBackends: () =>
      count(
        "select count(pg_terminate_backend(pid)) as n from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()",
      ),
    async restart() {
      await down();
      await up();
    },
    stop: down,
  };
}

async function startRedis(dir: string): Promise<Redis & { url: string }> {
  const port = await freePort();
  let proc: Proc | undefined;
  const start = async (): Promise<void> => {
    proc = spawnProc('redis', 'redis-server', [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--dir',
      dir,
    ]);
    await waitFor('Redis to listen', () => /Ready to accept connections/.test(proc?.tail() ?? ''), 20_000);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    stop: async () => proc?.stop('SIGTERM', 5_000),
  };
}

/**
 * HAProxy in front of the replicas. Health checks on /healthz (the process answers; /readyz
 * also asks the database, and a database restart must not take every replica out of the pool).
 * NOTE: only a request that may be replayed is retried after it reached a replica: GET/HEAD,
 * GraphRAG queries (reads sent as POST) and requests carrying an Idempotency-Key (the job queue
 * deduplicates them). Everything else is retried only when the connection failed before a
 * byte was sent.
 */
function haproxyConfig(port: number, replicas: readonly { name: string; port: number }[]): string {
  const servers = (track: string | undefined): string =>
    replicas
      .map(
        (r) =>
          `  server ${r.name} 127.0.0.1:${r.port} ${track ? `track ${track}/${r.name}` : 'check inter 1s fastinter 250ms fall 3 rise 2'}`,
      )
      .join('\n');
  return `global
  maxconn 4096

defaults
  mode http
  timeout connect 1s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 10s
  timeout check 2s
  retries 3
  option redispatch 1
  # With no replica up, say when to come back (as Iris's own 503s do) rather than a bare 503.
  http-error status 503 content-type application/problem+json hdr retry-after 1 string '{"type":"about:blank","title":"Service Unavailable","status":503,"code":"no_replica"}'

frontend api
  bind 127.0.0.1:${port}
  acl replay_safe method GET HEAD
  acl replay_safe req.hdr(idempotency-key) -m found
  # A GraphRAG query is a read sent as POST (the question is the body): replaying it changes nothing.
  acl replay_safe method POST path_reg ^/v1/tenants/[^/]+/query$
  use_backend replayable if replay_safe
  default_backend once

backend replayable
  balance roundrobin
  retry-on conn-failure empty-response
  option httpchk GET /healthz
  http-check expect status 200
${servers(undefined)}

backend once
  balance roundrobin
  retry-on conn-failure
${servers('replayable')}
`;
}

/** Starts the whole cluster; on failure whatever started is stopped. */
export async function startCluster(opts: { workerSlots: number }): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'iris-chaos-'));
  const closers: (() => Promise<void>)[] = [];
  const procs: Proc[] = [];
  const tails = (): string =>
    procs.map((p) => `--- ${p.name} (${p.alive() ? 'running' : 'exited'})\n${p.tail().slice(-2_000)}`).join('\n');
  const close = async (): Promise<void> => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const postgres = await startPostgres(dir);
    closers.push(() => postgres.stop());
    const redisDir = join(dir, 'redis');
    mkdirSync(redisDir);
    const redis = await startRedis(redisDir);
    closers.push(() => redis.stop());
    const llm = await startFakeOpenAi();
    closers.push(() => llm.close());

    const ports = [await freePort(), await freePort()];
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: postgres.url,
      IRIS_DATA_DIR: join(dir, 'iris'),
      IRIS_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
      IRIS_LEDGER_SIGNING_KEY: pemPair(),
      IRIS_POLICY_SIGNING_KEY: pemPair(),
      IRIS_REDIS_URL: redis.url,
      IRIS_LOG_LEVEL: 'warn',
      IRIS_EXTRACT_THREADS: '0',
      // A rolling restart's SIGTERM: health checks fail for 3 s (HAProxy takes the replica out
      // after three failed checks, 1.5 s) before the listener closes.
      IRIS_DRAIN_SECONDS: '3',
      IRIS_TRACE_SAMPLE_RATIO: '0',
      IRIS_LLM_PROVIDERS: JSON.stringify([
        { name: 'chaos-llm', baseUrl: llm.baseUrl, model: 'fake', region: 'eu-west', timeoutMs: 5_000 },
      ]),
    };
    mkdirSync(env.IRIS_DATA_DIR as string);

    const replicaOf = (name: string, port: number): Replica & { proc?: Proc } => {
      const url = `http://127.0.0.1:${port}`;
      const r: Replica & { proc?: Proc } = {
        name,
        url,
        kill: () => r.proc?.child.kill('SIGKILL'),
        terminate: async () => r.proc?.stop('SIGTERM', 30_000),
        async start() {
          const proc = spawnProc(name, process.execPath, [BIN, 'serve'], { env: { ...env, IRIS_PORT: String(port) } });
          r.proc = proc;
          procs.push(proc);
          await waitFor(`${name} to be ready`, async () => {
            if (!proc.alive()) throw new Error(`${name} exited:\n${proc.tail()}`);
            return answers(`${url}/readyz`);
          });
        },
      };
      closers.push(async () => r.proc?.stop('SIGTERM', 10_000));
      return r;
    };
    const replicas = [replicaOf('api-a', ports[0] as number), replicaOf('api-b', ports[1] as number)];
    // NOTE: the first replica migrates the empty database alone; the rest start on a current schema.
    for (const r of replicas) await r.start();

    const workerOf = (name: string): Worker & { proc?: Proc } => {
      const w: Worker & { proc?: Proc } = {
        name,
        id: () => /Iris worker (\S+) running/.exec(w.proc?.tail() ?? '')?.[1],
        kill: () => w.proc?.child.kill('SIGKILL'),
        async start() {
          const proc = spawnProc(name, process.execPath, [BIN, 'worker', '--concurrency', String(opts.workerSlots)], {
            env,
          });
          w.proc = proc;
          procs.push(proc);
          await waitFor(`${name} to run`, () => {
            if (!proc.alive()) throw new Error(`${name} exited:\n${proc.tail()}`);
            return /Iris worker \S+ running/.test(proc.tail());
          });
        },
      };
      closers.push(async () => w.proc?.stop('SIGTERM', 10_000));
      return w;
    };
    const workers = [workerOf('worker-1'), workerOf('worker-2')];
    for (const w of workers) await w.start();

    const haPort = await freePort();
    const cfg = join(dir, 'haproxy.cfg');
    writeFileSync(
      cfg,
      haproxyConfig(
        haPort,
        replicas.map((r, i) => ({ name: r.name, port: ports[i] as number })),
      ),
    );
    const haproxy = spawnProc('haproxy', haproxyBinary(), ['-f', cfg, '-db']);
    procs.push(haproxy);
    closers.push(() => haproxy.stop('SIGTERM', 5_000));
    const api = `http://127.0.0.1:${haPort}`;
    await waitFor('HAProxy to route to both replicas', async () => {
      if (!haproxy.alive()) throw new Error(`haproxy exited:\n${haproxy.tail()}`);
      return (await answers(`${api}/healthz`)) && (await answers(`${api}/healthz`));
    });
    return { api, dir, llm, replicas, workers, postgres, redis, tails, close };
  } catch (err) {
    const detail = tails();
    await close();
    throw new Error(`${(err as Error).message}\n${detail}`, { cause: err });
  }
}

function haproxyBinary(): string {
  for (const p of ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy']) if (existsSync(p)) return p;
  return 'haproxy';
}
