// Which action each HTTP route asks the policy about, on whose resource, and which service
// (for rate limits) it belongs to. Routes of other contexts that are not listed here are
// still decided: `api.read` / `api.write` on the tenant in their path (or the caller's own),
// which only the roles granted those generic actions pass.
import { PLATFORM } from '../core/ids.js';
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

const t = (action: PolicyAction, service = 'core', kind = 'Tenant'): RouteRule => ({
  action,
  tenant: 'param',
  param: 'tenantId',
  kind,
  service,
});
const p = (action: PolicyAction, service = 'core'): RouteRule => ({
  action,
  tenant: 'platform',
  kind: 'Platform',
  service,
});
const log = (action: PolicyAction): RouteRule => ({
  action,
  tenant: 'param',
  param: 'log',
  kind: 'Log',
  service: 'audit',
});

/** "METHOD /route/template" -> rule. */
const ROUTE_RULES: Readonly<Record<string, RouteRule>> = {
  'POST /v1/tenants': p('tenant.create'),
  'GET /v1/tenants': { action: 'tenant.list', tenant: 'principal', kind: 'Tenant', service: 'core' },
  'GET /v1/tenants/:tenantId': t('tenant.read'),
  'PATCH /v1/tenants/:tenantId': t('tenant.update'),
  'DELETE /v1/tenants/:tenantId': t('tenant.delete'),
  'POST /v1/tenants/:tenantId/restore': t('tenant.delete'),
  'POST /v1/tenants/:tenantId/keys': t('key.create'),
  'GET /v1/tenants/:tenantId/keys': t('key.read'),
  'DELETE /v1/tenants/:tenantId/keys/:keyId': t('key.revoke'),
  'POST /v1/platform/keys': p('key.create'),
  'GET /v1/platform/keys': p('key.read'),
  'DELETE /v1/platform/keys/:keyId': p('key.revoke'),
  'GET /v1/audit/logs/:log/events': log('audit.read'),
  'GET /v1/audit/logs/:log/head': log('audit.read'),
  'GET /v1/audit/logs/:log/checkpoints': log('audit.read'),
  'POST /v1/audit/logs/:log/checkpoints': log('audit.read'),
  'GET /v1/audit/logs/:log/verify': log('audit.read'),
  'GET /v1/audit/logs/:log/proof/:seq': log('audit.read'),
  'GET /v1/audit/logs/:log/witnesses': log('audit.read'),
  'GET /v1/audit/logs/:log/consistency': log('audit.read'),
  'POST /v1/tenants/:tenantId/jobs': t('job.create', 'jobs'),
  'GET /v1/tenants/:tenantId/jobs': t('job.read', 'jobs'),
  'GET /v1/tenants/:tenantId/jobs/:jobId': t('job.read', 'jobs'),
  'POST /v1/tenants/:tenantId/jobs/:jobId/cancel': t('job.cancel', 'jobs'),
  'POST /v1/tenants/:tenantId/jobs/:jobId/retry': t('job.retry', 'jobs'),
  'POST /v1/tenants/:tenantId/jobs/:jobId/redrive': t('job.redrive', 'jobs'),
  'GET /v1/tenants/:tenantId/jobs-poisoned': t('job.read', 'jobs'),
  // The knowledge graph (src/gateway/knowledge-routes.ts).
  'POST /v1/tenants/:tenantId/documents': t('knowledge.write', 'knowledge', 'Document'),
  'GET /v1/tenants/:tenantId/documents': t('knowledge.query', 'knowledge', 'Document'),
  'GET /v1/tenants/:tenantId/documents/:documentId': t('knowledge.query', 'knowledge', 'Document'),
  'DELETE /v1/tenants/:tenantId/documents/:documentId': t('knowledge.write', 'knowledge', 'Document'),
  'POST /v1/tenants/:tenantId/query': t('knowledge.query', 'knowledge', 'Knowledge'),
  'GET /v1/tenants/:tenantId/graph/entities': t('knowledge.query', 'knowledge', 'Knowledge'),
  'GET /v1/tenants/:tenantId/graph/relations': t('knowledge.query', 'knowledge', 'Knowledge'),
  'GET /v1/tenants/:tenantId/graph/communities': t('knowledge.query', 'knowledge', 'Knowledge'),
  'GET /v1/tenants/:tenantId/graph/export': t('knowledge.query', 'knowledge', 'Knowledge'),
  'POST /v1/tenants/:tenantId/graph/build': t('knowledge.write', 'knowledge', 'Knowledge'),
  // Policy administration (src/gateway/policy-routes.ts).
  'GET /v1/tenants/:tenantId/policy/bundles': t('policy.read', 'policy'),
  'POST /v1/tenants/:tenantId/policy/bundles': t('policy.write', 'policy'),
  'GET /v1/tenants/:tenantId/policy/bundles/:bundleId': t('policy.read', 'policy'),
  'POST /v1/tenants/:tenantId/policy/bundles/:bundleId/activate': t('policy.write', 'policy'),
  'POST /v1/tenants/:tenantId/policy/rollback': t('policy.write', 'policy'),
  'GET /v1/tenants/:tenantId/policy/diff': t('policy.read', 'policy'),
  'GET /v1/tenants/:tenantId/policy/decisions': t('policy.decisions.read', 'policy'),
  'GET /v1/platform/policy/bundles': p('policy.read', 'policy'),
  'POST /v1/platform/policy/bundles': p('policy.write', 'policy'),
  'GET /v1/platform/policy/bundles/:bundleId': p('policy.read', 'policy'),
  'POST /v1/platform/policy/bundles/:bundleId/activate': p('policy.write', 'policy'),
  'POST /v1/platform/policy/rollback': p('policy.write', 'policy'),
  'GET /v1/platform/policy/diff': p('policy.read', 'policy'),
  'GET /v1/platform/policy/decisions': p('policy.decisions.read', 'policy'),
  'GET /metrics': p('metrics.read', 'observability'),
  'GET /v1/policy/decisions/:requestId': {
    action: 'policy.decisions.read',
    tenant: 'principal',
    kind: 'Decision',
    service: 'policy',
  },
};

export interface ResolvedRoute {
  readonly rule: RouteRule;
  /** The resource's tenant for this request. */
  readonly tenantId: string;
  /** The route template as the policy sees it ("GET /v1/tenants/:tenantId"). */
  readonly route: string;
}

/** The rule of a request: listed, or the generic read/write fallback. */
export function resolveRoute(
  method: string,
  template: string,
  params: Readonly<Record<string, unknown>>,
  principalTenant: string,
): ResolvedRoute {
  const route = `${method} ${template}`;
  const listed = ROUTE_RULES[route] ?? (method === 'HEAD' ? ROUTE_RULES[`GET ${template}`] : undefined);
  const rule: RouteRule = listed ?? {
    action: method === 'GET' || method === 'HEAD' || method === 'OPTIONS' ? 'api.read' : 'api.write',
    tenant: typeof params.tenantId === 'string' ? 'param' : 'principal',
    param: 'tenantId',
    kind: 'Tenant',
    service: template.split('/')[2] ?? 'api',
  };
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
