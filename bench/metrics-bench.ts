// bench:metrics — what telemetry costs. Tenant reads per second through the full Iris stack
// (PGlite): two server children of the same code, one with telemetry on (metrics with
// exemplars, spans at IRIS_TRACE_SAMPLE_RATIO, default 1, and at most IRIS_TRACE_MAX_PER_SECOND
// new traces a second, default 100 as in the product, exported over OTLP/HTTP to a sink
// here unless `--no-export`; access logs off as in the API bench) and one with
// IRIS_TELEMETRY=false, both up for the whole run, loaded in interleaved rounds;
// medians, spreads, and each server's CPU per request (from /proc, steadier than requests/s on
// a shared machine). Then the /metrics render time with 1,000 tenants' traffic in the registry
// and the longest event-loop block it causes.
// Run as `node dist/bench/metrics-bench.js` (BENCH_ROUNDS, BENCH_SECONDS, BENCH_CONNECTIONS);
// with `--serve` it is the server child.
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createApp } from '../src/app/index.js';
import { loadConfig } from '../src/core/config.js';
import { makeIrisMetrics, makeTenantLabeler, MetricNames } from '../src/observability/index.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const TOKEN = 'bench-bootstrap-token-0123456789abcdef';

/** The server child: Iris on PGlite with one tenant and key; prints {port, token}. */
async function serve(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'iris-mbench-'));
  const otlp = process.env.BENCH_OTLP_ENDPOINT;
  const config = loadConfig({
    IRIS_BOOTSTRAP_TOKEN: TOKEN,
    IRIS_DATA_DIR: dataDir,
    IRIS_PORT: '0',
    IRIS_TELEMETRY: process.env.BENCH_TELEMETRY ?? 'true',
    IRIS_TRACE_SAMPLE_RATIO: process.env.IRIS_TRACE_SAMPLE_RATIO ?? '1',
    ...(otlp === undefined ? {} : { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlp }),
    ...(process.env.IRIS_TRACE_MAX_PER_SECOND === undefined
      ? {}
      : { IRIS_TRACE_MAX_PER_SECOND: process.env.IRIS_TRACE_MAX_PER_SECOND }),
  });
  const app = await createApp(config);
  const ctx = app.systemContext();
  // NOTE: quotas far above what one machine serves, so admission never rejects the load.
  await app.tenants.create(ctx, {
    id: 'acme',
    displayName: 'Acme',
    tier: 'premium',
    quotas: { requestsPerSecond: 1_000_000, burst: 1_000_000, concurrentRequests: 100_000 },
  });
  const key = await app.keys.create(ctx, 'acme', { name: 'bench', role: 'analyst' });
  await app.directory.resync();
  const address = await app.listen();
  process.stdout.write(`${JSON.stringify({ port: Number(new URL(address).port), token: key.token })}\n`);
  process.once('SIGTERM', () => {
    void app.close().then(() => {
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    });
  });
}

interface Server {
  readonly telemetry: boolean;
  readonly child: ChildProcess;
  readonly port: number;
  readonly token: string;
}

/** Starts a server child (same code; only IRIS_TELEMETRY differs) and waits for its port. */
async function startServer(telemetry: boolean, otlpEndpoint?: string): Promise<Server> {
  const env = {
    ...process.env,
    BENCH_TELEMETRY: String(telemetry),
    ...(otlpEndpoint === undefined ? {} : { BENCH_OTLP_ENDPOINT: otlpEndpoint }),
  };
  const child: ChildProcess = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve'], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [line] = (await once(rl, 'line')) as [string];
  rl.close();
  const { port, token } = JSON.parse(line) as { port: number; token: string };
  return { telemetry, child, port, token };
}

async function stopServer(s: Server): Promise<void> {
  s.child.kill('SIGTERM');
  await once(s.child, 'exit');
}

