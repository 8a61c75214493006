// The observability context's face: telemetry (metrics, traces, logs) for the composition
// root and the gateway, signals for every other context, and the alert-rule lint.
export { irisLoggerOptions, redactionPaths, SECRET_FIELDS } from './logging.js';
export { makeHttpTelemetry, POLICY_OUTCOME_ATTRIBUTE, type HttpTelemetry, type RequestTelemetry } from './http-telemetry.js';
export { instrumentDatabase } from './instrumented-database.js';
export { exemplar, makeIrisMetrics, type IrisMetrics, type QueueSnapshot, type QueueSource, type Signals } from './iris-metrics.js';
export { HTTP_BUCKETS, JobOutcomes, LlmOutcomes, MetricNames, PolicyOutcomes, statusClass, type JobOutcome, type LlmOutcome, type PolicyOutcome } from './metric-catalogue.js';
export { GenAiAttributes, genAiAttributes, makeTelemetry, type JobTracing, type Telemetry, type TelemetryDeps } from './telemetry.js';
export { makeTenantLabeler, TenantLabel, type TenantLabeler, type TenantLabels, type TenantPlacement } from './tenant-labels.js';
export { carrierOf, LinkAwareSampler, makeTracing, spanContextOf, TENANT_ATTRIBUTE, TenantSpanProcessor, type JobSpanInfo, type TraceCarrier, type Tracing, type TracingOptions } from './tracing.js';
export { lintAlerts, SEVERITIES, type LintProblem, type LintReport } from './alert-lint.js';
export { dashboards, DATASOURCE_UIDS, type Dashboard } from './grafana-dashboards.js';
