// Which action each HTTP route asks the policy about (from the role taxonomy's operations, the
// one source), on whose resource, and which service (for rate limits) it belongs to. A route
// with no operation in the taxonomy is denied (fail closed): there is no catch-all action.
import { ForbiddenError } from '../core/errors.js';
import { PLATFORM } from '../core/ids.js';
import { OPERATIONS } from '../core/role-taxonomy.js';
import type { PolicyAction } from './actions.js';

/** Where the resource's tenant comes from. */
export type TenantSource = 'param' | 'platform' | 'principal';

export interface RouteRule {
  readonly action: PolicyAction;
  readonly tenant: TenantSource;
  /** Path parameter holding the tenant (when tenant is 'param'). */
  readonly param?: string;
  /** Resource kind, also the kind named in a 404 for another tenant's objects. */
  readonly kind: string;
  /** Service class for the per-service rate limit. */
  readonly service: string;
}

type Placement = Omit<RouteRule, 'action'>;
const t = (service = 'core', kind = 'Tenant'): Placement => ({ tenant: 'param', param: 'tenantId', kind, service });
const p = (service = 'core'): Placement => ({ tenant: 'platform', kind: 'Platform', service });
const log = (): Placement => ({ tenant: 'param', param: 'log', kind: 'Log', service: 'audit' });

/** "METHOD /route/template" -> whose resource it is; the action comes from the taxonomy. */
const PLACEMENTS: Readonly<Record<string, Placement>> = {
  'GET /v1/whoami': { tenant: 'principal', kind: 'ApiKey', service: 'core' },
  'POST /v1/tenants': p(),
  'GET /v1/tenants': { tenant: 'principal', kind: 'Tenant', service: 'core' },
  'GET /v1/tenants/:tenantId': t(),
  'PATCH /v1/tenants/:tenantId': t(),
  'DELETE /v1/tenants/:tenantId': t(),
  'POST /v1/tenants/:tenantId/restore': t(),
  'GET /v1/tenants/:tenantId/archive': t(),
  'POST /v1/platform/tenant-archives': p(),
  'POST /v1/tenants/:tenantId/keys': t(),
  'GET /v1/tenants/:tenantId/keys': t(),
  'DELETE /v1/tenants/:tenantId/keys/:keyId': t(),
  'POST /v1/platform/keys': p(),
  'GET /v1/platform/keys': p(),
  'DELETE /v1/platform/keys/:keyId': p(),
  'GET /v1/audit/logs/:log/events': log(),
  'GET /v1/audit/logs/:log/head': log(),
  'GET /v1/audit/logs/:log/checkpoints': log(),
  'POST /v1/audit/logs/:log/checkpoints': log(),
  'GET /v1/audit/logs/:log/verify': log(),
  'GET /v1/audit/logs/:log/proof/:seq': log(),
  'GET /v1/audit/logs/:log/witnesses': log(),
  'GET /v1/audit/logs/:log/consistency': log(),
  'POST /v1/tenants/:tenantId/jobs': t('jobs'),
  'GET /v1/tenants/:tenantId/jobs': t('jobs'),
  'GET /v1/tenants/:tenantId/jobs/:jobId': t('jobs'),
  'POST /v1/tenants/:tenantId/jobs/:jobId/cancel': t('jobs'),
  'POST /v1/tenants/:tenantId/jobs/:jobId/retry': t('jobs'),
  'POST /v1/tenants/:tenantId/jobs/:jobId/redrive': t('jobs'),
  'GET /v1/tenants/:tenantId/jobs-poisoned': t('jobs'),
  // The knowledge graph (src/gateway/knowledge-routes.ts).
  'POST /v1/tenants/:tenantId/documents': t('knowledge', 'Document'),
  'GET /v1/tenants/:tenantId/documents': t('knowledge', 'Document'),
  'GET /v1/tenants/:tenantId/documents/:documentId': t('knowledge', 'Document'),
  'GET /v1/tenants/:tenantId/documents/:documentId/chunks/:chunkIndex': t('knowledge', 'Document'),
  'DELETE /v1/tenants/:tenantId/documents/:documentId': t('knowledge', 'Document'),
  'POST /v1/tenants/:tenantId/query': t('knowledge', 'Knowledge'),
  'GET /v1/tenants/:tenantId/graph/entities': t('knowledge', 'Knowledge'),
  'GET /v1/tenants/:tenantId/graph/relations': t('knowledge', 'Knowledge'),
  'GET /v1/tenants/:tenantId/graph/communities': t('knowledge', 'Knowledge'),
  'GET /v1/tenants/:tenantId/graph/export': t('knowledge', 'Knowledge'),
  'POST /v1/tenants/:tenantId/graph/build': t('knowledge', 'Knowledge'),
  // Policy administration (src/gateway/policy-routes.ts).
  'GET /v1/tenants/:tenantId/policy/bundles': t('policy'),
  'POST /v1/tenants/:tenantId/policy/bundles': t('policy'),
  'GET /v1/tenants/:tenantId/policy/bundles/:bundleId': t('policy'),
  'POST /v1/tenants/:tenantId/policy/bundles/:bundleId/activate': t('policy'),
  'POST /v1/tenants/:tenantId/policy/rollback': t('policy'),
  'GET /v1/tenants/:tenantId/policy/diff': t('policy'),
  'GET /v1/tenants/:tenantId/policy/decisions': t('policy'),
  'GET /v1/platform/policy/bundles': p('policy'),
  'POST /v1/platform/policy/bundles': p('policy'),
  'GET /v1/platform/policy/bundles/:bundleId': p('policy'),
  'POST /v1/platform/policy/bundles/:bundleId/activate': p('policy'),
  'POST /v1/platform/policy/rollback': p('policy'),
  'GET /v1/platform/policy/diff': p('policy'),
  'GET /v1/platform/policy/decisions': p('policy'),
  'GET /metrics': p('observability'),
  'GET /v1/platform/traffic': p('observability'),
  'GET /v1/platform/queues': p('observability'),
  'GET /v1/platform/backups': p('recovery'),
  'POST /v1/platform/backups': p('recovery'),
  'POST /v1/platform/backups/:backupId/verify': p('recovery'),
  'POST /v1/platform/backups/:backupId/restore': p('recovery'),
  'POST /v1/platform/backups/prune': p('recovery'),
  // Rainbow releases (src/gateway/rollout-routes.ts).
  'GET /v1/platform/rings': p('rollout'),
  'GET /v1/platform/rings/:ring': p('rollout'),
  'PUT /v1/platform/rings/:ring': p('rollout'),
  'POST /v1/platform/releases': p('rollout'),
  'GET /v1/platform/releases': p('rollout'),
  'GET /v1/platform/releases/:releaseId': p('rollout'),
  'GET /v1/platform/releases/:releaseId/plan': p('rollout'),
  'GET /v1/platform/releases/:releaseId/history': p('rollout'),
  'POST /v1/platform/releases/:releaseId/:action': p('rollout'),
  'GET /v1/platform/flags': p('rollout'),
  'GET /v1/platform/releases/:releaseId/change-record': p('rollout'),
  'POST /v1/platform/release-previews': p('rollout'),
  // Preflight gates (src/gateway/preflight-routes.ts).
  'GET /v1/platform/releases/:releaseId/preflight': p('rollout'),
  'GET /v1/platform/releases/:releaseId/silence-reviews': p('rollout'),
  'POST /v1/platform/releases/:releaseId/silence-reviews': p('rollout'),
  'GET /v1/policy/decisions/:requestId': { tenant: 'principal', kind: 'Decision', service: 'policy' },
};

