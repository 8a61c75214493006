// Backups on the store under test: create, list, verify (a scratch restore that proves counts,
// ledgers and RLS), restore into an empty target, prune; and every bad backup refused with
// its reason and nothing restored.
import assert from 'node:assert/strict';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { loadSigner } from '../../src/audit/index.js';
import type { Database } from '../../src/core/db.js';
import {
  BACKUP_FORMAT,
  signManifest,
  type BackupManifest,
  type BackupSummary,
  type BackupVerification,
} from '../../src/recovery/index.js';
import { openPgliteDatabase, openPostgresDatabase } from '../../src/store/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

describe(`backups (${storeName})`, () => {
  let t: TestApp;
  let dir: string;
  const scratchDirs: string[] = [];
  const tempDir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'iris-restore-'));
    scratchDirs.push(d);
    return d;
  };

  before(async () => {
    t = await createTestApp();
    dir = tempDir();
    for (const id of ['acme', 'globex', 'initech']) {
      const res = await t.call('POST', '/v1/tenants', { body: { id, displayName: id.toUpperCase() } });
      assert.equal(res.statusCode, 201, res.body);
    }
    await t.keyFor('acme', 'tenant-admin');
    const patched = await t.call('PATCH', '/v1/tenants/acme', {
      body: { labels: { team: 'core' } },
      headers: { 'if-match': '*' },
    });
    assert.ok(patched.statusCode < 300 || patched.statusCode === 412, patched.body);
  });
  after(async () => {
    await t.dispose();
    for (const d of scratchDirs) rmSync(d, { recursive: true, force: true });
  });

  const create = async (): Promise<BackupSummary> => {
    const res = await t.call('POST', '/v1/platform/backups', { body: { dir } });
    assert.equal(res.statusCode, 201, res.body);
    return res.json<BackupSummary>();
  };
  const verify = async (id: string, from = dir): Promise<BackupVerification> => {
    const res = await t.call('POST', `/v1/platform/backups/${id}/verify`, { body: { dir: from } });
    assert.equal(res.statusCode, 200, res.body);
    return res.json<BackupVerification>();
  };
  /** A copy of backup `id` in a directory of its own, to damage. */
  const copyOf = (id: string): string => {
    const d = tempDir();
    cpSync(join(dir, id), join(d, id), { recursive: true });
    return d;
  };
  const countTenants = async (db: Database): Promise<number> =>
    db.asOwner(async (s) => (await s.query<{ n: number }>('select count(*)::int as n from tenants')).rows[0]?.n ?? -1);

  test('create writes a signed manifest with row counts and every ledger head; list says it was never verified', async () => {
    const b = await create();
    assert.equal(b.store, storeName);
    assert.ok(b.tenants >= 3, `tenants ${b.tenants}`);
    assert.ok(b.ledgerEvents > 0);
    const manifest = JSON.parse(readFileSync(join(dir, b.id, 'manifest.json'), 'utf8')) as {
      format: string;
      rowCounts: Record<string, number>;
      ledgers: { log: string }[];
    };
    assert.equal(manifest.format, BACKUP_FORMAT);
    assert.equal(manifest.rowCounts.tenants, b.tenants);
    assert.ok(manifest.ledgers.some((l) => l.log === 'acme'));
    const list = await t.call('GET', `/v1/platform/backups?dir=${encodeURIComponent(dir)}`);
    assert.equal(list.statusCode, 200);
    const item = list.json<{ items: BackupSummary[] }>().items.find((i) => i.id === b.id);
    assert.deepEqual(item?.verification, { state: 'never' });
  });

  test('verify restores into a scratch database and passes every check; list then says verified', async () => {
    const b = await create();
    const v = await verify(b.id);
    assert.equal(v.ok, true, JSON.stringify(v.checks));
    assert.deepEqual(
      v.checks.map((c) => c.name),
      ['manifest', 'schema', 'digests', 'restore', 'row-counts', 'migrate', 'ledgers', 'rls'],
    );
    assert.match(v.checks.find((c) => c.name === 'ledgers')?.detail ?? '', /logs, \d+ events verify/);
    const list = await t.call('GET', `/v1/platform/backups?dir=${encodeURIComponent(dir)}`);
    const item = list.json<{ items: BackupSummary[] }>().items.find((i) => i.id === b.id);
    assert.equal(item?.verification.state, 'ok');
  });

  test('a changed byte, a truncated part, an edited manifest and a newer schema each fail verification with the reason', async () => {
    const b = await create();
    const part = readdirSync(join(dir, b.id)).find((f) => f.endsWith('.dump') || f.endsWith('.tar.gz')) ?? '';

    const flipped = copyOf(b.id);
    const bytes = readFileSync(join(flipped, b.id, part));
    const at = Math.floor(bytes.length / 2);
    bytes[at] = (bytes[at] ?? 0) ^ 0xff;
    writeFileSync(join(flipped, b.id, part), bytes);
    const v1 = await verify(b.id, flipped);
    assert.equal(v1.ok, false);
    assert.match(v1.checks.find((c) => !c.ok)?.detail ?? '', /does not match its sha256/);

    const cut = copyOf(b.id);
    truncateSync(join(cut, b.id, part), 100);
    const v2 = await verify(b.id, cut);
    assert.match(v2.checks.find((c) => !c.ok)?.detail ?? '', /truncated/);

    const edited = copyOf(b.id);
    const m = JSON.parse(readFileSync(join(edited, b.id, 'manifest.json'), 'utf8')) as {
      rowCounts: Record<string, number>;
    };
    m.rowCounts.tenants = 1;
    writeFileSync(join(edited, b.id, 'manifest.json'), JSON.stringify(m));
    const v3 = await verify(b.id, edited);
    assert.equal(v3.checks[0]?.name, 'manifest');
    assert.match(v3.checks[0]?.detail ?? '', /signature does not verify/);

    // A manifest this Iris signed itself, of a schema newer than this build knows.
    const newer = copyOf(b.id);
    const mn = JSON.parse(readFileSync(join(newer, b.id, 'manifest.json'), 'utf8')) as { schemaVersion: number };
    mn.schemaVersion = 9999;
    const { signer } = loadSigner({ pem: undefined, dataDir: t.dataDir, name: t.app.ledger.signer.name });
    writeFileSync(join(newer, b.id, 'manifest.json'), JSON.stringify(mn));
    writeFileSync(join(newer, b.id, 'manifest.sig'), signManifest(mn as BackupManifest, signer.privateKey));
    const v4 = await verify(b.id, newer);
    assert.equal(v4.checks.find((c) => !c.ok)?.name, 'schema');
    assert.match(v4.checks.find((c) => !c.ok)?.detail ?? '', /newer than this build/);

    // A restore of a damaged backup is refused before anything is written.
    const target = await emptyTarget();
    const res = await t.call('POST', `/v1/platform/backups/${b.id}/restore`, {
      body: { dir: flipped, target: target.target },
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.match(res.json<{ detail: string }>().detail, /failed verification \(digests/);
    assert.equal(await target.tables(), 0);
    await target.dispose();
  });

  /** An empty restore target of the store under test. */
  async function emptyTarget(): Promise<{
    target: string;
    tables(): Promise<number>;
    open(): Promise<Database>;
    dispose(): Promise<void>;
  }> {
    if (t.testDb.url === undefined) {
      const d = tempDir();
      return {
        target: d,
        tables: async () => (existsSync(join(d, 'pgdata')) ? readdirSync(join(d, 'pgdata')).length : 0),
        open: () => openPgliteDatabase(join(d, 'pgdata')),
        dispose: async () => undefined,
      };
    }
    const name = `iris_restore_${Math.random().toString(16).slice(2, 10)}`;
    const admin = process.env.IRIS_TEST_DATABASE_URL ?? '';
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    await c.query(`create database ${name}`);
    await c.end();
    const u = new URL(admin);
    u.pathname = `/${name}`;
    const url = u.toString();
    return {
      target: url,
      async tables() {
        const x = new pg.Client({ connectionString: url });
        await x.connect();
        const n = (await x.query("select count(*)::int as n from pg_tables where schemaname = 'public'")).rows[0]
          .n as number;
        await x.end();
        return n;
      },
      open: () => openPostgresDatabase(url, 2),
      async dispose() {
        const x = new pg.Client({ connectionString: admin });
        await x.connect();
        await x.query(`drop database if exists ${name} with (force)`);
        await x.end();
      },
    };
  }

  test('restore verifies, then fills an empty target with the same tenants; a non-empty target is refused', async () => {
    const b = await create();
    const target = await emptyTarget();
    const res = await t.call('POST', `/v1/platform/backups/${b.id}/restore`, { body: { dir, target: target.target } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json<{ verification: { ok: boolean } }>().verification.ok, true);
    const restored = await target.open();
    try {
      assert.equal(await countTenants(restored), await countTenants(t.db));
    } finally {
      await restored.close();
    }
    const again = await t.call('POST', `/v1/platform/backups/${b.id}/restore`, {
      body: { dir, target: target.target },
    });
    assert.equal(again.statusCode, 409, again.body);
    assert.match(again.json<{ detail: string }>().detail, /empty/);
    await target.dispose();
  });

  test('prune keeps the newest N and the newest verified backup; only a platform admin may touch backups', async () => {
    const pruneDir = tempDir();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await t.call('POST', '/v1/platform/backups', { body: { dir: pruneDir } });
      ids.push(res.json<BackupSummary>().id);
    }
    const oldest = ids[0] ?? '';
    await verify(oldest, pruneDir);
    const dry = await t.call('POST', '/v1/platform/backups/prune', { body: { dir: pruneDir, keep: 1, dryRun: true } });
    assert.deepEqual(dry.json<{ removed: string[] }>().removed, [ids[1]]);
    assert.ok(existsSync(join(pruneDir, ids[1] ?? '')));
    const done = await t.call('POST', '/v1/platform/backups/prune', { body: { dir: pruneDir, keep: 1 } });
    assert.deepEqual(done.json<{ removed: string[] }>().removed, [ids[1]]);
    assert.equal(existsSync(join(pruneDir, ids[1] ?? '')), false);
    assert.ok(existsSync(join(pruneDir, oldest)), 'the newest verified backup stays');

    const tenantAdmin = await t.keyFor('globex', 'tenant-admin');
    for (const [method, url, body] of [
      ['GET', '/v1/platform/backups', undefined],
      ['POST', '/v1/platform/backups', {}],
      ['POST', `/v1/platform/backups/${oldest}/verify`, {}],
      ['POST', '/v1/platform/backups/prune', { keep: 0 }],
    ] as const) {
      const res = await t.call(method, url, { token: tenantAdmin, body });
      assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body}`);
    }
    const aFile = join(pruneDir, 'not-a-dir');
    writeFileSync(aFile, 'x');
    for (const res of [
      await t.call('POST', '/v1/platform/backups', { body: { dir: join(aFile, 'sub') } }),
      await t.call('GET', `/v1/platform/backups?dir=${encodeURIComponent(aFile)}`),
    ]) {
      assert.equal(res.statusCode, 400, res.body);
      assert.match(res.json<{ detail: string }>().detail, /cannot be used/);
    }
    const relative = await t.call('POST', '/v1/platform/backups', { body: { dir: 'backups' } });
    assert.equal(relative.statusCode, 400);
    const traversal = await t.call('POST', '/v1/platform/backups/..%2F..%2Fetc/verify', { body: {} });
    assert.equal(traversal.statusCode, 400);
    const missing = await t.call('POST', '/v1/platform/backups/20990101T000000Z-abcdef/verify', { body: { dir } });
    assert.equal(missing.statusCode, 404);
  });
});
