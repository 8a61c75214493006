// The change feed on its own: each committed change delivered once and in order, nothing from a
// transaction that rolled back, a failed poll reported once and the recovery after it, and old
// rows pruned.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { platformScope, type Database } from '../../src/core/db.js';
import { followChanges, recordChange, type ChangeFeed } from '../../src/tenants/change-feed.js';
import type { Change } from '../../src/tenants/index.js';
import { createTestDatabase, storeName, type TestDatabase } from '../support/test-database.js';

async function until(ok: () => boolean | Promise<boolean>, what: string, ms = 3000): Promise<void> {
  const start = Date.now();
  while (!(await ok()) && Date.now() - start < ms) await new Promise((r) => setTimeout(r, 10));
  assert.ok(await ok(), what);
}

const keyChange = (id: string): Change => ({ kind: 'key', tenantId: 'feed-t', id });

describe(`the change feed (${storeName})`, () => {
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase();
  });
  after(async () => t.dispose());

  /** Follows the feed of `db`, collecting what it delivers and what it reports. */
  async function follow(db: Database, more: { retentionMs?: number; pruneEveryMs?: number } = {}) {
    const seen: string[] = [];
    const events: string[] = [];
    const feed: ChangeFeed = await followChanges({
      db,
      pollMs: 10,
      ...more,
      onChange: (c) => seen.push(c.id),
      onLost: () => events.push('lost'),
      onBack: () => events.push('back'),
    });
    return { seen, events, feed };
  }

  test('delivers every committed change once, in commit order, and nothing of a rollback', async () => {
    const { seen, feed } = await follow(t.db);
    try {
      await t.db.transaction(platformScope, async (tx) => {
        await recordChange(tx, keyChange('k1'));
        await recordChange(tx, keyChange('k2'));
      });
      await assert.rejects(
        t.db.transaction(platformScope, async (tx) => {
          await recordChange(tx, keyChange('never'));
          throw new Error('roll back');
        }),
      );
      await t.db.transaction(platformScope, (tx) => recordChange(tx, keyChange('k3')));
      await until(() => seen.length >= 3, 'three changes delivered');
      await new Promise((r) => setTimeout(r, 100)); // several more polls: nothing twice
      assert.deepEqual(seen, ['k1', 'k2', 'k3']);
    } finally {
      await feed.stop();
    }
  });

  test('a failing poll is reported once, and the first good one after it once', async () => {
    let failing = false;
    const db: Database = {
      ...t.db,
      read: (scope, sql, params) => (failing ? Promise.reject(new Error('injected')) : t.db.read(scope, sql, params)),
    };
    const { seen, events, feed } = await follow(db);
    try {
      failing = true;
      await new Promise((r) => setTimeout(r, 80));
      assert.deepEqual(events, ['lost']);
      await t.db.transaction(platformScope, (tx) => recordChange(tx, keyChange('while-down')));
      failing = false;
      await until(() => events.length === 2, 'back again');
      assert.deepEqual(events, ['lost', 'back']);
      await until(() => seen.includes('while-down'), 'the change made while polls failed arrives');
    } finally {
      await feed.stop();
    }
  });

  test('rows older than the retention are pruned', async () => {
    await t.db.transaction(platformScope, (tx) => recordChange(tx, keyChange('old')));
    const count = async (): Promise<number> =>
      (await t.db.read<{ n: number }>(platformScope, 'select count(*)::int as n from change_feed.changes')).rows[0]
        ?.n ?? -1;
    assert.ok((await count()) > 0);
    const { feed } = await follow(t.db, { retentionMs: 200, pruneEveryMs: 50 });
    try {
      await until(async () => (await count()) === 0, 'pruned');
    } finally {
      await feed.stop();
    }
  });
});
