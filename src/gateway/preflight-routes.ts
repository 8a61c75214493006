// Preflight of releases over the API: run the gates now (recorded, and returned) and record a
// named person's review of an Alertmanager silence that matches the release's rings. Platform
// objects: platform keys only. Reviews are audited in the platform log by the preflight service.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { authorize, type RequestContext } from '../core/context.js';
import { PLATFORM } from '../core/ids.js';
import type { Action } from '../core/role-taxonomy.js';
import type { PreflightService, PreflightStage } from '../rollout/index.js';
import { ProblemSchema, bearer } from './schemas.js';

const ReleaseId = Type.String({
  pattern: '^[a-z0-9][a-z0-9-]{0,62}@[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$',
  description: 'name@version',
});
const ReleaseParams = Type.Object({ releaseId: ReleaseId }, { additionalProperties: false });
const PreflightQuery = Type.Object(
  {
    stage: Type.Optional(
      Type.String({
        pattern: '^(start|promote:[a-z][a-z0-9-]{0,31})$',
        description: "'start' or 'promote:<ring>'; default: start for a planned release, else the next ring",
      }),
    ),
  },
  { additionalProperties: false },
);
const ReviewBody = Type.Object(
  {
    silenceId: Type.String({ minLength: 1, maxLength: 64, description: 'The Alertmanager silence id.' }),
    reviewer: Type.String({ minLength: 1, maxLength: 200, description: 'The person who reviewed it, by name.' }),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
const Result = Type.Object({ gate: Type.String(), ok: Type.Boolean(), detail: Type.String(), at: Type.Number() });
const Run = Type.Object({
  releaseId: Type.String(),
  runSeq: Type.Integer(),
  stage: Type.String(),
  actor: Type.String(),
  ok: Type.Boolean(),
  results: Type.Array(Result),
});
const Review = Type.Object({
  releaseId: Type.String(),
  silenceId: Type.String(),
  reviewer: Type.String(),
  note: Type.String(),
  at: Type.String(),
});
const errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema };

export interface PreflightRouteDeps {
  readonly preflight: PreflightService;
}

export function registerPreflightRoutes(app: FastifyInstance, deps: PreflightRouteDeps): void {
  const { preflight } = deps;
  const allow = (ctx: RequestContext, action: Action): void => authorize(ctx.principal, action, PLATFORM, 'Platform');

  app.get<{ Params: Static<typeof ReleaseParams>; Querystring: Static<typeof PreflightQuery> }>(
    '/v1/platform/releases/:releaseId/preflight',
    {
      schema: {
        tags: ['releases'],
        summary: 'Run the preflight gates now (policy bundle, silences, dashboards, load probe); recorded and returned',
        security: bearer,
        params: ReleaseParams,
        querystring: PreflightQuery,
        response: { 200: Run, ...errors },
      },
    },
    async (req) => {
      allow(req.ctx, 'release.read');
      return preflight.check(req.ctx, req.params.releaseId, req.query.stage as PreflightStage | undefined);
    },
  );

  app.get<{ Params: Static<typeof ReleaseParams> }>(
    '/v1/platform/releases/:releaseId/silence-reviews',
    {
      schema: {
        tags: ['releases'],
        summary: 'Reviews of Alertmanager silences recorded for a release, oldest first',
        security: bearer,
        params: ReleaseParams,
        response: { 200: Type.Object({ items: Type.Array(Review) }), ...errors },
      },
    },
    async (req) => {
      allow(req.ctx, 'release.read');
      return { items: await preflight.reviews(req.params.releaseId) };
    },
  );

  app.post<{ Params: Static<typeof ReleaseParams>; Body: Static<typeof ReviewBody> }>(
    '/v1/platform/releases/:releaseId/silence-reviews',
    {
      schema: {
        tags: ['releases'],
        summary: "Record a named person's review of an active silence matching the release's rings",
        security: bearer,
        params: ReleaseParams,
        body: ReviewBody,
        response: { 201: Review, ...errors },
      },
    },
    async (req, reply) => {
      allow(req.ctx, 'release.operate');
      const review = await preflight.review(req.ctx, req.params.releaseId, req.body);
      return reply.code(201).send(review);
    },
  );
}
