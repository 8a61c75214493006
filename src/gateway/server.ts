// The HTTP edge: Fastify with JSON-schema validation everywhere, correlation ids, identity,
// OpenAPI, problem+json errors, and the routes of every context. Every route lives in this
// folder, one file per resource (`x-routes.ts`), and is registered here; a route answers its
// errors with the one Problem schema and carries one of the API_TAGS (checked at start).
import { createHash, timingSafeEqual } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { Registry } from 'prom-client';
import type { AuditReader, Ledger } from '../audit/index.js';
import { authorizeAction, bindDecisions, type DecideFn, type RequestContext } from '../core/context.js';
import { platformScope, type Database } from '../core/db.js';
import { ForbiddenError, IrisError } from '../core/errors.js';
import { newRequestId, PLATFORM, REQUEST_ID_PATTERN } from '../core/ids.js';
import { jobPath, selectQueueDepths, type JobQueue } from '../jobs/index.js';
import type { EnqueueFollowUp, KnowledgeService } from '../knowledge/index.js';
import type { HttpTelemetry, TenantTrafficCounters } from '../observability/index.js';
import type { BundleService, DecisionLog } from '../policy/index.js';
import type { Backups } from '../recovery/index.js';
import type { TenantArchiveService } from '../recovery/index.js';
import type { Directory, KeyService, TenantService } from '../tenants/index.js';
import type { Clock } from '../core/clock.js';
import { registerAuditRoutes } from './audit-routes.js';
import { registerBackupRoutes } from './backup-routes.js';
import { registerConsoleRoutes } from './console-routes.js';
import { cookieValue, csrfMatches, CSRF_HEADER, SESSION_COOKIE, type ConsoleSessions } from './console-session.js';
import type { Identity } from './identity.js';
import type { RequestGate } from './admission.js';
import { ajvPlugins } from './date-format.js';
import { assertSafeInput } from './input-guard.js';
import { jobRoutes } from './job-routes.js';
import { registerKeyRoutes } from './key-routes.js';
import { knowledgeRoutes, type KnowledgeRoutesDeps } from './knowledge-routes.js';
import { registerPolicyRoutes } from './policy-routes.js';
import { frameworkErrorHandler, notFoundHandler, problemErrorHandler } from './problem.js';
import { API_TAGS, ProblemSchema } from './schemas.js';
import { registerSystemRoutes } from './system-routes.js';
import { tenantArchiveRoutes } from './tenant-archive-routes.js';
import { registerTenantRoutes } from './tenant-routes.js';
import { registerTrafficRoutes } from './traffic-routes.js';
import { registerWhoamiRoutes } from './whoami-routes.js';
import { registerRolloutRoutes, type RolloutRouteDeps } from './rollout-routes.js';
import { registerPreflightRoutes, type PreflightRouteDeps } from './preflight-routes.js';
import type { OutcomeCounters, Placement } from '../rollout/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    ctx: RequestContext;
    /** Where the request's tenant is served (ring, release colour, configuration); rollout. */
    placement?: Placement | undefined;
  }
  interface FastifyContextConfig {
    /** Routes that need no API key (health, docs, the ledger's public key). Deny by default. */
    public?: boolean;
    /** Routes a scraper may read with the scrape token (/metrics) as well as with an API key. */
    scrape?: boolean;
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
  /** True once the process is shutting down: health checks fail while requests are still served. */
  readonly draining?: () => boolean;
  /** Admission and policy after identity (identity -> admission -> policy); none: identity only. */
  readonly gate?: RequestGate;
  /** Decides the services' checks on a request no gate bound (the app's decision point); undefined: the role table. */
  readonly decide?: DecideFn;
  /** The executor's queue (job routes; documents submitted for ingest). */
  readonly jobs: JobQueue;
  readonly knowledge: {
    readonly service: KnowledgeService;
    /** Queues the system's follow-up jobs (the graph build a delete from a large component needs). */
    readonly followUp: EnqueueFollowUp;
    readonly maxDocumentBytes: number;
    readonly onAnswered?: KnowledgeRoutesDeps['onAnswered'];
  };
  /** Backups of the whole store (platform admins); undefined: no backup routes. */
  readonly backups?: Backups;
  /** Per-tenant request counters across replicas (the console's overview); undefined: not counted. */
  readonly traffic?: TenantTrafficCounters;
  /** Console sessions (cookies exchanged for an API key); undefined: no console, bearer keys only. */
  readonly console?: {
    readonly sessions: ConsoleSessions;
    readonly directory: Directory;
    readonly clock: Clock;
    /** Where the built console is (tests); default dist/console. */
    readonly root?: string;
  };
  readonly policy: {
    readonly bundles: BundleService;
    readonly decisions: DecisionLog;
    readonly maxBundleBytes: number;
  };
  /** Release preflight gates and silence reviews; undefined: not served. */
  readonly preflight?: PreflightRouteDeps;
  /** Rainbow releases: routes, per-request colour placement and per-colour outcome counters. */
  readonly rollout?: RolloutRouteDeps & {
    readonly outcomes: OutcomeCounters;
    /**
     * Faults injected into one colour's requests (tests and benchmarks of automatic rollback
     * only; never configurable): a delay, then a 500 with the given probability.
     */
    readonly faults?: (colour: string) => { readonly errorRatio: number; readonly delayMs: number } | undefined;
  };
  /** Tenant export and import (recovery); undefined: not served. */
  readonly tenantArchives?: {
    readonly service: TenantArchiveService;
    /** Largest archive an import accepts (compressed bytes). */
    readonly maxArchiveBytes: number;
  };
}

