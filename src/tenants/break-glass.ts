// Break-glass recovery: when no platform-admin key works any more (all revoked or expired, the
// bootstrap key included), an operator with access to the database (DATABASE_URL) or to the
// embedded store's data directory mints a new platform-admin key there, not over the API
// (`iris keys break-glass`). Access to the store is the credential. The key is audited in the
// platform ledger as `key.break-glass`, in the same transaction, and announced so running
// replicas serve it within one poll of the change feed.
import type { Ledger } from '../audit/index.js';
import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import { platformScope, type Database } from '../core/db.js';
import { newRequestId, PLATFORM } from '../core/ids.js';
import { newKeyMaterial, type ApiKey } from './api-key.js';
import { withChanges, type ApplyLocally } from './changes.js';
import { insertKeyRow } from './key-service.js';

export interface BreakGlassInput {
  /** The key's name (as `iris keys create --name`). */
  readonly name: string;
  /** Who ran it, e.g. `alice@db-host`: recorded as the key's creator and the event's actor. */
  readonly operator: string;
  /** Lifetime of the key; undefined: no expiry. */
  readonly expiresInSeconds?: number;
}

export interface BreakGlassKey extends ApiKey {
  /** Shown once. */
  readonly token: string;
  /** Platform-admin keys that still worked before this one (0 in a real lockout). */
  readonly workingAdminKeysBefore: number;
}

/** Actor names in the ledger stay short and printable, whatever the host calls its user. */
const actorOf = (operator: string): string => `break-glass:${operator.replace(/[^A-Za-z0-9._@-]/g, '_').slice(0, 64)}`;

/** Mints a platform-admin key directly in the store, audited in the platform ledger. */
export async function mintBreakGlassKey(
  deps: { db: Database; ledger: Ledger; clock: Clock; applyLocally?: ApplyLocally },
  input: BreakGlassInput,
): Promise<BreakGlassKey> {
  const actor = actorOf(input.operator);
  const now = deps.clock.now();
  const expiresAt =
    input.expiresInSeconds === undefined ? null : new Date(now.getTime() + input.expiresInSeconds * 1000);
  const material = newKeyMaterial();
  const ctx: RequestContext = {
    principal: { keyId: actor, role: 'platform-admin', tenantId: PLATFORM },
    requestId: newRequestId(),
    traceId: undefined,
    sourceIp: undefined,
  };
  return withChanges(deps.db, platformScope, deps.applyLocally, async (tx, announce) => {
    const { rows } = await tx.query<{ n: number }>(
      `select count(*)::int as n from api_keys
       where tenant_id = $1 and role = 'platform-admin' and revoked_at is null and (expires_at is null or expires_at > $2)`,
      [PLATFORM, now],
    );
    const key = await insertKeyRow(tx, {
      tenantId: PLATFORM,
      keyId: material.keyId,
      name: input.name,
      role: 'platform-admin',
      secretHash: material.secretHash,
      createdBy: actor,
      expiresAt,
    });
    if (!key) throw new Error('key id collision'); // 80 random bits: not expected in practice
    await deps.ledger.append(tx, ctx, {
      log: PLATFORM,
      action: 'key.break-glass',
      resource: { kind: 'ApiKey', id: key.id },
      before: null,
      after: key,
    });
    await announce({ kind: 'key', tenantId: PLATFORM, id: key.id });
    return { ...key, token: material.token, workingAdminKeysBefore: Number(rows[0]?.n ?? 0) };
  });
}
