// A server for the API benchmark, run as a child process so load and server do not share an
// event loop. BENCH_MODE=bare: a plain Fastify route returning a tenant-shaped JSON object.
// BENCH_MODE=iris: the full Iris stack on PGlite, or on PostgreSQL when DATABASE_URL is set;
// BENCH_GATE=off leaves admission, Cedar and the decision log out (the gate-off baseline);
// BENCH_TELEMETRY=off runs without spans and per-request metrics (the gate's own cost).
// Prints one JSON line: {port, readToken, jobToken, writers: [{tenant, token}]}.
import Fastify from 'fastify';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app/index.js';
import { loadConfig } from '../src/core/config.js';

const TOKEN = 'bench-bootstrap-token-0123456789abcdef';
/** Tenants the write load spreads over. */
const WRITE_TENANTS = 16;

interface BenchServerInfo {
  readonly port: number;
  readonly readToken: string;
  readonly jobToken: string;
  readonly writers: readonly { readonly tenant: string; readonly token: string }[];
}

function announce(info: BenchServerInfo): void {
  process.stdout.write(`${JSON.stringify(info)}\n`);
}

async function bare(): Promise<void> {
  const app = Fastify();
  const tenant = {
    id: 'acme',
    displayName: 'Acme',
    tier: 'premium',
    homeRegion: 'eu-west',
    ring: 'general',
    status: 'active',
    quotas: { requestsPerSecond: 1_000_000, burst: 1_000_000 },
    labels: {},
    resourceVersion: '1',
    createdAt: '2026-12-06T00:00:00.000Z',
    updatedAt: '2026-12-06T00:00:00.000Z',
    deletedAt: null,
    purgeAfter: null,
  };
  app.get('/v1/tenants/acme', async () => tenant);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  announce({ port: typeof addr === 'object' && addr ? addr.port : 0, readToken: '', jobToken: '', writers: [] });
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

async function iris(): Promise<void> {
  const config = loadConfig({
    IRIS_BOOTSTRAP_TOKEN: TOKEN,
    IRIS_DATA_DIR: mkdtempSync(join(tmpdir(), 'iris-bench-')),
    IRIS_PORT: '0',
    // The service-wide limit too is far above the load, so admission runs but never rejects.
    IRIS_RATE_SERVICE_RPS: '10000000',
    IRIS_RATE_SERVICE_BURST: '10000000',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    ...(process.env.BENCH_TELEMETRY === 'off' ? { IRIS_TELEMETRY: 'false' } : {}),
    ...(process.env.IRIS_POLICY_DECISION_SAMPLE
      ? { IRIS_POLICY_DECISION_SAMPLE: process.env.IRIS_POLICY_DECISION_SAMPLE }
      : {}),
  });
  const app = await createApp(config, { gate: process.env.BENCH_GATE === 'off' ? 'off' : 'on' });
  const ctx = app.systemContext();
  // Quotas far above what the load can reach, so admission runs but never rejects.
  const quotas = {
    requestsPerSecond: 1_000_000,
    burst: 1_000_000,
    concurrentRequests: 100_000,
    queuedJobs: 10_000_000,
  };
  await app.tenants.create(ctx, { id: 'acme', displayName: 'Acme', tier: 'premium', quotas });
  const read = await app.keys.create(ctx, 'acme', { name: 'bench-read', role: 'analyst' });
  const jobs = await app.keys.create(ctx, 'acme', { name: 'bench-jobs', role: 'tenant-admin' });
  const writers: { tenant: string; token: string }[] = [];
  for (let i = 0; i < WRITE_TENANTS; i++) {
    const tenant = `writer-${String(i).padStart(2, '0')}`;
    await app.tenants.create(ctx, { id: tenant, displayName: `Writer ${i}`, tier: 'premium', quotas });
    const key = await app.keys.create(ctx, tenant, { name: 'bench-write', role: 'tenant-admin' });
    writers.push({ tenant, token: key.token });
  }
  await app.directory.resync();
  await app.listen();
  const addr = app.server.server.address();
  announce({
    port: typeof addr === 'object' && addr ? addr.port : 0,
    readToken: read.token,
    jobToken: jobs.token,
    writers,
  });
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

(process.env.BENCH_MODE === 'bare' ? bare() : iris()).catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
