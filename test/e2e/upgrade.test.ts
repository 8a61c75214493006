// Two builds serving at once, as during a rolling or rainbow deploy: the previous build (the
// commit before the newest migration landed, built from git history) serves a PostgreSQL
// database; the current build starts against the same database and migrates it (expand only)
// while the previous one keeps serving; then both take reads and audited writes side by side.
// Every answer must be a success, every write made through one build must be read back
// through the other, and every tenant's ledger (appended to by both builds) must verify.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { latestMigrationVersion } from '../../src/store/index.js';
import { startIris, type Proc } from '../support/iris-process.js';
import { BIN } from '../support/run-cli.js';
import { createTestDatabase, storeName } from '../support/test-database.js';
import { newEd25519Keys } from '../../src/core/ed25519.js';

const run = promisify(execFile);
const REPO = resolve(dirname(BIN), '..');
const TOKEN = 'iris-upgrade-bootstrap-token-0123456789';
const LOAD_MS = Number(process.env.IRIS_UPGRADE_LOAD_MS ?? 8000);

/** The previous build: IRIS_UPGRADE_FROM, else the commit before the newest migration was added. */
async function previousCommit(): Promise<string | undefined> {
  const git = (...args: string[]) => run('git', ['-C', REPO, ...args]).then((r) => r.stdout.trim());
  try {
    if (process.env.IRIS_UPGRADE_FROM) return await git('rev-parse', process.env.IRIS_UPGRADE_FROM);
    const added = await git('log', '-1', '--diff-filter=A', '--format=%H', '--', 'migrations/');
    return added === '' ? undefined : await git('rev-parse', `${added}^`);
  } catch {
    return undefined;
  }
}

/** Checks out and compiles `commit` into a cached directory (the server only: no console). */
async function buildPrevious(commit: string): Promise<string> {
  const dir = join(tmpdir(), `iris-build-${commit.slice(0, 12)}`);
  if (existsSync(join(dir, 'dist', 'src', 'cli', 'main.js'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await run('sh', ['-c', `git -C "${REPO}" archive ${commit} | tar -x -C "${dir}"`]);
  // NOTE: the same dependencies unless the lockfile changed since; then the previous build's own.
  const { stdout: lockDiff } = await run('git', [
    '-C',
    REPO,
    'diff',
    '--stat',
    commit,
    'HEAD',
    '--',
    'package-lock.json',
  ]);
  if (lockDiff.trim() === '') symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  else await run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, maxBuffer: 64 << 20 });
  await run(process.execPath, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
    cwd: dir,
    maxBuffer: 64 << 20,
  });
  return dir;
}

