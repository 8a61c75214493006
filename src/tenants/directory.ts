// The in-memory snapshot of hot-path configuration (keys and tenant placement) on each
// replica: loaded at start, kept fresh by change notifications (LISTEN/NOTIFY), resynced
// periodically in case a notification was missed. The informer pattern of Kubernetes.
import { platformScope, type Database } from '../core/db.js';
import type { KeyRecord } from './api-key.js';
import { selectKeyRecords } from './key-service.js';
import type { Quotas, Tenant } from './tenant-model.js';
import { CHANGES_CHANNEL, selectTenant, selectTenantPage } from './tenant-store.js';

export type TenantSnapshot = Pick<Tenant, 'id' | 'status' | 'tier' | 'homeRegion' | 'ring' | 'resourceVersion' | 'labels'> & { readonly quotas: Quotas };

export interface Change {
  readonly kind: 'tenant' | 'key';
  readonly tenantId: string;
  readonly id: string;
}

export interface Directory {
  key(keyId: string): KeyRecord | undefined;
  tenant(id: string): TenantSnapshot | undefined;
  /** Loads everything and subscribes to changes. */
  start(): Promise<void>;
  /** Re-reads everything (also runs on a timer). */
  resync(): Promise<void>;
  /** Applies one change notification (exposed for the listener and for tests). */
  apply(change: Change): Promise<void>;
  /** Called after each applied change; for tests and metrics. */
  onChange(listener: (change: Change) => void): void;
  stop(): Promise<void>;
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

  async function loadAll(): Promise<void> {
    const [allKeys, allTenants] = await db.transaction(platformScope, async (tx) => {
      const ks = await selectKeyRecords(tx);
      const ts: Tenant[] = [];
      for (let after = ''; ; ) {
        const page = await selectTenantPage(tx, after, 1000, undefined);
        ts.push(...page);
        const last = page[page.length - 1];
        if (page.length < 1000 || !last) break;
        after = last.id;
      }
      return [ks, ts] as const;
    }, { readOnly: true });
    keys = new Map(allKeys.map((k) => [k.keyId, k]));
    tenants = new Map(allTenants.map((t) => [t.id, snapshotOf(t)]));
  }

  const directory: Directory = {
    key: (keyId) => keys.get(keyId),
    tenant: (id) => tenants.get(id),
    async start() {
      unlisten = await db.listen(CHANGES_CHANNEL, (payload) => {
        let change: Change;
        try {
          change = JSON.parse(payload) as Change;
        } catch {
          return;
        }
        directory.apply(change).catch(() => undefined);
      }, () => void directory.resync().catch(() => undefined)); // missed changes while the LISTEN connection was down
      await loadAll();
      timer = setInterval(() => void directory.resync().catch(() => undefined), deps.resyncMs ?? 60_000);
      timer.unref();
    },
    resync: loadAll,
    async apply(change) {
      // NOTE: other contexts share the channel (e.g. policy bundles); their kinds are not ours.
      if (change.kind !== 'key' && change.kind !== 'tenant') return;
      if (change.kind === 'key') {
        const [k] = await db.transaction(platformScope, (tx) => selectKeyRecords(tx, change.id), { readOnly: true });
        if (k) keys.set(k.keyId, k);
        else keys.delete(change.id);
      } else {
        const t = await db.transaction(platformScope, (tx) => selectTenant(tx, change.id), { readOnly: true });
        if (t) tenants.set(t.id, snapshotOf(t));
        else {
          tenants.delete(change.id);
          for (const [id, k] of keys) if (k.tenantId === change.id) keys.delete(id);
        }
      }
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
