// The composition root: opens the store, builds every context from the compiled
// configuration and returns the app. One place decides what talks to what; each wiring
// concern (warm-up notices, the job audit hook, the job-kind adapter, signal mapping, the
// bootstrap key, background timers) lives in its own file beside this one.
import type { FastifyBaseLogger, FastifyInstance, FastifyServerOptions } from 'fastify';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import {
  loadSigner,
  makeAuditReader,
  makeLedger,
  makeLedgerWitness,
  type AuditReader,
  type Ledger,
  type LedgerWitness,
} from '../audit/index.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { IrisConfig } from '../core/config.js';
import type { RequestContext } from '../core/context.js';
import { platformScope, type Database } from '../core/db.js';
import { newRequestId, PLATFORM } from '../core/ids.js';
import {
  buildServer,
  makeAdmission,
  makeConsoleSessions,
  makeIdentity,
  makeMemoryLimiter,
  makeRedisLimiter,
  makeRequestGate,
  sessionSecretOf,
  type Identity,
} from '../gateway/index.js';
import {
  makeBundleService,
  makeDecisionLog,
  makePolicyRuntime,
  type BundleService,
  type DecisionLog,
  type PolicyRuntime,
} from '../policy/index.js';
import {
  irisLoggerOptions,
  makeTelemetry,
  makeTenantTrafficCounters,
  type Telemetry,
  type TenantTrafficCounters,
} from '../observability/index.js';
import {
  makeJobKindRegistry,
  makeJobQueue,
  makeWorker,
  registerBuiltinKinds,
  selectQueueDepths,
  type JobKindRegistry,
  type JobQueue,
  type Worker,
} from '../jobs/index.js';
import {
  knowledgeJobKinds,
  EXTRACTION_VERSIONS,
  makeExtractionPool,
  makeKnowledgeService,
  makeLlmGateway,
  parseBudget,
  type KnowledgeService,
  type LlmGateway,
} from '../knowledge/index.js';
import {
  BACKUP_JOB_KIND,
  backupJobKind,
  makeBackups,
  startBackupSchedule,
  makeTenantArchiveService,
  MAX_ARCHIVE_UPLOAD_BYTES,
  type Backups,
  type TenantArchiveService,
} from '../recovery/index.js';
import {
  appliedSchemaVersion,
  latestMigrationVersion,
  makeStoreSnapshots,
  migrate,
  openDatabase,
  pendingMigrations,
  type MigrationResult,
} from '../store/index.js';
import {
  makeDirectory,
  makeKeyService,
  makeTenantService,
  type ApplyLocally,
  type Change,
  type Directory,
  type KeyService,
  type Tenant,
  type TenantService,
} from '../tenants/index.js';
import { insertBootstrapKey } from './bootstrap-key.js';
import { startControlLoops } from './control-loops.js';
import { makeJobAudit } from './job-audit.js';
import { makeFollowUp, registerKnowledgeKinds } from './knowledge-kinds.js';
import { llmProvidersOf, tenantKnowledgeSettings } from './knowledge-settings.js';
import { makeRetention, type Retention } from './retention.js';
import { makePreflightWiring } from './preflight-wiring.js';
import { makeRolloutPolicy, type RolloutPolicy } from './rollout-policy.js';
import { makeRolloutWiring, type RolloutWiring } from './rollout-wiring.js';
import { decisionSignals, knowledgeSignals, llmSignals } from './signals.js';
import { systemContext } from './system-context.js';
import { announceWarmUps, followPeerWarmUps } from './warm-notice.js';

const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };
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
  /** False for a process that serves no queries (`iris worker`): it does not warm its answer cache when a peer did. */
  readonly servesQueries?: boolean;
  /**
   * Faults injected into one release colour's requests: a delay, then a 500 with the given
   * probability (tests and benchmarks of automatic rollback only; not configurable).
   */
  readonly rolloutFaults?: (colour: string) => { readonly errorRatio: number; readonly delayMs: number } | undefined;
}

