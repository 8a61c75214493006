// bench:metrics — what telemetry costs. Tenant reads per second through the full Iris stack
// (PGlite) with telemetry on (metrics with exemplars, spans, access logs off as in the API
// bench) and with IRIS_TELEMETRY=false, in the same run, interleaved rounds, medians; then
// the /metrics render time with 1,000 tenants' traffic in the registry.
// Run as `node dist/bench/metrics-bench.js`; with `--serve` it is the server child.
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/core/config.js';
import { makeIrisMetrics, makeTenantLabeler, MetricNames } from '../src/observability/index.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const TOKEN = 'bench-bootstrap-token-0123456789abcdef';

/** The server child: Iris on PGlite with one tenant and key; prints {port, token}. */
async function serve(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'iris-mbench-'));
  const config = loadConfig({ IRIS_BOOTSTRAP_TOKEN: TOKEN, IRIS_DATA_DIR: dataDir, IRIS_PORT: '0', IRIS_TELEMETRY: process.env.BENCH_TELEMETRY ?? 'true' });
  const app = await createApp(config);
  const ctx = app.systemContext();
  // NOTE: quotas far above what one machine serves, so admission never rejects the load.
  await app.tenants.create(ctx, { id: 'acme', displayName: 'Acme', tier: 'premium', quotas: { requestsPerSecond: 1_000_000, burst: 1_000_000, concurrentRequests: 100_000 } });
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

async function measure(telemetry: boolean): Promise<number> {
  const child: ChildProcess = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve'], { env: { ...process.env, BENCH_TELEMETRY: String(telemetry) }, stdio: ['ignore', 'pipe', 'inherit'] });
  const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [line] = (await once(rl, 'line')) as [string];
  rl.close();
  const { port, token } = JSON.parse(line) as { port: number; token: string };
  try {
    const run = (duration: number) => autocannon({ url: `http://127.0.0.1:${port}/v1/tenants/acme`, connections: CONNECTIONS, duration, headers: { authorization: `Bearer ${token}` } });
    await run(1);
    const r = await run(SECONDS);
    if (r.errors + r.non2xx > 0) process.stdout.write(`  WARNING: ${r.errors + r.non2xx} errors or non-2xx\n`);
    return r.requests.average;
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

/**
 * CPU time per request in one process, telemetry on and off, through `inject` (no sockets):
 * steadier than requests/s on a shared machine, because neighbours' load does not count.
 */
async function cpuPerRequest(): Promise<{ on: number; off: number }> {
  const make = async (telemetry: boolean) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'iris-mbench-'));
    const app = await createApp(loadConfig({ IRIS_BOOTSTRAP_TOKEN: TOKEN, IRIS_DATA_DIR: dataDir, IRIS_PORT: '0', IRIS_TELEMETRY: String(telemetry) }));
    const ctx = app.systemContext();
    await app.tenants.create(ctx, { id: 'acme', displayName: 'Acme', tier: 'premium', quotas: { requestsPerSecond: 1_000_000, burst: 1_000_000, concurrentRequests: 100_000 } });
    const key = await app.keys.create(ctx, 'acme', { name: 'bench', role: 'analyst' });
    await app.directory.resync();
    return { app, token: key.token, dataDir };
  };
  const apps = { on: await make(true), off: await make(false) };
  const samples: { on: number[]; off: number[] } = { on: [], off: [] };
  const N = 1000;
  for (let round = 0; round < 6; round++) {
    for (const k of round % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
      const { app, token } = apps[k];
      const c0 = process.cpuUsage();
      for (let i = 0; i < N; i++) {
        const r = await app.server.inject({ method: 'GET', url: '/v1/tenants/acme', headers: { authorization: `Bearer ${token}` } });
        if (r.statusCode !== 200) throw new Error(`unexpected ${r.statusCode}: ${r.body}`);
      }
      const c = process.cpuUsage(c0);
      if (round > 0) samples[k].push((c.user + c.system) / N);
    }
  }
  for (const a of Object.values(apps)) {
    await a.app.close();
    rmSync(a.dataDir, { recursive: true, force: true });
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  return { on: median(samples.on), off: median(samples.off) };
}

/** Median ms to render /metrics after 1,000 tenants' traffic over 20 routes (top-20 labels). */
async function scrapeAt1000(): Promise<{ ms: number; series: number }> {
  let now = 0;
  let seed = 7;
  const rand = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  const tiers = ['free', 'standard', 'premium', 'enterprise'];
  const rings = ['canary', 'early', 'general'];
  const labeler = makeTenantLabeler({ topN: 20, refreshMs: 60_000, maxRings: 16, now: () => now, placement: (id) => ({ tier: tiers[Number(id.slice(1)) % 4] as string, ring: rings[Number(id.slice(1)) % 3] as string }), platformId: 'platform' });
  const metrics = makeIrisMetrics({ labeler, color: 'blue', poolMax: 10 });
  for (let round = 0; round < 3; round++) {
    for (let t = 0; t < 1000; t++) {
      for (let i = Math.max(1, Math.round(2000 / (t + 1))); i > 0; i--) {
        const labels = { route: `/v1/r${rand(20)}`, method: 'GET', status_class: rand(50) === 0 ? '5xx' : '2xx', ...labeler.record(`t${t}`) };
        metrics.httpDuration.observe({ labels: metrics.ownSeries(metrics.httpDuration, labels), value: 0.003 * (rand(7) + 1), exemplarLabels: { trace_id: 'f'.repeat(32) } as never });
      }
    }
    now += 61_000;
  }
  const runs: number[] = [];
  let body = '';
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    body = await metrics.registry.metrics();
    runs.push(performance.now() - t0);
  }
  runs.sort((a, b) => a - b);
  const series = body.split('\n').filter((l) => l.startsWith(`${MetricNames.httpDuration}_`)).length;
  return { ms: runs[3] as number, series };
}

async function main(): Promise<void> {
  const on: number[] = [];
  const off: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const telemetry of round % 2 ? [true, false] : [false, true]) {
      const rps = await measure(telemetry);
      (telemetry ? on : off).push(rps);
      process.stdout.write(`round ${round} ${telemetry ? 'instrumented' : 'bare        '} ${rps.toFixed(0).padStart(7)} req/s\n`);
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const inst = median(on);
  const bare = median(off);
  const scrape = await scrapeAt1000();
  const cpu = await cpuPerRequest();
  process.stdout.write(`\nmedians over ${ROUNDS} rounds of ${SECONDS}s, ${CONNECTIONS} connections, GET /v1/tenants/acme on PGlite\n`);
  process.stdout.write(`  instrumented (metrics + exemplars + spans) ${inst.toFixed(0)} req/s; bare (IRIS_TELEMETRY=false) ${bare.toFixed(0)} req/s; cost ${((1 - inst / bare) * 100).toFixed(1)}%\n`);
  process.stdout.write(`  CPU per request in-process (inject): instrumented ${cpu.on.toFixed(0)} us, bare ${cpu.off.toFixed(0)} us, cost ${((cpu.on / cpu.off - 1) * 100).toFixed(1)}%\n`);
  process.stdout.write(`  /metrics at 1,000 tenants: ${scrape.series} latency lines, median render ${scrape.ms.toFixed(1)} ms\n`);
  process.stdout.write(`RESULT metrics instrumented_rps=${inst.toFixed(0)} bare_rps=${bare.toFixed(0)} ratio=${(inst / bare).toFixed(3)} scrape_ms_1000_tenants=${scrape.ms.toFixed(1)}\n`);
}

if (process.argv.includes('--serve')) await serve();
else await main();
