// The store under connection loss. Every backend of the test database is terminated
// (pg_terminate_backend, what a restart or failover does to each connection) while several
// transactions hold pool clients, some inside a statement and some between statements: the
// process gets no uncaught 'error', the transactions that may have written fail with a typed,
// retryable StoreUnavailableError, read-only ones run once more and succeed, and the very next
// transactions succeed. Read-only transactions are enforced on both stores.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { platformScope, type Queryable } from '../../src/core/db.js';
import { StoreUnavailableError } from '../../src/core/errors.js';
import { createTestDatabase, storeName, type TestDatabase } from '../support/test-database.js';

const POOL_SIZE = 5; // createTestDatabase opens PostgreSQL pools of 5

describe(`read-only transactions (${storeName})`, () => {
  let tdb: TestDatabase;
  before(async () => {
    tdb = await createTestDatabase();
  });
  after(async () => {
    await tdb.dispose();
  });

  test('a read-only transaction reads, and the database refuses a write in it', async () => {
    const { rows } = await tdb.db.transaction(
      platformScope,
      (tx) => tx.query<{ n: number }>('select count(*)::int as n from jobs'),
      { readOnly: true },
    );
    assert.deepEqual(rows, [{ n: 0 }]);
    await assert.rejects(
      tdb.db.transaction(platformScope, (tx) => tx.query('delete from jobs where false'), { readOnly: true }),
      (err: { code?: string }) => err.code === '25006', // read_only_sql_transaction
    );
    // The flag is per transaction: the next one without it writes.
    const deleted = await tdb.db.transaction(platformScope, (tx) => tx.query('delete from jobs where false'));
    assert.equal(deleted.rowCount, 0);
  });
});

