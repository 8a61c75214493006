// Changes of hot-path configuration (tenants, keys) as one step: written to the change feed
// inside the transaction that makes them (change-feed.ts; every replica reads it once it
// commits) and, once it has committed, applied to this replica's own directory before the
// operation returns, so the replica that made a change serves it on its very next request.
import { settleBeforeCommit, type Database, type Queryable, type Scope } from '../core/db.js';
import type { Tenant } from './tenant-model.js';
import { recordChange } from './change-feed.js';
import type { Change } from './tenant-store.js';

/**
 * Applies a committed change to this replica's directory (the directory's `apply`); `tenant`,
 * when given, is the row the change committed, so the directory need not read it again.
 */
export type ApplyLocally = ((change: Change, tenant?: Tenant) => Promise<void>) & {
  /** The directory it applies to, named in the notices (see Directory.origin). */
  readonly origin?: string;
};

/**
 * Runs `fn` in one transaction of `scope`. Each change `fn` announces is written to the change
 * feed in that transaction and, after the commit, awaited through `applyLocally`. A change announced with
 * the tenant row it committed carries that row's resourceVersion.
 */
export async function withChanges<T>(
  db: Database,
  scope: Scope,
  applyLocally: ApplyLocally | undefined,
  fn: (tx: Queryable, announce: (change: Change, tenant?: Tenant) => Promise<void>) => Promise<T>,
): Promise<T> {
  const changes: [Change, Tenant | undefined][] = [];
  const result = await db.transaction(scope, async (tx) => {
    changes.length = 0; // a transaction that is run again announces afresh
    // NOTE: the feed's row is sent when announced and settled by the commit: with a
    // pipelining store it costs no round trip of its own.
    const notices: Promise<void>[] = [];
    const out = await fn(tx, async (announced, tenant) => {
      // The committed row's version travels with the change: a directory holding it needs no read.
      const change = tenant === undefined ? announced : { ...announced, resourceVersion: tenant.resourceVersion };
      const origin = applyLocally?.origin;
      const notice = recordChange(tx, origin === undefined ? change : { ...change, origin });
      notice.catch(() => undefined); // observed below; never an unhandled rejection meanwhile
      notices.push(notice);
      changes.push([change, tenant]);
    });
    await settleBeforeCommit(tx, notices);
    return out;
  });
  // NOTE: the change is committed whatever happens here. A local apply that fails leaves the
  // change feed and the periodic resync to catch up; the directory refuses a key it could not
  // re-read meanwhile (fail closed), so a revoked key is never served from a stale snapshot.
  for (const [change, tenant] of changes) await applyLocally?.(change, tenant).catch(() => undefined);
  return result;
}
