// Rainbow releases over the API: rings (ordered tenant groups), releases (create from a release
// document, plan, start, pause, resume, promote, abort, rollback, status, history) and the
// feature flags a tenant is served. Platform objects: platform keys only. Every change is
// audited in the platform log by the rollout service, in the same transaction.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { authorize, type RequestContext } from '../core/context.js';
import { NotFoundError } from '../core/errors.js';
import { PLATFORM } from '../core/ids.js';
import type { Action } from '../core/role-taxonomy.js';
import {
  changeRecord,
  OPERATOR_ACTIONS,
  parseReleaseSpec,
  releaseDocumentError,
  type ReleaseSpec,
  type OperatorAction,
  type Placement,
  type PreflightResult,
  type ReleaseService,
  type StoredRelease,
} from '../rollout/index.js';
import { ProblemSchema, bearer } from './schemas.js';

const RingName = Type.String({ pattern: '^[a-z][a-z0-9-]{0,31}$' });
const ReleaseId = Type.String({
  pattern: '^[a-z0-9][a-z0-9-]{0,62}@[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$',
  description: 'name@version',
});
const TenantId = Type.String({ minLength: 1, maxLength: 64 });
const RingParams = Type.Object({ ring: RingName }, { additionalProperties: false });
const ReleaseParams = Type.Object({ releaseId: ReleaseId }, { additionalProperties: false });
const ActionParams = Type.Object(
  { releaseId: ReleaseId, action: Type.Union(OPERATOR_ACTIONS.map((a) => Type.Literal(a))) },
  { additionalProperties: false },
);
const RingBody = Type.Object(
  {
    order: Type.Integer({ minimum: 0, maximum: 1000, description: 'Promotion order: lower goes first.' }),
    selector: Type.Optional(
      Type.Record(Type.String({ maxLength: 63 }), Type.String({ maxLength: 63 }), {
        description: 'Labels a tenant must all carry to fall in this ring.',
      }),
    ),
    pins: Type.Optional(
      Type.Array(TenantId, {
        maxItems: 10_000,
        description: 'Tenants placed here whatever their field or labels say.',
      }),
    ),
  },
  { additionalProperties: false },
);
const ActionBody = Type.Object(
  {
    reason: Type.Optional(Type.String({ maxLength: 1000, description: 'Why (required for pause, abort, rollback).' })),
  },
  { additionalProperties: false },
);
const ListQuery = Type.Object(
  {
    live: Type.Optional(Type.Boolean({ description: 'Only releases holding rings (progressing, analysing, paused).' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  },
  { additionalProperties: false },
);
const FlagsQuery = Type.Object({ tenant: TenantId }, { additionalProperties: false });
const Anything = Type.Object({}, { additionalProperties: true });
const errors = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
  412: ProblemSchema,
};

/** A release as the API shows it: everything stored, with the time left in the current bake. */
function view(r: StoredRelease, now: number): Record<string, unknown> {
  const step = r.position === null ? undefined : r.spec.plan.rings[r.position.ringIndex];
  return {
    ...r,
    ring: step?.ring ?? null,
    bakeSecondsLeft: r.bakeUntil === null ? null : Math.max(0, Math.ceil((Date.parse(r.bakeUntil) - now) / 1000)),
  };
}

export interface RolloutRouteDeps {
  readonly releases: ReleaseService;
  /** Whether any tenant may be served differently: a live release, or a promoted configuration. */
  readonly routingActive: () => boolean;
  /** Where a tenant is served now (ring, colour, configuration), on this replica. */
  readonly placementOf: (tenantId: string) => Placement | undefined;
  /** Tenants in a ring (for `rings show`). */
  readonly tenantsOf: (ring: string) => Promise<{ tenantId: string; by: string }[]>;
  readonly now: () => number;
  /** The control now and the tenants per ring (the change record's context). */
  readonly control: () => { colour: string; releaseId: string | null; spec: ReleaseSpec | null };
  readonly tenantsByRing: () => Promise<Record<string, number>>;
  /** The latest recorded preflight results of a release (the change record shows them). */
  readonly preflightOf?: (releaseId: string) => Promise<readonly PreflightResult[]>;
  /** This replica's shadow policy decisions of a release (null: it names no bundle). */
  readonly policyShadowOf?: (releaseId: string) => unknown;
  /** This replica's shadow figures for a release (null: shadowing off). */
  readonly shadowOf?: (releaseId: string) => unknown;
}

/** Where a release's dashboards and runbook are (provisioned with Iris, ops/). */
const RECORD_LINKS = {
  dashboard: 'ops/grafana/dashboards/iris-rings.json',
  runbook: 'ops/runbooks/IrisReleaseRolledBack.md',
} as const;

export function registerRolloutRoutes(app: FastifyInstance, deps: RolloutRouteDeps): void {
  const { releases } = deps;
  const allow = (ctx: RequestContext, action: Action): void => authorize(ctx.principal, action, PLATFORM, 'Platform');

  app.get(
    '/v1/platform/rings',
    {
      schema: {
        tags: ['releases'],
        summary: 'Rings in promotion order',
        security: bearer,
        response: { 200: Type.Object({ items: Type.Array(Anything) }), ...errors },
      },
    },
    async (req) => {
      allow(req.ctx, 'release.read');
      return { items: await releases.rings() };
    },
  );

  app.get<{ Params: Static<typeof RingParams> }>(
    '/v1/platform/rings/:ring',
    {
      schema: {
        tags: ['releases'],
        summary: 'One ring and the tenants it holds (and how each was placed)',
        security: bearer,
        params: RingParams,
        response: { 200: Anything, ...errors },
      },
    },
    async (req) => {
      allow(req.ctx, 'release.read');
      const ring = (await releases.rings()).find((r) => r.name === req.params.ring);
      if (ring === undefined) throw new NotFoundError('Ring', req.params.ring);
      return { ...ring, tenants: await deps.tenantsOf(ring.name) };
    },
  );

  app.put<{ Params: Static<typeof RingParams>; Body: Static<typeof RingBody> }>(
    '/v1/platform/rings/:ring',
    {
      schema: {
        tags: ['releases'],
        summary: 'Create or change a ring (order, label selector, pinned tenants); If-Match guards a change',
        security: bearer,
        params: RingParams,
        body: RingBody,
        response: { 200: Anything, ...errors },
      },
    },
    async (req) => {
      allow(req.ctx, 'release.write');
      const ifMatch = req.headers['if-match'];
      return releases.updateRing(
        req.ctx,
        req.params.ring,
        req.body,
        typeof ifMatch === 'string' ? ifMatch.replaceAll('"', '') : undefined,
      );
    },
  );

  app.post<{ Body: Record<string, unknown> }>(
    '/v1/platform/releases',
    {
      schema: {
        tags: ['releases'],
        summary: 'Create a release from a release document (YAML decoded to JSON); every problem is listed',
        security: bearer,
        body: Anything,
        response: { 201: Anything, ...errors },
      },
    },
    async (req, reply) => {
      allow(req.ctx, 'release.write');
      const created = await releases.create(req.ctx, req.body);
      return reply.code(201).send(view(created, deps.now()));
    },
  );

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/v1/platform/releases',
    {
      schema: {
        tags: ['releases'],
        summary: 'Releases, newest first',
        security: bearer,
        querystring: ListQuery,
        response: { 200: Type.Object({ items: Type.Array(Anything) }), ...errors },
      },
    },
    async (req) => {
      allow(req.ctx, 'release.read');
      const items = await releases.list({ live: req.query.live, limit: req.query.limit ?? 50 });
      const now = deps.now();
      return { items: items.map((r) => view(r, now)) };
    },
  );

  app.get<{ Params: Static<typeof ReleaseParams> }>(
    '/v1/platform/releases/:releaseId',
    {
      schema: {
        tags: ['releases'],
        summary: 'One release: document, phase, position, weights, last guard and analysis',
        security: bearer,
        params: ReleaseParams,
        response: { 200: Anything, ...errors },
      },
    },
    async (req) => {
      allow(req.ctx, 'release.read');
      const r = await releases.get(req.params.releaseId);
      return {
        ...view(r, deps.now()),
        shadow: deps.shadowOf?.(r.id) ?? null,
        policyShadow: deps.policyShadowOf?.(r.id) ?? null,
      };
    },
  );

  app.get<{ Params: Static<typeof ReleaseParams> }>(
    '/v1/platform/releases/:releaseId/plan',
    {
      schema: {
        tags: ['releases'],
        summary:
          'How the plan meets the tenants: per ring, tenants, tenants on the candidate now, steps; ring conflicts',
        security: bearer,
        params: ReleaseParams,
        response: { 200: Anything, ...errors },
      },
    },
    async (req) => {
      allow(req.ctx, 'release.read');
      const plan = await releases.plan(req.params.releaseId);
      return { ...plan, release: view(plan.release, deps.now()) };
    },
  );

  app.get<{ Params: Static<typeof ReleaseParams>; Querystring: { limit?: number } }>(
    '/v1/platform/releases/:releaseId/history',
    {
      schema: {
        tags: ['releases'],
        summary: 'Every transition and verdict of a release, oldest first, with the numbers that decided it',
        security: bearer,
        params: ReleaseParams,
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(Anything) }), ...errors },
      },
    },
    async (req) => {
      allow(req.ctx, 'release.read');
      return { items: await releases.history(req.params.releaseId, req.query.limit ?? 200) };
    },
  );

  app.post<{ Params: Static<typeof ActionParams>; Body: Static<typeof ActionBody> }>(
    '/v1/platform/releases/:releaseId/:action',
    {
      schema: {
        tags: ['releases'],
        summary: 'start | pause | resume | promote | abort | rollback (pause, abort and rollback need a reason)',
        security: bearer,
        params: ActionParams,
        body: ActionBody,
        response: { 200: Anything, ...errors },
      },
    },
    async (req) => {
      allow(req.ctx, 'release.operate');
      const action: OperatorAction = req.params.action;
      const after = await releases.act(req.ctx, req.params.releaseId, action, req.body?.reason);
      return view(after, deps.now());
    },
  );

  const record = async (releaseId: string | null, spec: ReleaseSpec): Promise<{ markdown: string }> => {
    const c = deps.control();
    return {
      markdown: changeRecord({
        release: { releaseId, spec },
        control:
          c.spec === null
            ? null
            : {
                releaseId: c.releaseId,
                colour: c.colour,
                graphrag: c.spec.graphrag,
                flags: c.spec.flags,
                ...(c.spec.policyBundle ? { policyBundle: c.spec.policyBundle } : {}),
              },
        tenantsByRing: await deps.tenantsByRing(),
        preflight: releaseId === null || deps.preflightOf === undefined ? [] : await deps.preflightOf(releaseId),
        links: { ...RECORD_LINKS, ...(releaseId === null ? {} : { release: `/v1/platform/releases/${releaseId}` }) },
      }),
    };
  };

  app.get<{ Params: Static<typeof ReleaseParams> }>(
    '/v1/platform/releases/:releaseId/change-record',
    {
      schema: {
        tags: ['releases'],
        summary:
          'The change record of a release, as Markdown for a pull request: diff against the control, rings, risk, rollback',
        security: bearer,
        params: ReleaseParams,
        response: { 200: Type.Object({ markdown: Type.String() }), ...errors },
      },
    },
    async (req) => {
      allow(req.ctx, 'release.read');
      const r = await releases.get(req.params.releaseId);
      return record(r.id, r.spec);
    },
  );

  app.post<{ Body: Record<string, unknown> }>(
    '/v1/platform/release-previews',
    {
      schema: {
        tags: ['releases'],
        summary: 'Check a release document without storing it and return its change record (CI on pull requests)',
        security: bearer,
        body: Anything,
        response: { 200: Type.Object({ markdown: Type.String() }), ...errors },
      },
    },
    async (req) => {
      allow(req.ctx, 'release.read');
      const rings = (await releases.rings()).map((r) => r.name);
      const parsed = parseReleaseSpec(req.body, rings);
      if (!parsed.ok) throw releaseDocumentError(parsed.problems);
      return record(null, parsed.spec);
    },
  );

  app.get<{ Querystring: Static<typeof FlagsQuery> }>(
    '/v1/platform/flags',
    {
      schema: {
        tags: ['releases'],
        summary: "A tenant's ring, colour and feature flag values, and where each comes from",
        security: bearer,
        querystring: FlagsQuery,
        response: { 200: Anything, ...errors },
      },
    },
    async (req) => {
      allow(req.ctx, 'release.read');
      const p = deps.placementOf(req.query.tenant);
      if (p === undefined) throw new NotFoundError('Tenant', req.query.tenant);
      const flags = p.spec?.flags ?? {};
      return {
        tenant: req.query.tenant,
        ring: p.ring,
        placedBy: p.by,
        colour: p.colour,
        candidate: p.candidate,
        releaseId: p.releaseId,
        bucket: p.choice.bucket,
        threshold: p.choice.threshold,
        flags: Object.entries(flags).map(([name, value]) => ({
          name,
          value,
          source: p.candidate ? `release ${p.releaseId ?? '?'} (colour ${p.colour})` : `control (colour ${p.colour})`,
        })),
      };
    },
  );
}
