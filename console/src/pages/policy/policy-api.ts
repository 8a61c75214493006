// The policy API of one owner (a tenant's overlay, or the platform's bundles) and the shapes of
// its answers. NOTE: these routes declare no 200 schema in the OpenAPI document, so the bodies
// are typed here, from src/policy (bundle-service.ts, bundle-store.ts).
import { api, call } from '../../api/client';

export const PLATFORM = 'platform';

export interface BundleItem {
  readonly id: string;
  readonly shortId: string;
  readonly name: string;
  readonly scope: 'platform' | 'tenant';
  readonly signer: string;
  readonly sizeBytes: number;
  readonly pushedBy: string;
  readonly pushedAt: string;
  readonly active: boolean;
}

export interface Activation {
  readonly seq: number;
  readonly op: 'activate' | 'rollback';
  readonly bundleId: string | null;
  readonly actor: string;
  readonly requestId: string | null;
  readonly createdAt: string;
}

export interface BundleList {
  readonly owner: string;
  readonly active: string | null;
  readonly serving: string | null;
  readonly items: readonly BundleItem[];
  readonly history: readonly Activation[];
}

export interface BundleDiff {
  readonly from: string;
  readonly to: string;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly { readonly id: string; readonly from: string; readonly to: string }[];
  readonly unchanged: number;
}

export interface Decision {
  readonly tenantId: string;
  readonly decisionId: string;
  readonly decidedAt: string;
  readonly requestId: string;
  readonly traceId: string | null;
  readonly principal: string;
  readonly role: string;
  readonly action: string;
  readonly resource: string;
  readonly resourceTenant: string;
  readonly allowed: boolean;
  readonly policies: readonly string[];
  readonly errors: readonly string[];
  readonly bundle: string;
  readonly inputs: unknown;
}

export interface Explanation {
  readonly requestId: string;
  readonly tenant: string | null;
  readonly items: readonly Decision[];
  readonly groups: readonly { readonly tenant: string; readonly items: readonly Decision[] }[];
}

export async function bundlesOf(owner: string): Promise<BundleList> {
  return owner === PLATFORM
    ? call(api.GET('/v1/platform/policy/bundles'))
    : call(api.GET('/v1/tenants/{tenantId}/policy/bundles', { params: { path: { tenantId: owner } } }));
}

export async function diffOf(owner: string, from: string | undefined, to: string): Promise<BundleDiff> {
  const query = { to, ...(from === undefined ? {} : { from }) };
  return owner === PLATFORM
    ? call(api.GET('/v1/platform/policy/diff', { params: { query } }))
    : call(api.GET('/v1/tenants/{tenantId}/policy/diff', { params: { path: { tenantId: owner }, query } }));
}

export async function decisionsOf(
  owner: string,
  filter: { decision?: 'allow' | 'deny'; tenant?: string; limit: number },
): Promise<readonly Decision[]> {
  const query = {
    limit: filter.limit,
    ...(filter.decision === undefined ? {} : { decision: filter.decision }),
    ...(filter.tenant === undefined || owner !== PLATFORM ? {} : { tenant: filter.tenant }),
  };
  const page: { items: Decision[] } =
    owner === PLATFORM
      ? await call(api.GET('/v1/platform/policy/decisions', { params: { query } }))
      : await call(
          api.GET('/v1/tenants/{tenantId}/policy/decisions', { params: { path: { tenantId: owner }, query } }),
        );
  return page.items;
}

export async function explain(requestId: string, tenant: string | undefined): Promise<Explanation> {
  return call(
    api.GET('/v1/policy/decisions/{requestId}', {
      params: { path: { requestId }, query: tenant === undefined ? {} : { tenant } },
    }),
  );
}