/** "METHOD /route/template" -> rule: every operation of the taxonomy, placed. */
export const ROUTE_RULES: Readonly<Record<string, RouteRule>> = Object.fromEntries(
  Object.entries(OPERATIONS).map(([name, op]) => {
    const placement = PLACEMENTS[op.route];
    // NOTE: checked at load: an operation nobody placed would otherwise be decided on the wrong tenant.
    if (placement === undefined)
      throw new Error(`operation '${name}' (${op.route}) has no placement in route-actions.ts`);
    return [op.route, { ...placement, action: op.action }];
  }),
);

export interface ResolvedRoute {
  readonly rule: RouteRule;
  /** The resource's tenant for this request. */
  readonly tenantId: string;
  /** The route template as the policy sees it ("GET /v1/tenants/:tenantId"). */
  readonly route: string;
}

/**
 * The rule of a request (HEAD follows GET).
 * @throws ForbiddenError for a route the taxonomy does not list: denied, never a generic action
 */
export function resolveRoute(
  method: string,
  template: string,
  params: Readonly<Record<string, unknown>>,
  principalTenant: string,
): ResolvedRoute {
  const route = `${method} ${template}`;
  const rule = ROUTE_RULES[route] ?? (method === 'HEAD' ? ROUTE_RULES[`GET ${template}`] : undefined);
  if (rule === undefined)
    throw new ForbiddenError(`${route} has no action in the role taxonomy, so no role may call it.`);
  let tenantId: string;
  switch (rule.tenant) {
    case 'param': {
      const v = params[rule.param ?? 'tenantId'];
      tenantId = typeof v === 'string' ? v : principalTenant;
      break;
    }
    case 'platform':
      tenantId = PLATFORM;
      break;
    case 'principal':
      tenantId = principalTenant;
      break;
    default: {
      const never: never = rule.tenant;
      throw new Error(`unknown tenant source ${String(never)}`);
    }
  }
  return { rule, tenantId, route };
}
