// Every Iris metric, by name: the single list that code, alert rules, dashboards and the
// alert lint agree on. Contexts that do not exist yet (LLM providers, GraphRAG, policy) have
// their names reserved here so rules and dashboards can be written once.

/** Metric names (as exposed; counters carry their `_total` suffix). */
export const MetricNames = {
  httpDuration: 'iris_http_request_duration_seconds',
  httpInFlight: 'iris_http_requests_in_flight',
  dbInFlight: 'iris_db_transactions_in_flight',
  dbPoolMax: 'iris_db_pool_max',
  dbDuration: 'iris_db_transaction_duration_seconds',
  ledgerVerifications: 'iris_ledger_verifications_total',
  policyDecisions: 'iris_policy_decisions_total',
  rateLimitRejections: 'iris_ratelimit_rejections_total',
  cacheRequests: 'iris_graphrag_cache_requests_total',
  safetyEvents: 'iris_graphrag_safety_events_total',
  llmRequests: 'iris_llm_requests_total',
  llmDuration: 'iris_llm_request_duration_seconds',
  llmTokens: 'iris_llm_tokens_total',
  llmBreakerOpen: 'iris_llm_breaker_open',
  jobsQueueDepth: 'iris_jobs_queue_depth',
  jobsQueueLag: 'iris_jobs_queue_lag_seconds',
  jobsFinished: 'iris_jobs_finished_total',
  jobsPoisoned: 'iris_jobs_poisoned_total',
  workerUtilization: 'iris_jobs_worker_utilization',
  eventLoopLagP99: 'iris_nodejs_eventloop_lag_p99_seconds',
  retentionPruned: 'iris_retention_pruned_rows_total',
  backupLastVerifiedAge: 'iris_backup_last_verified_age_seconds',
  backupSchedule: 'iris_backup_schedule_seconds',
  releaseRollbacks: 'iris_release_rollbacks_total',
  releasePolicyDisagreements: 'iris_release_policy_disagreements_total',
  releaseRequests: 'iris_release_requests_total',
  releaseDuration: 'iris_release_request_duration_seconds',
  releaseShadowComparisons: 'iris_release_shadow_comparisons_total',
  releaseShadowOverlap: 'iris_release_shadow_citation_overlap',
  releaseShadowSimilarity: 'iris_release_shadow_answer_similarity',
} as const;

/** Prefix of prom-client's default process and Node.js metrics. */
export const DEFAULT_METRICS_PREFIX = 'iris_';

/** Latency buckets (seconds) of HTTP requests; 0.5 s is the latency SLO threshold. */
export const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;

/** Latency buckets (seconds) of upstream LLM calls. */
export const LLM_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

/** Latency buckets (seconds) of database transactions. */
export const DB_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] as const;

/**
 * Latency buckets (seconds) of requests counted for a live release's colours: the bounds of the
 * rollout context's own outcome histogram (`OUTCOME_BUCKETS_MS`), so the fast guard reads the
 * same layout from Prometheus as from PostgreSQL (a test holds them equal).
 */
export const RELEASE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export const PolicyOutcomes = ['allow', 'deny', 'error'] as const;
export type PolicyOutcome = (typeof PolicyOutcomes)[number];

export const LlmOutcomes = ['ok', 'error', 'timeout', 'rejected'] as const;
export type LlmOutcome = (typeof LlmOutcomes)[number];

export const JobOutcomes = ['succeeded', 'retried', 'failed', 'poisoned', 'cancelled'] as const;
export type JobOutcome = (typeof JobOutcomes)[number];

/** The status class label of an HTTP status code. */
export function statusClass(code: number): '1xx' | '2xx' | '3xx' | '4xx' | '5xx' {
  if (code >= 500) return '5xx';
  if (code >= 400) return '4xx';
  if (code >= 300) return '3xx';
  if (code >= 200) return '2xx';
  return '1xx';
}
