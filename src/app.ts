// The composition root: wires every context from the compiled configuration. One place
// decides what talks to what; no module-level singletons hold connections.
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { loadSigner, makeAuditReader, makeLedger, type AuditReader, type Ledger } from './audit/index.js';
import { systemClock, type Clock } from './core/clock.js';
import type { IrisConfig } from './core/config.js';
import { setDefaultDecisions, type RequestContext } from './core/context.js';
import { platformScope, type Database } from './core/db.js';
import { newRequestId, PLATFORM } from './core/ids.js';
import { buildServer, makeIdentity, type Identity } from './gateway/index.js';
import { makeRequestGate } from './gateway/admission.js';
import { makeAdmission } from './gateway/admission-control.js';
import { makeMemoryLimiter, makeRedisLimiter } from './gateway/admission-limiter.js';
import { registerPolicyRoutes } from './gateway/policy-routes.js';
import { makeBundleService, makeDecisionLog, makePolicyRuntime, type BundleService, type DecisionLog, type PolicyRuntime } from './policy/index.js';
import { irisLoggerOptions, makeTelemetry, type Telemetry } from './observability/index.js';
import { authorizeAction } from './core/context.js';
import { jobRoutes, makeJobKindRegistry, makeJobQueue, makeWorker, registerBuiltinKinds, selectQueueDepths, type JobKindRegistry, type JobQueue, type JobStateChangeHook, type Worker } from './jobs/index.js';
import { migrate, openDatabase, pendingMigrations, type MigrationResult } from './store/index.js';
import { bootstrapKey, insertKeyRow, makeDirectory, makeKeyService, makeTenantService, touchKeys, type Directory, type KeyService, type TenantService } from './tenants/index.js';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
export const VERSION = pkg.version;

export interface AppDeps {
  readonly clock?: Clock;
  /** An already open database (tests); otherwise the configured one is opened. */
  readonly db?: Database;
  readonly logger?: FastifyServerOptions['logger'];
  /** Extra telemetry wiring (tests: an in-memory span exporter). */
  readonly spanProcessors?: Parameters<typeof makeTelemetry>[1]['spanProcessors'];
  /** 'off' leaves admission and policy out of the request path (benchmarks only; not configurable). */
  readonly gate?: 'on' | 'off';
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
  readonly identity: Identity;
  /** Cedar decisions and policy bundles of this replica. */
  readonly policy: PolicyRuntime;
  readonly bundles: BundleService;
  readonly decisions: DecisionLog;
  readonly telemetry: Telemetry;
  /** The async work executor: job kinds and the tenant-fair queue. */
  readonly jobKinds: JobKindRegistry;
  readonly jobs: JobQueue;
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
    const tenants = makeTenantService({ db, ledger, clock, region: config.region, knownRegions: config.knownRegions, deleteGraceSeconds: config.tenantDeleteGraceSeconds });
    const keys = makeKeyService({ db, ledger, clock });
    const directory = makeDirectory({ db });
    directoryRef = directory;
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
    const gate = makeRequestGate({ pdp: policy.pdp, admission, upstreamRegions: config.upstreamRegions, onDecision: (d) => decisionLog.record(d) });

    // The executor: state changes of jobs started by users are audited in the same transaction.
    const jobKinds = registerBuiltinKinds(makeJobKindRegistry());
    const onJobStateChange: JobStateChangeHook = async (tx, job, from, to, change) => {
      if (to === 'succeeded' || to === 'failed' || to === 'poisoned' || to === 'cancelled') telemetry.signals.jobFinished(job.tenantId, to);
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
    telemetry.signals.setQueueSource(() => db.transaction(platformScope, selectQueueDepths));
    const jobs = makeJobQueue({ db, registry: jobKinds, onStateChange: onJobStateChange, maxQueuedOf: (id) => directory.tenant(id)?.quotas.queuedJobs });
    const jobRouteDeps = jobRoutes({
      queue: jobs,
      authorize: (req, action, tenantId) => authorizeAction(req.ctx.principal, action, tenantId, 'Job'),
      requestContext: (req) => ({
        requestId: req.id,
        actor: `key:${req.ctx.principal.keyId}`,
        ...(req.ctx.traceId ? { traceparent: `00-${req.ctx.traceId}-${randomBytes(8).toString('hex')}-01` } : {}),
      }),
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
    await bundles.start();

    const server = await buildServer(
      { db, identity, tenants, keys, ledger, auditReader, registry, telemetry: telemetry.http, gate: deps.gate === 'off' ? undefined : gate, pendingMigrations: () => pendingMigrations(db), extraRoutes: [(a) => void a.register(jobRouteDeps), (a) => registerPolicyRoutes(a, { bundles, decisions: decisionLog, maxBundleBytes: config.policyMaxBundleBytes })] },
      { bodyLimitBytes: config.bodyLimitBytes, logger: irisLoggerOptions(deps.logger ?? false), version: VERSION },
    );

    // Control loops: last-used times of keys, and purging tenants past their grace period.
    const flushUsage = async (): Promise<void> => {
      const used = identity.drainUsage();
      if (used.size > 0) await db.transaction(platformScope, (tx) => touchKeys(tx, used));
    };
    const loops = [
      setInterval(() => void flushUsage().catch(() => undefined), 15_000),
      setInterval(() => void tenants.purgeExpired(systemContext()).catch(() => undefined), 60_000),
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
      identity,
      policy,
      bundles,
      decisions: decisionLog,
      telemetry,
      jobKinds,
      jobs,
      async startWorker(opts = {}) {
        const worker = makeWorker({ db, registry: jobKinds, onStateChange: onJobStateChange }, { concurrency: opts.concurrency ?? 4 });
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
        await server.close();
        await flushUsage().catch(() => undefined);
        await directory.stop();
        await limiter.close();
        await bundles.stop();
        await Promise.all(workers.map((w) => w.stop()));
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
