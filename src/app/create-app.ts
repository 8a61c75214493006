// The composition root: wires every context from the compiled configuration. One place
// decides what talks to what; no module-level singletons hold connections.
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { loadSigner, makeAuditReader, makeLedger, makeLedgerWitness, type AuditReader, type Ledger, type LedgerWitness } from '../audit/index.js';
import { systemClock, type Clock } from '../core/clock.js';
import { ConfigError, type IrisConfig } from '../core/config.js';
import { setDefaultDecisions, type RequestContext } from '../core/context.js';
import { platformScope, type Database } from '../core/db.js';
import { newRequestId, PLATFORM } from '../core/ids.js';
import { buildServer, makeAdmission, makeIdentity, makeMemoryLimiter, makeRedisLimiter, makeRequestGate, registerPolicyRoutes, type Identity } from '../gateway/index.js';
import { makeBundleService, makeDecisionLog, makePolicyRuntime, type BundleService, type DecisionLog, type PolicyRuntime } from '../policy/index.js';
import { irisLoggerOptions, makeTelemetry, type Telemetry } from '../observability/index.js';
import { authorizeAction } from '../core/context.js';
import { jobPath, jobRoutes, makeJobKindRegistry, NonRetryableJobError, makeJobQueue, makeWorker, registerBuiltinKinds, selectQueueDepths, type JobKindRegistry, type JobQueue, type JobStateChangeHook, type Worker } from '../jobs/index.js';
import { ingestJobChanged, knowledgeJobKinds, knowledgeRoutes, makeExtractionPool, makeKnowledgeService, makeLlmGateway, parseBudget, parseLlmProviders, type KnowledgeService, type LlmGateway } from '../knowledge/index.js';
import { makeRetention, type Retention } from './retention.js';
import { migrate, openDatabase, pendingMigrations, type MigrationResult } from '../store/index.js';
import { bootstrapKey, insertKeyRow, makeDirectory, makeKeyService, makeTenantService, touchKeys, type Change, type Directory, type KeyService, type TenantService } from '../tenants/index.js';

const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };
export const VERSION = pkg.version;

/** NOTIFY channel on which a replica that warmed a tenant's answer cache tells the others. */
const WARM_CHANNEL = 'iris_knowledge_warm';

function parseWarmNotice(payload: string): { tenantId: string; graphVersion: number; origin: string } | undefined {
  try {
    const n = JSON.parse(payload) as Record<string, unknown>;
    if (typeof n.tenantId === 'string' && typeof n.graphVersion === 'number' && typeof n.origin === 'string') return { tenantId: n.tenantId, graphVersion: n.graphVersion, origin: n.origin };
  } catch {
    // not ours
  }
  return undefined;
}

export interface AppDeps {
  readonly clock?: Clock;
  /** An already open database (tests); otherwise the configured one is opened. */
  readonly db?: Database;
  readonly logger?: FastifyServerOptions['logger'];
  /** Extra telemetry wiring (tests: an in-memory span exporter). */
  readonly spanProcessors?: Parameters<typeof makeTelemetry>[1]['spanProcessors'];
  /** 'off' leaves admission and policy out of the request path (benchmarks only; not configurable). */
  readonly gate?: 'on' | 'off';
  /** False for a process that serves no queries (`iris worker`): it does not warm its answer cache when a peer did. */
  readonly servesQueries?: boolean;
}