describe(
  `connection loss mid-transaction (${storeName})`,
  {
    skip:
      storeName === 'pglite'
        ? 'PGlite is in-process: there is no connection to lose (set IRIS_TEST_DATABASE_URL)'
        : false,
  },
  () => {
    let tdb: TestDatabase;
    let admin: pg.Client;
    let dbName: string;
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => void uncaught.push(err);

    before(async () => {
      tdb = await createTestDatabase();
      assert.ok(tdb.url);
      dbName = new URL(tdb.url).pathname.slice(1);
      admin = new pg.Client({ connectionString: process.env.IRIS_TEST_DATABASE_URL });
      await admin.connect();
      process.on('uncaughtException', onUncaught);
    });
    after(async () => {
      process.off('uncaughtException', onUncaught);
      await admin.end();
      await tdb.dispose();
    });

    /** Whether the five transactions are parked: all in a transaction, three inside `pg_sleep`. */
    async function parked(): Promise<boolean> {
      const { rows } = await admin.query<{ open: number; sleeping: number }>(
        `select count(*) filter (where state in ('active', 'idle in transaction'))::int as open,
              count(*) filter (where state = 'active' and query like '%pg_sleep%')::int as sleeping
       from pg_stat_activity where datname = $1`,
        [dbName],
      );
      return rows[0]?.open === POOL_SIZE && rows[0].sleeping === 3;
    }

    test('terminating every backend under in-flight transactions: no uncaught error, writes fail typed, reads retried once, next transactions succeed', async () => {
      const db = tdb.db;
      const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
      let release!: () => void;
      const between = new Promise<void>((r) => (release = r));
      const runs = { readInStatement: 0, readBetween: 0 };

      // Five transactions hold the pool's five clients: writes and reads, inside a statement
      // (the FATAL answers the running query) and between statements (it arrives as an 'error'
      // event on an idle checked-out client: what used to kill the process).
      const writeInStatement = [1, 2].map(() =>
        db.transaction(platformScope, async (tx) => {
          await tx.query("select set_config('iris.probe', 'w', true)");
          await tx.query('select pg_sleep(30)');
        }),
      );
      const writeBetween = db.transaction(platformScope, async (tx: Queryable) => {
        await tx.query('select 1');
        await between;
        await tx.query('select 2');
      });
      const readInStatement = db.transaction(
        platformScope,
        async (tx) => {
          runs.readInStatement += 1;
          if (runs.readInStatement === 1) await tx.query('select pg_sleep(30)');
          return (await tx.query<{ n: number }>('select count(*)::int as n from jobs')).rows[0]?.n;
        },
        { readOnly: true },
      );
      const readBetween = db.transaction(
        platformScope,
        async (tx) => {
          runs.readBetween += 1;
          await tx.query('select 1');
          if (runs.readBetween === 1) await between;
          return (await tx.query<{ x: string }>("select 'again' as x")).rows[0]?.x;
        },
        { readOnly: true },
      );
      const settled = Promise.allSettled([...writeInStatement, writeBetween, readInStatement, readBetween]);

      for (let i = 0; !(await parked()); i++) {
        assert.ok(i < 250, 'the transactions did not reach their statements');
        await pause(20);
      }
      const { rowCount } = await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [dbName],
      );
      assert.ok((rowCount ?? 0) >= POOL_SIZE, `terminated ${rowCount} backends`);
      await pause(200); // the terminations reach every client
      release();

      const [w1, w2, wb, r1, r2] = await settled;
      for (const [name, r] of [
        ['write in a statement', w1],
        ['write in a statement', w2],
        ['write between statements', wb],
      ] as const) {
        assert.ok(r?.status === 'rejected', `${name} must fail`);
        const err: unknown = r.reason;
        assert.ok(err instanceof StoreUnavailableError, `${name}: ${String(err)}`);
        assert.equal(err.code, 'store_unavailable');
        assert.equal(err.status, 503);
        assert.equal(err.retryable, true);
        assert.equal(err.extensions.retryAfterSeconds, 1);
        assert.match(err.message, /nothing was committed/);
      }
      assert.deepEqual(
        [r1, r2],
        [
          { status: 'fulfilled', value: 0 },
          { status: 'fulfilled', value: 'again' },
        ],
        'the read-only transactions succeed on their retry',
      );
      assert.deepEqual(runs, { readInStatement: 2, readBetween: 2 }, 'each read ran once more, not more');

      // The broken clients left the pool: a full pool's worth of transactions succeeds at once.
      const next = await Promise.all(
        Array.from({ length: POOL_SIZE + 1 }, (_, i) =>
          db.transaction(
            platformScope,
            async (tx) => (await tx.query<{ i: number }>('select $1::int as i', [i])).rows[0]?.i,
          ),
        ),
      );
      assert.deepEqual(next, [0, 1, 2, 3, 4, 5]);
      await db.ping();
      assert.deepEqual(uncaught, [], 'no uncaught exception (unhandled pg client error event)');
    });

    test('a write whose connection is lost during COMMIT fails as of unknown outcome and is not run again', async () => {
      // A deferred constraint trigger that sleeps holds the transaction inside its COMMIT.
      await tdb.db.asOwner((owner) =>
        owner.exec(`
        create table conn_probe (id int primary key);
        create function conn_probe_slow() returns trigger language plpgsql as $$ begin perform pg_sleep(30); return null; end $$;
        create constraint trigger conn_probe_at_commit after insert on conn_probe deferrable initially deferred for each row execute function conn_probe_slow();
        grant insert, select on conn_probe to iris_app;`),
      );
      let runs = 0;
      const write = tdb.db.transaction(platformScope, async (tx) => {
        runs += 1;
        await tx.query('insert into conn_probe values (1)');
      });
      // NOTE: the write may reject before the admin's terminate call returns (two sockets race):
      // observed here so that is not an unhandled rejection; asserted below.
      write.catch(() => undefined);
      const committing = async (): Promise<boolean> =>
        ((
          await admin.query(
            "select 1 from pg_stat_activity where datname = $1 and state = 'active' and query = 'commit'",
            [dbName],
          )
        ).rowCount ?? 0) > 0;
      for (let i = 0; !(await committing()); i++) {
        assert.ok(i < 250, 'the transaction did not reach its COMMIT');
        await new Promise((r) => setTimeout(r, 20));
      }
      await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [dbName],
      );
      await assert.rejects(
        write,
        (err: unknown) => err instanceof StoreUnavailableError && /may or may not have been applied/.test(err.message),
      );
      assert.equal(runs, 1, 'a write of unknown outcome is never retried');
      const { rows } = await tdb.db.transaction(platformScope, (tx) => tx.query('select id from conn_probe'), {
        readOnly: true,
      });
      assert.deepEqual(rows, [], 'here the server had not committed it');
      assert.deepEqual(uncaught, []);
    });

    test('clients handed from one transaction straight to the next keep one guard each (no listener leak)', async () => {
      const { openPostgresDatabase } = await import('../../src/store/index.js');
      const warnings: Error[] = [];
      const onWarning = (w: Error): void => void (w.name === 'MaxListenersExceededWarning' && warnings.push(w));
      process.on('warning', onWarning);
      const db = await openPostgresDatabase(tdb.url as string, 2);
      try {
        // Far more transactions than clients: each release hands its client to a waiting one.
        const runs = Array.from({ length: 300 }, (_, i) =>
          i % 2 === 0
            ? db.transaction(platformScope, (tx) => tx.query('select 1'))
            : db.read(platformScope, 'select 1'),
        );
        await Promise.all(runs);
        await new Promise((r) => setImmediate(r));
      } finally {
        process.off('warning', onWarning);
        await db.close();
      }
      assert.deepEqual(
        warnings.map((w) => w.message),
        [],
      );
    });

    test('a database that refuses connections for a moment (a restart) is waited for; one that stays down fails typed after the bound', async () => {
      const { OUTAGE_WAIT_MS, openPostgresDatabase } = await import('../../src/store/index.js');
      // A TCP proxy in front of the server stands in for its listener: closed, the port refuses
      // connections (ECONNREFUSED) and every connection through it breaks, as in a restart.
      const target = new URL(tdb.url as string);
      const sockets = new Set<net.Socket>();
      const proxy = (): net.Server =>
        net.createServer((inbound) => {
          const outbound = net.connect(Number(target.port || 5432), target.hostname);
          for (const s of [inbound, outbound]) {
            sockets.add(s);
            s.on('error', () => undefined);
            s.on('close', () => sockets.delete(s));
          }
          inbound.pipe(outbound).pipe(inbound);
        });
      const listen = (server: net.Server, port: number): Promise<number> =>
        new Promise((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
        });
      const stop = async (server: net.Server): Promise<void> => {
        const closed = new Promise((r) => server.close(r));
        for (const s of sockets) s.destroy();
        await closed;
      };
      let server = proxy();
      const port = await listen(server, 0);
      const viaProxy = new URL(target);
      viaProxy.port = String(port);
      const db = await openPostgresDatabase(viaProxy.toString(), 2);
      const one = async (): Promise<number> => {
        const { rows } = await db.transaction(platformScope, (tx) => tx.query<{ n: number }>('select 1 as n'));
        return rows[0]?.n ?? 0;
      };
      try {
        assert.equal(await one(), 1);
        await stop(server);
        await new Promise((r) => setTimeout(r, 100));
        // Down for a second, then back: the transaction waits instead of failing.
        const started = Date.now();
        const waited = one();
        await new Promise((r) => setTimeout(r, 1_000));
        server = proxy();
        await listen(server, port);
        assert.equal(await waited, 1);
        const tookMs = Date.now() - started;
        assert.ok(tookMs >= 1_000 && tookMs < OUTAGE_WAIT_MS, `answered after ${tookMs} ms`);

        // Down for longer than the bound: a StoreUnavailableError (a 503) once the bound is spent.
        await stop(server);
        const failedFrom = Date.now();
        await assert.rejects(one(), StoreUnavailableError);
        const failedAfterMs = Date.now() - failedFrom;
        assert.ok(
          failedAfterMs >= OUTAGE_WAIT_MS - 600 && failedAfterMs < OUTAGE_WAIT_MS + 3_000,
          `failed after ${failedAfterMs} ms`,
        );
      } finally {
        await stop(server).catch(() => undefined);
        await db.close();
      }
      assert.deepEqual(uncaught, []);
    });

    test('an unreachable database is a StoreUnavailableError, not a raw socket error', async () => {
      const { openPostgresDatabase } = await import('../../src/store/index.js');
      const db = await openPostgresDatabase(tdb.url as string, 2);
      try {
        await admin.query(`alter database ${dbName} with allow_connections false`);
        await admin.query(
          'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
          [dbName],
        );
        await new Promise((r) => setTimeout(r, 200));
        await assert.rejects(
          db.transaction(platformScope, (tx) => tx.query('select 1'), { readOnly: true }),
          StoreUnavailableError,
        );
        await assert.rejects(db.ping(), StoreUnavailableError);
      } finally {
        await admin.query(`alter database ${dbName} with allow_connections true`);
        await db.close();
      }
      assert.deepEqual(uncaught, []);
    });
  },
);
