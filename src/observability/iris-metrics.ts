// The metric instruments of Iris on one OpenMetrics registry, and `Signals`: the small API
// other contexts call with plain tenant ids. Signals map tenants to bounded labels
// (tenant-labels.ts), so no caller can blow up cardinality by accident.
import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type LabelValues,
  type OpenMetricsContentType,
} from 'prom-client';
import {
  DB_BUCKETS,
  DEFAULT_METRICS_PREFIX,
  HTTP_BUCKETS,
  LLM_BUCKETS,
  MetricNames,
  RELEASE_BUCKETS,
  type JobOutcome,
  type LlmOutcome,
  type PolicyOutcome,
} from './metric-catalogue.js';
import { SeriesHistogram } from './series-histogram.js';
import { TenantLabel, type TenantLabeler, type TenantLabels } from './tenant-labels.js';

const TENANT = ['tenant', 'tier', 'ring'] as const;

/**
 * The exemplar labels of an observation: its trace id. (prom-client types exemplar labels
 * as the metric's own label names; OpenMetrics allows any, hence the cast.)
 */
export function exemplar<T extends string>(traceId: string | undefined): LabelValues<T> {
  return (traceId === undefined ? {} : { trace_id: traceId }) as LabelValues<T>;
}

/** A snapshot of one tenant's queue, as the jobs context reports it at scrape time. */
export interface QueueSnapshot {
  readonly tenantId: string;
  readonly ready: number;
  readonly running: number;
  readonly scheduled: number;
  /** Age in seconds of the oldest job that is ready but not running (0 when none). */
  readonly oldestReadySeconds: number;
}

/** Reads queue snapshots; called on each scrape. */
export type QueueSource = () => Promise<readonly QueueSnapshot[]>;

/** The backup catalog as the alert reads it: the schedule, and the age of the newest verified backup (none: undefined). */
export type BackupSource = () => Promise<{
  readonly scheduleSeconds: number;
  readonly lastVerifiedAgeSeconds?: number;
}>;

/** What a context reports; every method is cheap and never throws. */
export interface Signals {
  policyDecision(tenantId: string, outcome: PolicyOutcome): void;
  rateLimited(tenantId: string, limit: string): void;
  cacheLookup(tenantId: string, cache: string, hit: boolean): void;
  /** A GraphRAG safety filter acted: a blocked question, withheld passages, redactions, an LLM fallback. */
  knowledgeSafety(tenantId: string, kind: string, reason: string, count?: number): void;
  llmCall(call: {
    provider: string;
    outcome: LlmOutcome;
    seconds: number;
    traceId?: string;
    promptTokens?: number;
    completionTokens?: number;
  }): void;
  llmBreaker(provider: string, open: boolean): void;
  ledgerVerified(ok: boolean): void;
  jobFinished(tenantId: string, outcome: JobOutcome): void;
  /** Running jobs / capacity of one worker (0..1). */
  workerUtilization(workerId: string, ratio: number): void;
  /** Rows a retention run deleted from `table`. */
  retentionPruned(table: string, rows: number): void;
  /** Sets where queue depth and lag come from (the jobs context, when wired). */
  setQueueSource(source: QueueSource): void;
  /** Sets where the backup gauges come from (scheduled backups, when configured). */
  setBackupSource(source: BackupSource): void;
  /** A release rolled back on its own (the fast guard or the end-of-bake analysis found a regression). */
  releaseRolledBack(trigger: 'guard' | 'analysis'): void;
  /** A release's candidate policy bundle decided a request of its ring otherwise than the active bundle (shadow). */
  releasePolicyDisagreement(ring: string, outcome: 'candidate_denies' | 'candidate_allows'): void;
  /**
   * A request answered for a live release's comparison: its ring and the colour that served it
   * (`iris_release_requests_total`, `iris_release_request_duration_seconds`), what Prometheus
   * reads when it is the analysis source.
   */
  releaseOutcome(key: { releaseId: string; ring: string; colour: string }, status: number, seconds: number): void;
  /** Drops the release series of every release not in `live` (finished releases leave /metrics). */
  releaseSeriesKeep(live: ReadonlySet<string>): void;
  /**
   * A shadow GraphRAG comparison of a live release in a ring: failed, or its citation overlap and
   * answer similarity (`iris_release_shadow_*`). Numbers only, never a tenant.
   */
  releaseShadow(key: { releaseId: string; ring: string }, overlap: number | null, similarity: number | null): void;
}

