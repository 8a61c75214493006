// Schemas shared by every route: the problem document every error answers with, the one
// bearer security requirement, the tenant path parameter, and the OpenAPI tags.
import { Type } from '@sinclair/typebox';
import { TENANT_SLUG_PATTERN } from '../core/ids.js';

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.String(),
    code: Type.String(),
    requestId: Type.String(),
  },
  { $id: 'Problem', additionalProperties: true, description: 'RFC 9457 problem details' },
);

/** The security requirement of every route that needs an API key. */
export const bearer = [{ bearerAuth: [] }];

/** The tenant of a /v1/tenants/:tenantId/… path. */
export const TenantIdSchema = Type.String({ pattern: TENANT_SLUG_PATTERN });
export const TenantParamsSchema = Type.Object({ tenantId: TenantIdSchema }, { additionalProperties: false });

/** `?consistent=true`: read the database instead of the replica's snapshot (tenant and key reads). */
export const ConsistentReadSchema = Type.Object(
  {
    consistent: Type.Optional(
      Type.Boolean({
        description:
          "true: read the database (the latest committed version, whichever replica committed it). Default: served from this replica's snapshot when it provably holds every change the replica has been told of (its own commits at once, other replicas' within the change-notification delay), else from the database.",
      }),
    ),
  },
  { additionalProperties: false },
);

/** The resource groups of the API: every route carries one of these tags. */
export const API_TAGS = [
  { name: 'console', description: 'The web console: sign in with an API key (an HttpOnly session cookie), sign out.' },
  { name: 'tenants', description: 'Tenants: create, read, list, update (If-Match), soft delete and restore.' },
  { name: 'keys', description: "A tenant's API keys: create (the token is shown once), list, revoke." },
  { name: 'platform', description: 'Platform-level API keys (platform admins).' },
  {
    name: 'audit',
    description:
      'The tamper-evident audit ledger: events, signed heads, checkpoints, witness records, verification, inclusion and consistency proofs.',
  },
  {
    name: 'policy',
    description:
      'Cedar policy bundles of the platform and of each tenant (push, activate, rollback, diff), the decision log and explanations.',
  },
  {
    name: 'jobs',
    description:
      'The async executor: start jobs (202 + job URL), read, list, cancel, retry, poisoned jobs and redrive.',
  },
  {
    name: 'knowledge',
    description:
      "GraphRAG: a tenant's documents (ingested by jobs), questions answered with citations, the graph and its communities.",
  },
  {
    name: 'backups',
    description:
      'Backups of the whole store: create (a consistent snapshot, signed manifest), list, verify (restore into a scratch database and prove it), restore, prune.',
  },
  {
    name: 'releases',
    description:
      'Rainbow releases: rings (ordered tenant groups), releases of the data-plane configuration rolled out over them by colour with automated analysis and rollback, and the feature flags each tenant is served.',
  },
  {
    name: 'system',
    description: 'Liveness, readiness and metrics (/healthz, /readyz, /metrics); not listed as operations.',
  },
] as const;
export type ApiTag = (typeof API_TAGS)[number]['name'];
