// bench:api — tenant reads per second and p99 through the full stack on PGlite and on
// PostgreSQL, beside a bare Fastify route, measured in one run. Each server runs in its own
// child process; autocannon drives it from this one. Rounds are interleaved and the medians
// reported, because this machine is shared and noisy.
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const PG_ADMIN = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const serverScript = fileURLToPath(new URL('./api-server.js', import.meta.url));

interface Sample {
  rps: number;
  p99: number;
  errors: number;
}

async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; port: number; token: string }> {
  const child = spawn(process.execPath, [serverScript], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [line] = (await once(rl, 'line')) as [string];
  rl.close();
  const { port, token } = JSON.parse(line) as { port: number; token: string };
  return { child, port, token };
}

async function load(port: number, token: string, seconds: number): Promise<Sample> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/v1/tenants/acme`,
    connections: CONNECTIONS,
    duration: seconds,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

async function measure(env: Record<string, string>): Promise<Sample> {
  const { child, port, token } = await startServer(env);
  try {
    await load(port, token, 1); // warm-up: JIT, caches, connections
    return await load(port, token, SECONDS);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
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
  const targets: Record<string, Record<string, string>> = {
    bare: { BENCH_MODE: 'bare' },
    pglite: { BENCH_MODE: 'iris' },
    pg: { BENCH_MODE: 'iris', DATABASE_URL: url.toString() },
  };
  const samples: Record<string, Sample[]> = { bare: [], pglite: [], pg: [] };
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, env] of Object.entries(targets)) {
        // a fresh PostgreSQL database each round, as the PGlite server gets a fresh data dir
        if (name === 'pg') await admin.query(`create database ${dbName}`);
        const s = await measure(env);
        if (name === 'pg') await admin.query(`drop database if exists ${dbName} with (force)`);
        samples[name]?.push(s);
        process.stdout.write(
          `round ${round} ${name.padEnd(6)} ${s.rps.toFixed(0).padStart(7)} req/s  p99 ${s.p99.toFixed(1).padStart(6)} ms  errors ${s.errors}\n`,
        );
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
  process.stdout.write(
    `\nmedians over ${ROUNDS} rounds of ${SECONDS}s, ${CONNECTIONS} connections, GET /v1/tenants/acme with a tenant key\n`,
  );
  process.stdout.write(`  bare fastify  ${rps('bare').toFixed(0)} req/s  p99 ${p99('bare').toFixed(1)} ms\n`);
  process.stdout.write(
    `  iris pglite   ${rps('pglite').toFixed(0)} req/s  p99 ${p99('pglite').toFixed(1)} ms  (${((rps('pglite') / rps('bare')) * 100).toFixed(1)}% of bare)\n`,
  );
  process.stdout.write(
    `  iris postgres ${rps('pg').toFixed(0)} req/s  p99 ${p99('pg').toFixed(1)} ms  (${((rps('pg') / rps('bare')) * 100).toFixed(1)}% of bare)\n`,
  );
  if (errors > 0) process.stdout.write(`  WARNING: ${errors} errors or non-2xx responses\n`);
  process.stdout.write(
    `RESULT api pglite_rps=${rps('pglite').toFixed(0)} pg_rps=${rps('pg').toFixed(0)} bare_rps=${rps('bare').toFixed(0)} pglite_p99_ms=${p99('pglite').toFixed(1)} pg_p99_ms=${p99('pg').toFixed(1)}\n`,
  );
}

await main();
