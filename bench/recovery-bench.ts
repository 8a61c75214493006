// bench:recovery — what a restore costs on this machine, for a store of a stated size: the
// time to take a backup (its RPO contribution: a backup every interval loses at most that
// interval without WAL archiving), to verify it (a scratch restore with every check), and to
// restore it into an empty target and start Iris on it (the RTO). Both stores, side by side:
// PGlite embedded, and PostgreSQL when one answers at IRIS_BENCH_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/postgres). Medians of BENCH_ROUNDS rounds.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createApp, type App } from '../src/app/index.js';
import { loadConfig } from '../src/core/config.js';
import { systemContext } from '../src/app/system-context.js';
import type { Database } from '../src/core/db.js';
import { migrate, openPgliteDatabase, openPostgresDatabase } from '../src/store/index.js';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 40);
const UPDATES = Number(process.env.BENCH_UPDATES ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PG_URL = process.env.IRIS_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const EXAMPLES = join(process.cwd(), 'examples', 'acme');

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};
const seconds = async (fn: () => Promise<unknown>): Promise<number> => {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
};

async function freshPostgres(): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const admin = new pg.Client({ connectionString: PG_URL });
  try {
    await admin.connect();
  } catch {
    return undefined;
  }
  const name = `iris_bench_${randomBytes(5).toString('hex')}`;
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** Fills `app` with TENANTS tenants, UPDATES label changes each, a key each, and the example documents ingested into each. */
async function fill(app: App): Promise<void> {
  const ctx = systemContext();
  const docs = readdirSync(EXAMPLES).map((name) => ({ name, bytes: readFileSync(join(EXAMPLES, name)) }));
  for (let i = 0; i < TENANTS; i++) {
    const id = `bench-${String(i).padStart(3, '0')}`;
    await app.tenants.create(ctx, { id, displayName: `Bench ${i}` });
    for (let u = 0; u < UPDATES; u++) await app.tenants.update(ctx, id, { labels: { round: String(u) } }, {});
    await app.keys.create(ctx, id, { name: 'bench', role: 'analyst' });
    for (const d of docs) {
      const { document } = await app.knowledge.submit(id, { documentId: `docs/${d.name}`, ...d }, ctx);
      await app.knowledge.ingestSubmitted(id, document.documentId, document.sha256);
    }
  }
}

async function countRows(db: Database): Promise<number> {
  return db.asOwner(async (s) => {
    const tables = await s.query<{ name: string }>(
      "select tablename as name from pg_tables where schemaname = 'public'",
    );
    let n = 0;
    for (const t of tables.rows)
      n += (await s.query<{ n: number }>(`select count(*)::int as n from "${t.name}"`)).rows[0]?.n ?? 0;
    return n;
  });
}

interface Figures {
  store: string;
  bytes: number;
  rows: number;
  createS: number;
  verifyS: number;
  restoreS: number;
  startS: number;
}

async function measure(store: 'pglite' | 'postgres'): Promise<Figures | undefined> {
  const pgdb = store === 'postgres' ? await freshPostgres() : undefined;
  if (store === 'postgres' && pgdb === undefined) return undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'iris-bench-recovery-'));
  const db = pgdb ? await openPostgresDatabase(pgdb.url, 4) : await openPgliteDatabase(join(dataDir, 'pgdata'));
  const config = loadConfig({ IRIS_DATA_DIR: dataDir, IRIS_RATE_LIMITS: 'false', IRIS_TELEMETRY: 'false' });
  const app = await createApp(config, { db });
  const drops: (() => Promise<void>)[] = [];
  try {
    await fill(app);
    const rows = await countRows(db);
    const creates: number[] = [];
    const verifies: number[] = [];
    const restores: number[] = [];
    const starts: number[] = [];
    let bytes = 0;
    for (let r = 0; r < ROUNDS; r++) {
      let id = '';
      creates.push(
        await seconds(async () => {
          const b = await app.backups.create();
          id = b.id;
          bytes = b.bytes;
        }),
      );
      verifies.push(
        await seconds(async () => {
          const v = await app.backups.verify(id);
          if (!v.ok) throw new Error(`verification failed: ${JSON.stringify(v.checks)}`);
        }),
      );
      // The RTO: restore into an empty target (verification included) and open + migrate it.
      const target = pgdb ? await freshPostgres() : undefined;
      if (target) drops.push(() => target.drop());
      const dir = mkdtempSync(join(tmpdir(), 'iris-bench-restored-'));
      drops.push(async () => rmSync(dir, { recursive: true, force: true }));
      restores.push(await seconds(() => app.backups.restore(id, target?.url ?? dir)));
      starts.push(
        await seconds(async () => {
          const restored = target
            ? await openPostgresDatabase(target.url, 2)
            : await openPgliteDatabase(join(dir, 'pgdata'));
          await migrate(restored);
          await restored.close();
        }),
      );
    }
    return {
      store,
      bytes,
      rows,
      createS: median(creates),
      verifyS: median(verifies),
      restoreS: median(restores),
      startS: median(starts),
    };
  } finally {
    await app.close();
    if (pgdb === undefined) await db.close().catch(() => undefined);
    for (const d of drops) await d().catch(() => undefined);
    await pgdb?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const results: Figures[] = [];
for (const store of ['pglite', 'postgres'] as const) {
  process.stdout.write(`${store}: filling ${TENANTS} tenants…\n`);
  const f = await measure(store);
  if (f === undefined) {
    process.stdout.write(`${store}: no PostgreSQL at ${PG_URL}; skipped\n`);
    continue;
  }
  results.push(f);
  process.stdout.write(
    `${store}: ${f.rows} rows, backup ${(f.bytes / 1024 / 1024).toFixed(1)} MiB; create ${f.createS.toFixed(2)} s, verify ${f.verifyS.toFixed(2)} s, restore ${f.restoreS.toFixed(2)} s (verification included), open+migrate ${f.startS.toFixed(2)} s\n`,
  );
}
const by = (s: string): Figures | undefined => results.find((r) => r.store === s);
const fmt = (n: number | undefined): string => (n === undefined ? 'na' : n.toFixed(2));
const pgl = by('pglite');
const pgs = by('postgres');
process.stdout.write(
  `RESULT recovery tenants=${TENANTS} pglite_rows=${pgl?.rows ?? 'na'} pglite_mib=${fmt(pgl ? pgl.bytes / 1048576 : undefined)} pglite_create_s=${fmt(pgl?.createS)} pglite_verify_s=${fmt(pgl?.verifyS)} pglite_rto_s=${fmt(pgl ? pgl.restoreS + pgl.startS : undefined)} pg_rows=${pgs?.rows ?? 'na'} pg_mib=${fmt(pgs ? pgs.bytes / 1048576 : undefined)} pg_create_s=${fmt(pgs?.createS)} pg_verify_s=${fmt(pgs?.verifyS)} pg_rto_s=${fmt(pgs ? pgs.restoreS + pgs.startS : undefined)}\n`,
);
