// The observability context's face: telemetry (metrics, traces, logs) for the composition
// root and the gateway, signals for every other context, and the alert-rule lint.
export { irisLoggerOptions } from './logging.js';
export { makeHttpTelemetry, POLICY_OUTCOME_ATTRIBUTE, type HttpTelemetry } from './http-telemetry.js';
export { instrumentDatabase } from './instrumented-database.js';
export { exemplar, makeIrisMetrics } from './iris-metrics.js';
export { MetricNames, RELEASE_BUCKETS } from './metric-catalogue.js';
export { GenAiAttributes, makeTelemetry, type Telemetry } from './telemetry.js';
export { makeTenantLabeler, TenantLabel, type TenantPlacement } from './tenant-labels.js';
export { makeTracing, TENANT_ATTRIBUTE, type Tracing } from './tracing.js';
export { lintAlerts } from './alert-lint.js';
export { dashboards, DATASOURCE_UIDS } from './grafana-dashboards.js';
export {
  makeTenantTrafficCounters,
  quantileOf,
  TRAFFIC_BUCKETS_MS,
  type TenantTraffic,
  type TenantTrafficCounters,
} from './tenant-traffic.js';
