// The in-memory snapshot of hot-path configuration (keys and tenants) on each replica: loaded
// at start, kept fresh by the change feed (change-feed.ts, polled), resynced periodically as a
// second line. The informer pattern of Kubernetes, and its watch cache: reads of tenants and
// keys are served from it while it is provably current. The replica that makes a change also
// applies it as soon as it commits (the services call `apply`), so it serves the change on its
// very next request; other replicas within one poll of the feed.
import { randomUUID } from 'node:crypto';
import { platformScope, readsOf, type Database } from '../core/db.js';
import type { ApiKey, KeyRecord } from './api-key.js';
import { selectKeyRecords } from './key-service.js';
import type { Quotas, Tenant } from './tenant-model.js';
import { followChanges, relayToOlderBuilds, type ChangeFeed } from './change-feed.js';
import { CHANGES_CHANNEL, selectTenant, selectTenantPage, type Change } from './tenant-store.js';

export type { Change };

export type TenantSnapshot = Pick<
  Tenant,
  'id' | 'status' | 'tier' | 'homeRegion' | 'ring' | 'resourceVersion' | 'labels'
> & { readonly quotas: Quotas };

/** A key as the directory holds it: what authentication needs, and its API view as last read. */
type DirectoryKey = KeyRecord & { readonly view: ApiKey };

export interface Directory {
  /**
   * This directory's id, named as the origin of the changes its replica makes: that replica
   * applies its own tenant changes after they commit (`apply` with the committed row), so the
   * notice of one coming back through the change feed needs no read.
   */
  readonly origin: string;
  key(keyId: string): KeyRecord | undefined;
  tenant(id: string): TenantSnapshot | undefined;
  /**
   * The tenant as this replica last read it, when that is provably current: the change feed
   * has been connected since the last full load, and no change of the tenant this replica has
   * been told of (by the change feed or by its own commit) is still unread. Otherwise (and for a tenant
   * it does not hold) undefined: read the database.
   */
  currentTenant(id: string): Tenant | undefined;
  /** The tenant's keys as the API lists them, when provably current (as `currentTenant`); else undefined. */
  currentKeys(tenantId: string): ApiKey[] | undefined;
  /** Loads everything and subscribes to changes. */
  start(): Promise<void>;
  /** Re-reads everything (also runs on a timer). */
  resync(): Promise<void>;
  /**
   * Re-reads the object a change names and serves what it reads: for the change feed, and
   * for the services of this replica right after their transaction commits. A key it cannot
   * read is dropped (refused) until a later read succeeds: fail closed. `committed`: the tenant
   * row the change committed, served without a read when nothing else about it is unread.
   */
  apply(change: Change, committed?: Tenant): Promise<void>;
  /** Called after each applied change; for tests and metrics. */
  onChange(listener: (change: Change) => void): void;
  stop(): Promise<void>;
}

/** Keeps what `from` serves for `id` (present or absent) in `to`. */
function carry<V>(from: ReadonlyMap<string, V>, to: Map<string, V>, id: string): void {
  const current = from.get(id);
  if (current === undefined) to.delete(id);
  else to.set(id, current);
}

const byCreation = (a: ApiKey, b: ApiKey): number =>
  a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

