// /v1/tenants/:tenantId/jobs: start a job (202 + job URL, Idempotency-Key), read, list,
// cancel, retry, list poisoned jobs and redrive them. The executor is reached through the jobs
// context's face; authorization and request identity come from the server through `deps`.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { ValidationError } from '../core/errors.js';
import type { TraceParent } from '../core/trace-parent.js';
import {
  JOB_KIND_PATTERN,
  JOB_STATES,
  JobPageSchema,
  JobResourceSchema,
  jobPath,
  toJobResource,
  type JobActor,
  type JobPage,
  type JobQueue,
} from '../jobs/index.js';
import { ProblemSchema, TenantIdSchema, TenantParamsSchema, bearer, type ApiTag } from './schemas.js';

/** What a caller asks to do; the gateway maps these onto its policy. */
export type JobRouteAction = 'job.create' | 'job.read' | 'job.cancel' | 'job.retry' | 'job.redrive';

/** Request identity, as the gateway established it. */
export interface JobRequestContext {
  readonly requestId: string;
  readonly traceparent?: string;
  readonly tracestate?: string;
  /** The request's span: the queue's transactions hang below it. */
  readonly trace?: TraceParent;
  /** Who is calling, as it should appear in the job and the audit ledger (e.g. `key:abc`). */
  readonly actor: string;
}

export interface JobRoutesDeps {
  readonly queue: JobQueue;
  /** Throws (an IrisError: 401/403/404) unless the request may do `action` on `tenantId`'s jobs. */
  authorize(request: FastifyRequest, action: JobRouteAction, tenantId: string): void | Promise<void>;
  requestContext(request: FastifyRequest): JobRequestContext;
}

const JobParams = Type.Object(
  { tenantId: TenantIdSchema, jobId: Type.String({ pattern: '^job_[A-Za-z0-9]{1,64}$' }) },
  { additionalProperties: false },
);
const IDEMPOTENCY_KEY = Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' });
const EnqueueHeaders = Type.Object({ 'idempotency-key': Type.Optional(IDEMPOTENCY_KEY) });

const EnqueueBodySchema = Type.Object(
  {
    kind: Type.String({
      pattern: JOB_KIND_PATTERN,
      maxLength: 100,
      description: 'A registered job kind, e.g. `noop`, `sleep`.',
    }),
    payload: Type.Optional(Type.Unknown({ description: "Checked against the kind's schema; default {}." })),
    priority: Type.Optional(
      Type.Integer({ minimum: -100, maximum: 100, description: 'Higher runs first within the tenant; default 0.' }),
    ),
    runAt: Type.Optional(Type.String({ format: 'date-time', description: 'Not before this time.' })),
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    idempotencyKey: Type.Optional({ ...IDEMPOTENCY_KEY, description: 'Same as the Idempotency-Key header.' }),
  },
  { additionalProperties: false },
);
type EnqueueBody = Static<typeof EnqueueBodySchema>;

