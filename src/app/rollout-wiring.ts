// The rollout context wired to the rest of the app: the routing snapshot, per-colour outcome
// counters, the release service (audited in the platform log) and its driver, which runs on
// every replica every second and acts on whatever release rows it can lock (a replica that
// disappears mid-step leaves its rows to the others: state lives in the database).
import type { FastifyBaseLogger } from 'fastify';
import type { Ledger } from '../audit/index.js';
import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import { platformScope, type Database } from '../core/db.js';
import { PLATFORM } from '../core/ids.js';
import type { Telemetry } from '../observability/index.js';
import type { Provider } from '@openfeature/server-sdk';
import type { FastifyRequest } from 'fastify';
import { errorMessage } from '../core/errors.js';
import {
  DEFAULT_QUERY_MODE,
  extractDocument,
  extractionOptionsOf,
  makeKnowledgeService,
  type EnqueueFollowUp,
  type KnowledgeAnswer,
  type QueryMode,
} from '../knowledge/index.js';
import {
  bucketOf,
  inCandidate,
  makeShadowRunner,
  makeShadowTally,
  shadowAgreement,
  type ShadowOutcome,
  type ShadowRunner,
  type ShadowSummary,
  LOAD_PROBE_THRESHOLDS,
  labelledAccuracy,
  type ReleaseSpec,
  type LoadProbeResult,
  type StoredRelease,
  makeFlagProvider,
  makeHaproxyMapSync,
  makeHaproxyRuntime,
  type DesiredRouting,
  type HaproxyMapSync,
  makeOutcomeCounters,
  makeReleaseService,
  makeShadowRecorder,
  makeRolloutState,
  ringOf,
  type OutcomeCounters,
  type Placement,
  type ReleasePreflight,
  type ReleaseService,
  type RolloutState,
  type TenantRingFacts,
} from '../rollout/index.js';
import type { Directory } from '../tenants/index.js';
import { migrate, openPgliteDatabase } from '../store/index.js';
import { makePrometheusSource } from './prometheus-analysis.js';
import {
  makeGraphRollout,
  TENANT_FACTS_SQL,
  tenantFactsOf,
  type GraphRollout,
  type GraphRolloutDeps,
  type TenantFactsRow,
} from './graph-rollout-wiring.js';

export interface RolloutWiring {
  readonly state: RolloutState;
  readonly outcomes: OutcomeCounters;
  readonly releases: ReleaseService;
  readonly placementOf: (tenantId: string) => Placement | undefined;
  readonly tenantsOf: (ring: string) => Promise<{ tenantId: string; by: string }[]>;
  readonly tenantsByRing: () => Promise<Record<string, number>>;
  /** The OpenFeature provider answering flags from the release serving each tenant. */
  readonly flagProvider: Provider;
  /**
   * The candidate's load probe in a ring (preflight): the minimum number of GraphRAG queries of
   * the ring's tenants (any tenant's when the ring is empty) answered with its configuration.
   */
  readonly loadProbe: (release: StoredRelease, ring: string) => Promise<LoadProbeResult | undefined>;
  /** Re-runs a share of the control's queries with the candidate's configuration (undefined: shadowing off). */
  readonly shadow: ShadowWiring | undefined;
  /** Graph rollouts of releases that change the extraction version (undefined: not wired). */
  readonly graphs: GraphRollout | undefined;
  /** Starts the snapshot and the driver loop. */
  start(log: FastifyBaseLogger): Promise<void>;
  stop(): Promise<void>;
}

/** What the load probe asks each tenant: broad questions any tenant's graph can take. */
const PROBE_QUESTIONS = [
  'Who owns the main services?',
  'What does the team run in production?',
  'Which systems depend on each other?',
  'What changed recently?',
  'Who should be contacted about incidents?',
] as const;

/** What a release's configuration changes in an answer: cited chunks and the graph's extraction version. */
const servingOf = (release: StoredRelease): { colour: string; topK: number; extractionVersion: string } => ({
  colour: release.colour,
  topK: release.spec.graphrag.retrieval.topK,
  extractionVersion: release.spec.graphrag.extractionVersion,
});

/** A record's key as a labelled set writes it: lower-cased, whitespace collapsed. */
const recordKey = (...parts: string[]): string =>
  parts.map((p) => p.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim()).join('|');