/** CPU seconds (user + system) a child has used so far, from /proc (Linux); NaN elsewhere. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** One load run against `s`: requests/s, and the server's CPU microseconds per request. */
async function load(s: Server, seconds: number): Promise<{ rps: number; cpuUs: number }> {
  const cpu0 = cpuSeconds(s.child.pid);
  const r = await autocannon({
    url: `http://127.0.0.1:${s.port}/v1/tenants/acme`,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { authorization: `Bearer ${s.token}` },
  });
  const cpu = cpuSeconds(s.child.pid) - cpu0;
  if (r.errors + r.non2xx > 0) process.stdout.write(`  WARNING: ${r.errors + r.non2xx} errors or non-2xx\n`);
  return { rps: r.requests.average, cpuUs: (cpu * 1e6) / Math.max(1, r.requests.total) };
}

/** Median ms to render /metrics after 1,000 tenants' traffic over 20 routes (top-20 labels). */
async function scrapeAt1000(): Promise<{ ms: number; series: number; blockMs: number }> {
  let now = 0;
  let seed = 7;
  const rand = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  const tiers = ['free', 'standard', 'premium', 'enterprise'];
  const rings = ['canary', 'early', 'general'];
  const labeler = makeTenantLabeler({
    topN: 20,
    refreshMs: 60_000,
    maxRings: 16,
    now: () => now,
    placement: (id) => ({
      tier: tiers[Number(id.slice(1)) % 4] as string,
      ring: rings[Number(id.slice(1)) % 3] as string,
    }),
    platformId: 'platform',
  });
  const metrics = makeIrisMetrics({ labeler, color: 'blue', poolMax: 10 });
  for (let round = 0; round < 3; round++) {
    for (let t = 0; t < 1000; t++) {
      for (let i = Math.max(1, Math.round(2000 / (t + 1))); i > 0; i--) {
        const labels = {
          route: `/v1/r${rand(20)}`,
          method: 'GET',
          status_class: rand(50) === 0 ? '5xx' : '2xx',
          ...labeler.record(`t${t}`),
        };
        metrics.httpDuration.observe(
          metrics.httpDuration.series(metrics.ownSeries(metrics.httpDuration, labels)),
          0.003 * (rand(7) + 1),
          'f'.repeat(32),
        );
      }
    }
    now += 61_000;
  }
  const runs: number[] = [];
  const blocks: number[] = [];
  let body = '';
  for (let i = 0; i < 7; i++) {
    // A 1 ms ticker: the longest gap between its ticks is how long the render held the loop.
    let last = performance.now();
    let block = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      block = Math.max(block, now - last);
      last = now;
    }, 1);
    await new Promise((r) => setTimeout(r, 5));
    block = 0;
    last = performance.now();
    const t0 = performance.now();
    body = await metrics.registry.metrics();
    runs.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 5));
    clearInterval(ticker);
    blocks.push(block);
  }
  const series = body.split('\n').filter((l) => l.startsWith(`${MetricNames.httpDuration}_`)).length;
  return { ms: median(runs), series, blockMs: median(blocks) };
}