export interface ServerOptions {
  readonly bodyLimitBytes: number;
  /** Bearer token that may read scrape routes (/metrics) without an API key; undefined: API keys only. */
  readonly scrapeToken?: string | undefined;
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
    logController: new LogController({
      requestIdLogLabel: 'request_id',
      disableRequestLogging: deps.telemetry !== undefined,
    }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : newRequestId();
    },
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true, allErrors: false },
      plugins: ajvPlugins,
    },
    return503OnClosing: true,
    frameworkErrors: (err, req, reply) => void frameworkErrorHandler(err, req, reply),
  });

  // JSON merge patch bodies are JSON.
  app.addContentTypeParser(
    'application/merge-patch+json',
    { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'),
  );
  app.setErrorHandler(problemErrorHandler);
  app.setNotFoundHandler(notFoundHandler);
  app.addSchema(ProblemSchema);
  await deps.telemetry?.install(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Iris control plane API',
        version: opts.version,
        description:
          'Tenants, API keys, the tamper-evident audit ledger, policy bundles and decisions, async jobs and GraphRAG knowledge. Errors are RFC 9457 problem+json.',
      },
      tags: API_TAGS.map((t) => ({ ...t })),
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An Iris API key: iris_<keyId>_<secret>' },
        },
      },
    },
  });
  // NOTE: the docs UI is public as a whole: its routes are marked where they are registered
  // (inside this plugin's own scope), so the request hook below still decides by route.
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => {
      route.config = { ...(route.config ?? {}), public: true };
    });
    await docs.register(swaggerUi, { routePrefix: '/docs' });
  });
  const consoleDeps = deps.console;
  if (consoleDeps) await registerConsoleRoutes(app, { identity: deps.identity, ...consoleDeps });

  const scrape = scrapeTokenCheck(opts.scrapeToken);
  // Deny by default: whether a request needs a principal is decided by the route the router
  // matched (its own config), never by the request target, which the router normalises
  // (percent-encoding, absolute form) in ways a prefix test does not.
  const draining = deps.draining ?? ((): boolean => false);
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    // NOTE: while draining, every answer closes its connection, so a load balancer holds no
    // kept-alive connection here when the listener closes (one reused at that instant gets no
    // answer, and a request that is not replayable cannot be sent again).
    if (draining()) reply.header('connection', 'close');
    // No route: answer 404 here, before any body is read, for callers with or without a key.
    if (req.is404) return notFoundHandler(req, reply);
    const config = req.routeOptions.config;
    if (config.public === true) return;
    if (config.scrape === true && scrape(req.headers.authorization)) return;
    const facts = { sourceIp: req.ip, agentRun: req.headers['x-iris-agent-run'] };
    const { authorization } = req.headers;
    // A bearer key wins; without one, a console session cookie is the credential.
    const session =
      authorization === undefined && consoleDeps ? cookieValue(req.headers.cookie, SESSION_COOKIE) : undefined;
    let principal;
    if (session === undefined) principal = deps.identity.authenticate(authorization, facts);
    else {
      principal = deps.identity.authenticateSession(session, facts);
      if (!SAFE_METHODS.has(req.method)) assertSameOriginCall(req, session, consoleDeps?.sessions);
    }
    req.ctx = {
      principal,
      requestId: req.id,
      traceId: req.telemetry?.traceId,
      sourceIp: req.ip,
      trace: req.telemetry?.span,
    };
    deps.telemetry?.bindTenant(req, principal.tenantId, principal.keyId, principal.agent);
    if (deps.gate) await deps.gate.check(req, reply);
    else {
      if (deps.decide) bindDecisions(principal, deps.decide);
      // NOTE: without a gate (identity only: tests, benchmarks) a scrape route still needs a platform key.
      if (config.scrape === true && principal.role !== 'platform-admin')
        throw new ForbiddenError('Reading metrics needs the scrape token or a platform-admin key.');
    }
  });

  const { rollout } = deps;
  if (rollout) {
    // The tenant a request is about: the path's, else the caller's own (platform keys have none).
    app.addHook('onRequest', async (req, reply) => {
      // NOTE: with no live release and the built-in control configuration, every tenant is served alike.
      if (!rollout.routingActive()) return;
      const principal = (req.ctx as RequestContext | undefined)?.principal;
      if (principal === undefined) return;
      const fromPath = (req.params as { tenantId?: unknown } | undefined)?.tenantId;
      const tenantId =
        typeof fromPath === 'string' ? fromPath : principal.tenantId !== PLATFORM ? principal.tenantId : undefined;
      if (tenantId === undefined) return;
      req.placement = rollout.placementOf(tenantId);
      // NOTE: which colour served the request, for the caller and for HAProxy's logs.
      if (req.placement !== undefined) reply.header('x-iris-colour', req.placement.colour);
    });
    const { faults, outcomes } = rollout;
    if (faults)
      app.addHook('preHandler', async (req) => {
        const f = req.placement === undefined ? undefined : faults(req.placement.colour);
        if (f === undefined) return;
        if (f.delayMs > 0) await new Promise((r) => setTimeout(r, f.delayMs));
        if (Math.random() < f.errorRatio) throw new IrisError('injected_fault', 500, 'Injected fault (test).');
      });
    // Requests of a tenant whose ring holds a release count for the colour that served them.
    app.addHook('onResponse', async (req, reply) => {
      const p = req.placement;
      if (p?.releaseId != null)
        outcomes.record(
          { releaseId: p.releaseId, ring: p.ring, colour: p.colour },
          reply.statusCode,
          reply.elapsedTime,
        );
    });
  }

  const { traffic } = deps;
  if (traffic) {
    // Every answered request of a known caller counts for the caller's tenant, on every replica.
    app.addHook('onResponse', async (req, reply) => {
      const principal = (req.ctx as RequestContext | undefined)?.principal;
      if (principal !== undefined) traffic.record(principal.tenantId, reply.statusCode, reply.elapsedTime);
    });
  }

  // Every route: values no JSON schema rules out but PostgreSQL cannot hold answer 400.
  app.addHook('preHandler', async (req) => {
    assertSafeInput({ params: req.params, querystring: req.query, body: req.body });
  });

  // Every route names its resource group; a route without a known tag is a programming error.
  const tags = new Set<string>(API_TAGS.map((t) => t.name));
  app.addHook('onRoute', (route) => {
    const named = route.schema?.tags ?? [];
    if (named.length === 0 || !named.every((t) => tags.has(t)))
      throw new Error(
        `Route ${String(route.method)} ${route.url} needs one of the API tags (${[...tags].join(', ')}).`,
      );
  });

  app.get('/openapi.json', { schema: { hide: true, tags: ['system'] }, config: { public: true } }, async () =>
    app.swagger(),
  );
  registerSystemRoutes(app, {
    db: deps.db,
    pending: deps.pendingMigrations,
    registry: deps.registry,
    draining,
  });
  registerTenantRoutes(app, deps.tenants);
  if (deps.tenantArchives)
    await app.register(
      tenantArchiveRoutes({
        archives: deps.tenantArchives.service,
        maxArchiveBytes: deps.tenantArchives.maxArchiveBytes,
      }),
    );
  registerKeyRoutes(app, deps.keys);
  registerWhoamiRoutes(app);
  if (traffic)
    registerTrafficRoutes(app, {
      traffic,
      queueDepths: () => deps.db.transaction(platformScope, selectQueueDepths, { readOnly: true }),
    });
  registerAuditRoutes(app, { db: deps.db, reader: deps.auditReader, ledger: deps.ledger });
  if (deps.backups) registerBackupRoutes(app, { backups: deps.backups, db: deps.db, ledger: deps.ledger });
  if (rollout) registerRolloutRoutes(app, rollout);
  if (deps.preflight) registerPreflightRoutes(app, deps.preflight);
  registerPolicyRoutes(app, deps.policy);
  const { jobs } = deps;
  const traceContext = (req: FastifyRequest) => deps.telemetry?.traceContext(req) ?? {};
  await app.register(
    jobRoutes({
      queue: jobs,
      authorize: (req, action, tenantId) => authorizeAction(req.ctx.principal, action, tenantId, 'Job'),
      // The request span's own context: the job's span links to it.
      requestContext: (req) => ({
        requestId: req.id,
        actor: `key:${req.ctx.principal.keyId}`,
        trace: req.ctx.trace,
        ...traceContext(req),
      }),
    }),
  );
  await app.register(
    knowledgeRoutes({
      knowledge: deps.knowledge.service,
      followUp: deps.knowledge.followUp,
      maxDocumentBytes: deps.knowledge.maxDocumentBytes,
      ...(deps.knowledge.onAnswered === undefined ? {} : { onAnswered: deps.knowledge.onAnswered }),
      authorize: (req, action, tenantId) => authorizeAction(req.ctx.principal, action, tenantId, 'Knowledge'),
      context: (req) => req.ctx,
      async enqueue(req, tenantId, job) {
        const { job: queued } = await jobs.enqueue(
          tenantId,
          { kind: job.kind, payload: job.payload },
          { actor: `key:${req.ctx.principal.keyId}`, requestId: req.id, trace: req.ctx.trace, ...traceContext(req) },
        );
        return { jobId: queued.jobId, location: jobPath(tenantId, queued.jobId) };
      },
    }),
  );
  return app;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A mutation made with a session cookie must come from the console's own pages: the CSRF token
 * (which only a same-origin page can read) and, where the browser says, a same-origin fetch.
 * @throws ForbiddenError otherwise
 */
function assertSameOriginCall(req: FastifyRequest, cookie: string, sessions: ConsoleSessions | undefined): void {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin')
    throw new ForbiddenError('A console session may only be used from the console itself (cross-site request).');
  const claims = sessions?.read(cookie);
  if (!claims || !csrfMatches(req.headers[CSRF_HEADER], sessions!.csrfOf(claims)))
    throw new ForbiddenError(`A change made with a console session needs its CSRF token in ${CSRF_HEADER}.`);
}

/** Compares a presented Authorization header with the scrape token in constant time. */
function scrapeTokenCheck(token: string | undefined): (authorization: string | undefined) => boolean {
  if (token === undefined) return () => false;
  const expected = createHash('sha256').update(`Bearer ${token}`).digest();
  return (authorization) =>
    authorization !== undefined && timingSafeEqual(createHash('sha256').update(authorization).digest(), expected);
}
