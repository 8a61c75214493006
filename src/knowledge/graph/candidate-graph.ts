// Work on a tenant's candidate graph inside a transaction that is on the primary graph: the
// dual writes of ingest and remove (graph-versions.ts explains candidates). The transaction is
// switched to kg_next for the work and back after it, under the candidate's lock (taken after
// the primary's, the one order every path follows).
import type { Queryable } from '../../core/db.js';
import { bumpGraphVersion } from './document-store.js';
import { lockCandidateGraph, selectSlot, useCandidateGraph, usePrimaryGraph } from './slot-store.js';

/**
 * Runs `fn` on the tenant's candidate graph and bumps the candidate's graph version, when the
 * tenant has a slot: with `version`, only a building or ready slot of that version (a write of
 * a document extracted for it); without, any slot (a removal). Undefined when there was none.
 */
export async function onCandidateGraph<T>(
  tx: Queryable,
  tenantId: string,
  version: string | null,
  fn: (tx: Queryable) => Promise<T>,
): Promise<T | undefined> {
  // NOTE: the one extra read of a tenant without a candidate; the slot is read again under the
  // lock, since a cut-over or drop may have removed it in between.
  if ((await selectSlot(tx, tenantId)) === undefined) return undefined;
  await lockCandidateGraph(tx, tenantId);
  const slot = await selectSlot(tx, tenantId);
  if (slot === undefined) return undefined;
  if (version !== null && (slot.extractionVersion !== version || slot.status === 'failed')) return undefined;
  const searchPath = await useCandidateGraph(tx);
  try {
    const out = await fn(tx);
    await bumpGraphVersion(tx, tenantId);
    return out;
  } finally {
    await usePrimaryGraph(tx, searchPath);
  }
}
