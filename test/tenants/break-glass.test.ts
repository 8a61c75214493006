// Break-glass recovery (issue 11, item 5): every platform-admin key revoked, the bootstrap key
// included, is a lockout that survives a restart; `iris keys break-glass`, run with access to
// the store (DATABASE_URL, or the embedded store's data directory) and the server's ledger
// key, mints a platform-admin key there, audited in the platform ledger, and refuses to sign
// with another ledger key. On PostgreSQL the running server serves the key without a restart;
// the embedded store is used by one process at a time, so there the server stops first (and
// the command refuses while it is open).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createApp, type App } from '../../src/app/index.js';
import { loadConfig } from '../../src/core/config.js';
import { bootstrapKey } from '../../src/tenants/index.js';
import { injectAs } from '../support/test-app.js';
import { runCli, type Run } from '../support/run-cli.js';
import { createTestDatabase, storeName, type TestDatabase } from '../support/test-database.js';
import { newEd25519Pem } from '../../src/core/ed25519.js';

const ADMIN = 'break-glass-bootstrap-token-0123456789abcdef';

async function eventually(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`condition not met within ${ms} ms`);
}

describe(`iris keys break-glass (${storeName})`, () => {
  let dataDir: string;
  let tdb: TestDatabase | undefined;
  let app: App | undefined;

  /** The server on the store under test: PostgreSQL (a fresh database), or the embedded store in dataDir. */
  async function start(): Promise<App> {
    const env = { IRIS_BOOTSTRAP_TOKEN: ADMIN, IRIS_DATA_DIR: dataDir, IRIS_PORT: '0', IRIS_RATE_LIMITS: 'false' };
    app = tdb ? await createApp(loadConfig(env), { db: tdb.db }) : await createApp(loadConfig(env));
    return app;
  }
  async function stop(): Promise<void> {
    await app?.close();
    app = undefined;
  }
  const breakGlass = (args: readonly string[] = [], env: Record<string, string> = {}): Promise<Run> =>
    runCli(
      ['keys', 'break-glass', '--output', 'json', ...args],
      { IRIS_DATA_DIR: dataDir, ...(tdb?.url ? { DATABASE_URL: tdb.url } : {}), ...env },
      dataDir,
      90_000,
    );
  const platformAdminKeys = async (a: App): Promise<number> =>
    Number(
      (
        await a.db.asOwner((s) =>
          s.query<{ n: number }>("select count(*)::int as n from api_keys where role = 'platform-admin'"),
        )
      ).rows[0]?.n,
    );

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'iris-break-glass-'));
    if (storeName === 'postgres') tdb = await createTestDatabase();
  });
  after(async () => {
    await stop();
    await tdb?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('revoking every platform-admin key locks the platform out, across a restart', async () => {
    const a = await start();
    const call = injectAs(a, ADMIN);
    const other = await call('POST', '/v1/platform/keys', { body: { name: 'second-admin', role: 'platform-admin' } });
    assert.equal(other.statusCode, 201, other.body);
    const { items } = (await call('GET', '/v1/platform/keys')).json<{ items: { id: string; role: string }[] }>();
    assert.equal(items.filter((k) => k.role === 'platform-admin').length, 2);
    // The bootstrap key last: a platform-admin may revoke its own key.
    for (const id of [other.json<{ id: string }>().id, bootstrapKey(ADMIN).keyId]) {
      assert.equal((await call('DELETE', `/v1/platform/keys/${id}`)).statusCode, 200);
    }
    assert.equal((await call('GET', '/v1/platform/keys')).statusCode, 401);
    await stop();
    const restarted = await start();
    assert.equal(
      (await injectAs(restarted, ADMIN)('GET', '/v1/platform/keys')).statusCode,
      401,
      'the bootstrap key stays revoked',
    );
    if (storeName === 'pglite') await stop(); // the embedded store serves one process at a time
  });

  test('it refuses without the server ledger key, or with another one, or while the embedded store is open, and mints nothing', async () => {
    if (storeName === 'pglite') {
      await start();
      const busy = await breakGlass();
      assert.equal(busy.code, 1, `${busy.stdout} ${busy.stderr}`);
      assert.match(busy.stderr, /is open in another process/);
      await stop();
    }
    const elsewhere = mkdtempSync(join(tmpdir(), 'iris-break-glass-empty-'));
    try {
      const noKey = await breakGlass([], { IRIS_DATA_DIR: elsewhere });
      assert.equal(noKey.code, 1, `${noKey.stdout} ${noKey.stderr}`);
      assert.match(noKey.stderr, /no ledger signing key here/);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
    const otherKey = newEd25519Pem();
    const wrong = await breakGlass([], { IRIS_LEDGER_SIGNING_KEY: otherKey });
    assert.equal(wrong.code, 1, `${wrong.stdout} ${wrong.stderr}`);
    assert.match(wrong.stderr, /does not verify with this ledger signing key/);
    assert.doesNotMatch(wrong.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
    const a = app ?? (await start());
    assert.equal(await platformAdminKeys(a), 2, 'nothing was minted');
    if (storeName === 'pglite') await stop();
  });

  test('it mints a working platform-admin key in the store, audited in the platform ledger', async () => {
    const run = await breakGlass(['--name', 'recovery', '--expires-in', '2h']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /only time the token is shown/);
    const key = JSON.parse(run.stdout) as {
      id: string;
      token: string;
      role: string;
      name: string;
      expiresAt: string;
      createdBy: string;
      workingAdminKeysBefore: number;
    };
    assert.equal(key.role, 'platform-admin');
    assert.equal(key.name, 'recovery');
    assert.equal(key.workingAdminKeysBefore, 0);
    assert.match(key.createdBy, /^break-glass:/);
    assert.ok(Math.abs(new Date(key.expiresAt).getTime() - Date.now() - 2 * 3600_000) < 120_000);
    // PostgreSQL: the server that kept running serves it (NOTIFY); embedded: after a start.
    const a = app ?? (await start());
    const call = injectAs(a, key.token);
    await eventually(async () => (await call('GET', '/v1/platform/keys')).statusCode === 200);
    assert.equal(
      (await call('POST', '/v1/tenants', { body: { id: 'after-glass', displayName: 'Recovered' } })).statusCode,
      201,
    );
    const events = (await call('GET', '/v1/audit/logs/platform/events?limit=1000'))
      .json<{ items: { event: { action: string; actor: { keyId: string }; resource: { id: string } } }[] }>()
      .items.map((e) => e.event);
    const minted = events.find((e) => e.action === 'key.break-glass');
    assert.equal(minted?.resource.id, key.id);
    assert.equal(minted?.actor.keyId, key.createdBy);
    const verified = await call('GET', '/v1/audit/logs/platform/verify');
    assert.equal(verified.statusCode, 200, verified.body);
    assert.equal(verified.json().ok, true, verified.body);
  });

  test('its help says what it needs', async () => {
    const help = await runCli(['keys', 'break-glass', '--help'], {}, dataDir);
    assert.equal(help.code, 0);
    for (const needed of ['DATABASE_URL', 'IRIS_DATA_DIR', 'IRIS_LEDGER_SIGNING_KEY', 'key.break-glass', 'iris up'])
      assert.ok(help.stdout.includes(needed), `help mentions ${needed}`);
  });
});
