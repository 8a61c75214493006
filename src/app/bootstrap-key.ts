// The bootstrap key (IRIS_BOOTSTRAP_TOKEN): a platform-admin key derived from a token the
// operator chose, inserted once and audited in the platform log; later starts find it present.
import type { Ledger } from '../audit/index.js';
import type { RequestContext } from '../core/context.js';
import { platformScope, type Database } from '../core/db.js';
import { PLATFORM } from '../core/ids.js';
import { bootstrapKey, insertKeyRow } from '../tenants/index.js';

/** Inserts the bootstrap key unless it exists; the insert and its audit event share a transaction. */
export async function insertBootstrapKey(
  deps: { db: Database; ledger: Ledger; context: () => RequestContext },
  token: string,
): Promise<void> {
  const k = bootstrapKey(token);
  await deps.db.transaction(platformScope, async (tx) => {
    const created = await insertKeyRow(tx, {
      tenantId: PLATFORM,
      keyId: k.keyId,
      name: 'bootstrap',
      role: 'platform-admin',
      secretHash: k.secretHash,
      createdBy: 'system',
      expiresAt: null,
    });
    if (created)
      await deps.ledger.append(tx, deps.context(), {
        log: PLATFORM,
        action: 'key.create',
        resource: { kind: 'ApiKey', id: k.keyId },
        before: null,
        after: created,
      });
  });
}
