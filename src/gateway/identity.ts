// Identity: the bearer key -> principal (tenant, role). The tenant always comes from the key,
// never from a header. Keys are checked against the in-memory directory, not the database.
import type { Clock } from '../core/clock.js';
import type { AgentIdentity, Principal } from '../core/context.js';
import { ForbiddenError, UnauthenticatedError, ValidationError } from '../core/errors.js';
import { PLATFORM } from '../core/ids.js';
import {
  addressAllowed,
  parsePresentedToken,
  secretMatches,
  type Directory,
  type KeyRecord,
} from '../tenants/index.js';
import type { ConsoleSessions } from './console-session.js';

/** A run id a client may claim in X-Iris-Agent-Run. */
export const AGENT_RUN_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

export interface RequestFacts {
  /** Client address as the gateway saw it (checked against the key's CIDR list). */
  readonly sourceIp?: string | undefined;
  /** X-Iris-Agent-Run as sent: the client's claim of the run it acts in. */
  readonly agentRun?: string | string[] | undefined;
}

export interface Identity {
  /** Resolves an Authorization header to a principal, or throws 400/401/403. */
  authenticate(authorization: string | undefined, facts?: RequestFacts): Principal;
  /** Resolves a console session cookie to its key's principal, with the same checks as a key. */
  authenticateSession(cookie: string, facts?: RequestFacts): Principal;
  /** Keys used since the last call, with the time of last use (for last_used_at). */
  drainUsage(): Map<string, Date>;
}

export function makeIdentity(deps: { directory: Directory; clock: Clock; sessions?: ConsoleSessions }): Identity {
  let used = new Map<string, Date>();
  /** What every credential of a key must pass once the key is known to be the caller's. */
  function principalOf(key: KeyRecord, facts: RequestFacts): Principal {
    const now = deps.clock.now();
    if (key.revokedAt !== null) throw new UnauthenticatedError('The API key has been revoked.');
    if (key.expiresAt !== null && key.expiresAt <= now) throw new UnauthenticatedError('The API key has expired.');
    if (key.tenantId !== PLATFORM) {
      const tenant = deps.directory.tenant(key.tenantId);
      if (!tenant) throw new UnauthenticatedError('The API key is not valid.');
      if (tenant.status === 'suspended') throw new ForbiddenError(`Tenant '${tenant.id}' is suspended.`);
      if (tenant.status === 'deleting') throw new ForbiddenError(`Tenant '${tenant.id}' is deleted.`);
    }
    if (!addressAllowed(key.allowedCidrs, facts.sourceIp))
      throw new ForbiddenError('The API key may not be used from this network address.');
    const run = facts.agentRun;
    if (Array.isArray(run) || (run !== undefined && !AGENT_RUN_PATTERN.test(run))) {
      throw new ValidationError(
        'X-Iris-Agent-Run must be one run id: 1-100 letters, digits and ._:- (starting with a letter or digit).',
        { field: 'x-iris-agent-run' },
      );
    }
    used.set(key.keyId, now);
    const agent: AgentIdentity | undefined =
      key.agentName !== null || run !== undefined
        ? { name: key.agentName, crew: key.agentCrew, run: run ?? null }
        : undefined;
    return agent === undefined
      ? { keyId: key.keyId, role: key.role, tenantId: key.tenantId }
      : { keyId: key.keyId, role: key.role, tenantId: key.tenantId, agent };
  }
  return {
    authenticate(authorization, facts = {}) {
      if (authorization === undefined || authorization === '') throw new UnauthenticatedError();
      const m = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (!m) throw new UnauthenticatedError('Use the Authorization header as "Bearer <api key>".');
      const parsed = parsePresentedToken(m[1] as string);
      const key = parsed ? deps.directory.key(parsed.keyId) : undefined;
      // NOTE: the same answer for unknown, malformed and wrong-secret keys: nothing to probe.
      if (!parsed || !key || !secretMatches(parsed.secret, key.secretHash))
        throw new UnauthenticatedError('The API key is not valid.');
      return principalOf(key, facts);
    },
    authenticateSession(cookie, facts = {}) {
      const claims = deps.sessions?.read(cookie);
      const key = claims ? deps.directory.key(claims.keyId) : undefined;
      if (!claims || !key || !deps.sessions?.matches(cookie, key))
        throw new UnauthenticatedError('The console session is not valid: sign in again.');
      if (claims.expiresAt <= deps.clock.now())
        throw new UnauthenticatedError('The console session has expired: sign in again.');
      return principalOf(key, facts);
    },
    drainUsage() {
      const out = used;
      used = new Map();
      return out;
    },
  };
}
