// The HTTP edge: Fastify with JSON-schema validation everywhere, correlation ids, identity,
// OpenAPI, problem+json errors, and the routes of every context.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Registry } from 'prom-client';
import type { AuditReader, Ledger } from '../audit/index.js';
import type { RequestContext } from '../core/context.js';
import type { Database } from '../core/db.js';
import { newRequestId, REQUEST_ID_PATTERN } from '../core/ids.js';
import type { HttpTelemetry } from '../observability/index.js';
import type { KeyService, TenantService } from '../tenants/index.js';
import { registerAuditRoutes } from './audit-routes.js';
import type { Identity } from './identity.js';
import type { RequestGate } from './admission.js';
import { registerKeyRoutes } from './key-routes.js';
import { notFoundHandler, problemErrorHandler } from './problem.js';
import { ProblemSchema } from './schemas.js';
import { registerSystemRoutes } from './system-routes.js';
import { registerTenantRoutes } from './tenant-routes.js';

declare module 'fastify' {
  interface FastifyRequest {
    ctx: RequestContext;
  }
  interface FastifyContextConfig {
    /** Routes that need no API key (health, metrics, docs, the ledger's public key). */
    public?: boolean;
  }
}

export interface ServerDeps {
  readonly db: Database;
  readonly identity: Identity;
  readonly tenants: TenantService;
  readonly keys: KeyService;
  readonly ledger: Ledger;
  readonly auditReader: AuditReader;
  readonly registry: Registry;
  /** Spans, golden-signal metrics and correlated logs per request (observability). */
  readonly telemetry?: HttpTelemetry;
  readonly pendingMigrations: () => Promise<string[]>;
  /** Admission and policy after identity (identity -> admission -> policy); none: identity only. */
  readonly gate?: RequestGate;
  /** Lets other contexts (jobs, policy, …) add their routes. */
  readonly extraRoutes?: readonly ((app: FastifyInstance) => void)[];
}

export interface ServerOptions {
  readonly bodyLimitBytes: number;
  /** pino options, or false for no logs (tests, benchmarks). */
  readonly logger: FastifyServerOptions['logger'];
  readonly version: string;
}

export async function buildServer(deps: ServerDeps, opts: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger,
    bodyLimit: opts.bodyLimitBytes,
    requestIdHeader: false,
    // NOTE: with telemetry, one access line per request (with trace and tenant ids) replaces
    // Fastify's two request lines.
    logController: new LogController({ requestIdLogLabel: 'request_id', disableRequestLogging: deps.telemetry !== undefined }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : newRequestId();
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true, allErrors: false } },
    return503OnClosing: true,
  });

  // JSON merge patch bodies are JSON.
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
  app.setErrorHandler(problemErrorHandler);
  app.setNotFoundHandler(notFoundHandler);
  app.addSchema(ProblemSchema);
  await deps.telemetry?.install(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Iris control plane API', version: opts.version, description: 'Tenants, API keys and the tamper-evident audit ledger. Errors are RFC 9457 problem+json.' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An Iris API key: iris_<keyId>_<secret>' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    if (req.routeOptions.config.public === true || !req.url.startsWith('/v1/')) return;
    const principal = deps.identity.authenticate(req.headers.authorization);
    req.ctx = { principal, requestId: req.id, traceId: req.telemetry?.traceId, sourceIp: req.ip, trace: req.telemetry?.span };
    deps.telemetry?.bindTenant(req, principal.tenantId, principal.keyId);
    if (deps.gate) await deps.gate.check(req, reply);
  });

  app.get('/openapi.json', { schema: { hide: true }, config: { public: true } }, async () => app.swagger());
  registerSystemRoutes(app, { db: deps.db, pending: deps.pendingMigrations, registry: deps.registry });
  registerTenantRoutes(app, deps.tenants);
  registerKeyRoutes(app, deps.keys);
  registerAuditRoutes(app, { db: deps.db, reader: deps.auditReader, ledger: deps.ledger });
  for (const add of deps.extraRoutes ?? []) add(app);
  return app;
}
