// /v1/…/policy: bundles of the platform and of each tenant (push, list, get, activate,
// rollback, diff), the decision log, and explaining the decisions of one request.
// Request ids are chosen by clients, so two tenants can use the same one: every lookup by
// request id is scoped by tenant (the caller's own, or the one a platform admin names), and an
// answer spanning tenants comes as one group per tenant, never as one mixed list.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { authorizeAction, crossesTenants, scopeOf } from '../core/context.js';
import { ValidationError } from '../core/errors.js';
import { PLATFORM, TENANT_OR_PLATFORM_PATTERN } from '../core/ids.js';
import type { BundleService, DecisionLog, DecisionRecord } from '../policy/index.js';
import { ProblemSchema, TenantParamsSchema, bearer } from './schemas.js';

const errors = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
  413: ProblemSchema,
  422: ProblemSchema,
};
const BundleRef = Type.String({
  pattern: '^(sha256:)?[0-9a-f]{12,64}$|^builtin$',
  description: "A bundle id (sha256:…), its first 12+ hex digits, or 'builtin'",
});
const AnyObject = Type.Object({}, { additionalProperties: true });
const TenantOrPlatform = (description: string) => Type.String({ pattern: TENANT_OR_PLATFORM_PATTERN, description });
const DecisionsQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    decision: Type.Optional(Type.Union([Type.Literal('allow'), Type.Literal('deny')])),
    requestId: Type.Optional(Type.String({ maxLength: 128 })),
    tenant: Type.Optional(
      TenantOrPlatform('platform keys: only decisions of keys of this tenant (required with requestId)'),
    ),
  },
  { additionalProperties: false },
);

export interface PolicyRouteDeps {
  readonly bundles: BundleService;
  readonly decisions: DecisionLog;
  readonly maxBundleBytes: number;
}