/** A loopback OTLP/HTTP receiver that reads every post and answers 200 (the instrumented server's collector). */
async function startOtlpSink(): Promise<{ url: string; posts(): number; bytes(): number; close(): Promise<void> }> {
  let posts = 0;
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (c: Buffer) => void (bytes += c.length));
    req.on('end', () => {
      posts++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    posts: () => posts,
    bytes: () => bytes,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const median = (xs: readonly number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
};
const spread = (xs: readonly number[], digits = 0): string =>
  `${Math.min(...xs).toFixed(digits)}..${Math.max(...xs).toFixed(digits)}`;

async function main(): Promise<void> {
  // Both servers run side by side for the whole run; each round loads one and then the other
  // (order alternating), so both see the same neighbours. A round's ratio compares two runs
  // seconds apart; the reported ratio is the median of the rounds' ratios.
  // The instrumented server exports its spans over OTLP/HTTP, as in production, to a sink here
  // that reads and discards them (`--no-export`: spans are made and dropped).
  const sink = process.argv.includes('--no-export') ? undefined : await startOtlpSink();
  const servers = { on: await startServer(true, sink?.url), off: await startServer(false) };
  const rounds: { on: { rps: number; cpuUs: number }; off: { rps: number; cpuUs: number } }[] = [];
  try {
    for (const s of [servers.on, servers.off, servers.off, servers.on]) await load(s, 3); // warm-up (JIT, caches)
    for (let round = 1; round <= ROUNDS; round++) {
      const r: Partial<(typeof rounds)[number]> = {};
      for (const k of round % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const))
        r[k] = await load(servers[k], SECONDS);
      const done = r as (typeof rounds)[number];
      rounds.push(done);
      process.stdout.write(
        `round ${round}: instrumented ${done.on.rps.toFixed(0).padStart(6)} req/s ${done.on.cpuUs.toFixed(0).padStart(5)} us cpu/req; bare ${done.off.rps.toFixed(0).padStart(6)} req/s ${done.off.cpuUs.toFixed(0).padStart(5)} us cpu/req; ratio ${(done.on.rps / done.off.rps).toFixed(3)}\n`,
      );
    }
  } finally {
    await Promise.all([stopServer(servers.on), stopServer(servers.off)]);
    await sink?.close();
  }
  const inst = median(rounds.map((r) => r.on.rps));
  const bare = median(rounds.map((r) => r.off.rps));
  const ratios = rounds.map((r) => r.on.rps / r.off.rps);
  const ratio = median(ratios);
  const cpuOn = median(rounds.map((r) => r.on.cpuUs));
  const cpuOff = median(rounds.map((r) => r.off.cpuUs));
  const scrape = await scrapeAt1000();
  process.stdout.write(
    `\nmedians over ${ROUNDS} interleaved rounds of ${SECONDS}s, ${CONNECTIONS} connections, GET /v1/tenants/acme on PGlite, both servers up throughout\n`,
  );
  process.stdout.write(
    `  instrumented (metrics + exemplars + spans, trace sample ratio ${process.env.IRIS_TRACE_SAMPLE_RATIO ?? '1'}, at most ${process.env.IRIS_TRACE_MAX_PER_SECOND ?? '100'} new traces/s, 0 = no limit) ${inst.toFixed(0)} req/s (${spread(rounds.map((r) => r.on.rps))}); bare (IRIS_TELEMETRY=false) ${bare.toFixed(0)} req/s (${spread(rounds.map((r) => r.off.rps))})\n`,
  );
  process.stdout.write(
    `  ratio per round ${spread(ratios, 3)}, median ${ratio.toFixed(3)} (ratio of medians ${(inst / bare).toFixed(3)})\n`,
  );
  if (sink)
    process.stdout.write(
      `  spans exported over OTLP/HTTP by the instrumented server: ${sink.posts()} posts, ${(sink.bytes() / 1e6).toFixed(1)} MB\n`,
    );
  else process.stdout.write('  spans not exported (--no-export)\n');
  process.stdout.write(
    `  server CPU per request: instrumented ${cpuOn.toFixed(0)} us, bare ${cpuOff.toFixed(0)} us, cost ${((cpuOn / cpuOff - 1) * 100).toFixed(1)}% (CPU does not count neighbours' load)\n`,
  );
  process.stdout.write(
    `  /metrics at 1,000 tenants: ${scrape.series} latency lines, median render ${scrape.ms.toFixed(1)} ms, longest event-loop block ${scrape.blockMs.toFixed(1)} ms\n`,
  );
  process.stdout.write(
    `RESULT metrics instrumented_rps=${inst.toFixed(0)} bare_rps=${bare.toFixed(0)} ratio=${ratio.toFixed(3)} scrape_ms_1000_tenants=${scrape.ms.toFixed(1)}\n`,
  );
}

if (process.argv.includes('--serve')) await serve();
else await main();
