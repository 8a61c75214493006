// bench:api — the fast path, measured side by side in one run, each figure beside its baseline:
// - reads: GET /v1/tenants/acme with a tenant key through the full stack on PGlite and on
//   PostgreSQL (served from the replica's snapshot when it is provably current), and with
//   ?consistent=true (read from PostgreSQL), beside a bare Fastify route returning the same JSON;
// - the gate: the same snapshot read (a route that does no work of its own) on a server with the
//   gate off (no admission, Cedar or decision log), so gate_ratio is the full gate's cost;
// - writes: audited label updates (ledger append and checkpoint in the same transaction) over 16
//   tenants, each with its own tenant-admin key, on PostgreSQL;
// - job submission: one `noop` job per request, one tenant, on PostgreSQL.
// Each server runs in its own child process; autocannon drives it from this one. Rounds are
// interleaved and the medians reported, because this machine is shared and noisy.
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const PG_ADMIN = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** A comma-separated subset of the loads to run (e.g. BENCH_ONLY=pg_writes,enqueue), for quick comparisons. */
const ONLY = process.env.BENCH_ONLY?.split(',');
const serverScript = fileURLToPath(new URL('./api-server.js', import.meta.url));
/** Node options for the server processes only (e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"). */
const NODE_ARGS = process.env.BENCH_NODE_ARGS?.split(' ').filter((a) => a !== '') ?? [];

interface Sample {
  rps: number;
  p99: number;
  errors: number;
  /** CPU time per request (µs) of the server process and of all PostgreSQL processes. */
  serverCpuUs?: number;
  pgCpuUs?: number;
}

/** utime + stime of a process in seconds, from /proc (0 when it is gone or /proc is absent). */
function cpuSeconds(pid: number | string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks, USER_HZ = 100
  } catch {
    return 0;
  }
}

/** CPU seconds used so far by the server and by every PostgreSQL process on this machine. */
function cpuNow(server: Server): { server: number; pg: number } {
  let pgSeconds = 0;
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    // no /proc: CPU figures are left out
  }
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') pgSeconds += cpuSeconds(pid);
    } catch {
      // the process ended while we looked
    }
  }
  return { server: cpuSeconds(server.child.pid ?? 0), pg: pgSeconds };
}

interface Server {
  readonly child: ChildProcess;
  readonly port: number;
  readonly readToken: string;
  readonly jobToken: string;
  readonly writers: readonly { readonly tenant: string; readonly token: string }[];
}

async function startServer(env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, [...NODE_ARGS, serverScript], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [line] = (await once(rl, 'line')) as [string];
  rl.close();
  return { child, ...(JSON.parse(line) as Omit<Server, 'child'>) };
}

async function stop(server: Server): Promise<void> {
  server.child.kill('SIGTERM');
  await once(server.child, 'exit');
}

type Load = (server: Server, seconds: number) => Promise<Sample>;

const sample = (r: autocannon.Result): Sample => ({
  rps: r.requests.average,
  p99: r.latency.p99,
  errors: r.errors + r.non2xx,
});

const read =
  (query = ''): Load =>
  async (s, seconds) =>
    sample(
      await autocannon({
        url: `http://127.0.0.1:${s.port}/v1/tenants/acme${query}`,
        connections: CONNECTIONS,
        duration: seconds,
        headers: s.readToken ? { authorization: `Bearer ${s.readToken}` } : {},
      }),
    );

/** Label updates spread over the writer tenants, each request with its tenant's key. */
const writes: Load = async (s, seconds) => {
  let n = 0;
  return sample(
    await autocannon({
      url: `http://127.0.0.1:${s.port}`,
      connections: CONNECTIONS,
      duration: seconds,
      requests: [
        {
          method: 'PATCH',
          setupRequest: (req) => {
            const w = s.writers[n % s.writers.length];
            n += 1;
            return {
              ...req,
              path: `/v1/tenants/${w?.tenant}`,
              headers: { authorization: `Bearer ${w?.token}`, 'content-type': 'application/merge-patch+json' },
              body: JSON.stringify({ labels: { bench: String(n) } }),
            };
          },
        },
      ],
    }),
  );
};

