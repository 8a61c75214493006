// A server for the API benchmark, run as a child process so load and server do not share an
// event loop. BENCH_MODE=bare: a plain Fastify route returning a tenant-shaped JSON object.
// BENCH_MODE=iris: the full Iris stack (identity, RLS-scoped transaction, schema'd reply) on
// PGlite, or on PostgreSQL when DATABASE_URL is set. Prints one JSON line: {port, token}.
import Fastify from 'fastify';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app/index.js';
import { loadConfig } from '../src/core/config.js';

const TOKEN = 'bench-bootstrap-token-0123456789abcdef';

async function main(): Promise<void> {
  if (process.env.BENCH_MODE === 'bare') {
    const app = Fastify();
    const tenant = {
      id: 'acme',
      displayName: 'Acme',
      tier: 'premium',
      homeRegion: 'eu-west',
      ring: 'general',
      status: 'active',
      resourceVersion: '1',
    };
    app.get('/v1/tenants/acme', async () => tenant);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address();
    process.stdout.write(`${JSON.stringify({ port: typeof addr === 'object' && addr ? addr.port : 0, token: '' })}\n`);
    return;
  }
  const config = loadConfig({
    IRIS_BOOTSTRAP_TOKEN: TOKEN,
    IRIS_DATA_DIR: mkdtempSync(join(tmpdir(), 'iris-bench-')),
    IRIS_PORT: '0',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  });
  const app = await createApp(config);
  const ctx = app.systemContext();
  // Quotas far above what the load can reach, so admission runs but never rejects.
  await app.tenants.create(ctx, {
    id: 'acme',
    displayName: 'Acme',
    tier: 'premium',
    quotas: { requestsPerSecond: 1_000_000, burst: 1_000_000, concurrentRequests: 100_000 },
  });
  const key = await app.keys.create(ctx, 'acme', { name: 'bench', role: 'analyst' });
  await app.directory.resync();
  await app.listen();
  const addr = app.server.server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof addr === 'object' && addr ? addr.port : 0, token: key.token })}\n`,
  );
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
