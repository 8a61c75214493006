// Snapshots of the store for backups (recovery/ports.ts StoreSnapshots):
// - PGlite: the data directory dumped as a gzipped tar while this process holds the only
//   transaction slot, so the dump and the facts read beside it see the same committed state;
//   restored by letting PGlite replay the dump's WAL on open.
// - PostgreSQL: `pg_dump --format=custom --snapshot=…` of a snapshot exported by a
//   repeatable-read transaction, which also reads the facts; restored with `pg_restore
//   --single-transaction` into a scratch database on the same server or an empty target.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable } from '../core/db.js';
import { ConflictError, ValidationError } from '../core/errors.js';
import type { StoreSnapshots } from '../recovery/index.js';
import { openPgliteDatabase, pgliteOf } from './pglite-database.js';
import { openPostgresDatabase, postgresUrlOf } from './postgres-database.js';

const run = promisify(execFile);

/**
 * The store's snapshots: PGlite's for an embedded database, pg_dump's for a PostgreSQL one.
 * A database this store did not open (a test's wrapper) takes no snapshots: every call says so,
 * and the rest of Iris runs as usual.
 */
export function makeStoreSnapshots(db: Database): StoreSnapshots {
  if (db.dialect === 'pglite') {
    const instance = pgliteOf(db);
    return instance === undefined ? unavailable(db) : pgliteSnapshots(instance);
  }
  const url = postgresUrlOf(db);
  return url === undefined ? unavailable(db) : postgresSnapshots(db, url);
}

function unavailable(db: Database): StoreSnapshots {
  const refuse = (): never => {
    throw new ValidationError('Backups need the database as the store opened it; this one is wrapped or foreign.');
  };
  return {
    store: db.dialect,
    partName: db.dialect === 'pglite' ? 'pgdata.tar.gz' : 'database.dump',
    snapshot: refuse,
    scratch: refuse,
    restore: refuse,
  };
}

function pgliteSnapshots(instance: PGlite): StoreSnapshots {
  const load = async (file: string): Promise<Blob> => new Blob([await readFile(file)], { type: 'application/x-gzip' });
  return {
    store: 'pglite',
    partName: 'pgdata.tar.gz',
    async snapshot(file, inSnapshot) {
      // NOTE: inside a transaction no other transaction of this process runs (PGlite has one
      // transaction slot), so the facts and the dump describe one state; the dump's own open
      // transaction wrote nothing and is rolled back by recovery when it is loaded.
      const { facts, blob } = await instance.transaction(async (tx) => {
        const q: Queryable = {
          async query(sql, params = []) {
            const res = await tx.query<never>(sql, params as unknown[]);
            return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
          },
        };
        const facts = await inSnapshot(q);
        return { facts, blob: await instance.dumpDataDir('gzip') };
      });
      await writeFile(file, Buffer.from(await blob.arrayBuffer()), { mode: 0o600 });
      return facts;
    },
    async scratch(file) {
      const scratch = await openPgliteDatabase(undefined, await load(file));
      return { db: scratch, dispose: () => scratch.close() };
    },
    async restore(file, target) {
      const pgdata = join(target, 'pgdata');
      if (existsSync(pgdata) && readdirSync(pgdata).length > 0)
        throw new ConflictError(
          'restore_target_not_empty',
          `${pgdata} already holds a database: restore into an empty data directory.`,
        );
      // NOTE: restored beside the target and renamed into place, so a failure leaves nothing half-written.
      const staging = join(target, `.pgdata-restoring-${randomBytes(4).toString('hex')}`);
      try {
        const restored = await openPgliteDatabase(staging, await load(file));
        await restored.close();
        renameSync(staging, pgdata);
      } finally {
        rmSync(staging, { recursive: true, force: true });
      }
    },
  };
}

/** The URL of database `name` on the server of `url`. */
function databaseOn(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The message of a failed client tool: its stderr's last lines, not the command line. */
function toolFailure(tool: string, err: unknown): string {
  const raw = (err as { stderr?: unknown }).stderr;
  const stderr = (typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? raw.toString('utf8') : '').trim();
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  return `${tool} failed: ${lines.slice(-3).join(' / ') || String((err as Error).message ?? err)}`;
}

/** pg_restore into `url`: one transaction, stopping at the first error. */
async function pgRestore(file: string, url: string): Promise<void> {
  // NOTE: the application role is cluster-wide, not in the dump: make sure the target has it.
  await withClient(url, (c) =>
    c.query(`do $$ begin
      if not exists (select 1 from pg_roles where rolname = 'iris_app') then create role iris_app nologin nobypassrls; end if;
      execute format('grant iris_app to %I', current_user); end $$`),
  );
  try {
    await run('pg_restore', ['--single-transaction', '--exit-on-error', '--no-comments', `--dbname=${url}`, file], {
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    throw new ValidationError(toolFailure('pg_restore', err));
  }
}

function postgresSnapshots(db: Database, url: string): StoreSnapshots {
  return {
    store: 'postgres',
    partName: 'database.dump',
    async snapshot(file, inSnapshot) {
      return db.asOwner(async (s) => {
        await s.exec('begin transaction isolation level repeatable read, read only');
        try {
          await s.query("select set_config('iris.scope', 'platform', true)");
          const id = (await s.query<{ id: string }>('select pg_export_snapshot() as id')).rows[0]?.id ?? '';
          const facts = await inSnapshot(s);
          try {
            // NOTE: with row security on and the platform scope set, a non-superuser owner under
            // forced RLS still dumps every tenant's rows (a superuser is not bound either way).
            await run(
              'pg_dump',
              ['--format=custom', `--snapshot=${id}`, '--enable-row-security', `--file=${file}`, `--dbname=${url}`],
              { env: { ...process.env, PGOPTIONS: '-c iris.scope=platform' }, maxBuffer: 16 * 1024 * 1024 },
            );
          } catch (err) {
            throw new ValidationError(toolFailure('pg_dump', err));
          }
          await s.exec('commit');
          return facts;
        } catch (err) {
          await s.exec('rollback').catch(() => undefined);
          throw err;
        }
      });
    },
    async scratch(file) {
      const name = `iris_verify_${randomBytes(6).toString('hex')}`;
      await withClient(url, (c) => c.query(`create database ${name}`));
      const drop = (): Promise<unknown> =>
        withClient(url, (c) => c.query(`drop database if exists ${name} with (force)`)).catch(() => undefined);
      try {
        const scratchUrl = databaseOn(url, name);
        await pgRestore(file, scratchUrl);
        const scratch = await openPostgresDatabase(scratchUrl, 2);
        return {
          db: scratch,
          async dispose() {
            await scratch.close();
            await drop();
          },
        };
      } catch (err) {
        await drop();
        throw err;
      }
    },
    async restore(file, target) {
      if (!/^postgres(ql)?:\/\//.test(target))
        throw new ValidationError('A PostgreSQL backup restores into a database named by a postgres:// URL.');
      const tables = await withClient(target, async (c) =>
        Number(
          (
            await c.query<{ n: string }>(
              "select count(*) as n from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind in ('r', 'p')",
            )
          ).rows[0]?.n ?? 0,
        ),
      ).catch((err: unknown) => {
        throw new ValidationError(`Cannot connect to the target database: ${(err as Error).message}`);
      });
      if (tables > 0)
        throw new ConflictError(
          'restore_target_not_empty',
          `The target database ${basename(new URL(target).pathname)} already has ${tables} tables: restore into an empty database.`,
        );
      await pgRestore(file, target);
    },
  };
}
