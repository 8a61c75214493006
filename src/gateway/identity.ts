// Identity: the bearer key -> principal (tenant, role). The tenant always comes from the key,
// never from a header. Keys are checked against the in-memory directory, not the database.
import type { Clock } from '../core/clock.js';
import type { Principal } from '../core/context.js';
import { ForbiddenError, UnauthenticatedError } from '../core/errors.js';
import { PLATFORM } from '../core/ids.js';
import { parsePresentedToken, secretMatches, type Directory } from '../tenants/index.js';

export interface Identity {
  /** Resolves an Authorization header to a principal, or throws 401/403. */
  authenticate(authorization: string | undefined): Principal;
  /** Keys used since the last call, with the time of last use (for last_used_at). */
  drainUsage(): Map<string, Date>;
}

export function makeIdentity(deps: { directory: Directory; clock: Clock }): Identity {
  let used = new Map<string, Date>();
  return {
    authenticate(authorization) {
      if (authorization === undefined || authorization === '') throw new UnauthenticatedError();
      const m = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (!m) throw new UnauthenticatedError('Use the Authorization header as "Bearer <api key>".');
      const parsed = parsePresentedToken(m[1] as string);
      const key = parsed ? deps.directory.key(parsed.keyId) : undefined;
      // NOTE: the same answer for unknown, malformed and wrong-secret keys: nothing to probe.
      if (!parsed || !key || !secretMatches(parsed.secret, key.secretHash))
        throw new UnauthenticatedError('The API key is not valid.');
      const now = deps.clock.now();
      if (key.revokedAt !== null) throw new UnauthenticatedError('The API key has been revoked.');
      if (key.expiresAt !== null && key.expiresAt <= now) throw new UnauthenticatedError('The API key has expired.');
      if (key.tenantId !== PLATFORM) {
        const tenant = deps.directory.tenant(key.tenantId);
        if (!tenant) throw new UnauthenticatedError('The API key is not valid.');
        if (tenant.status === 'suspended') throw new ForbiddenError(`Tenant '${tenant.id}' is suspended.`);
        if (tenant.status === 'deleting') throw new ForbiddenError(`Tenant '${tenant.id}' is deleted.`);
      }
      used.set(key.keyId, now);
      return { keyId: key.keyId, role: key.role, tenantId: key.tenantId };
    },
    drainUsage() {
      const out = used;
      used = new Map();
      return out;
    },
  };
}
