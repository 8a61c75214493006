// The in-memory snapshot of hot-path configuration (keys and tenant placement) on each
// replica: loaded at start, kept fresh by change notifications (LISTEN/NOTIFY), resynced
// periodically in case a notification was missed. The informer pattern of Kubernetes. The
// replica that makes a change also applies it as soon as it commits (the services call
// `apply`), so it serves the change on its very next request; other replicas within the
// NOTIFY delay.
import { platformScope, type Database } from '../core/db.js';
import type { KeyRecord } from './api-key.js';
import { selectKeyRecords } from './key-service.js';
import type { Quotas, Tenant } from './tenant-model.js';
import { CHANGES_CHANNEL, selectTenant, selectTenantPage, type Change } from './tenant-store.js';

export type { Change };

export type TenantSnapshot = Pick<
  Tenant,
  'id' | 'status' | 'tier' | 'homeRegion' | 'ring' | 'resourceVersion' | 'labels'
> & { readonly quotas: Quotas };

export interface Directory {
  key(keyId: string): KeyRecord | undefined;
  tenant(id: string): TenantSnapshot | undefined;
  /** Loads everything and subscribes to changes. */
  start(): Promise<void>;
  /** Re-reads everything (also runs on a timer). */
  resync(): Promise<void>;
  /**
   * Re-reads the object a change names and serves what it reads: for the NOTIFY listener, and
   * for the services of this replica right after their transaction commits. A key it cannot
   * read is dropped (refused) until a later read succeeds: fail closed.
   */
  apply(change: Change): Promise<void>;
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

const snapshotOf = (t: Tenant): TenantSnapshot => ({
  id: t.id,
  status: t.status,
  tier: t.tier,
  homeRegion: t.homeRegion,
  ring: t.ring,
  resourceVersion: t.resourceVersion,
  labels: t.labels,
  quotas: t.quotas,
});

export function makeDirectory(deps: { db: Database; resyncMs?: number }): Directory {
  const { db } = deps;
  let keys = new Map<string, KeyRecord>();
  let tenants = new Map<string, TenantSnapshot>();
  const listeners: ((c: Change) => void)[] = [];
  let unlisten: (() => Promise<void>) | undefined;
  let timer: NodeJS.Timeout | undefined;

  // NOTE: reads of one object can finish out of order: a NOTIFY's read that started before a
  // later change committed can finish after the read of that later change. Every read takes a
  // ticket when it starts; what it read is served only if no read of the same object that
  // started later has been served, and a full load keeps the objects served after it started.
  // Every change is read after it commits (by the replica that made it, and through NOTIFY
  // everywhere), and a read sees every commit before it started: the newest-started read of an
  // object is never stale.
  let ticket = 0;
  /** Reads started before the newest full load began: older than the snapshot it served. */
  let floor = 0;
  const newest = new Map<string, { kind: Change['kind']; id: string; ticket: number }>();

  function admit(kind: Change['kind'], id: string, t: number): boolean {
    const slot = `${kind}:${id}`;
    if (t <= floor || t < (newest.get(slot)?.ticket ?? 0)) return false;
    newest.set(slot, { kind, id, ticket: t });
    return true;
  }

  async function loadAll(): Promise<void> {
    const started = ++ticket;
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
    const nextTenants = new Map(allTenants.map((t) => [t.id, snapshotOf(t)]));
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
    tenants = nextTenants;
  }

  async function applyKey(id: string, t: number): Promise<void> {
    let k: KeyRecord | undefined;
    try {
      [k] = await db.transaction(platformScope, (tx) => selectKeyRecords(tx, id), { readOnly: true });
    } catch (err) {
      if (admit('key', id, t)) keys.delete(id);
      throw err;
    }
    if (!admit('key', id, t)) return;
    if (k) keys.set(k.keyId, k);
    else keys.delete(id);
  }

  async function applyTenant(id: string, t: number): Promise<void> {
    const tenant = await db.transaction(platformScope, (tx) => selectTenant(tx, id), { readOnly: true });
    if (!admit('tenant', id, t)) return;
    if (tenant) tenants.set(tenant.id, snapshotOf(tenant));
    else {
      tenants.delete(id);
      for (const [keyId, k] of keys) if (k.tenantId === id) keys.delete(keyId);
    }
  }

  const directory: Directory = {
    key: (keyId) => keys.get(keyId),
    tenant: (id) => tenants.get(id),
    async start() {
      unlisten = await db.listen(
        CHANGES_CHANNEL,
        (payload) => {
          let change: Change;
          try {
            change = JSON.parse(payload) as Change;
          } catch {
            return;
          }
          directory.apply(change).catch(() => undefined);
        },
        () => void directory.resync().catch(() => undefined),
      ); // missed changes while the LISTEN connection was down
      await loadAll();
      timer = setInterval(() => void directory.resync().catch(() => undefined), deps.resyncMs ?? 60_000);
      timer.unref();
    },
    resync: loadAll,
    async apply(change) {
      // NOTE: other contexts share the channel (e.g. policy bundles); their kinds are not ours.
      if (change.kind !== 'key' && change.kind !== 'tenant') return;
      const t = ++ticket;
      if (change.kind === 'key') await applyKey(change.id, t);
      else await applyTenant(change.id, t);
      for (const l of listeners) l(change);
    },
    onChange(listener) {
      listeners.push(listener);
    },
    async stop() {
      if (timer) clearInterval(timer);
      if (unlisten) await unlisten();
    },
  };
  return directory;
}