export function registerPolicyRoutes(app: FastifyInstance, deps: PolicyRouteDeps): void {
  const { bundles, decisions } = deps;
  const scopes = [
    {
      prefix: '/v1/tenants/:tenantId/policy',
      params: TenantParamsSchema,
      owner: (p: { tenantId?: string }) => p.tenantId ?? '',
      tag: 'policy',
    },
    { prefix: '/v1/platform/policy', params: Type.Object({}), owner: () => PLATFORM, tag: 'policy' },
  ];
  for (const s of scopes) {
    const withRef = Type.Composite([s.params, Type.Object({ bundleId: BundleRef })]);
    app.post<{ Params: { tenantId?: string }; Body: unknown }>(
      `${s.prefix}/bundles`,
      {
        bodyLimit: deps.maxBundleBytes + 64 * 1024,
        schema: {
          tags: [s.tag],
          summary: 'Push a signed bundle (verified; unsigned, tampered or untrusted bundles are refused)',
          security: bearer,
          params: s.params,
          body: AnyObject,
          response: errors,
        },
      },
      async (req, reply) => {
        const r = await bundles.push(req.ctx, s.owner(req.params), req.body);
        return reply.code(r.created ? 201 : 200).send(r);
      },
    );
    app.get<{ Params: { tenantId?: string } }>(
      `${s.prefix}/bundles`,
      {
        schema: {
          tags: [s.tag],
          summary: 'Bundles pushed, the active one, and the activation history',
          security: bearer,
          params: s.params,
          response: errors,
        },
      },
      async (req) => bundles.list(req.ctx, s.owner(req.params)),
    );
    app.get<{ Params: { tenantId?: string; bundleId: string } }>(
      `${s.prefix}/bundles/:bundleId`,
      {
        schema: {
          tags: [s.tag],
          summary: 'One bundle: manifest summary and policies',
          security: bearer,
          params: withRef,
          response: errors,
        },
      },
      async (req) => bundles.get(req.ctx, s.owner(req.params), req.params.bundleId),
    );
    app.post<{ Params: { tenantId?: string; bundleId: string } }>(
      `${s.prefix}/bundles/:bundleId/activate`,
      {
        schema: {
          tags: [s.tag],
          summary: 'Activate a pushed bundle on every replica (audited)',
          security: bearer,
          params: withRef,
          response: errors,
        },
      },
      async (req) => bundles.activate(req.ctx, s.owner(req.params), req.params.bundleId),
    );
    app.post<{ Params: { tenantId?: string } }>(
      `${s.prefix}/rollback`,
      {
        schema: {
          tags: [s.tag],
          summary: 'Return to the previously active bundle (audited)',
          security: bearer,
          params: s.params,
          response: errors,
        },
      },
      async (req) => bundles.rollback(req.ctx, s.owner(req.params)),
    );
    app.get<{ Params: { tenantId?: string }; Querystring: { from?: string; to: string } }>(
      `${s.prefix}/diff`,
      {
        schema: {
          tags: [s.tag],
          summary: 'Policies added, removed and changed between two bundles (from: the active one by default)',
          security: bearer,
          params: s.params,
          querystring: Type.Object({ from: Type.Optional(BundleRef), to: BundleRef }, { additionalProperties: false }),
          response: errors,
        },
      },
      async (req) => bundles.diff(req.ctx, s.owner(req.params), req.query.from, req.query.to),
    );
    app.get<{
      Params: { tenantId?: string };
      Querystring: { limit: number; decision?: 'allow' | 'deny'; requestId?: string; tenant?: string };
    }>(
      `${s.prefix}/decisions`,
      {
        schema: {
          tags: [s.tag],
          summary: 'The decision log, newest first (denies always, allows as sampled)',
          security: bearer,
          params: s.params,
          querystring: DecisionsQuery,
          response: errors,
        },
      },
      async (req) => {
        const owner = s.owner(req.params);
        const tenantId = owner === PLATFORM ? req.query.tenant : owner;
        if (req.query.requestId !== undefined && tenantId === undefined) {
          throw new ValidationError(
            'Name the tenant (tenant=…) to look up a request id: request ids are chosen by clients, so several tenants can use the same one.',
            { field: 'tenant' },
          );
        }
        const allowed = req.query.decision === undefined ? undefined : req.query.decision === 'allow';
        return {
          items: await decisions.query(scopeOf(req.ctx), {
            tenantId,
            allowed,
            requestId: req.query.requestId,
            limit: req.query.limit,
          }),
        };
      },
    );
  }

  app.get<{ Params: { requestId: string }; Querystring: { tenant?: string } }>(
    '/v1/policy/decisions/:requestId',
    {
      schema: {
        tags: ['policy'],
        summary:
          'Explain a request: every decision taken for it, the policies that determined each, and the inputs (per tenant: request ids are chosen by clients)',
        security: bearer,
        params: Type.Object({ requestId: Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' }) }),
        querystring: Type.Object(
          {
            tenant: Type.Optional(
              TenantOrPlatform(
                "whose request: the caller's own tenant by default; platform admins may name any, or get one group per tenant",
              ),
            ),
          },
          { additionalProperties: false },
        ),
        response: errors,
      },
    },
    async (req) => {
      const { principal } = req.ctx;
      // Naming another tenant than one's own is the 404 of a missing tenant.
      if (req.query.tenant !== undefined)
        authorizeAction(principal, 'policy.decisions.read', req.query.tenant, 'Decision');
      const tenant = req.query.tenant ?? (crossesTenants(principal) ? undefined : principal.tenantId);
      const found = await decisions.query(scopeOf(req.ctx), {
        tenantId: tenant,
        requestId: req.params.requestId,
        limit: 100,
      });
      // The explain call's own decision is logged under the same request id when the caller reuses it.
      const items = found.filter((d) => !(d.action === 'policy.decisions.read' && d.requestId === req.id)).reverse();
      const groups = byTenant(items);
      const only = tenant ?? (groups.length === 1 ? groups[0]?.tenant : undefined);
      return { requestId: req.params.requestId, tenant: only ?? null, items: only === undefined ? [] : items, groups };
    },
  );
}

/** Decisions grouped by the tenant whose key asked, tenants in name order, each oldest first. */
function byTenant(items: readonly DecisionRecord[]): { tenant: string; items: DecisionRecord[] }[] {
  const groups = new Map<string, DecisionRecord[]>();
  for (const d of items) {
    const list = groups.get(d.tenantId);
    if (list === undefined) groups.set(d.tenantId, [d]);
    else list.push(d);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([tenant, list]) => ({ tenant, items: list }));
}