/** A count kept as a plain number, read by its gauge at scrape time (no metric call per request). */
export interface InFlightCount {
  inc(): void;
  dec(): void;
  readonly value: number;
}

export interface IrisMetrics {
  readonly registry: Registry<OpenMetricsContentType>;
  readonly httpDuration: SeriesHistogram<'route' | 'method' | 'status_class' | 'tenant' | 'tier' | 'ring'>;
  readonly httpInFlight: InFlightCount;
  readonly dbInFlight: InFlightCount;
  readonly dbPoolMax: Gauge;
  readonly dbDuration: SeriesHistogram<'scope' | 'outcome'>;
  readonly signals: Signals;
  /** Registers the series `labels` of `metric` as its tenant's, to drop when it leaves the top-N. */
  ownSeries<L extends Record<string, string> & { tenant: string }>(metric: Removable, labels: L): L;
}

/**
 * Creates the OpenMetrics registry (so histograms carry `trace_id` exemplars) with Node's
 * default metrics (event-loop lag among them) and every Iris instrument.
 */
export function makeIrisMetrics(opts: { labeler: TenantLabeler; color: string; poolMax: number }): IrisMetrics {
  const registry = new Registry<OpenMetricsContentType>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  registry.setDefaultLabels({ color: opts.color });
  collectDefaultMetrics({ register: registry, prefix: DEFAULT_METRICS_PREFIX, eventLoopMonitoringPrecision: 10 });
  const registers = [registry];
  const { labeler } = opts;
  const series = makeTenantSeries(labeler);

  // NOTE: the two histograms observed on every request are SeriesHistograms (a handle per
  // series, no label hashing per observation); the rest are prom-client's.
  const httpDuration = new SeriesHistogram({
    name: MetricNames.httpDuration,
    help: 'HTTP request latency by route, method, status class and bounded tenant (top-N, else per tier).',
    labelNames: ['route', 'method', 'status_class', ...TENANT] as const,
    buckets: [...HTTP_BUCKETS],
    exemplars: true,
    registers,
  });
  const httpInFlight = inFlightGauge(MetricNames.httpInFlight, 'HTTP requests being served.', registers);
  const dbInFlight = inFlightGauge(
    MetricNames.dbInFlight,
    'Database transactions holding or waiting for a pooled connection.',
    registers,
  );
  const dbPoolMax = new Gauge({
    name: MetricNames.dbPoolMax,
    help: 'Connections the database pool may open.',
    registers,
  });
  dbPoolMax.set(opts.poolMax);
  const dbDuration = new SeriesHistogram({
    name: MetricNames.dbDuration,
    help: 'Database transaction time, connection wait included, by scope and outcome.',
    labelNames: ['scope', 'outcome'] as const,
    buckets: [...DB_BUCKETS],
    registers,
  });

  const ledger = new Counter({
    name: MetricNames.ledgerVerifications,
    help: 'Audit ledger verifications by result.',
    labelNames: ['result'] as const,
    registers,
  });
  ledger.inc({ result: 'ok' }, 0);
  ledger.inc({ result: 'failed' }, 0);
  const releaseRollbacks = new Counter({
    name: MetricNames.releaseRollbacks,
    help: 'Releases rolled back automatically, by what found the regression (guard, analysis).',
    labelNames: ['trigger'] as const,
    registers,
  });
  releaseRollbacks.inc({ trigger: 'guard' }, 0);
  releaseRollbacks.inc({ trigger: 'analysis' }, 0);
  const policyDisagreements = new Counter({
    name: MetricNames.releasePolicyDisagreements,
    help: "Requests a release's candidate policy bundle decided otherwise than the active bundle, in shadow, by ring.",
    labelNames: ['ring', 'outcome'] as const,
    registers,
  });
  const releaseRequests = new Counter({
    name: MetricNames.releaseRequests,
    help: "Requests counted for a live release's comparison, by release, ring, serving colour and outcome (error: 5xx).",
    labelNames: ['release', 'ring', 'colour', 'outcome'] as const,
    registers,
  });
  const releaseDuration = new Histogram({
    name: MetricNames.releaseDuration,
    help: "Latency of requests counted for a live release's comparison, by release, ring and serving colour.",
    labelNames: ['release', 'ring', 'colour'] as const,
    buckets: [...RELEASE_BUCKETS],
    registers,
  });
  const shadowComparisons = new Counter({
    name: MetricNames.releaseShadowComparisons,
    help: "Shadow GraphRAG comparisons of a live release's candidate with the served answer, by release, ring and outcome (error: the shadow run failed).",
    labelNames: ['release', 'ring', 'outcome'] as const,
    registers,
  });
  const AGREEMENT_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1];
  const shadowOverlap = new Histogram({
    name: MetricNames.releaseShadowOverlap,
    help: 'Citation overlap (Jaccard, 0..1) of shadow and served answers, by release and ring.',
    labelNames: ['release', 'ring'] as const,
    buckets: AGREEMENT_BUCKETS,
    registers,
  });
  const shadowSimilarity = new Histogram({
    name: MetricNames.releaseShadowSimilarity,
    help: 'Answer similarity (0..1) of shadow and served answers, by release and ring.',
    labelNames: ['release', 'ring'] as const,
    buckets: AGREEMENT_BUCKETS,
    registers,
  });
  const shadowSeries = new Map<string, Map<string, { release: string; ring: string }>>();
  // NOTE: label sets per release, so a finished release's series can be removed: only live
  // releases (a handful, each with its rings and two colours) are ever exposed.
  const releaseSeries = new Map<string, Map<string, { release: string; ring: string; colour: string }>>();
  // NOTE: counted on every request, so counted in a Map and handed to prom-client at scrape.
  const policy = deferredCounter({
    name: MetricNames.policyDecisions,
    help: 'Policy decisions by outcome and bounded tenant.',
    labelNames: [...TENANT, 'outcome'] as const,
    registers,
  });
  const rateLimit = new Counter({
    name: MetricNames.rateLimitRejections,
    help: 'Requests rejected by a rate limit or quota.',
    labelNames: [...TENANT, 'limit'] as const,
    registers,
  });
  const cache = deferredCounter({
    name: MetricNames.cacheRequests,
    help: 'GraphRAG cache lookups by cache and result (hit/miss).',
    labelNames: [...TENANT, 'cache', 'result'] as const,
    registers,
  });
  const safety = new Counter({
    name: MetricNames.safetyEvents,
    help: 'GraphRAG safety filter actions by kind (blocked, withheld, redacted, llm_fallback) and reason.',
    labelNames: [...TENANT, 'kind', 'reason'] as const,
    registers,
  });
  const llmRequests = new Counter({
    name: MetricNames.llmRequests,
    help: 'Upstream LLM calls by provider and outcome.',
    labelNames: ['provider', 'outcome'] as const,
    registers,
  });
  const llmDuration = new Histogram({
    name: MetricNames.llmDuration,
    help: 'Upstream LLM call latency by provider.',
    labelNames: ['provider'] as const,
    buckets: [...LLM_BUCKETS],
    enableExemplars: true,
    registers,
  });
  const llmTokens = new Counter({
    name: MetricNames.llmTokens,
    help: 'LLM tokens by provider and direction (prompt/completion).',
    labelNames: ['provider', 'direction'] as const,
    registers,
  });
  const llmBreaker = new Gauge({
    name: MetricNames.llmBreakerOpen,
    help: '1 while the circuit breaker of an LLM provider is open.',
    labelNames: ['provider'] as const,
    registers,
  });
  const jobsFinished = new Counter({
    name: MetricNames.jobsFinished,
    help: 'Job attempts finished, by outcome and bounded tenant.',
    labelNames: [...TENANT, 'outcome'] as const,
    registers,
  });
  const jobsPoisoned = new Counter({
    name: MetricNames.jobsPoisoned,
    help: 'Jobs moved to the poison queue (retries exhausted).',
    labelNames: [...TENANT] as const,
    registers,
  });
  const pruned = new Counter({
    name: MetricNames.retentionPruned,
    help: 'Rows deleted by retention, by table (policy_decisions, kg_query_log).',
    labelNames: ['table'] as const,
    registers,
  });
  const utilization = new Gauge({
    name: MetricNames.workerUtilization,
    help: 'Running jobs / concurrency, per worker.',
    labelNames: ['worker'] as const,
    registers,
  });

  let backupSource: BackupSource | undefined;
  let backupRead: { at: number; value: ReturnType<BackupSource> } | undefined;
  // NOTE: both backup gauges share one read of the catalog, reused for 10 s.
  const backupFacts = (): ReturnType<BackupSource> | undefined => {
    if (!backupSource) return undefined;
    const now = Date.now();
    if (!backupRead || now - backupRead.at > 10_000)
      backupRead = { at: now, value: backupSource().catch(() => ({ scheduleSeconds: 0 })) };
    return backupRead.value;
  };
  new Gauge({
    name: MetricNames.backupSchedule,
    help: 'Seconds between scheduled backups (IRIS_BACKUP_SCHEDULE); absent when none are scheduled.',
    registers,
    async collect() {
      const facts = await backupFacts();
      this.reset();
      if (facts && facts.scheduleSeconds > 0) this.set(facts.scheduleSeconds);
    },
  });
  new Gauge({
    name: MetricNames.backupLastVerifiedAge,
    help: "Age of the newest backup that passed verification, in this replica's backup directory (+Inf: none).",
    registers,
    async collect() {
      const facts = await backupFacts();
      this.reset();
      if (facts && facts.scheduleSeconds > 0) this.set(facts.lastVerifiedAgeSeconds ?? Number.POSITIVE_INFINITY);
    },
  });

  let queueSource: QueueSource | undefined;
  // NOTE: the registry collects metrics concurrently; both queue gauges share one read of
  // the source per scrape (a read younger than a second is reused).
  let read: { at: number; snaps: Promise<readonly QueueSnapshot[]> } | undefined;
  const snapshots = (): Promise<readonly QueueSnapshot[]> => {
    if (!queueSource) return Promise.resolve([]);
    const now = Date.now();
    if (!read || now - read.at > 1000) read = { at: now, snaps: queueSource().catch(() => []) };
    return read.snaps;
  };
  new Gauge({
    name: MetricNames.jobsQueueDepth,
    help: 'Jobs per state (ready, running, scheduled) and bounded tenant.',
    labelNames: [...TENANT, 'state'] as const,
    registers,
    async collect() {
      const snaps = await snapshots();
      this.reset();
      for (const s of snaps) {
        const l = labeler.labelsOf(s.tenantId);
        this.inc({ tenant: l.tenant, tier: l.tier, ring: l.ring, state: 'ready' }, s.ready);
        this.inc({ tenant: l.tenant, tier: l.tier, ring: l.ring, state: 'running' }, s.running);
        this.inc({ tenant: l.tenant, tier: l.tier, ring: l.ring, state: 'scheduled' }, s.scheduled);
      }
    },
  });
  new Gauge({
    name: MetricNames.jobsQueueLag,
    help: 'Age of the oldest ready job (queue lag), max over the bounded tenant group.',
    labelNames: [...TENANT] as const,
    registers,
    async collect() {
      const snaps = await snapshots();
      this.reset();
      const max = new Map<string, { labels: Record<string, string>; lag: number }>();
      for (const s of snaps) {
        const l = labeler.labelsOf(s.tenantId);
        const k = `${l.tenant}|${l.tier}|${l.ring}`;
        const cur = max.get(k);
        if (!cur || cur.lag < s.oldestReadySeconds)
          max.set(k, { labels: { tenant: l.tenant, tier: l.tier, ring: l.ring }, lag: s.oldestReadySeconds });
      }
      for (const { labels, lag } of max.values()) this.set(labels, lag);
    },
  });

  // NOTE: signals run on every request; their label objects are built and registered once per
  // series (keyed by the labeler's cached tenant labels), never spread per call.
  const policyLabels = labelCache(series, policy);
  const rateLimitLabels = labelCache(series, rateLimit);
  const cacheLabels = labelCache(series, cache);
  const jobLabels = labelCache(series, jobsFinished);
  const poisonLabels = labelCache(series, jobsPoisoned);
  const signals: Signals = {
    policyDecision: (t, outcome) =>
      policy.inc(
        policyLabels(labeler.labelsOf(t), outcome, (l) => ({ tenant: l.tenant, tier: l.tier, ring: l.ring, outcome })),
      ),
    rateLimited: (t, limit) =>
      rateLimit.inc(
        rateLimitLabels(labeler.labelsOf(t), limit, (l) => ({ tenant: l.tenant, tier: l.tier, ring: l.ring, limit })),
      ),
    cacheLookup(t, name, hit) {
      const result = hit ? 'hit' : 'miss';
      cache.inc(
        cacheLabels(labeler.labelsOf(t), `${name} ${result}`, (l) => ({
          tenant: l.tenant,
          tier: l.tier,
          ring: l.ring,
          cache: name,
          result,
        })),
      );
    },
    knowledgeSafety(t, kind, reason, count = 1) {
      const l = labeler.labelsOf(t);
      safety.inc({ tenant: l.tenant, tier: l.tier, ring: l.ring, kind, reason }, count);
    },
    llmCall(c) {
      llmRequests.inc({ provider: c.provider, outcome: c.outcome });
      llmDuration.observe({ labels: { provider: c.provider }, value: c.seconds, exemplarLabels: exemplar(c.traceId) });
      if (c.promptTokens) llmTokens.inc({ provider: c.provider, direction: 'prompt' }, c.promptTokens);
      if (c.completionTokens) llmTokens.inc({ provider: c.provider, direction: 'completion' }, c.completionTokens);
    },
    llmBreaker: (provider, open) => llmBreaker.set({ provider }, open ? 1 : 0),
    ledgerVerified: (ok) => ledger.inc({ result: ok ? 'ok' : 'failed' }),
    retentionPruned: (table, rows) => pruned.inc({ table }, rows),
    jobFinished(t, outcome) {
      const l = labeler.labelsOf(t);
      jobsFinished.inc(jobLabels(l, outcome, () => ({ tenant: l.tenant, tier: l.tier, ring: l.ring, outcome })));
      if (outcome === 'poisoned')
        jobsPoisoned.inc(poisonLabels(l, '', () => ({ tenant: l.tenant, tier: l.tier, ring: l.ring })));
    },
    workerUtilization: (worker, ratio) => utilization.set({ worker }, ratio),
    setQueueSource(source) {
      queueSource = source;
    },
    setBackupSource(source) {
      backupSource = source;
    },
    releaseRolledBack: (trigger) => releaseRollbacks.inc({ trigger }),
    releasePolicyDisagreement: (ring, outcome) => policyDisagreements.inc({ ring, outcome }),
    releaseOutcome(key, status, seconds) {
      const labels = { release: key.releaseId, ring: key.ring, colour: key.colour };
      let sets = releaseSeries.get(key.releaseId);
      if (sets === undefined) releaseSeries.set(key.releaseId, (sets = new Map()));
      const id = `${key.ring}\u0000${key.colour}`;
      if (!sets.has(id)) {
        sets.set(id, labels);
        // Both outcomes exist from the first request: a rate of errors is 0, not absent.
        releaseRequests.inc({ ...labels, outcome: 'ok' }, 0);
        releaseRequests.inc({ ...labels, outcome: 'error' }, 0);
      }
      releaseRequests.inc({ ...labels, outcome: status >= 500 ? 'error' : 'ok' });
      releaseDuration.observe(labels, seconds);
    },
    releaseSeriesKeep(live) {
      for (const [releaseId, sets] of releaseSeries) {
        if (live.has(releaseId)) continue;
        for (const labels of sets.values()) {
          releaseRequests.remove({ ...labels, outcome: 'ok' });
          releaseRequests.remove({ ...labels, outcome: 'error' });
          releaseDuration.remove(labels);
        }
        releaseSeries.delete(releaseId);
      }
      for (const [releaseId, sets] of shadowSeries) {
        if (live.has(releaseId)) continue;
        for (const labels of sets.values()) {
          shadowComparisons.remove({ ...labels, outcome: 'ok' });
          shadowComparisons.remove({ ...labels, outcome: 'error' });
          shadowOverlap.remove(labels);
          shadowSimilarity.remove(labels);
        }
        shadowSeries.delete(releaseId);
      }
    },
    releaseShadow(key, overlap, similarity) {
      const labels = { release: key.releaseId, ring: key.ring };
      let sets = shadowSeries.get(key.releaseId);
      if (sets === undefined) shadowSeries.set(key.releaseId, (sets = new Map()));
      if (!sets.has(key.ring)) {
        sets.set(key.ring, labels);
        shadowComparisons.inc({ ...labels, outcome: 'ok' }, 0);
        shadowComparisons.inc({ ...labels, outcome: 'error' }, 0);
      }
      if (overlap === null || similarity === null) {
        shadowComparisons.inc({ ...labels, outcome: 'error' });
        return;
      }
      shadowComparisons.inc({ ...labels, outcome: 'ok' });
      shadowOverlap.observe(labels, overlap);
      shadowSimilarity.observe(labels, similarity);
    },
  };

  return {
    registry,
    httpDuration,
    httpInFlight,
    dbInFlight,
    dbPoolMax,
    dbDuration,
    signals,
    ownSeries: (m, l) => series.own(m, l),
  };
}

