// bench:policy — in one run, side by side: uncached and cached Cedar decisions per second
// and their p99 (the decision point alone, built-in bundle), and gateway requests per second
// through the full path (identity, rate limits, policy) against the same route with the
// gate off. Each server runs in a child process (this file with --serve), autocannon drives
// it from here; rounds are interleaved and medians reported (the machine is shared and noisy).
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createApp } from '../src/app/index.js';
import { loadConfig } from '../src/core/config.js';
import {
  activeBundleOf,
  builtinBundle,
  loadBundleSigner,
  loadTrust,
  makeDecisionPoint,
  type DecisionInput,
} from '../src/policy/index.js';
import { migrate, openPgliteDatabase } from '../src/store/index.js';
import { newEd25519Pem } from '../src/core/ed25519.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const SAMPLE = process.env.BENCH_DECISION_SAMPLE ?? '0';
const TOKEN = 'bench-bootstrap-token-0123456789abcdef';
// NOTE: a tenant read served from the replica's snapshot: no database, no work of its own.
const ROUTE = '/v1/tenants/bench-co';

const quantile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
const median = (xs: readonly number[]): number =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );

/** Child mode: an Iris server on in-memory PGlite with a cheap tenant route; prints {port, token}. */
async function serve(gate: 'on' | 'off'): Promise<void> {
  const db = await openPgliteDatabase(undefined);
  await migrate(db);
  const config = loadConfig({
    IRIS_BOOTSTRAP_TOKEN: TOKEN,
    IRIS_DATA_DIR: mkdtempSync(join(tmpdir(), 'iris-policy-bench-')),
    IRIS_PORT: '0',
    IRIS_RATE_LIMITS: 'true',
    IRIS_RATE_SERVICE_RPS: '10000000',
    IRIS_RATE_SERVICE_BURST: '10000000',
    IRIS_POLICY_DECISION_SAMPLE: SAMPLE,
    IRIS_TELEMETRY: 'false',
  });
  const app = await createApp(config, { db, gate });
  const ctx = app.systemContext();
  await app.tenants.create(ctx, {
    id: 'bench-co',
    displayName: 'Bench',
    tier: 'enterprise',
    quotas: { requestsPerSecond: 1_000_000, burst: 1_000_000, concurrentRequests: 100_000 },
  });
  const key = await app.keys.create(ctx, 'bench-co', { name: 'bench', role: 'analyst' });
  await app.directory.resync();
  const address = await app.listen();
  process.stdout.write(`${JSON.stringify({ port: Number(new URL(address).port), token: key.token })}\n`);
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

async function startServer(gate: 'on' | 'off'): Promise<{ child: ChildProcess; port: number; token: string }> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', gate], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [line] = (await once(rl, 'line')) as [string];
  rl.close();
  const { port, token } = JSON.parse(line) as { port: number; token: string };
  return { child, port, token };
}

async function load(
  port: number,
  token: string,
  seconds: number,
): Promise<{ rps: number; p99: number; errors: number }> {
  const r = await autocannon({
    url: `http://127.0.0.1:${port}${ROUTE}`,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { authorization: `Bearer ${token}` },
  });
  return { rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

async function gateway(gate: 'on' | 'off'): Promise<{ rps: number; p99: number; errors: number }> {
  const { child, port, token } = await startServer(gate);
  try {
    await load(port, token, 1);
    return await load(port, token, SECONDS);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

/** The decision point alone: every call a cache miss, then one input over and over. */
async function decisions(): Promise<{
  uncachedDps: number;
  uncachedP99: number;
  cachedDps: number;
  cachedP99: number;
}> {
  const pem = newEd25519Pem();
  const signer = loadBundleSigner({ pem, dataDir: tmpdir() });
  const pdp = makeDecisionPoint({
    region: 'eu-west',
    tenantFacts: () => ({ region: 'eu-west', tier: 'standard' }),
    cacheSize: 1_000_000,
  });
  pdp.setPlatform(activeBundleOf(await builtinBundle(signer, loadTrust(signer, undefined), new Date(), 1 << 20)));
  const input = (i: number): DecisionInput => ({
    principal: { keyId: `k${i}`, role: 'analyst', tenantId: 'acme' },
    action: 'tenant.read',
    resourceTenant: 'acme',
    resourceKind: 'Tenant',
    sourceIp: '10.1.2.3',
    route: 'GET /v1/tenants/:tenantId',
  });
  for (let i = 0; i < 2000; i++) pdp.decide(input(-i - 1)); // warm-up
  const n = 20_000;
  const lat: number[] = [];
  let start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    if (!pdp.decide(input(i)).allowed) throw new Error('unexpected deny');
    lat.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  const uncachedDps = n / (Number(process.hrtime.bigint() - start) / 1e9);
  lat.sort((a, b) => a - b);
  const hot = input(0);
  const m = 1_000_000;
  start = process.hrtime.bigint();
  for (let i = 0; i < m; i++) pdp.decide(hot);
  const cachedDps = m / (Number(process.hrtime.bigint() - start) / 1e9);
  const hotLat: number[] = [];
  for (let i = 0; i < 200_000; i++) {
    const t = process.hrtime.bigint();
    pdp.decide(hot);
    hotLat.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  hotLat.sort((a, b) => a - b);
  return { uncachedDps, uncachedP99: quantile(lat, 0.99), cachedDps, cachedP99: quantile(hotLat, 0.99) };
}

async function main(): Promise<void> {
  const d = await decisions();
  console.log(
    `decisions: uncached ${Math.round(d.uncachedDps)}/s (p99 ${d.uncachedP99.toFixed(1)} us), cached ${Math.round(d.cachedDps)}/s (p99 ${d.cachedP99.toFixed(2)} us, mean ${(1e6 / d.cachedDps).toFixed(2)} us)`,
  );
  const on: number[] = [];
  const off: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const a = await gateway('on');
    const b = await gateway('off');
    console.log(
      `round ${r + 1}: full path ${Math.round(a.rps)} rps (p99 ${a.p99} ms, errors ${a.errors}) | gate off ${Math.round(b.rps)} rps (p99 ${b.p99} ms, errors ${b.errors})`,
    );
    if (a.errors > 0 || b.errors > 0) throw new Error('requests failed during the benchmark');
    on.push(a.rps);
    off.push(b.rps);
  }
  const gatewayRps = median(on);
  const offRps = median(off);
  console.log(
    `route GET ${ROUTE} (analyst key, in-memory rate limits, decision log sampling allows at ${SAMPLE}, telemetry off), ${CONNECTIONS} connections, ${SECONDS} s x ${ROUNDS} rounds, medians`,
  );
  console.log(
    `RESULT policy uncached_dps=${Math.round(d.uncachedDps)} cached_dps=${Math.round(d.cachedDps)} uncached_p99_us=${d.uncachedP99.toFixed(1)} gateway_rps=${Math.round(gatewayRps)} policy_off_rps=${Math.round(offRps)} ratio=${(gatewayRps / offRps).toFixed(2)}`,
  );
}

const serveAt = process.argv.indexOf('--serve');
if (serveAt >= 0) await serve(process.argv[serveAt + 1] === 'off' ? 'off' : 'on');
else await main();
