// Who is calling and on which request: built by the gateway, passed to every operation.
import { NotFoundError, ForbiddenError } from './errors.js';
import { platformScope, tenantScope, type Scope } from './db.js';
import { PLATFORM } from './ids.js';
import { can, type Action, type Role } from './roles.js';

export interface Principal {
  readonly keyId: string;
  readonly role: Role;
  /** The tenant the key belongs to, or PLATFORM for platform-level keys. */
  readonly tenantId: string;
}

export interface RequestContext {
  readonly principal: Principal;
  readonly requestId: string;
  readonly traceId: string | undefined;
  readonly sourceIp: string | undefined;
}

/** Only platform admins cross tenants; everyone else is bound to their key's tenant. */
export function crossesTenants(principal: Principal): boolean {
  return principal.role === 'platform-admin';
}

/** The row-level-security scope of a principal's transactions. */
export function scopeOf(principal: Principal): Scope {
  return crossesTenants(principal) ? platformScope : tenantScope(principal.tenantId);
}

/**
 * Decides whether `principal` may do `action` on objects of `tenantId` (a tenant slug or
 * PLATFORM). Another tenant's objects answer 404, exactly as a missing tenant would, so a
 * key cannot learn which tenants exist.
 */
export function authorize(principal: Principal, action: Action, tenantId: string, kind = 'Tenant'): void {
  if (!crossesTenants(principal) && principal.tenantId !== tenantId) {
    if (tenantId === PLATFORM) throw new ForbiddenError(`'${action}' on platform-level objects needs a platform key.`);
    throw new NotFoundError(kind, tenantId);
  }
  if (!can(principal.role, action)) {
    throw new ForbiddenError(`Role '${principal.role}' may not perform '${action}'.`);
  }
}