/** A gauge whose value is a plain number, set when the registry collects. */
function inFlightGauge(name: string, help: string, registers: Registry<OpenMetricsContentType>[]): InFlightCount {
  let n = 0;
  new Gauge({
    name,
    help,
    registers,
    collect() {
      this.set(n);
    },
  });
  return {
    inc: () => void n++,
    dec: () => void n--,
    get value() {
      return n;
    },
  };
}

interface Removable {
  remove(labels: Record<string, string>): void;
}

/**
 * A counter whose increments are kept in a Map keyed by the (cached) label object and added to
 * the prom-client counter when it is collected (a scrape, or a read of the registry). NOTE: for
 * counters bumped on every request: prom-client hashes and validates the labels on each inc(),
 * which cost more than the rest of the request's metrics together; a Map keyed by the object is
 * a lookup. Scrapes see the same counts.
 */
function deferredCounter<N extends string>(
  config: ConstructorParameters<typeof Counter<N>>[0],
): Removable & { inc(labels: Partial<Record<N, string>>): void } {
  const pending = new Map<Partial<Record<N, string>>, number>();
  const counter = new Counter<N>({
    ...config,
    collect() {
      for (const [labels, n] of pending) counter.inc(labels, n);
      pending.clear();
    },
  });
  return {
    inc(labels) {
      pending.set(labels, (pending.get(labels) ?? 0) + 1);
    },
    remove(labels) {
      // NOTE: by value, not identity: a tenant's label object may have been rebuilt since (rare: an eviction).
      const same = (l: Partial<Record<N, string>>): boolean =>
        Object.entries(labels).every(([k, v]) => (l as Record<string, string>)[k] === v);
      for (const l of [...pending.keys()]) if (same(l)) pending.delete(l);
      counter.remove(labels as Partial<Record<N, string>>);
    },
  };
}

