// A claim whose commit outcome the worker never learns: the connection is lost while the claim
// commits (on PostgreSQL, a terminated backend; simulated on both stores by a database wrapper
// that commits the claim and then reports the loss). The jobs it leased must run again at
// once, without counting an attempt, not sit 'running' until their lease expires.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Database, Queryable } from '../../src/core/db.js';
import { StoreUnavailableError } from '../../src/core/errors.js';
import { storeName } from '../support/test-database.js';
import { actor, counterDrift, createHarness, waitForState, type Harness } from './support/harness.js';

let h: Harness;
before(async () => {
  h = await createHarness();
});
after(async () => {
  await h.dispose();
});

/** `db`, except that the first claim that leases jobs commits and then fails as a lost connection would. */
function losingFirstClaimCommit(db: Database): { db: Database; lost: () => number } {
  let lost = 0;
  return {
    lost: () => lost,
    db: {
      ...db,
      async transaction(scope, fn, options) {
        let leased = 0;
        const result = await db.transaction(
          scope,
          (tx) => {
            const watched: Queryable = {
              async query(sql, params) {
                const res = await tx.query(sql, params);
                // NOTE: the claim statement is the one that advances the tenant rotation.
                if (sql.includes('job_rotation')) leased += res.rowCount;
                return res as never;
              },
            };
            return fn(watched);
          },
          options,
        );
        if (leased > 0 && lost === 0) {
          lost += 1;
          throw new StoreUnavailableError(
            'The connection to the database was lost while committing: the change may or may not have been applied.',
          );
        }
        return result;
      },
    },
  };
}

test(`[${storeName}] jobs leased by a claim whose commit was lost run again at once, their attempt not counted`, async () => {
  const { job } = await h.queue.enqueue('t-lost-claim', { kind: 'test.record' }, actor);
  const lossy = losingFirstClaimCommit(h.db);
  // A lease far longer than the test: only giving the job back can get it run in time.
  const w = h.worker({ leaseMs: 60_000, sweepIntervalMs: 60_000 }, { db: lossy.db });
  await w.start();
  try {
    const done = await waitForState(h, 't-lost-claim', job.jobId, 'succeeded', 5_000);
    assert.equal(lossy.lost(), 1, 'the first claim leased the job and reported a lost connection');
    assert.equal(done.attempts, 1, 'the lost claim did not count as an attempt');
    assert.deepEqual(
      h.runs.filter((r) => r.jobId === job.jobId).map((r) => r.attempt),
      [1],
    );
    const reasons = h.changes.filter((c) => c.jobId === job.jobId).map((c) => `${c.from}->${c.to}:${c.reason}`);
    assert.deepEqual(reasons, [
      'null->queued:enqueue',
      'queued->running:claim',
      'running->queued:release',
      'queued->running:claim',
      'running->succeeded:succeed',
    ]);
    assert.equal(w.stats().released, 1);
    assert.deepEqual(await counterDrift(h.db), []);
  } finally {
    await w.stop();
  }
});
