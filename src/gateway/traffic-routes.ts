// What the console's overview reads about every tenant; it names tenants, so it needs the same
// right as /metrics:
// - `GET /v1/platform/traffic`: each tenant's request rate, success ratio and p99 over a recent
//   window, summed across every replica (observability's tenant_traffic counters);
// - `GET /v1/platform/queues`: each tenant's live queue (ready, running, scheduled, oldest wait).
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { authorize } from '../core/context.js';
import { PLATFORM } from '../core/ids.js';
import type { QueueDepth } from '../jobs/index.js';
import type { TenantTrafficCounters } from '../observability/index.js';
import { ProblemSchema, bearer } from './schemas.js';

const TrafficQuery = Type.Object(
  {
    minutes: Type.Integer({ minimum: 1, maximum: 1440, default: 15, description: 'Window length in minutes.' }),
    top: Type.Integer({ minimum: 1, maximum: 100, default: 10, description: 'The busiest N tenants.' }),
    tenant: Type.Optional(
      Type.String({ minLength: 1, maxLength: 63, description: 'Only this tenant (whether it had traffic or not).' }),
    ),
  },
  { additionalProperties: false },
);

const TenantTrafficSchema = Type.Object(
  {
    tenantId: Type.String(),
    requests: Type.Integer(),
    failures: Type.Integer({ description: 'Answers with a 5xx status.' }),
    rate: Type.Number({ description: 'Requests per second over the window.' }),
    successRatio: Type.Number({ description: 'Share of requests not answered with a 5xx.' }),
    p99Ms: Type.Union([Type.Number(), Type.Null()], { description: '99th percentile latency, ms (bucketed).' }),
  },
  { $id: 'TenantTraffic', additionalProperties: false },
);

const QueueDepthSchema = Type.Object(
  {
    tenantId: Type.String(),
    ready: Type.Integer(),
    running: Type.Integer(),
    scheduled: Type.Integer(),
    oldestReadySeconds: Type.Number({ description: 'Age of the oldest ready job (0: none waiting).' }),
  },
  { $id: 'QueueDepth', additionalProperties: false },
);

export function registerTrafficRoutes(
  app: FastifyInstance,
  deps: { traffic: TenantTrafficCounters; queueDepths: () => Promise<QueueDepth[]> },
): void {
  const { traffic } = deps;
  app.get(
    '/v1/platform/queues',
    {
      schema: {
        tags: ['platform'],
        summary: "Every tenant's live queue: ready, running and scheduled jobs, and the oldest wait",
        security: bearer,
        response: {
          200: Type.Object({ items: Type.Array(QueueDepthSchema) }),
          401: ProblemSchema,
          403: ProblemSchema,
        },
      },
    },
    async (req) => {
      authorize(req.ctx.principal, 'metrics.read', PLATFORM, 'Platform');
      const items = await deps.queueDepths();
      return { items: items.sort((a, b) => b.ready + b.running - (a.ready + a.running)) };
    },
  );

  app.get<{ Querystring: Static<typeof TrafficQuery> }>(
    '/v1/platform/traffic',
    {
      schema: {
        tags: ['platform'],
        summary: "Tenants' request rate, success ratio and p99 across all replicas (busiest first)",
        security: bearer,
        querystring: TrafficQuery,
        response: {
          200: Type.Object({ windowMinutes: Type.Integer(), items: Type.Array(TenantTrafficSchema) }),
          400: ProblemSchema,
          401: ProblemSchema,
          403: ProblemSchema,
        },
      },
    },
    async (req) => {
      authorize(req.ctx.principal, 'metrics.read', PLATFORM, 'Platform');
      const { minutes, top, tenant } = req.query;
      const items = await traffic.query({ minutes, top, tenantId: tenant });
      // A tenant asked for by name is answered even when it had no traffic in the window.
      if (tenant !== undefined && items.length === 0)
        items.push({ tenantId: tenant, requests: 0, failures: 0, rate: 0, successRatio: 1, p99Ms: null });
      return { windowMinutes: minutes, items };
    },
  );
}
