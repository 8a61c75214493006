// The built-in platform bundle sources: the Cedar schema the gateway builds requests for, the
// role policies (the role table of core/roles.ts as Cedar, least privilege, stable @ids), the
// isolation guard, and empty data files (residency exceptions, platform deny list). Served
// until an operator activates a platform bundle; `iris policy init` writes them out as a
// starting point.
import { ROLE_GRANTS } from '../core/roles.js';
import { POLICY_ACTIONS } from './actions.js';

/** The schema every bundle is validated against unless it brings its own. */
export const IRIS_SCHEMA = `// Iris request model: who (an API key), on what (a tenant-owned resource), from where.
namespace Iris {
  // A tenant; "platform" stands for platform-level objects. region: its home region.
  entity Tenant = { region: String, tier: String };
  // An API key: its one role and the tenant it belongs to.
  entity Principal = { role: String, tenant: Tenant };
  // What an action touches: always owned by one tenant (or the platform).
  entity Resource = { tenant: Tenant, kind: String };
  type RequestContext = {
    // Region of the Iris deployment serving the request.
    region: String,
    // Client address as the gateway saw it.
    sourceIp: ipaddr,
    // Regions of the upstream services this request will use (e.g. an LLM provider).
    upstreamRegions: Set<String>,
    // Route template, e.g. "GET /v1/tenants/:tenantId".
    route: String,
  };
  action ${POLICY_ACTIONS.map((a) => `"${a}"`).join(', ')}
    appliesTo { principal: [Principal], resource: [Resource], context: RequestContext };
}
`;

/** The role table the role policies are compiled from (core/roles.ts, the one table). */
export { ROLE_GRANTS };

const actionList = (actions: readonly string[]): string => `[${actions.map((a) => `Iris::Action::"${a}"`).join(', ')}]`;

/** The role policies, one per role, each with a stable @id. */
export function rolePolicies(): string {
  const parts = [
    `// Roles: the least-privilege role table as Cedar. Only platform-admin crosses tenants.
@id("iris.roles.platform-admin")
permit (principal, action, resource)
when { principal.role == "platform-admin" };
`,
  ];
  for (const [role, actions] of Object.entries(ROLE_GRANTS)) {
    parts.push(`@id("iris.roles.${role}")
permit (principal, action in ${actionList(actions)}, resource)
when { principal.role == "${role}" && principal.tenant == resource.tenant };
`);
  }
  parts.push(`// Isolation guard: whatever else is permitted, nobody but a platform-admin reaches
// another tenant's objects. Compile-time verification proves this property of every bundle.
@id("iris.isolation")
forbid (principal, action, resource)
when { principal.tenant != resource.tenant }
unless { principal.role == "platform-admin" };
`);
  return parts.join('\n');
}

/** The built-in platform bundle as files (relative path -> text), the layout of a bundle DIR. */
export function builtinPlatformFiles(): Record<string, string> {
  return {
    'schema.cedarschema': IRIS_SCHEMA,
    'policies/roles.cedar': rolePolicies(),
    'data/residency.json': `${JSON.stringify({ exceptions: [] }, null, 2)}\n`,
    'data/deny-cidrs.json': `${JSON.stringify({ deny: [] }, null, 2)}\n`,
    'bundle.json': `${JSON.stringify({ name: 'iris-builtin', scope: 'platform' }, null, 2)}\n`,
  };
}

/** A starting tenant overlay: an allow list (empty: no restriction) and room for forbids. */
export function builtinOverlayFiles(tenantId: string): Record<string, string> {
  return {
    'bundle.json': `${JSON.stringify({ name: `${tenantId}-overlay`, scope: 'tenant', tenant: tenantId }, null, 2)}\n`,
    'policies/overlay.cedar': `// Tenant overlay for ${tenantId}: forbid policies only (overlays restrict, never widen).\n`,
    'data/allow-cidrs.json': `${JSON.stringify({ allow: [] }, null, 2)}\n`,
  };
}