export interface App {
  readonly config: IrisConfig;
  readonly db: Database;
  readonly server: FastifyInstance;
  readonly directory: Directory;
  /** Per-tenant request counters this replica adds to the store (the console's overview). */
  readonly traffic: TenantTrafficCounters;
  /** Rainbow releases: rings, releases, routing by colour, outcome counters and the driver. */
  readonly rollout: RolloutWiring;
  /** Backups of the whole store: create, list, verify, restore, prune. */
  readonly backups: Backups;
  readonly tenants: TenantService;
  readonly keys: KeyService;
  /** One tenant at a time: signed export and import (recovery). */
  readonly tenantArchives: TenantArchiveService;
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
  /** Starts draining: /healthz and /readyz answer 503 while every request is still served. */
  drain(): void;
  close(): Promise<void>;
}

export class MigrationFailedError extends Error {}

/** Builds Iris from configuration: opens the store, builds the contexts, returns the app. */
export async function createApp(config: IrisConfig, deps: AppDeps = {}): Promise<App> {
  const clock = deps.clock ?? systemClock;
  let draining = false;
  let directoryRef: Directory | undefined;
  const telemetry = makeTelemetry(config, {
    version: VERSION,
    placement: (id) => directoryRef?.tenant(id),
    spanProcessors: deps.spanProcessors ?? [],
  });
  const rawDb = deps.db ?? (await openDatabase(config));
  const db = telemetry.instrumentDatabase(rawDb);
  const ownsDb = deps.db === undefined;
  try {
    let migration: MigrationResult | undefined;
    if (config.applyMigrationsOnStart) {
      migration = await migrate(db);
      if (migration.error)
        throw new MigrationFailedError(`Migration ${migration.error.migration} failed: ${migration.error.message}`);
    }
    const { signer, generated } = loadSigner({
      pem: config.ledgerSigningKeyPem,
      dataDir: config.dataDir,
      name: config.ledgerOrigin,
    });
    const ledger = makeLedger({ signer, clock });
    const auditReader = telemetry.instrumentLedgerVerify(makeAuditReader(ledger));
    const directory = makeDirectory({ db });
    directoryRef = directory;
    const policyFacts = (id: string): { region: string; tier: string } | undefined => {
      const t = directory.tenant(id);
      return t ? { region: t.homeRegion, tier: t.tier } : undefined;
    };
    // A change is served by this replica as soon as it commits; the others follow the change feed.
    const applyLocally: ApplyLocally = Object.assign(
      (change: Change, tenant?: Tenant) => directory.apply(change, tenant),
      { origin: directory.origin },
    );
    const policy = await makePolicyRuntime({
      region: config.region,
      dataDir: config.dataDir,
      signingKeyPem: config.policySigningKeyPem,
      trustedKeysFile: config.policyTrustedKeysFile,
      cacheSize: config.policyCacheSize,
      maxBundleBytes: config.policyMaxBundleBytes,
      tenantFacts: policyFacts,
      clock,
    });
    // Calls no request bound (Iris's own, or with the gate off) are decided by this app's bundles.
    const decide = policy.internalDecide;
    const tenants = makeTenantService({
      db,
      ledger,
      clock,
      region: config.region,
      knownRegions: config.knownRegions,
      deleteGraceSeconds: config.tenantDeleteGraceSeconds,
      applyLocally,
      decide,
      snapshot: directory,
    });
    const keys = makeKeyService({ db, ledger, clock, applyLocally, decide, snapshot: directory });
    // Console sessions are keyed on a secret derived from the ledger key every replica shares.
    const sessions = makeConsoleSessions({
      secret: sessionSecretOf(signer.privateKey),
      ttlMs: config.consoleSessionMinutes * 60_000,
    });
    const identity = makeIdentity({ directory, clock, sessions });
    const memoryLimiter = makeMemoryLimiter(clock);
    const limiter =
      config.redisUrl === undefined
        ? memoryLimiter
        : makeRedisLimiter({ url: config.redisUrl, prefix: config.redisKeyPrefix, fallback: memoryLimiter });
    const admission = config.rateLimitsEnabled
      ? makeAdmission({
          limiter,
          quotas: (id) => directory.tenant(id)?.quotas,
          routeShare: config.rateRouteShare,
          serviceRps: config.rateServiceRps,
          serviceBurst: config.rateServiceBurst,
          clock,
          onRejected: (tenantId, limit) => telemetry.signals.rateLimited(tenantId, limit),
        })
      : undefined;
    const decisionLog = makeDecisionLog({
      db,
      clock,
      sampleRate: config.policyDecisionSampleRate,
      observe: decisionSignals(telemetry.signals),
    });
    const bundles = makeBundleService({
      db,
      ledger,
      clock,
      pdp: policy.pdp,
      trust: policy.trust,
      maxBytes: config.policyMaxBundleBytes,
      builtin: policy.builtin,
      decide,
    });
    // NOTE: late-bound: release candidates' bundles (rollout) are wired once the rollout context is.
    const late: { policy?: RolloutPolicy; log?: FastifyBaseLogger } = {};
    const gate = makeRequestGate({
      pdp: policy.pdp,
      router: {
        get active() {
          return late.policy?.active ?? false;
        },
        routing: (tenantId) => late.policy?.routing(tenantId),
      },
      admission,
      upstreamRegions: config.upstreamRegions,
      onDecision: (d) => decisionLog.record(d),
      policySpan: telemetry.http.policySpan,
    });

    // The executor: state changes of jobs started by users are audited in the same transaction.
    const jobKinds = registerBuiltinKinds(makeJobKindRegistry());
    const jobAudit = makeJobAudit({ directory, ledger, signals: telemetry.signals });
    const onJobStateChange = jobAudit.onStateChange;
    const workers: Worker[] = [];
    telemetry.signals.setQueueSource(() => db.transaction(platformScope, selectQueueDepths, { readOnly: true }));
    const jobs = makeJobQueue({
      db,
      registry: jobKinds,
      onStateChange: onJobStateChange,
      onStateChanges: jobAudit.onStateChanges,
      maxQueuedOf: (id) => directory.tenant(id)?.quotas.queuedJobs,
    });

    // GraphRAG: documents are kept and ingested by jobs; answers are policy-checked, cached and filtered.
    const llm = makeLlmGateway({ providers: llmProvidersOf(config), observe: llmSignals(telemetry) });
    const extraction = makeExtractionPool({
      threads: config.extractThreads,
      budget: parseBudget({ timeMs: config.extractTimeoutMs, memoryMb: config.extractMemoryMb }),
    });
    const replicaId = randomUUID();
    const knowledge = makeKnowledgeService({
      db,
      onWarmed: announceWarmUps(db, replicaId),
      audit: async (tx, ctx, r) => {
        await ledger.append(tx, ctx, {
          log: r.tenantId,
          action: r.action,
          resource: r.resource,
          before: r.before,
          after: r.after,
        });
      },
      tenant: tenantKnowledgeSettings(directory, policy.pdp),
      llm,
      release: `${VERSION}/${config.releaseColor}`,
      onCacheLookup: (t, hit) => telemetry.signals.cacheLookup(t, 'answer', hit),
      signal: knowledgeSignals(telemetry.signals),
      maxDocumentBytes: config.maxDocumentBytes,
      extraction,
    });
    const followUp = makeFollowUp(jobs, clock);
    registerKnowledgeKinds(jobKinds, knowledgeJobKinds(knowledge, followUp));

    if (config.bootstrapToken !== undefined)
      await insertBootstrapKey({ db, ledger, context: systemContext }, config.bootstrapToken);
    await directory.start();
    // NOTE: a process that serves no queries (`iris worker`) does not warm its cache when a peer did.
    const unlistenWarm =
      deps.servesQueries === false
        ? async () => undefined
        : await followPeerWarmUps(db, replicaId, (tenantId, opts) => knowledge.warm(tenantId, opts));
    await bundles.start();

    const traffic = makeTenantTrafficCounters({ db, clock, replicaId });
    // NOTE: snapshots run on the store as opened (rawDb), not through the telemetry wrapper:
    // they need the driver under it (PGlite's data directory, PostgreSQL's URL for pg_dump).
    const backups = makeBackups({
      snapshots: makeStoreSnapshots(rawDb),
      signer,
      clock,
      irisVersion: VERSION,
      latestSchemaVersion: latestMigrationVersion(),
      migrate: (target) => migrate(target),
      backupDir: config.backupDir,
    });
    jobKinds.register(backupJobKind(backups, { keep: config.backupKeep, maxAgeDays: config.backupMaxAgeDays }));
    if (config.backupScheduleSeconds > 0)
      telemetry.signals.setBackupSource(async () => {
        const { items } = await backups.list();
        const verified = items.find((b) => b.verification.state === 'ok');
        return {
          scheduleSeconds: config.backupScheduleSeconds,
          ...(verified
            ? { lastVerifiedAgeSeconds: (clock.now().getTime() - Date.parse(verified.createdAt)) / 1000 }
            : {}),
        };
      });
    const stopBackupSchedule =
      config.backupScheduleSeconds > 0
        ? startBackupSchedule({
            intervalSeconds: config.backupScheduleSeconds,
            clock,
            enqueue: (slot, dedupKey) =>
              jobs.enqueue(
                PLATFORM,
                { kind: BACKUP_JOB_KIND, payload: { slot }, dedupKey },
                { actor: 'system', requestId: newRequestId() },
              ),
          })
        : () => undefined;
    const tenantArchives = makeTenantArchiveService({
      db,
      ledger,
      auditReader,
      servedRegions: [config.region],
      irisVersion: VERSION,
      schemaVersion: () => appliedSchemaVersion(db),
      decide,
      applyLocally,
      afterImport: (tenantId) => bundles.reload(tenantId),
    });
    const preflight = makePreflightWiring({
      db,
      clock,
      ledger,
      bundles,
      fallbackColour: config.releaseColor,
      systemContext,
      alertmanagerUrl: config.alertmanagerUrl,
      // NOTE: late-bound: the probe runs the candidate's configuration through the rollout wiring below.
      loadProbe: (release, ring) => rollout.loadProbe(release, ring),
    });
    const rollout: RolloutWiring = makeRolloutWiring({
      db,
      clock,
      ledger,
      directory,
      fallbackColour: config.releaseColor,
      replicaId,
      signals: telemetry.signals,
      systemContext,
      knowledge,
      enqueue: followUp,
      extractionVersions: Object.keys(EXTRACTION_VERSIONS),
      shadowConcurrency: config.rolloutShadowConcurrency,
      preflight: {
        check: (ctx, id, stage) => preflight.check(ctx, id, stage),
        enforce: config.releasePreflight === 'enforce',
      },
      prometheus:
        config.rolloutPrometheusUrl === undefined
          ? undefined
          : { url: config.rolloutPrometheusUrl, stepSeconds: config.rolloutPrometheusStepSeconds },
      haproxy:
        config.haproxyRuntime === undefined
          ? undefined
          : { runtime: config.haproxyRuntime, mapDir: config.haproxyMapDir },
    });
    const rolloutPolicy = makeRolloutPolicy({
      state: rollout.state,
      placementOf: rollout.placementOf,
      mainPdp: policy.pdp,
      bundles,
      region: config.region,
      tenantFacts: policyFacts,
      cacheSize: config.policyCacheSize,
      systemContext,
      log: () => late.log,
      onDisagree: (ring, outcome) => telemetry.signals.releasePolicyDisagreement(ring, outcome),
    });
    const server = await buildServer(
      {
        db,
        traffic,
        preflight: { preflight },
        rollout: {
          releases: rollout.releases,
          outcomes: rollout.outcomes,
          placementOf: rollout.placementOf,
          routingActive: () => rollout.state.live().length > 0 || rollout.state.control().spec !== null,
          tenantsOf: rollout.tenantsOf,
          now: () => clock.now().getTime(),
          control: () => rollout.state.control(),
          tenantsByRing: rollout.tenantsByRing,
          preflightOf: async (id) => (await preflight.latest(id))?.results ?? [],
          policyShadowOf: (id) => rolloutPolicy.tally(id) ?? null,
          shadowOf: (id) =>
            rollout.shadow === undefined
              ? null
              : {
                  rings: rollout.shadow.summaries(id),
                  selected: rollout.shadow.selected(),
                  dropped: rollout.shadow.runner.dropped,
                  coverage: rollout.shadow.runner.coverage(),
                },
          ...(deps.rolloutFaults === undefined ? {} : { faults: deps.rolloutFaults }),
        },
        backups,
        identity,
        tenants,
        keys,
        ledger,
        auditReader,
        registry: telemetry.registry,
        telemetry: telemetry.http,
        gate: deps.gate === 'off' ? undefined : gate,
        decide,
        pendingMigrations: () => pendingMigrations(db),
        draining: () => draining,
        jobs,
        knowledge: {
          service: knowledge,
          followUp,
          maxDocumentBytes: config.maxDocumentBytes,
          ...(rollout.shadow === undefined ? {} : { onAnswered: rollout.shadow.onAnswered }),
        },
        policy: { bundles, decisions: decisionLog, maxBundleBytes: config.policyMaxBundleBytes },
        console: { sessions, directory, clock },
        tenantArchives: { service: tenantArchives, maxArchiveBytes: MAX_ARCHIVE_UPLOAD_BYTES },
      },
      {
        bodyLimitBytes: config.bodyLimitBytes,
        scrapeToken: config.metricsToken,
        logger: irisLoggerOptions(deps.logger ?? false),
        version: VERSION,
      },
    );

    const retention = makeRetention(
      {
        db,
        ledger,
        clock,
        context: systemContext,
        onPruned: (table, rows) => telemetry.signals.retentionPruned(table, rows),
      },
      { decisionDays: config.policyDecisionRetentionDays, queryLogDays: config.queryLogRetentionDays },
    );
    const ledgerWitness = makeLedgerWitness({ db, ledger, context: systemContext });
    late.policy = rolloutPolicy;
    late.log = server.log;
    await rollout.start(server.log);
    await rolloutPolicy.refresh();
    const loops = startControlLoops({
      db,
      identity,
      tenants,
      knowledge,
      retention,
      ledgerWitness,
      context: systemContext,
      log: server.log,
      ledgerWitnessSeconds: config.ledgerWitnessSeconds,
    });

    return {
      config,
      db,
      server,
      directory,
      traffic,
      rollout,
      backups,
      tenants,
      keys,
      tenantArchives,
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
        const worker = makeWorker(
          { db, registry: jobKinds, onStateChange: onJobStateChange, tracer: telemetry.jobs, logger: server.log },
          { concurrency: opts.concurrency ?? 4 },
        );
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
      drain() {
        draining = true;
      },
      async close() {
        stopBackupSchedule();
        await loops.stop();
        await server.close();
        await rollout.stop();
        await loops.flush();
        await directory.stop();
        await unlistenWarm().catch(() => undefined);
        await limiter.close();
        await bundles.stop();
        await Promise.all(workers.map((w) => w.stop()));
        llm.close?.();
        await extraction.close();
        await decisionLog.stop();
        await traffic.stop();
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