export interface App {
  readonly config: IrisConfig;
  readonly db: Database;
  readonly server: FastifyInstance;
  readonly directory: Directory;
  readonly tenants: TenantService;
  readonly keys: KeyService;
  readonly ledger: Ledger;
  readonly auditReader: AuditReader;
  /** Witnesses grown tenant logs in the platform log (every IRIS_LEDGER_WITNESS_SECONDS; tests call run()). */
  readonly ledgerWitness: LedgerWitness;
  readonly identity: Identity;
  /** Cedar decisions and policy bundles of this replica. */
  readonly policy: PolicyRuntime;
  readonly bundles: BundleService;
  readonly decisions: DecisionLog;
  /** Ages out old decision-log and query-log rows (hourly in the background; tests call run()). */
  readonly retention: Retention;
  readonly telemetry: Telemetry;
  /** The async work executor: job kinds and the tenant-fair queue. */
  readonly jobKinds: JobKindRegistry;
  readonly jobs: JobQueue;
  /** GraphRAG: documents, the knowledge graph, answers. */
  readonly knowledge: KnowledgeService;
  /** The LLM providers (none configured: `configured` is false). */
  readonly llm: LlmGateway;
  /** Starts a worker on this app's database (iris up, iris worker). */
  startWorker(opts?: { concurrency?: number }): Promise<Worker>;
  readonly migration: MigrationResult | undefined;
  readonly signingKeyGenerated: boolean;
  /** A context for Iris's own control loops (seeding, purges): the platform itself. */
  systemContext(): RequestContext;
  /** Listens on config.host:port; resolves to the address. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export class MigrationFailedError extends Error {}

/** The configured LLM providers; a bad provider file is a configuration error (one line at start). */
function llmProvidersOf(config: IrisConfig): ReturnType<typeof parseLlmProviders> {
  if (config.llmProviders === undefined) return [];
  try {
    return parseLlmProviders(config.llmProviders.text, config.llmProviders.source, { knownRegions: config.knownRegions });
  } catch (err) {
    throw new ConfigError(err instanceof Error ? err.message : String(err));
  }
}

/** Builds Iris from configuration: store, migrations, contexts, the HTTP server. */
export async function createApp(config: IrisConfig, deps: AppDeps = {}): Promise<App> {
  const clock = deps.clock ?? systemClock;
  let directoryRef: Directory | undefined;
  const telemetry = makeTelemetry(config, { version: VERSION, placement: (id) => directoryRef?.tenant(id), spanProcessors: deps.spanProcessors ?? [] });
  const rawDb = deps.db ?? (await openDatabase(config));
  const db = telemetry.instrumentDatabase(rawDb);
  const ownsDb = deps.db === undefined;
  try {
    let migration: MigrationResult | undefined;
    if (config.applyMigrationsOnStart) {
      migration = await migrate(db);
      if (migration.error) throw new MigrationFailedError(`Migration ${migration.error.migration} failed: ${migration.error.message}`);
    }
    const { signer, generated } = loadSigner({ pem: config.ledgerSigningKeyPem, dataDir: config.dataDir, name: config.ledgerOrigin });
    const ledger = makeLedger({ signer, clock });
    const auditReader = telemetry.instrumentLedgerVerify(makeAuditReader(ledger));
    const directory = makeDirectory({ db });
    directoryRef = directory;
    // A change is served by this replica as soon as it commits; the others follow through NOTIFY.
    const applyLocally = (change: Change): Promise<void> => directory.apply(change);
    const tenants = makeTenantService({ db, ledger, clock, region: config.region, knownRegions: config.knownRegions, deleteGraceSeconds: config.tenantDeleteGraceSeconds, applyLocally });
    const keys = makeKeyService({ db, ledger, clock, applyLocally });
    const identity = makeIdentity({ directory, clock });
    const policy = await makePolicyRuntime({
      region: config.region,
      dataDir: config.dataDir,
      signingKeyPem: config.policySigningKeyPem,
      trustedKeysFile: config.policyTrustedKeysFile,
      cacheSize: config.policyCacheSize,
      maxBundleBytes: config.policyMaxBundleBytes,
      tenantFacts: (id) => {
        const t = directory.tenant(id);
        return t ? { region: t.homeRegion, tier: t.tier } : undefined;
      },
      clock,
    });
    setDefaultDecisions(policy.internalDecide);
    const memoryLimiter = makeMemoryLimiter(clock);
    const limiter = config.redisUrl === undefined ? memoryLimiter : makeRedisLimiter({ url: config.redisUrl, prefix: config.redisKeyPrefix, fallback: memoryLimiter });
    const admission = config.rateLimitsEnabled
      ? makeAdmission({ limiter, quotas: (id) => directory.tenant(id)?.quotas, routeShare: config.rateRouteShare, serviceRps: config.rateServiceRps, serviceBurst: config.rateServiceBurst, clock, onRejected: (tenantId, limit) => telemetry.signals.rateLimited(tenantId, limit) })
      : undefined;
    const registry = telemetry.registry;
    const decisionLog = makeDecisionLog({
      db,
      clock,
      sampleRate: config.policyDecisionSampleRate,
      observe: ({ decision }) => {
        telemetry.signals.policyDecision(decision.inputs.principalTenant, decision.errors.length > 0 ? 'error' : decision.allowed ? 'allow' : 'deny');
        telemetry.signals.cacheLookup(decision.inputs.principalTenant, 'policy', decision.cached);
      },
    });
    const bundles = makeBundleService({ db, ledger, clock, pdp: policy.pdp, trust: policy.trust, maxBytes: config.policyMaxBundleBytes, builtin: policy.builtin });
    const gate = makeRequestGate({ pdp: policy.pdp, admission, upstreamRegions: config.upstreamRegions, onDecision: (d) => decisionLog.record(d), policySpan: telemetry.http.policySpan });

    // The executor: state changes of jobs started by users are audited in the same transaction.
    const jobKinds = registerBuiltinKinds(makeJobKindRegistry());
    const onJobStateChange: JobStateChangeHook = async (tx, job, from, to, change) => {
      if (to === 'succeeded' || to === 'failed' || to === 'poisoned' || to === 'cancelled') telemetry.signals.jobFinished(job.tenantId, to);
      // A document follows its ingest job when the job is cancelled, gives up or is retried.
      await ingestJobChanged(tx, job, from, to);
      if (job.createdBy === null || !job.createdBy.startsWith('key:')) return;
      const keyId = change.actor.startsWith('key:') ? change.actor.slice(4) : change.actor;
      const key = directory.key(keyId);
      const ctx: RequestContext = {
        principal: { keyId, role: key?.role ?? 'platform-admin', tenantId: key?.tenantId ?? PLATFORM },
        requestId: change.requestId ?? newRequestId(),
        traceId: job.traceContext?.traceparent?.split('-')[1],
        sourceIp: undefined,
      };
      await ledger.append(tx, ctx, { log: job.tenantId, action: `job.${change.reason}`, resource: { kind: 'Job', id: job.jobId }, before: from === null ? null : { state: from }, after: { state: to } });
    };
    const workers: Worker[] = [];
    telemetry.signals.setQueueSource(() => db.transaction(platformScope, selectQueueDepths, { readOnly: true }));
    const jobs = makeJobQueue({ db, registry: jobKinds, onStateChange: onJobStateChange, maxQueuedOf: (id) => directory.tenant(id)?.quotas.queuedJobs });
    const jobRouteDeps = jobRoutes({
      queue: jobs,
      authorize: (req, action, tenantId) => authorizeAction(req.ctx.principal, action, tenantId, 'Job'),
      requestContext: (req) => ({
        requestId: req.id,
        actor: `key:${req.ctx.principal.keyId}`,
        trace: req.ctx.trace,
        // The request span's own context: the job's span links to it.
        ...telemetry.http.traceContext(req),
      }),
    });

    // GraphRAG: documents are kept and ingested by jobs; answers are policy-checked, cached and filtered.
    const llm = makeLlmGateway({
      providers: llmProvidersOf(config),
      observe: {
        call: (c) => telemetry.signals.llmCall({ provider: c.provider, outcome: c.outcome === 'malformed' ? 'error' : c.outcome === 'breaker_open' ? 'rejected' : c.outcome, seconds: c.seconds, promptTokens: c.promptTokens, completionTokens: c.completionTokens, span: c.span }),
        breaker: (provider, open) => telemetry.signals.llmBreaker(provider, open),
        span: telemetry.llmSpan,
      },
    });
    const extraction = makeExtractionPool({ threads: config.extractThreads, budget: parseBudget({ timeMs: config.extractTimeoutMs, memoryMb: config.extractMemoryMb }) });
    const systemPrincipal = { keyId: 'system', role: 'platform-admin', tenantId: PLATFORM } as const;
    // Answer caches are per replica: the replica that ran a warm-up tells the others, which
    // warm their own (the notice carries the graph version; a stale one is skipped).
    const replicaId = randomUUID();
    const knowledge = makeKnowledgeService({
      db,
      onWarmed: async (tenantId, graphVersion) => {
        await db.transaction(platformScope, (tx) => tx.query('select pg_notify($1, $2)', [WARM_CHANNEL, JSON.stringify({ tenantId, graphVersion, origin: replicaId })]));
      },
      audit: async (tx, ctx, r) => {
        await ledger.append(tx, ctx, { log: r.tenantId, action: r.action, resource: r.resource, before: r.before, after: r.after });
      },
      tenant: (id) => {
        const t = directory.tenant(id);
        if (t === undefined) return undefined;
        return {
          tier: t.tier,
          redactPii: t.labels['pii-redaction'] !== 'off',
          quotas: t.quotas,
          // A provider may receive the tenant's data only where residency (policy) allows it.
          regionAllowed: (region) => policy.pdp.decide({ principal: systemPrincipal, action: 'knowledge.query', resourceTenant: id, resourceKind: 'Knowledge', upstreamRegions: [region], route: 'internal' }).allowed,
        };
      },
      llm,
      release: `${VERSION}/${config.releaseColor}`,
      onCacheLookup: (t, hit) => telemetry.signals.cacheLookup(t, 'answer', hit),
      signal: (e) => {
        if (e.kind === 'blocked') telemetry.signals.graphragSafety(e.tenantId, e.kind, e.reason);
        else if (e.kind === 'withheld') telemetry.signals.graphragSafety(e.tenantId, e.kind, 'prompt_injection', e.passages);
        else if (e.kind === 'llm_fallback') telemetry.signals.graphragSafety(e.tenantId, e.kind, e.reason);
        else for (const [pii, n] of Object.entries(e.counts)) telemetry.signals.graphragSafety(e.tenantId, e.kind, pii, n);
      },
      maxDocumentBytes: config.maxDocumentBytes,
      extraction,
    });
    const followUp = async (tenantId: string, job: { kind: string; payload: Record<string, unknown>; delayMs?: number; dedupKey?: string }): Promise<void> => {
      const runAt = job.delayMs === undefined ? undefined : new Date(clock.now().getTime() + job.delayMs);
      // A full queue skips the follow-up: answers are then computed on first ask, and coarse
      // communities wait for the next build.
      await jobs.enqueue(tenantId, { kind: job.kind, payload: job.payload, runAt, dedupKey: job.dedupKey }, { actor: 'system', requestId: newRequestId() }).catch(() => undefined);
    };
    for (const k of knowledgeJobKinds(knowledge, followUp)) {
      jobKinds.register({
        kind: k.kind,
        description: k.description,
        payload: k.payload,
        timeoutMs: k.timeoutMs,
        maxAttempts: k.maxAttempts,
        async handler(payload, ctx) {
          try {
            return await k.handler(payload as never, ctx);
          } catch (err) {
            if (k.nonRetryable?.(err)) throw new NonRetryableJobError(err instanceof Error ? err.message : String(err), { cause: err });
            throw err;
          }
        },
      });
    }
    const knowledgeRouteDeps = knowledgeRoutes({
      knowledge,
      followUp,
      maxDocumentBytes: config.maxDocumentBytes,
      authorize: (req, action, tenantId) => authorizeAction(req.ctx.principal, action, tenantId, 'Knowledge'),
      context: (req) => req.ctx,
      async enqueue(req, tenantId, job) {
        const { job: queued } = await jobs.enqueue(tenantId, { kind: job.kind, payload: job.payload }, {
          actor: `key:${req.ctx.principal.keyId}`,
          requestId: req.id,
          trace: req.ctx.trace,
          ...telemetry.http.traceContext(req),
        });
        return { jobId: queued.jobId, location: jobPath(tenantId, queued.jobId) };
      },
    });

    const systemContext = (): RequestContext => ({
      principal: { keyId: 'system', role: 'platform-admin', tenantId: PLATFORM },
      requestId: newRequestId(),
      traceId: undefined,
      sourceIp: undefined,
    });

    if (config.bootstrapToken !== undefined) {
      const k = bootstrapKey(config.bootstrapToken);
      await db.transaction(platformScope, async (tx) => {
        const created = await insertKeyRow(tx, { tenantId: PLATFORM, keyId: k.keyId, name: 'bootstrap', role: 'platform-admin', secretHash: k.secretHash, createdBy: 'system', expiresAt: null });
        if (created) await ledger.append(tx, systemContext(), { log: PLATFORM, action: 'key.create', resource: { kind: 'ApiKey', id: k.keyId }, before: null, after: created });
      });
    }
    await directory.start();
    const unlistenWarm =
      deps.servesQueries === false
        ? async () => undefined
        : await db.listen(WARM_CHANNEL, (payload) => {
            const notice = parseWarmNotice(payload);
            if (notice === undefined || notice.origin === replicaId) return;
            void knowledge.warm(notice.tenantId, { graphVersion: notice.graphVersion, fromPeer: true }).catch(() => undefined);
          });
    await bundles.start();

    const server = await buildServer(
      { db, identity, tenants, keys, ledger, auditReader, registry, telemetry: telemetry.http, gate: deps.gate === 'off' ? undefined : gate, pendingMigrations: () => pendingMigrations(db), extraRoutes: [(a) => void a.register(jobRouteDeps), (a) => void a.register(knowledgeRouteDeps), (a) => registerPolicyRoutes(a, { bundles, decisions: decisionLog, maxBundleBytes: config.policyMaxBundleBytes })] },
      { bodyLimitBytes: config.bodyLimitBytes, scrapeToken: config.metricsToken, logger: irisLoggerOptions(deps.logger ?? false), version: VERSION },
    );

    const retention = makeRetention(
      { db, ledger, clock, context: systemContext, onPruned: (table, rows) => telemetry.signals.retentionPruned(table, rows) },
      { decisionDays: config.policyDecisionRetentionDays, queryLogDays: config.queryLogRetentionDays },
    );
    const retainLogged = (): void => {
      void retention.run().then(
        (r) => {
          if (r.policyDecisions + r.queryLog > 0) server.log.info({ policy_decisions: r.policyDecisions, kg_query_log: r.queryLog }, 'retention pruned old rows');
        },
        (err: unknown) => server.log.warn({ err }, 'retention run failed'),
      );
    };

    // The platform log witnesses the tenant logs that grew. A run that fails (the database
    // away) is logged and the next tick tries again; a run still going skips the tick.
    const ledgerWitness = makeLedgerWitness({ db, ledger, context: systemContext });
    let witnessing: Promise<void> | undefined;
    const witnessLogged = (): void => {
      if (witnessing !== undefined) return;
      witnessing = ledgerWitness
        .run()
        .then(
          () => undefined,
          (err: unknown) => server.log.warn({ err }, 'ledger witness run failed'),
        )
        .finally(() => {
          witnessing = undefined;
        });
    };

    // Control loops: last-used times of keys, purging tenants past their grace period,
    // retention (first a minute after start, then hourly) and the ledger witness.
    const flushUsage = async (): Promise<void> => {
      const used = identity.drainUsage();
      if (used.size > 0) await db.transaction(platformScope, (tx) => touchKeys(tx, used));
    };
    const loops = [
      setInterval(() => void flushUsage().catch(() => undefined), 15_000),
      setInterval(() => void tenants.purgeExpired(systemContext()).catch(() => undefined), 60_000),
      setInterval(() => void knowledge.flushQuestions().catch(() => undefined), 5_000),
      setTimeout(retainLogged, 60_000),
      setInterval(retainLogged, 3600_000),
      ...(config.ledgerWitnessSeconds > 0 ? [setInterval(witnessLogged, config.ledgerWitnessSeconds * 1000)] : []),
    ];
    for (const l of loops) l.unref();

    return {
      config,
      db,
      server,
      directory,
      tenants,
      keys,
      ledger,
      auditReader,
      ledgerWitness,
      identity,
      policy,
      bundles,
      decisions: decisionLog,
      retention,
      telemetry,
      jobKinds,
      jobs,
      knowledge,
      llm,
      async startWorker(opts = {}) {
        const worker = makeWorker({ db, registry: jobKinds, onStateChange: onJobStateChange, tracer: telemetry.jobs, logger: server.log }, { concurrency: opts.concurrency ?? 4 });
        await worker.start();
        workers.push(worker);
        return worker;
      },
      migration,
      signingKeyGenerated: generated,
      systemContext,
      async listen() {
        return server.listen({ host: config.host, port: config.port });
      },
      async close() {
        for (const l of loops) clearInterval(l);
        await witnessing;
        await server.close();
        await flushUsage().catch(() => undefined);
        await knowledge.flushQuestions().catch(() => undefined);
        await directory.stop();
        await unlistenWarm().catch(() => undefined);
        await limiter.close();
        await bundles.stop();
        await Promise.all(workers.map((w) => w.stop()));
        llm.close?.();
        await extraction.close();
        await decisionLog.stop();
        if (ownsDb) await db.close();
        await telemetry.shutdown();
      },
    };
  } catch (err) {
    if (ownsDb) await db.close().catch(() => undefined);
    await telemetry.shutdown().catch(() => undefined);
    throw err;
  }
}