const ListQuery = Type.Object(
  {
    state: Type.Optional(Type.Union(JOB_STATES.map((s) => Type.Literal(s)))),
    kind: Type.Optional(Type.String({ pattern: JOB_KIND_PATTERN, maxLength: 100 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
    continue: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
type ListQueryT = Static<typeof ListQuery>;
const PoisonedQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
    continue: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
const EmptyBody = Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()]);
const errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema };
const tags: ApiTag[] = ['jobs'];

type JobRoute = { Params: Static<typeof JobParams> };

function actorOf(ctx: JobRequestContext): JobActor {
  return {
    actor: ctx.actor,
    requestId: ctx.requestId,
    traceparent: ctx.traceparent,
    tracestate: ctx.tracestate,
    trace: ctx.trace,
  };
}

function renderPage(page: JobPage): Static<typeof JobPageSchema> {
  const items = page.items.map((j) => toJobResource(j, false));
  return page.nextCursor === null ? { items } : { items, continue: page.nextCursor };
}

/**
 * The jobs routes as a Fastify plugin: `app.register(jobRoutes(deps))`. Errors are thrown as
 * IrisErrors for the app's problem+json handler; a 429 carries `retryAfterSeconds`.
 */
export function jobRoutes(deps: JobRoutesDeps): FastifyPluginAsync {
  const { queue } = deps;
  return async (app) => {
    app.post<{ Params: Static<typeof TenantParamsSchema>; Body: EnqueueBody; Headers: Static<typeof EnqueueHeaders> }>(
      '/v1/tenants/:tenantId/jobs',
      {
        schema: {
          tags,
          summary: 'Start a job (202 + job URL)',
          description:
            'Queues an asynchronous job and answers 202 with its URL in Location. The same Idempotency-Key returns the same job (header Idempotent-Replayed: true) for 24 h; reusing a key for a different kind or payload answers 422. A full queue answers 429 with Retry-After.',
          security: bearer,
          params: TenantParamsSchema,
          headers: EnqueueHeaders,
          body: EnqueueBodySchema,
          response: { 202: JobResourceSchema, ...errors, 413: ProblemSchema, 422: ProblemSchema, 429: ProblemSchema },
        },
      },
      async (req, reply) => {
        const { tenantId } = req.params;
        await deps.authorize(req, 'job.create', tenantId);
        const headerKey = req.headers['idempotency-key'];
        const bodyKey = req.body.idempotencyKey;
        if (headerKey !== undefined && bodyKey !== undefined && headerKey !== bodyKey) {
          throw new ValidationError('The Idempotency-Key header and body idempotencyKey differ; send one of them.');
        }
        let runAt: Date | undefined;
        if (req.body.runAt !== undefined) {
          runAt = new Date(req.body.runAt);
          if (Number.isNaN(runAt.getTime())) throw new ValidationError('runAt is not a valid date-time.');
        }
        const { job, created } = await queue.enqueue(
          tenantId,
          {
            kind: req.body.kind,
            payload: req.body.payload,
            priority: req.body.priority,
            runAt,
            maxAttempts: req.body.maxAttempts,
            dedupKey: headerKey ?? bodyKey,
          },
          actorOf(deps.requestContext(req)),
        );
        if (!created) void reply.header('idempotent-replayed', 'true');
        return reply.code(202).header('location', jobPath(tenantId, job.jobId)).send(toJobResource(job));
      },
    );

    app.get<{ Params: Static<typeof TenantParamsSchema>; Querystring: ListQueryT }>(
      '/v1/tenants/:tenantId/jobs',
      {
        schema: {
          tags,
          summary: "List a tenant's jobs, newest first",
          security: bearer,
          params: TenantParamsSchema,
          querystring: ListQuery,
          response: { 200: JobPageSchema, ...errors },
        },
      },
      async (req) => {
        const { tenantId } = req.params;
        await deps.authorize(req, 'job.read', tenantId);
        const q = req.query;
        return renderPage(
          await queue.list(
            tenantId,
            { state: q.state, kind: q.kind, limit: q.limit, cursor: q.continue },
            deps.requestContext(req).trace,
          ),
        );
      },
    );

    app.get<JobRoute>(
      '/v1/tenants/:tenantId/jobs/:jobId',
      {
        schema: {
          tags,
          summary: 'Read a job: state, attempts, progress, timing, errors, trace id',
          security: bearer,
          params: JobParams,
          response: { 200: JobResourceSchema, ...errors },
        },
      },
      async (req) => {
        const { tenantId, jobId } = req.params;
        await deps.authorize(req, 'job.read', tenantId);
        return toJobResource(await queue.get(tenantId, jobId, deps.requestContext(req).trace));
      },
    );

    const action = (path: string, name: 'cancel' | 'retry' | 'redrive', summary: string, status: 200 | 202): void => {
      const routeAction: JobRouteAction =
        name === 'cancel' ? 'job.cancel' : name === 'retry' ? 'job.retry' : 'job.redrive';
      app.post<JobRoute>(
        path,
        {
          schema: {
            tags,
            summary,
            security: bearer,
            params: JobParams,
            body: EmptyBody,
            response: { [status]: JobResourceSchema, ...errors },
          },
        },
        async (req: FastifyRequest<JobRoute>, reply: FastifyReply) => {
          const { tenantId, jobId } = req.params;
          await deps.authorize(req, routeAction, tenantId);
          const actor = actorOf(deps.requestContext(req));
          const job =
            name === 'cancel'
              ? await queue.cancel(tenantId, jobId, actor)
              : name === 'retry'
                ? await queue.retry(tenantId, jobId, actor)
                : await queue.redrive(tenantId, jobId, actor);
          if (status === 202) void reply.header('location', jobPath(tenantId, jobId));
          return reply.code(status).send(toJobResource(job));
        },
      );
    };
    action(
      '/v1/tenants/:tenantId/jobs/:jobId/cancel',
      'cancel',
      'Cancel a queued or running job (409 if it already finished)',
      200,
    );
    action('/v1/tenants/:tenantId/jobs/:jobId/retry', 'retry', 'Run a failed or cancelled job again (202)', 202);
    action(
      '/v1/tenants/:tenantId/jobs/:jobId/redrive',
      'redrive',
      'Requeue a poisoned job with fresh attempts (202; 409 if not poisoned)',
      202,
    );

    app.get<{ Params: Static<typeof TenantParamsSchema>; Querystring: Static<typeof PoisonedQuery> }>(
      '/v1/tenants/:tenantId/jobs-poisoned',
      {
        schema: {
          tags,
          summary: 'List poisoned jobs (stopped after max attempts; redrive to run again)',
          security: bearer,
          params: TenantParamsSchema,
          querystring: PoisonedQuery,
          response: { 200: JobPageSchema, ...errors },
        },
      },
      async (req) => {
        const { tenantId } = req.params;
        await deps.authorize(req, 'job.read', tenantId);
        return renderPage(
          await queue.listPoisoned(
            tenantId,
            { limit: req.query.limit, cursor: req.query.continue },
            deps.requestContext(req).trace,
          ),
        );
      },
    );
  };
}
