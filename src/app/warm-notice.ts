// The warm-up notice protocol between replicas. Answer caches are per replica: the replica
// that ran a warm-up announces it on a NOTIFY channel, and the others warm their own (the
// notice carries the graph version, so a peer that is already newer skips it).
import { platformScope, type Database } from '../core/db.js';

/** NOTIFY channel on which a replica that warmed a tenant's answer cache tells the others. */
const WARM_CHANNEL = 'iris_knowledge_warm';

/** One notice: which tenant's cache, at which graph version, warmed by which replica. */
export interface WarmNotice {
  readonly tenantId: string;
  readonly graphVersion: number;
  readonly origin: string;
}

/** Reads a notice; anything else on the channel (not ours, malformed) is undefined. */
function parseWarmNotice(payload: string): WarmNotice | undefined {
  try {
    const n = JSON.parse(payload) as Record<string, unknown>;
    if (typeof n.tenantId === 'string' && typeof n.graphVersion === 'number' && typeof n.origin === 'string')
      return { tenantId: n.tenantId, graphVersion: n.graphVersion, origin: n.origin };
  } catch {
    // not ours
  }
  return undefined;
}

/** Announces this replica's warm-ups (the knowledge service's `onWarmed`). */
export function announceWarmUps(
  db: Database,
  origin: string,
): (tenantId: string, graphVersion: number) => Promise<void> {
  return async (tenantId, graphVersion) => {
    const notice: WarmNotice = { tenantId, graphVersion, origin };
    await db.transaction(platformScope, (tx) =>
      tx.query('select pg_notify($1, $2)', [WARM_CHANNEL, JSON.stringify(notice)]),
    );
  };
}

/**
 * Warms this replica's caches when a peer announces a warm-up (its own notices are skipped,
 * and a peer-triggered warm-up announces nothing). Resolves to the function that stops listening.
 */
export async function followPeerWarmUps(
  db: Database,
  origin: string,
  warm: (tenantId: string, opts: { graphVersion: number; fromPeer: true }) => Promise<unknown>,
): Promise<() => Promise<void>> {
  return db.listen(WARM_CHANNEL, (payload) => {
    const notice = parseWarmNotice(payload);
    if (notice === undefined || notice.origin === origin) return;
    void warm(notice.tenantId, { graphVersion: notice.graphVersion, fromPeer: true }).catch(() => undefined);
  });
}