const expectedKey = (key: string): string => {
  if (key.startsWith('entity:')) {
    const rest = key.slice('entity:'.length);
    const at = rest.indexOf(':');
    return `entity:${recordKey(rest.slice(0, at), rest.slice(at + 1))}`;
  }
  return `relation:${recordKey(...key.slice('relation:'.length).split('|'))}`;
};

/** The one tenant of the scratch graph a labelled set's questions are asked of. */
const LABELLED_TENANT = 'labelled-set';

/**
 * Parse accuracy of an extraction version on a release's labelled set: each document extracted
 * with that version, each expected record one item; then, when the set has questions, the
 * documents ingested with that version into a scratch graph (an in-memory embedded store of
 * its own, dropped after) and each question asked without an LLM: one item, correct when the
 * answer cites every expected document. A document that cannot be parsed scores none of its
 * records.
 */
async function labelledSetAccuracy(
  set: NonNullable<ReleaseSpec['graphrag']['labelledSet']>,
  version: string,
): Promise<{ correct: number; total: number; misses: string[] }> {
  const options = extractionOptionsOf(version);
  const records: Record<string, string[]> = {};
  for (const d of set.documents) {
    try {
      const x = await extractDocument(d.name, new TextEncoder().encode(d.content), options);
      records[d.name] = [
        ...x.entities.map((e) => `entity:${recordKey(e.type, e.name)}`),
        ...x.relations.map((r) => `relation:${recordKey(r.source, r.type, r.target)}`),
      ];
    } catch {
      records[d.name] = [];
    }
  }
  const questions = (set.questions ?? []).map((q, i) => ({ ...q, id: `question ${i + 1}` }));
  const citations: Record<string, string[]> = {};
  if (questions.length > 0) {
    const scratch = await openPgliteDatabase(undefined);
    try {
      await migrate(scratch);
      const knowledge = makeKnowledgeService({ db: scratch });
      for (const d of set.documents) {
        try {
          await knowledge.ingest(
            LABELLED_TENANT,
            { documentId: d.name, name: d.name, bytes: new TextEncoder().encode(d.content) },
            options,
          );
        } catch {
          // Unreadable: its records already scored 0; questions citing it will miss it.
        }
      }
      for (const q of questions) {
        try {
          const a = await knowledge.query(LABELLED_TENANT, q.question, DEFAULT_QUERY_MODE, { llm: 'off' });
          citations[q.id] = [...new Set(a.citations.map((c) => c.documentId))];
        } catch {
          citations[q.id] = [];
        }
      }
    } finally {
      await scratch.close();
    }
  }
  return labelledAccuracy(
    {
      documents: set.documents.map((d) => ({ id: d.name, expectedRecords: d.expectedRecords.map(expectedKey) })),
      questions: questions.map((q) => ({ id: q.id, expectedCitations: q.expectedCitations })),
    },
    { records, citations },
  );
}

async function allTenantFacts(db: Database): Promise<TenantRingFacts[]> {
  return tenantFactsOf((await db.read<TenantFactsRow>(platformScope, TENANT_FACTS_SQL)).rows);
}

/** Shadow GraphRAG: which queries are copied, how they agree, how much was covered. */
export interface ShadowWiring {
  readonly runner: ShadowRunner;
  /** Queries chosen for a shadow run (the candidate's share of the control's queries). */
  readonly selected: () => number;
  readonly onAnswered: (
    req: FastifyRequest,
    tenantId: string,
    query: { question: string; mode: QueryMode; limit?: number | undefined },
    answer: KnowledgeAnswer,
    elapsedMs: number,
  ) => void;
  summaries(releaseId: string): ShadowSummary[];
}

