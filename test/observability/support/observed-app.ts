// An Iris app for observability tests: a fresh test database, logs captured line by line,
// spans kept in memory, and helpers to create tenants with keys.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import type { LightMyRequestResponse } from 'fastify';
import { createApp, type App } from '../../../src/app/index.js';
import { loadConfig } from '../../../src/core/config.js';
import type { Tier } from '../../../src/tenants/index.js';
import { injectAs, SCRAPE_TOKEN } from '../../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';

export const ADMIN_TOKEN = 'obs-bootstrap-token-0123456789abcdef';

export interface ObservedApp {
  readonly app: App;
  readonly testDb: TestDatabase;
  /** Every log line written so far, raw. */
  readonly logLines: string[];
  readonly spans: InMemorySpanExporter;
  call(
    method: string,
    url: string,
    opts?: { token?: string | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
  /** Creates a tenant (service level, fast) and an analyst key; returns the key's token. */
  tenantWithKey(id: string, tier?: Tier, ring?: string): Promise<string>;
  dispose(): Promise<void>;
}

/** Starts an app with logging at `logLevel` into memory and spans into memory. */
export async function startObservedApp(env: Record<string, string> = {}, logLevel = 'info'): Promise<ObservedApp> {
  const testDb = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'iris-obs-'));
  const logLines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l !== '') logLines.push(l);
      done();
    },
  });
  const spans = new InMemorySpanExporter();
  // NOTE: no limit on new traces per second: these tests look for the spans of every request.
  const config = loadConfig({
    IRIS_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
    IRIS_DATA_DIR: dataDir,
    IRIS_PORT: '0',
    IRIS_TRACE_MAX_PER_SECOND: '0',
    IRIS_METRICS_TOKEN: SCRAPE_TOKEN,
    ...env,
  });
  const app = await createApp(config, {
    db: testDb.db,
    logger: { level: logLevel, stream },
    spanProcessors: [new SimpleSpanProcessor(spans)],
  });
  const call: ObservedApp['call'] = injectAs(app, ADMIN_TOKEN);
  return {
    app,
    testDb,
    logLines,
    spans,
    call,
    async tenantWithKey(id, tier = 'standard', ring) {
      const ctx = app.systemContext();
      await app.tenants.create(ctx, { id, displayName: id, tier, ...(ring === undefined ? {} : { ring }) });
      const key = await app.keys.create(ctx, id, { name: 'obs', role: 'tenant-admin' });
      await app.directory.resync();
      return key.token;
    },
    async dispose() {
      await app.close();
      await testDb.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Parses an OpenMetrics body into samples: name, labels, value, exemplar labels. */
export function parseSamples(
  body: string,
): { name: string; labels: Record<string, string>; value: number; exemplar: Record<string, string> | undefined }[] {
  const out = [];
  const labelRe = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  const parseLabels = (s: string | undefined): Record<string, string> =>
    Object.fromEntries([...(s ?? '').matchAll(labelRe)].map((m) => [m[1] as string, m[2] as string]));
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*?)\})? (\S+)(?: \S+)?(?: # \{(.*?)\} .*)?$/.exec(line);
    if (!m) continue;
    out.push({
      name: m[1] as string,
      labels: parseLabels(m[2]),
      value: Number(m[3]),
      exemplar: m[4] === undefined ? undefined : parseLabels(m[4]),
    });
  }
  return out;
}