type TenantSeries = ReturnType<typeof makeTenantSeries>;

/**
 * A cache of the label objects of `metric`: one per tenant labels object and `key` (the other
 * label values), built by `build` and registered as the tenant's series on first use.
 */
function labelCache<L extends Record<string, string> & { tenant: string }>(
  series: TenantSeries,
  metric: Removable,
): (tenant: TenantLabels, key: string, build: (l: TenantLabels) => L) => L {
  const byTenant = new WeakMap<TenantLabels, Map<string, L>>();
  return (tenant, key, build) => {
    let byKey = byTenant.get(tenant);
    if (!byKey) byTenant.set(tenant, (byKey = new Map()));
    let labels = byKey.get(key);
    if (!labels) byKey.set(key, (labels = series.own(metric, build(tenant))));
    return labels;
  };
}

/**
 * Remembers which series each top-N tenant has, per metric, and removes them when the tenant
 * leaves the top-N: without this, every tenant that was ever in the top would keep its
 * series for the life of the process.
 */
function makeTenantSeries(labeler: TenantLabeler): {
  own<L extends Record<string, string> & { tenant: string }>(metric: Removable, labels: L): L;
} {
  const owned = new Map<string, Map<Removable, Map<string, Record<string, string>>>>();
  labeler.onEvict((tenant) => {
    for (const [metric, sets] of owned.get(tenant) ?? []) for (const labels of sets.values()) metric.remove(labels);
    owned.delete(tenant);
  });
  const shared: ReadonlySet<string> = new Set(Object.values(TenantLabel));
  return {
    own(metric, labels) {
      if (shared.has(labels.tenant)) return labels;
      let byMetric = owned.get(labels.tenant);
      if (!byMetric) owned.set(labels.tenant, (byMetric = new Map()));
      let sets = byMetric.get(metric);
      if (!sets) byMetric.set(metric, (sets = new Map()));
      const key = Object.values(labels).join('\u0000');
      if (!sets.has(key)) sets.set(key, labels);
      return labels;
    },
  };
}
