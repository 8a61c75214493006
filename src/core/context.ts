// Who is calling and on which request: built by the gateway, passed to every operation.
import { NotFoundError, ForbiddenError, IrisError } from './errors.js';
import { platformScopeIn, tenantScope, type Scope } from './db.js';
import { PLATFORM } from './ids.js';
import { can, type Action, type Role } from './roles.js';
import type { TraceParent } from './trace-parent.js';

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
  /** The request's span (undefined when not traced): work the request does hangs below it. */
  readonly trace?: TraceParent;
}

/** Only platform admins cross tenants; everyone else is bound to their key's tenant. */
export function crossesTenants(principal: Principal): boolean {
  return principal.role === 'platform-admin';
}

/** The row-level-security scope of a caller's transactions (under the caller's span). */
export function scopeOf(ctx: Pick<RequestContext, 'principal' | 'trace'>): Scope {
  return crossesTenants(ctx.principal) ? platformScopeIn(ctx.trace) : tenantScope(ctx.principal.tenantId, ctx.trace);
}

/** What the policy decision point answered for one (principal, action, tenant). */
export interface AccessDecision {
  readonly allowed: boolean;
  /** @ids of the policies that determined it (for error bodies and decision logs). */
  readonly policies: readonly string[];
  /** True when the policy could not be evaluated (a fail-closed deny). */
  readonly failedClosed?: boolean;
}

/** Asks the policy decision point (Cedar) about `action` on objects of `tenantId`. */
export type DecideFn = (principal: Principal, action: string, tenantId: string, kind: string) => AccessDecision;

// NOTE: the gateway binds each request's principal (a fresh object per request) to a decide
// function that knows the request's facts (source address, route, request id) and its app's
// policy bundle. Calls without a bound principal (Iris's own control loops) are decided by the
// decide function the caller passes (its app's decision point, handed to each service by the
// composition root), or by the static role table when none is passed. There is no module
// state: two apps in one process (replicas in tests) each decide with their own bundles.
// (A symbol-keyed property rather than a WeakMap: one entry per request in a WeakMap made
// garbage collection measurably slower under load.)
const DECIDE: unique symbol = Symbol('iris.decide');
type Bound = Principal & { [DECIDE]?: DecideFn };

/** Binds `principal` (one request's) to the decision point that decides its actions. */
export function bindDecisions(principal: Principal, decide: DecideFn): void {
  Object.defineProperty(principal, DECIDE, { value: decide, enumerable: false, configurable: true });
}

/**
 * Decides whether `principal` may do `action` on objects of `tenantId` (a tenant slug or
 * PLATFORM): the policy decision point (Cedar) decides. Another tenant's objects answer 404,
 * exactly as a missing tenant would, so a key cannot learn which tenants exist; and, whatever
 * a bundle says, only platform admins cross tenants (defense in depth behind the policies).
 * `unbound` decides for a principal no request bound (undefined: the static role table).
 */
export function authorizeAction(
  principal: Principal,
  action: string,
  tenantId: string,
  kind = 'Tenant',
  unbound?: DecideFn,
): void {
  const decide = (principal as Bound)[DECIDE] ?? unbound;
  const crosses = !crossesTenants(principal) && principal.tenantId !== tenantId;
  const decision: AccessDecision = decide
    ? decide(principal, action, tenantId, kind)
    : { allowed: !crosses && can(principal.role, action as Action), policies: [] };
  if (crosses) {
    if (tenantId === PLATFORM) throw new ForbiddenError(`'${action}' on platform-level objects needs a platform key.`);
    throw new NotFoundError(kind, tenantId);
  }
  if (!decision.allowed) {
    const forbids = decision.policies;
    if (decision.failedClosed === true)
      throw new IrisError(
        'forbidden',
        403,
        `'${action}' is denied: the policy could not be evaluated, so it fails closed.`,
        { extensions: { failedClosed: true } },
      );
    if (forbids.length === 0) throw new ForbiddenError(`Role '${principal.role}' may not perform '${action}'.`);
    throw new IrisError('forbidden', 403, `'${action}' is denied by policy ${forbids.join(', ')}.`, {
      extensions: { policies: [...forbids] },
    });
  }
}

/** `authorizeAction` for the actions of the core role table. */
export function authorize(
  principal: Principal,
  action: Action,
  tenantId: string,
  kind = 'Tenant',
  unbound?: DecideFn,
): void {
  authorizeAction(principal, action, tenantId, kind, unbound);
}
