// An Iris app on a fresh test database, with a platform-admin token and request helpers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { createApp, type App, type AppDeps } from '../../src/app/index.js';
import { loadConfig } from '../../src/core/config.js';
import type { Database } from '../../src/core/db.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export const ADMIN_TOKEN = 'test-bootstrap-token-0123456789abcdef';
/** The bearer token Prometheus would scrape /metrics with (IRIS_METRICS_TOKEN). */
export const SCRAPE_TOKEN = 'test-scrape-token-0123456789abcdef';

export interface TestApp {
  readonly app: App;
  readonly db: Database;
  readonly testDb: TestDatabase;
  readonly dataDir: string;
  /** Sends a request as `token` (the admin by default). */
  call(
    method: string,
    url: string,
    opts?: { token?: string | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
  /** Creates a tenant key and returns its token. */
  keyFor(tenantId: string, role: string): Promise<string>;
  dispose(): Promise<void>;
}

/** A request helper on `app`: sends as `token` (the admin by default; null: no token). */
export function injectAs(app: App, adminToken = ADMIN_TOKEN): TestApp['call'] {
  return async (method, url, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const token = opts.token === undefined ? adminToken : opts.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    return app.server.inject({
      method: method as 'GET',
      url,
      headers,
      ...(opts.body === undefined ? {} : { payload: opts.body as object }),
    });
  };
}

export async function createTestApp(
  env: Record<string, string> = {},
  testDb?: TestDatabase,
  deps: Omit<AppDeps, 'db'> = {},
): Promise<TestApp> {
  const tdb = testDb ?? (await createTestDatabase());
  const dataDir = mkdtempSync(join(tmpdir(), 'iris-test-'));
  // NOTE: rate limits are off unless a test turns them on (IRIS_RATE_LIMITS): suites fire requests faster than tenant quotas allow.
  const config = loadConfig({
    IRIS_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
    IRIS_DATA_DIR: dataDir,
    IRIS_PORT: '0',
    IRIS_RATE_LIMITS: 'false',
    IRIS_METRICS_TOKEN: SCRAPE_TOKEN,
    ...env,
  });
  const app = await createApp(config, { ...deps, db: tdb.db });
  const call = injectAs(app);
  return {
    app,
    db: tdb.db,
    testDb: tdb,
    dataDir,
    call,
    async keyFor(tenantId, role) {
      const res = await call('POST', `/v1/tenants/${tenantId}/keys`, { body: { name: `${role}-key`, role } });
      if (res.statusCode !== 201) throw new Error(`key create failed: ${res.statusCode} ${res.body}`);
      await app.directory.resync();
      return res.json<{ token: string }>().token;
    },
    async dispose() {
      await app.close();
      if (!testDb) await tdb.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