/** One job per request, all for one tenant. */
const enqueue: Load = async (s, seconds) =>
  sample(
    await autocannon({
      url: `http://127.0.0.1:${s.port}/v1/tenants/acme/jobs`,
      method: 'POST',
      connections: CONNECTIONS,
      duration: seconds,
      headers: { authorization: `Bearer ${s.jobToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'noop' }),
    }),
  );

async function measure(server: Server, load: Load): Promise<Sample> {
  await load(server, 1); // warm-up: JIT, caches, connections
  const before = cpuNow(server);
  const s = await load(server, SECONDS);
  const after = cpuNow(server);
  // CPU per request moves far less than req/s on a shared machine: it is reported beside it.
  const served = s.rps * SECONDS;
  if (served > 0 && before.server > 0) {
    s.serverCpuUs = ((after.server - before.server) / served) * 1e6;
    s.pgCpuUs = ((after.pg - before.pg) / served) * 1e6;
  }
  return s;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

async function main(): Promise<void> {
  const dbName = `iris_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  const url = new URL(PG_ADMIN);
  url.pathname = `/${dbName}`;
  const pgEnv = { BENCH_MODE: 'iris', DATABASE_URL: url.toString() };
  // Each target: the server it needs and the loads run on it, in this order.
  const targets: { env: Record<string, string>; pg: boolean; loads: [string, Load][] }[] = [
    { env: { BENCH_MODE: 'bare' }, pg: false, loads: [['bare', read()]] },
    { env: { BENCH_MODE: 'iris' }, pg: false, loads: [['pglite', read()]] },
    {
      env: pgEnv,
      pg: true,
      loads: [
        ['pg', read()],
        ['pg_consistent', read('?consistent=true')],
        ['pg_writes', writes],
        ['enqueue', enqueue],
      ],
    },
    { env: { ...pgEnv, BENCH_GATE: 'off' }, pg: true, loads: [['pg_gate_off', read()]] },
  ];
  const samples: Record<string, Sample[]> = {};
  for (const t of targets) t.loads = t.loads.filter(([name]) => ONLY === undefined || ONLY.includes(name));
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const target of targets) {
        if (target.loads.length === 0) continue;
        // a fresh PostgreSQL database for each server, as a PGlite server gets a fresh data dir
        if (target.pg) await admin.query(`create database ${dbName}`);
        const server = await startServer(target.env);
        try {
          for (const [name, load] of target.loads) {
            const s = await measure(server, load);
            (samples[name] ??= []).push(s);
            const cpu =
              s.serverCpuUs === undefined
                ? ''
                : `  cpu/req server ${s.serverCpuUs.toFixed(0)} µs, postgres ${(s.pgCpuUs ?? 0).toFixed(0)} µs`;
            process.stdout.write(
              `round ${round} ${name.padEnd(14)} ${s.rps.toFixed(0).padStart(7)} req/s  p99 ${s.p99.toFixed(1).padStart(6)} ms  errors ${s.errors}${cpu}\n`,
            );
          }
        } finally {
          await stop(server);
          if (target.pg) await admin.query(`drop database if exists ${dbName} with (force)`);
        }
      }
    }
  } finally {
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
  const rps = (n: string): number => median((samples[n] ?? []).map((s) => s.rps));
  const p99 = (n: string): number => median((samples[n] ?? []).map((s) => s.p99));
  const errors = Object.values(samples)
    .flat()
    .reduce((a, s) => a + s.errors, 0);
  const pct = (n: string, of: string): string => `${((rps(n) / rps(of)) * 100).toFixed(1)}% of ${of}`;
  const cpu = (n: string): string => {
    const server = (samples[n] ?? []).flatMap((s) => (s.serverCpuUs === undefined ? [] : [s.serverCpuUs]));
    const pgCpu = (samples[n] ?? []).flatMap((s) => (s.pgCpuUs === undefined ? [] : [s.pgCpuUs]));
    return server.length === 0
      ? ''
      : `  cpu/req ${median(server).toFixed(0)} µs + postgres ${median(pgCpu).toFixed(0)} µs`;
  };
  const line = (label: string, n: string, of?: string): void => {
    process.stdout.write(
      `  ${label.padEnd(34)} ${rps(n).toFixed(0).padStart(7)} /s  p99 ${p99(n).toFixed(1).padStart(6)} ms${of ? `  (${pct(n, of)})` : ''}${cpu(n)}\n`,
    );
  };
  process.stdout.write(`\nmedians over ${ROUNDS} rounds of ${SECONDS}s, ${CONNECTIONS} connections\n`);
  line('bare fastify GET tenant', 'bare');
  line('iris pglite GET tenant', 'pglite', 'bare');
  line('iris postgres GET tenant', 'pg', 'bare');
  line('iris postgres GET ?consistent=true', 'pg_consistent', 'bare');
  line('iris postgres GET, gate off', 'pg_gate_off', 'bare');
  line('iris postgres PATCH labels, 16 ten.', 'pg_writes');
  line('iris postgres POST job, one tenant', 'enqueue');
  const gateRatio = rps('pg') / rps('pg_gate_off');
  const gateBare = rps('pg') / rps('bare');
  process.stdout.write(`  gate on / gate off ${gateRatio.toFixed(2)}, gate on / bare ${gateBare.toFixed(2)}\n`);
  if (errors > 0) process.stdout.write(`  WARNING: ${errors} errors or non-2xx responses\n`);
  process.stdout.write(
    `RESULT api pglite_rps=${rps('pglite').toFixed(0)} pg_rps=${rps('pg').toFixed(0)} pg_consistent_rps=${rps('pg_consistent').toFixed(0)} bare_rps=${rps('bare').toFixed(0)} pglite_p99_ms=${p99('pglite').toFixed(1)} pg_p99_ms=${p99('pg').toFixed(1)} gate_ratio=${gateRatio.toFixed(2)} gate_bare_ratio=${gateBare.toFixed(2)} pg_writes_s=${rps('pg_writes').toFixed(0)} pg_write_p99_ms=${p99('pg_writes').toFixed(1)} enqueue_one_tenant_s=${rps('enqueue').toFixed(0)}\n`,
  );
}

await main();