describe(
  'upgrade while serving: the previous build and this one on one PostgreSQL',
  {
    skip:
      storeName === 'pglite' ? 'two processes share a database only on PostgreSQL (set IRIS_TEST_DATABASE_URL)' : false,
  },
  () => {
    let prev: Proc | undefined;
    let next: Proc | undefined;
    let admin: pg.Client;
    let dbName = '';
    const dirs: string[] = [];
    let commit: string | undefined;
    let env: Record<string, string>;

    before(async () => {
      commit = await previousCommit();
      admin = new pg.Client({ connectionString: process.env.IRIS_TEST_DATABASE_URL });
      await admin.connect();
      const tdb = await createTestDatabase({ migrated: false });
      assert.ok(tdb.url);
      dbName = new URL(tdb.url).pathname.slice(1);
      await tdb.db.close();
      const { privateKey } = newEd25519Keys();
      env = {
        DATABASE_URL: tdb.url,
        IRIS_BOOTSTRAP_TOKEN: TOKEN,
        IRIS_LEDGER_SIGNING_KEY: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        IRIS_LOG_LEVEL: 'error',
        IRIS_RATE_LIMITS: 'false',
        IRIS_EXTRACT_THREADS: '0',
        IRIS_PORT: '0',
      };
    });

    after(async () => {
      await prev?.stop();
      await next?.stop();
      if (dbName) await admin?.query(`drop database if exists ${dbName} with (force)`);
      await admin?.end().catch(() => undefined);
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    const dataDir = (): string => {
      const d = mkdtempSync(join(tmpdir(), 'iris-upgrade-'));
      dirs.push(d);
      return d;
    };
    /** The newest migration applied to the shared database. */
    async function schemaVersion(): Promise<number> {
      const probe = new pg.Client({ connectionString: env.DATABASE_URL });
      await probe.connect();
      try {
        return (await probe.query<{ v: number }>('select max(version)::int as v from iris_migrations')).rows[0]?.v ?? 0;
      } finally {
        await probe.end();
      }
    }
    const apiOf = (p: Proc): string => (/API\s+(http:\/\/\S+)\/v1/.exec(p.output) as RegExpExecArray)[1] as string;

    async function call(
      api: string,
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ) {
      const res = await fetch(`${api}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      return { status: res.status, json: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
    }

    test(
      'both builds serve reads and audited writes while the schema is migrated under them',
      { timeout: 600_000 },
      async (t) => {
        if (commit === undefined) {
          t.skip('no git history here to build the previous release from');
          return;
        }
        const prevDir = await buildPrevious(commit);
        prev = await startIris(['serve'], { ...env, IRIS_DATA_DIR: dataDir() }, /API\s+http:\/\/\S+\/v1/, {
          bin: join(prevDir, 'bin', 'iris.js'),
        });
        const oldApi = apiOf(prev);
        const schemaBefore = await schemaVersion();
        assert.ok(schemaBefore < latestMigrationVersion(), 'the previous build must be of an older schema');
        const tenants = Array.from({ length: 6 }, (_, i) => `upgrade-${i}`);
        for (const id of tenants)
          assert.equal((await call(oldApi, 'POST', '/v1/tenants', { id, displayName: id })).status, 201);

        // The new build migrates the database the old one is serving.
        next = await startIris(['serve'], { ...env, IRIS_DATA_DIR: dataDir() }, /API\s+http:\/\/\S+\/v1/);
        const newApi = apiOf(next);
        assert.equal(await schemaVersion(), latestMigrationVersion(), 'the current build migrated the shared database');

        // Load: each build writes its own half of the tenants and reads all of them.
        const failures: string[] = [];
        const writes = new Map<string, string>();
        let answered = 0;
        const deadline = Date.now() + LOAD_MS;
        const worker = async (api: string, mine: string[], who: string): Promise<void> => {
          let i = 0;
          while (Date.now() < deadline) {
            const id = mine[i % mine.length] as string;
            const other = tenants[(i * 7) % tenants.length] as string;
            i++;
            const read = await call(api, 'GET', `/v1/tenants/${other}`);
            answered++;
            if (read.status !== 200) failures.push(`${who} GET ${other}: ${read.status}`);
            const value = `${who}-${i}`;
            const patched = await call(
              api,
              'PATCH',
              `/v1/tenants/${id}`,
              { labels: { step: value } },
              { 'if-match': '*' },
            );
            answered++;
            if (patched.status !== 200)
              failures.push(`${who} PATCH ${id}: ${patched.status} ${JSON.stringify(patched.json)}`);
            else writes.set(id, value);
          }
        };
        await Promise.all([
          worker(oldApi, tenants.slice(0, 3), 'previous'),
          worker(newApi, tenants.slice(3), 'current'),
          worker(oldApi, tenants.slice(0, 3), 'previous'),
          worker(newApi, tenants.slice(3), 'current'),
        ]);
        assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${answered} calls failed`);
        assert.ok(answered > 20, `only ${answered} calls in ${LOAD_MS} ms`);
        t.diagnostic(
          `previous build ${commit.slice(0, 12)} and this one: ${answered} calls in ${LOAD_MS} ms, none failed`,
        );

        // Each build reads what the other wrote, and every ledger verifies through both.
        for (const id of tenants) {
          for (const api of [oldApi, newApi]) {
            const got = await call(api, 'GET', `/v1/tenants/${id}?consistent=true`);
            assert.equal(
              (got.json?.labels as Record<string, string> | undefined)?.step,
              writes.get(id),
              `${api} ${id}`,
            );
            const v = await call(api, 'GET', `/v1/audit/logs/${id}/verify`);
            assert.equal(v.status, 200);
            assert.equal(v.json?.ok, true, `${id} via ${api}: ${JSON.stringify(v.json?.problems)}`);
          }
        }

        // A key revoked through either build is refused by the other within a second: the
        // previous build hears of changes by NOTIFY only, this one by its change feed (0015).
        for (const [by, other, who] of [
          [oldApi, newApi, 'previous → current'],
          [newApi, oldApi, 'current → previous'],
        ] as const) {
          const key = await call(by, 'POST', '/v1/tenants/upgrade-0/keys', { name: 'k', role: 'analyst' });
          assert.equal(key.status, 201);
          const auth = { authorization: `Bearer ${key.json?.token as string}` };
          const works = async (): Promise<number> =>
            (await call(other, 'GET', '/v1/tenants/upgrade-0', undefined, auth)).status;
          const start = Date.now();
          while ((await works()) !== 200 && Date.now() - start < 3000) await new Promise((r) => setTimeout(r, 20));
          assert.equal(await works(), 200, `${who}: the new key works on the other build`);
          assert.equal((await call(by, 'DELETE', `/v1/tenants/upgrade-0/keys/${key.json?.id as string}`)).status, 200);
          const revoked = Date.now();
          while ((await works()) !== 401 && Date.now() - revoked < 3000) await new Promise((r) => setTimeout(r, 20));
          const took = Date.now() - revoked;
          assert.ok(took < 1000, `${who}: the revoked key was still served for ${took} ms`);
        }
        assert.ok(prev.alive() && next.alive());
      },
    );
  },
);