export function makeDirectory(deps: {
  db: Database;
  resyncMs?: number;
  /** How often the change feed is polled (change-feed.ts DEFAULT_POLL_MS). */
  pollMs?: number;
}): Directory {
  const { db } = deps;
  const origin = randomUUID();
  let keys = new Map<string, DirectoryKey>();
  let tenants = new Map<string, Tenant>();
  /** Key views per tenant, built on demand and dropped whenever a key changes. */
  let keysByTenant: Map<string, ApiKey[]> | undefined;
  const listeners: ((c: Change) => void)[] = [];
  let feed: ChangeFeed | undefined;
  let unlisten: (() => Promise<void>) | undefined;
  let timer: NodeJS.Timeout | undefined;

  // NOTE: reads of one object can finish out of order: a feed notice's read that started before a
  // later change committed can finish after the read of that later change. Every read takes a
  // ticket when it starts; what it read is served only if no read of the same object that
  // started later has been served, and a full load keeps the objects served after it started.
  // Every change is read after it commits (by the replica that made it, and through the feed
  // everywhere), and a read sees every commit before it started: the newest-started read of an
  // object is never stale.
  let ticket = 0;
  /** Reads started before the newest full load began: older than the snapshot it served. */
  let floor = 0;
  const newest = new Map<string, { kind: Change['kind']; id: string; ticket: number }>();

  // NOTE: provably current. A change this replica has been told of is pending from the moment
  // it hears of it (synchronously, before its read starts) until a read that started after it
  // is served; a read that fails leaves it pending (the database answers meanwhile). While the
  // change feed (or the older builds' notices) is down nothing is current: changes may be
  // missed. It is current again once a full load that started after it came back has been served.
  const pending = new Map<string, { ticket: number; tenantId: string; version?: string | undefined }>();
  /** The sources of changes that are down (none: the feed is up). */
  const down = new Set<'feed' | 'notices'>();
  let started = false;
  const feedUp = (): boolean => started && down.size === 0;
  let feedEpoch = 0;
  let current = false;

  function admit(kind: Change['kind'], id: string, t: number): boolean {
    const slot = `${kind}:${id}`;
    if (t <= floor || t < (newest.get(slot)?.ticket ?? 0)) return false;
    newest.set(slot, { kind, id, ticket: t });
    const waiting = pending.get(slot);
    if (waiting !== undefined && waiting.ticket <= t) pending.delete(slot);
    return true;
  }

  async function loadAll(): Promise<void> {
    const started = ++ticket;
    const epoch = feedEpoch;
    const feedWasUp = feedUp();
    const [allKeys, allTenants] = await db.transaction(
      platformScope,
      async (tx) => {
        const ks = await selectKeyRecords(tx);
        const ts: Tenant[] = [];
        for (let after = ''; ;) {
          const page = await selectTenantPage(tx, after, 1000, undefined);
          ts.push(...page);
          const last = page[page.length - 1];
          if (page.length < 1000 || !last) break;
          after = last.id;
        }
        return [ks, ts] as const;
      },
      { readOnly: true },
    );
    if (started <= floor) return; // a load that started later has served a newer snapshot
    const nextKeys = new Map(allKeys.map((k) => [k.keyId, k]));
    const nextTenants = new Map(allTenants.map((t) => [t.id, t]));
    for (const [slot, served] of newest) {
      if (served.ticket <= started) {
        newest.delete(slot);
        continue;
      }
      // Served after this load started: newer than its snapshot.
      if (served.kind === 'key') carry(keys, nextKeys, served.id);
      else carry(tenants, nextTenants, served.id);
    }
    floor = started;
    keys = nextKeys;
    keysByTenant = undefined;
    tenants = nextTenants;
    // What was announced before this load started, the load has read.
    for (const [slot, waiting] of pending) if (waiting.ticket < started) pending.delete(slot);
    if (feedWasUp && feedUp() && epoch === feedEpoch) current = true;
  }

  async function applyKey(id: string, tenantId: string, t: number): Promise<void> {
    let k: DirectoryKey | undefined;
    try {
      [k] = await selectKeyRecords(readsOf(db, platformScope), id);
    } catch (err) {
      // Refused until a later read succeeds; still pending, so reads of the tenant's keys use the database.
      if (admit('key', id, t)) {
        keys.delete(id);
        keysByTenant = undefined;
        pending.set(`key:${id}`, { ticket: t, tenantId });
      }
      throw err;
    }
    if (!admit('key', id, t)) return;
    if (k) keys.set(k.keyId, k);
    else keys.delete(id);
    keysByTenant = undefined;
  }

  async function applyTenant(id: string, t: number): Promise<void> {
    const tenant = await selectTenant(readsOf(db, platformScope), id);
    if (!admit('tenant', id, t)) return;
    if (tenant) tenants.set(tenant.id, tenant);
    else {
      tenants.delete(id);
      for (const [keyId, k] of keys) if (k.tenantId === id) keys.delete(keyId);
      keysByTenant = undefined;
    }
  }

  /** The newest read of each tenant change under way, so this replica's own commit can wait for it. */
  const reading = new Map<string, Promise<void>>();

  /**
   * Serves a tenant change without a read of its own when that cannot serve a stale row:
   * - `committed` (this replica's own commit) when nothing about the tenant is pending and what
   *   is held is not newer;
   * - nothing, when the held row is already at least the version the notice announces (this
   *   replica's own change, heard back through the feed);
   * - after the read under way, when that read is for a notice of this commit or a later one:
   *   it started after this commit, so it reads at least this row.
   * 'read': the caller reads, as for any change. NOTE: decided synchronously, so a change that
   * needs a read is marked pending the moment the directory hears of it.
   */
  function withoutRead(change: Change, committed: Tenant | undefined): 'served' | 'read' | Promise<void> {
    const slot = `tenant:${change.id}`;
    const waiting = pending.get(slot);
    if (waiting !== undefined) {
      if (
        committed === undefined ||
        waiting.version === undefined ||
        Number(waiting.version) < Number(committed.resourceVersion)
      )
        return 'read';
      return (reading.get(slot) ?? Promise.resolve()).catch(() => undefined);
    }
    // NOTE: a notice of this replica's own tenant change: the operation that made it applies it
    // (withChanges, before it returns), so the notice adds nothing, unless that apply had to
    // read and failed, which leaves the change pending (handled above: read again).
    if (committed === undefined && change.origin === origin) return 'served';
    const held = tenants.get(change.id);
    if (committed !== undefined) {
      if (held !== undefined && Number(held.resourceVersion) > Number(committed.resourceVersion)) return 'read';
      const t = ++ticket;
      if (admit('tenant', change.id, t)) tenants.set(committed.id, committed);
      return 'served';
    }
    const heard =
      change.resourceVersion !== undefined &&
      held !== undefined &&
      Number(held.resourceVersion) >= Number(change.resourceVersion);
    return heard ? 'served' : 'read';
  }

  /** No change of the tenant (or, with `ofKeys`, of its keys) is pending, and the feed is live. */
  function settled(tenantId: string, ofKeys: boolean): boolean {
    if (!current || pending.has(`tenant:${tenantId}`)) return false;
    if (ofKeys) for (const waiting of pending.values()) if (waiting.tenantId === tenantId) return false;
    return true;
  }

  const directory: Directory = {
    origin,
    key: (keyId) => keys.get(keyId),
    tenant: (id) => tenants.get(id),
    currentTenant: (id) => (settled(id, false) ? tenants.get(id) : undefined),
    currentKeys(tenantId) {
      if (!settled(tenantId, true) || !tenants.has(tenantId)) return undefined;
      if (keysByTenant === undefined) {
        keysByTenant = new Map();
        for (const k of keys.values()) {
          const list = keysByTenant.get(k.tenantId);
          if (list) list.push(k.view);
          else keysByTenant.set(k.tenantId, [k.view]);
        }
        for (const list of keysByTenant.values()) list.sort(byCreation);
      }
      return keysByTenant.get(tenantId) ?? [];
    },
    async start() {
      const lost = (source: 'feed' | 'notices') => (): void => {
        down.add(source);
        feedEpoch += 1;
        current = false;
      };
      const back = (source: 'feed' | 'notices') => (): void => {
        // changes may have gone unheard meanwhile (or been pruned): reload whole
        down.delete(source);
        void directory.resync().catch(() => undefined);
      };
      // NOTE: the expand phase of migration 0015. Builds before it announce tenant and key
      // changes by NOTIFY only, and hear of them so only: their notices are applied here, and the
      // feed relays every change it reads to them (relayToOlderBuilds, off the write path).
      // Remove both once no build before 0015 can serve.
      unlisten = await db.listen(
        CHANGES_CHANNEL,
        (payload) => {
          let change: Change;
          try {
            change = JSON.parse(payload) as Change;
          } catch {
            return;
          }
          if (change.relayed !== true) directory.apply(change).catch(() => undefined);
        },
        back('notices'),
        lost('notices'),
      );
      // NOTE: the feed starts before the full load, so whatever the load does not see, the feed
      // delivers (a change both see is applied twice: harmless).
      feed = await followChanges({
        db,
        ...(deps.pollMs === undefined ? {} : { pollMs: deps.pollMs }),
        onChange: (change) => void directory.apply(change).catch(() => undefined),
        onLost: lost('feed'),
        onBack: back('feed'),
        relay: (changes) => relayToOlderBuilds(db, changes),
      });
      started = true;
      await loadAll();
      timer = setInterval(() => void directory.resync().catch(() => undefined), deps.resyncMs ?? 60_000);
      timer.unref();
    },
    resync: loadAll,
    async apply(change, committed) {
      // NOTE: only tenant and key changes are ours; anything else (a newer build's kinds) is not.
      if (change.kind !== 'key' && change.kind !== 'tenant') return;
      if (change.kind === 'tenant') {
        const without = withoutRead(change, committed);
        if (without !== 'read') {
          // NOTE: the wait is awaited, so the change is served (authentication sees it) when the
          // operation that made it returns; a read that failed leaves it pending: read again.
          if (without !== 'served') await without;
          if (without === 'served' || !pending.has(`tenant:${change.id}`)) {
            for (const l of listeners) l(change);
            return;
          }
        }
      }
      const t = ++ticket;
      const slot = `${change.kind}:${change.id}`;
      pending.set(slot, { ticket: t, tenantId: change.tenantId, version: change.resourceVersion });
      if (change.kind === 'key') await applyKey(change.id, change.tenantId, t);
      else {
        const read = applyTenant(change.id, t);
        reading.set(slot, read);
        try {
          await read;
        } finally {
          if (reading.get(slot) === read) reading.delete(slot);
        }
      }
      for (const l of listeners) l(change);
    },
    onChange(listener) {
      listeners.push(listener);
    },
    async stop() {
      if (timer) clearInterval(timer);
      if (feed) await feed.stop();
      if (unlisten) await unlisten();
    },
  };
  return directory;
}
