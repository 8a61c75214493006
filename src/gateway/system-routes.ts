// Liveness and readiness (public: they name no tenant) and metrics (the scrape token or a
// platform-admin key: series carry tenant labels).
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Database } from '../core/db.js';

export function registerSystemRoutes(
  app: FastifyInstance,
  deps: { db: Database; pending: () => Promise<string[]>; registry: Registry; draining: () => boolean },
): void {
  const hide = { hide: true, tags: ['system'] };
  // NOTE: a draining replica still serves every request; only its health checks fail, so the
  // load balancer takes it out of rotation before it closes (see IRIS_DRAIN_SECONDS).
  app.get('/healthz', { schema: { ...hide }, config: { public: true } }, async (_req, reply) =>
    deps.draining() ? reply.code(503).send({ status: 'draining' }) : { status: 'ok' },
  );

  app.get('/readyz', { schema: { ...hide }, config: { public: true } }, async (req, reply) => {
    if (deps.draining()) return reply.code(503).send({ status: 'draining' });
    try {
      await deps.db.ping();
    } catch {
      return reply.code(503).send({ status: 'unavailable', store: 'unreachable' });
    }
    const pending = await deps.pending();
    if (pending.length > 0)
      return reply.code(503).send({ status: 'unavailable', store: 'ok', pendingMigrations: pending });
    return { status: 'ready', store: deps.db.dialect };
  });

  app.get('/metrics', { schema: { ...hide }, config: { scrape: true } }, async (_req, reply) => {
    const body = await deps.registry.metrics();
    return reply.type(deps.registry.contentType).send(body);
  });
}