export function makeRolloutWiring(deps: {
  db: Database;
  clock: Clock;
  ledger: Ledger;
  directory: Directory;
  fallbackColour: string;
  replicaId: string;
  signals: Pick<Telemetry['signals'], 'releaseRolledBack' | 'releaseOutcome' | 'releaseSeriesKeep' | 'releaseShadow'>;
  systemContext: () => RequestContext;
  knowledge: GraphRolloutDeps['knowledge'];
  /** Queues the graph re-index jobs of releases that change the extraction version (absent: no graph rollouts). */
  enqueue?: EnqueueFollowUp | undefined;
  /** The extraction versions this build can re-index into. */
  extractionVersions?: readonly string[] | undefined;
  /** How often the graph rollout plans (default 2 s). */
  graphRolloutMs?: number;
  /** Shadow queries at once (0: no shadowing). */
  shadowConcurrency: number;
  /** Preflight before start and each promotion; enforce: a failed gate refuses the action. */
  preflight?: ReleasePreflight | undefined;
  /** HAProxy's runtime API and its map folder: tenants and keys routed to their colour's pool. */
  haproxy?: { runtime: string; mapDir: string } | undefined;
  /** Prometheus's HTTP API as the analysis source (IRIS_ROLLOUT_PROMETHEUS_URL); absent: Iris's own counters. */
  prometheus?: { url: string; stepSeconds: number; timeoutMs?: number } | undefined;
  driverMs?: number;
}): RolloutWiring {
  const { db, directory } = deps;
  const state = makeRolloutState({ db, fallbackColour: deps.fallbackColour });
  const counters = makeOutcomeCounters({ db, clock: deps.clock, replicaId: deps.replicaId });
  // Each answered request counts twice: in PostgreSQL (Iris's own analysis source) and in the
  // per-release series on /metrics that Prometheus scrapes (the other source).
  const outcomes: OutcomeCounters = {
    ...counters,
    record(key, status, elapsedMs) {
      counters.record(key, status, elapsedMs);
      deps.signals.releaseOutcome(key, status, elapsedMs / 1000);
    },
  };
  // Shadow comparisons go to PostgreSQL too: a bake may be judged on the fleet's agreement.
  const shadowSamples = makeShadowRecorder({ db, clock: deps.clock, replicaId: deps.replicaId });
  let log: FastifyBaseLogger | undefined;
  const graphs =
    deps.enqueue === undefined
      ? undefined
      : makeGraphRollout({
          state,
          clock: deps.clock,
          knowledge: deps.knowledge,
          enqueue: deps.enqueue,
          tenantFacts: () => allTenantFacts(db),
        });
  const releases = makeReleaseService({
    db,
    clock: deps.clock,
    fallbackColour: deps.fallbackColour,
    systemContext: deps.systemContext,
    tenantFacts: () => allTenantFacts(db),
    ...(deps.extractionVersions === undefined ? {} : { extractionVersions: deps.extractionVersions }),
    ...(graphs === undefined ? {} : { graphVerdict: graphs.verdict }),
    ...(deps.prometheus === undefined ? {} : { source: makePrometheusSource(deps.prometheus) }),
    ...(deps.preflight === undefined ? {} : { preflight: deps.preflight }),
    audit: async (tx, ctx, record) => {
      await deps.ledger.append(tx, ctx, { log: PLATFORM, ...record });
    },
    onAlert: (alert) => {
      deps.signals.releaseRolledBack(alert.reason.startsWith('guard') ? 'guard' : 'analysis');
      log?.warn(
        { alert: alert.name, release: alert.releaseId, reason: alert.reason, runbook: alert.runbook },
        'release rolled back automatically',
      );
    },
  });

  const placementOf = (tenantId: string): Placement | undefined => {
    const t = directory.tenant(tenantId);
    if (t === undefined) return undefined;
    return state.placement({ tenantId, ring: t.ring, labels: t.labels, version: t.resourceVersion });
  };
  // Flags come from the configuration serving the tenant: the candidate's release on its share, else the control's.
  const flagProvider = makeFlagProvider({
    flagsFor: ({ tenantId }) => {
      const p = placementOf(tenantId);
      if (p === undefined) return undefined;
      return {
        values: p.spec?.flags ?? {},
        colour: p.colour,
        releaseId: p.candidate ? p.releaseId : state.control().releaseId,
        ring: p.ring,
      };
    },
  });

  const shadow = deps.shadowConcurrency > 0 ? makeShadow(deps.shadowConcurrency) : undefined;
  function makeShadow(concurrency: number): ShadowWiring {
    const runner = makeShadowRunner({
      concurrency,
      maxQueued: concurrency * 16,
      maxQueuedPerTenant: concurrency * 4,
      onError: (tenantId, err) => log?.debug({ err, tenant_id: tenantId }, 'shadow query failed'),
    });
    const tally = makeShadowTally();
    let selected = 0;
    return {
      runner,
      selected: () => selected,
      summaries: (releaseId) => tally.summaries().filter((x) => x.releaseId === releaseId),
      onAnswered: (req, tenantId, query, answer, elapsedMs) => {
        const p = req.placement;
        // Only the control's answers are shadowed: the candidate's share is served by the candidate already.
        if (p === undefined || p.releaseId === null || p.candidate) return;
        const release = state.live().find((r) => r.id === p.releaseId);
        const weight = release?.weights[p.ring] ?? 0;
        // The same share as the candidate's, drawn per request (any tenant of the ring can be copied).
        if (release === undefined || weight <= 0 || !inCandidate(bucketOf(release.id, req.id), weight)) return;
        selected++;
        const served = { answer: answer.answer, citations: answer.citations, latencyMs: elapsedMs };
        const key = { releaseId: release.id, ring: p.ring };
        runner.submit({
          tenantId,
          run: async () => {
            const started = performance.now();
            let outcome: ShadowOutcome;
            try {
              // NOTE: the same tenant and question; only the configuration is the candidate's. An LLM is
              // asked only when the served answer used one (a shadow spends the tenant's tokens too).
              const a = await deps.knowledge.query(tenantId, query.question, query.mode, {
                limit: query.limit,
                llm: answer.llmUsed ? 'auto' : 'off',
                serving: servingOf(release),
                shadow: true,
              });
              outcome = { ok: true, answer: a.answer, citations: a.citations, latencyMs: performance.now() - started };
            } catch (err) {
              outcome = { ok: false, error: errorMessage(err), latencyMs: performance.now() - started };
            }
            const agreement = shadowAgreement(served, outcome);
            tally.record(key, Date.now(), agreement);
            shadowSamples.record(key, agreement);
            deps.signals.releaseShadow(key, agreement.overlap, agreement.similarity);
          },
        });
      },
    };
  }

  const maps = deps.haproxy === undefined ? undefined : makeMaps(deps.haproxy);
  function makeMaps(h: { runtime: string; mapDir: string }): HaproxyMapSync {
    const at = h.runtime.lastIndexOf(':');
    const address =
      h.runtime.startsWith('/') || at < 0
        ? { path: h.runtime }
        : { host: h.runtime.slice(0, at), port: Number(h.runtime.slice(at + 1)) };
    return makeHaproxyMapSync({
      runtime: makeHaproxyRuntime(address),
      mapFiles: { tenants: `${h.mapDir}/tenants.map`, keys: `${h.mapDir}/keys.map` },
      intervalMs: 10_000,
      desired: async (): Promise<DesiredRouting> => {
        const tenants = new Map<string, string>();
        for (const t of await allTenantFacts(db)) {
          const p = state.placement(t);
          if (p !== undefined) tenants.set(t.tenantId, p.colour);
        }
        const { rows } = await db.read<{ key_id: string; tenant_id: string }>(
          platformScope,
          'select key_id, tenant_id from api_keys where revoked_at is null',
        );
        const keys = new Map(rows.map((r) => [r.key_id, r.tenant_id === PLATFORM ? null : r.tenant_id] as const));
        return { tenants, keys };
      },
      onError: (err) => log?.warn({ err }, 'HAProxy map sync failed'),
    });
  }
  let mappedGeneration = -1;

  async function loadProbe(release: StoredRelease, ring: string): Promise<LoadProbeResult | undefined> {
    const facts = await allTenantFacts(db);
    const rings = state.rings();
    let tenants = facts.filter((t) => ringOf(t, rings)?.ring === ring).map((t) => t.tenantId);
    // NOTE: an empty ring affects nobody, but the configuration is still exercised on real data.
    if (tenants.length === 0) tenants = facts.map((t) => t.tenantId);
    if (tenants.length === 0) return undefined;
    let successes = 0;
    const requests = LOAD_PROBE_THRESHOLDS.minRequests;
    for (let i = 0; i < requests; i++) {
      const tenantId = tenants[i % tenants.length] as string;
      try {
        await deps.knowledge.query(
          tenantId,
          PROBE_QUESTIONS[i % PROBE_QUESTIONS.length] as string,
          DEFAULT_QUERY_MODE,
          {
            llm: 'off',
            serving: servingOf(release),
            shadow: true,
          },
        );
        successes++;
      } catch (err) {
        log?.info({ err, tenant_id: tenantId, release: release.id }, 'load probe query failed');
      }
    }
    const set = release.spec.graphrag.labelledSet;
    return set === undefined
      ? { ring, requests, successes }
      : {
          ring,
          requests,
          successes,
          accuracy: await labelledSetAccuracy(set, release.spec.graphrag.extractionVersion),
        };
  }

  // The graph rollout plans on a timer of its own: a probe may take seconds, the driver must not wait.
  let graphTimer: NodeJS.Timeout | undefined;
  let planning: Promise<void> | undefined;
  // NOTE: a pass reads every tenant's graph state; when the last one found nothing to do and the
  // rollout state has not changed since, the next full pass waits up to 30 s (new tenants and
  // finished jobs are picked up then; a release's transitions at once).
  let quiet = { generation: -1, at: 0 };
  const plan = (): void => {
    if (graphs === undefined || planning !== undefined) return;
    if (state.generation === quiet.generation && Date.now() - quiet.at < 30_000) return;
    const generation = state.generation;
    planning = graphs
      .pass(log)
      .then((actions) => {
        // Work in flight (a building graph plans nothing itself) keeps the passes frequent.
        quiet = actions.length === 0 && !graphs.busy() ? { generation, at: Date.now() } : { generation: -1, at: 0 };
      })
      .catch((err: unknown) => log?.warn({ err }, 'graph rollout pass failed'))
      .finally(() => {
        planning = undefined;
      });
  };

  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;
  const tick = (): void => {
    if (ticking !== undefined) return;
    ticking = (async () => {
      // The guard reads what every replica flushed; this replica's own counts go first.
      await outcomes.flush();
      await shadowSamples.flush();
      // Only live releases keep series on /metrics: cardinality stays bounded by what is rolling out.
      deps.signals.releaseSeriesKeep(new Set(state.live().map((r) => r.id)));
      // A change of rollout state moves tenants between colour pools at once (no HAProxy reload).
      if (maps !== undefined && state.generation !== mappedGeneration) {
        mappedGeneration = state.generation;
        void maps.sync().catch((err: unknown) => log?.warn({ err }, 'HAProxy map sync failed'));
      }
      for (const o of await releases.tick())
        if (o.event !== undefined)
          log?.info({ release: o.releaseId, event: o.event, phase: o.phase, reason: o.reason }, 'release driver');
    })()
      .catch((err: unknown) => log?.warn({ err }, 'release driver tick failed'))
      .finally(() => {
        ticking = undefined;
      });
  };

  return {
    state,
    outcomes,
    releases,
    placementOf,
    flagProvider,
    loadProbe,
    shadow,
    graphs,
    tenantsByRing: async () => {
      const rings = state.rings();
      const counts: Record<string, number> = {};
      for (const t of await allTenantFacts(db)) {
        const at = ringOf(t, rings);
        if (at !== null) counts[at.ring] = (counts[at.ring] ?? 0) + 1;
      }
      return counts;
    },
    tenantsOf: async (ring) => {
      const rings = state.rings();
      const out: { tenantId: string; by: string }[] = [];
      for (const t of await allTenantFacts(db)) {
        const at = ringOf(t, rings);
        if (at?.ring === ring) out.push({ tenantId: t.tenantId, by: at.by });
      }
      return out;
    },
    async start(logger) {
      log = logger;
      await state.start();
      maps?.start();
      timer = setInterval(tick, deps.driverMs ?? 1000);
      timer.unref();
      if (graphs !== undefined) {
        graphTimer = setInterval(plan, deps.graphRolloutMs ?? 2000);
        graphTimer.unref();
      }
    },
    async stop() {
      if (timer) clearInterval(timer);
      if (graphTimer) clearInterval(graphTimer);
      await ticking;
      await planning;
      await shadow?.runner.drain();
      await maps?.stop();
      await outcomes.stop();
      await shadowSamples.stop();
      await state.stop();
    },
  };
}
