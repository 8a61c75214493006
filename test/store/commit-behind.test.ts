// A transaction's last statements settled by its commit (settleBeforeCommit): on PostgreSQL the
// COMMIT goes out behind them without waiting for their answers; on either store the
// transaction commits only if every one of them succeeded, and fails with the first failure.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { platformScope, settleBeforeCommit, type Queryable } from '../../src/core/db.js';
import { createTestDatabase, storeName, type TestDatabase } from '../support/test-database.js';

describe(`statements settled by the commit (${storeName})`, () => {
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase();
  });
  after(async () => t.dispose());

  const mark = (tx: Queryable, id: string): Promise<unknown> =>
    tx.query('insert into change_feed.changes (tenant_id, change) values ($1, $2)', [id, '{}']);
  const marked = async (id: string): Promise<number> =>
    (
      await t.db.read<{ n: number }>(
        platformScope,
        'select count(*)::int as n from change_feed.changes where tenant_id = $1',
        [id],
      )
    ).rows[0]?.n ?? -1;

  test('all succeed: committed, and the body returns before they are answered', async () => {
    const out = await t.db.transaction(platformScope, async (tx) => {
      await settleBeforeCommit(tx, [mark(tx, 'cb-ok-1'), mark(tx, 'cb-ok-2')]);
      return 'done';
    });
    assert.equal(out, 'done');
    assert.deepEqual([await marked('cb-ok-1'), await marked('cb-ok-2')], [1, 1]);
  });

  test('one fails: the transaction fails with its error and nothing is committed', async () => {
    await assert.rejects(
      t.db.transaction(platformScope, async (tx) => {
        await settleBeforeCommit(tx, [mark(tx, 'cb-fail'), tx.query('select 1 / 0')]);
      }),
      /division by zero/,
    );
    assert.equal(await marked('cb-fail'), 0);
  });

  test('a statement after a failed one fails the transaction with the first error, not "aborted"', async () => {
    await assert.rejects(
      t.db.transaction(platformScope, async (tx) => {
        await settleBeforeCommit(tx, [tx.query('select 1 / 0')]);
        await mark(tx, 'cb-after');
      }),
      /division by zero/,
    );
    assert.equal(await marked('cb-after'), 0);
  });

  test('the connection keeps serving afterwards (nothing left in flight)', async () => {
    for (let i = 0; i < 20; i++) {
      const fails = i % 2 === 0;
      const run = t.db.transaction(platformScope, async (tx) => {
        await settleBeforeCommit(tx, [mark(tx, `cb-loop-${i}`), tx.query(fails ? 'select 1 / 0' : 'select 1')]);
      });
      if (fails) await assert.rejects(run, /division by zero/);
      else await run;
    }
    for (let i = 0; i < 20; i++) assert.equal(await marked(`cb-loop-${i}`), i % 2 === 0 ? 0 : 1, `round ${i}`);
  });
});
