// Every environment variable Iris reads, declared once with its default and meaning. The README's
// configuration table is rendered from this list (`npm run docs:config`), and a test checks both
// ways that it is the list `loadConfig` reads and that each stated default is the one it applies.
import type { IrisConfig } from './config.js';

export interface ConfigVariable {
  readonly name: string;
  /** The configuration field the variable sets (checked against loadConfig's default). */
  readonly field: keyof IrisConfig;
  /**
   * The default as the README states it. A literal value is checked against `loadConfig({})`;
   * 'unset' means the field is undefined; any other text (in parentheses) is prose, not checked.
   */
  readonly default: string;
  readonly meaning: string;
}

const UNSET = 'unset';

export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  {
    name: 'DATABASE_URL',
    field: 'databaseUrl',
    default: UNSET,
    meaning: '`postgres://…` to use PostgreSQL; unset: the embedded PGlite store',
  },
  {
    name: 'IRIS_DATA_DIR',
    field: 'dataDir',
    default: '(`.iris`, from the working directory)',
    meaning: 'embedded database, generated keys, local admin token',
  },
  { name: 'IRIS_HOST', field: 'host', default: '127.0.0.1', meaning: 'address the API listens on' },
  { name: 'IRIS_PORT', field: 'port', default: '8080', meaning: 'port the API listens on (0: any free port)' },
  {
    name: 'IRIS_REGION',
    field: 'region',
    default: 'eu-west',
    meaning: 'region this deployment serves (data residency)',
  },
  {
    name: 'IRIS_KNOWN_REGIONS',
    field: 'knownRegions',
    default: 'eu-west,eu-central,us-east,us-west,ap-south',
    meaning: 'regions a tenant may live in',
  },
  {
    name: 'IRIS_BOOTSTRAP_TOKEN',
    field: 'bootstrapToken',
    default: UNSET,
    meaning: 'a platform-admin token (≥ 24 characters) for scripts; unset: one is generated',
  },
  {
    name: 'IRIS_LEDGER_SIGNING_KEY',
    field: 'ledgerSigningKeyPem',
    default: UNSET,
    meaning: 'Ed25519 private key (PKCS#8 PEM) signing ledger checkpoints; unset: generated under the data directory',
  },
  {
    name: 'IRIS_LEDGER_ORIGIN',
    field: 'ledgerOrigin',
    default: 'iris.local/ledger',
    meaning: 'checkpoint origin prefix and signer name',
  },
  {
    name: 'IRIS_LEDGER_WITNESS_SECONDS',
    field: 'ledgerWitnessSeconds',
    default: '5',
    meaning: 'how often the platform log witnesses the tenant logs that grew (0: off)',
  },
  {
    name: 'IRIS_TENANT_DELETE_GRACE_SECONDS',
    field: 'tenantDeleteGraceSeconds',
    default: '604800',
    meaning: 'time a deleted tenant can be restored before purge',
  },
  {
    name: 'IRIS_BODY_LIMIT_BYTES',
    field: 'bodyLimitBytes',
    default: '262144',
    meaning: 'largest request body (413 above)',
  },
  {
    name: 'IRIS_MIGRATE_ON_START',
    field: 'applyMigrationsOnStart',
    default: 'true',
    meaning: 'apply pending migrations when the server starts',
  },
  {
    name: 'IRIS_DRAIN_SECONDS',
    field: 'drainSeconds',
    default: '0',
    meaning:
      'on SIGTERM, seconds the API keeps serving while /healthz and /readyz answer 503, before it closes (behind a load balancer: a few health-check intervals)',
  },
  { name: 'IRIS_DB_POOL_SIZE', field: 'poolSize', default: '10', meaning: 'PostgreSQL pool size' },
  {
    name: 'IRIS_DB_PREPARED_STATEMENTS',
    field: 'preparedStatements',
    default: 'true',
    meaning:
      'PostgreSQL parses and plans each statement once per connection (named prepared statements); set false behind a pooler that cannot keep them (PgBouncer before 1.21 in transaction mode)',
  },
  { name: 'IRIS_LOG_LEVEL', field: 'logLevel', default: 'info', meaning: 'pino log level' },
  {
    name: 'IRIS_REDIS_URL',
    field: 'redisUrl',
    default: UNSET,
    meaning: 'Redis that shares rate limits across replicas; unset: in memory',
  },
  { name: 'REDIS_URL', field: 'redisUrl', default: UNSET, meaning: 'read when `IRIS_REDIS_URL` is unset' },
  {
    name: 'IRIS_REDIS_PREFIX',
    field: 'redisKeyPrefix',
    default: 'iris:rl:',
    meaning: 'prefix of every rate-limit key in Redis (replicas sharing limits share it)',
  },
  {
    name: 'IRIS_RATE_LIMITS',
    field: 'rateLimitsEnabled',
    default: 'true',
    meaning: 'admission control (rate limits, concurrency caps, quotas)',
  },
  {
    name: 'IRIS_RATE_ROUTE_SHARE',
    field: 'rateRouteShare',
    default: '0.5',
    meaning: "share of a tenant's rate one route may use (see `docs/policy.md`)",
  },
  {
    name: 'IRIS_RATE_SERVICE_RPS',
    field: 'rateServiceRps',
    default: '5000',
    meaning: 'service-wide limit, requests per second (all tenants together)',
  },
  { name: 'IRIS_RATE_SERVICE_BURST', field: 'rateServiceBurst', default: '10000', meaning: 'service-wide burst' },
  {
    name: 'IRIS_UPSTREAM_REGIONS',
    field: 'upstreamRegions',
    default: '(none)',
    meaning: 'regions of upstream services, `service=region[,region];…` (residency input)',
  },
  {
    name: 'IRIS_POLICY_SIGNING_KEY',
    field: 'policySigningKeyPem',
    default: UNSET,
    meaning: 'Ed25519 key (PEM) signing policy bundles; unset: generated under the data directory',
  },
  {
    name: 'IRIS_POLICY_TRUSTED_KEYS',
    field: 'policyTrustedKeysFile',
    default: UNSET,
    meaning: 'JSON file of further trusted bundle keys, `[{"publicKey": PEM, "notAfter"?: date}]`',
  },
  {
    name: 'IRIS_POLICY_CACHE_SIZE',
    field: 'policyCacheSize',
    default: '10000',
    meaning: 'decisions kept in the decision cache (see `docs/policy.md`)',
  },
  {
    name: 'IRIS_POLICY_DECISION_SAMPLE',
    field: 'policyDecisionSampleRate',
    default: '1',
    meaning: 'share of allow decisions written to the decision log (denies always are)',
  },
  {
    name: 'IRIS_CONSOLE_SESSION_MINUTES',
    field: 'consoleSessionMinutes',
    default: '480',
    meaning: 'how long a console sign-in lasts (the session also ends when its key is revoked or expires)',
  },
  {
    name: 'IRIS_BACKUP_DIR',
    field: 'backupDir',
    default: '(`backups` in IRIS_DATA_DIR)',
    meaning: "where `iris backup create` writes backups when the call names no directory (on the server's host)",
  },
  {
    name: 'IRIS_BACKUP_SCHEDULE',
    field: 'backupScheduleSeconds',
    default: '(unset: no scheduled backups)',
    meaning:
      'take a backup this often (6h, 1d, or seconds), as a platform job run by one worker at a time; each is verified, then old ones pruned',
  },
  {
    name: 'IRIS_BACKUP_KEEP',
    field: 'backupKeep',
    default: '7',
    meaning: 'scheduled backups keep the newest this many',
  },
  {
    name: 'IRIS_BACKUP_MAX_AGE_DAYS',
    field: 'backupMaxAgeDays',
    default: '30',
    meaning: 'scheduled backups remove backups older than this (never the newest, nor the newest verified)',
  },
  {
    name: 'IRIS_ROLLOUT_SHADOW_CONCURRENCY',
    field: 'rolloutShadowConcurrency',
    default: '2',
    meaning:
      "GraphRAG queries a replica re-runs at once with a live release's candidate configuration, off the request path, to compare answers (0: no shadowing)",
  },
  {
    name: 'IRIS_HAPROXY_RUNTIME',
    field: 'haproxyRuntime',
    default: '(unset: no HAProxy)',
    meaning:
      "HAProxy's runtime API (a UNIX socket path or host:port): Iris keeps its tenant and key maps routed to each tenant's colour pool (ops/haproxy/)",
  },
  {
    name: 'IRIS_HAPROXY_MAP_DIR',
    field: 'haproxyMapDir',
    default: '/etc/haproxy/maps',
    meaning: "directory of HAProxy's tenants.map and keys.map, as haproxy.cfg loads them",
  },
  {
    name: 'IRIS_RELEASE_PREFLIGHT',
    field: 'releasePreflight',
    default: 'enforce',
    meaning:
      "enforce: a failed preflight gate (policy bundle, reviewed silences, dashboards, load probe) refuses a release's start or promotion; record: results are recorded only",
  },
  {
    name: 'IRIS_ALERTMANAGER_URL',
    field: 'alertmanagerUrl',
    default: '(unset: no silence review)',
    meaning:
      "Alertmanager whose active silences matching a release's rings must be reviewed before it starts or is promoted",
  },
  {
    name: 'IRIS_ROLLOUT_PROMETHEUS_URL',
    field: 'rolloutPrometheusUrl',
    default: "(unset: Iris's own counters through PostgreSQL)",
    meaning:
      "Prometheus whose HTTP API (/api/v1/query, /api/v1/query_range) the release analysis reads: the fast guard's counts and the bake's per-step series of iris_release_requests_total and iris_release_request_duration_seconds; down or failing: NoData, never a pass",
  },
  {
    name: 'IRIS_ROLLOUT_PROMETHEUS_STEP',
    field: 'rolloutPrometheusStepSeconds',
    default: '15',
    meaning:
      'seconds per step of the series a bake is judged on from Prometheus (at least twice the scrape interval; a bake needs 10 steps per colour)',
  },
  {
    name: 'IRIS_POLICY_MAX_BUNDLE_BYTES',
    field: 'policyMaxBundleBytes',
    default: '1048576',
    meaning: 'largest policy bundle accepted',
  },
  {
    name: 'IRIS_POLICY_DECISION_RETENTION_DAYS',
    field: 'policyDecisionRetentionDays',
    default: '30',
    meaning: 'days the decision log keeps a decision, pruned hourly and audited (0: forever)',
  },
  {
    name: 'IRIS_QUERY_LOG_RETENTION_DAYS',
    field: 'queryLogRetentionDays',
    default: '30',
    meaning: 'days a GraphRAG question no one asks again stays in the query log cache warm-ups read (≥ 7)',
  },
  { name: 'IRIS_TELEMETRY', field: 'telemetryEnabled', default: 'true', meaning: 'spans and per-request metrics' },
  {
    name: 'IRIS_TRACE_SAMPLE_RATIO',
    field: 'traceSampleRatio',
    default: '1',
    meaning:
      "share of new traces recorded (parent-based: a caller's sampled `traceparent` is followed; a job follows its request)",
  },
  {
    name: 'IRIS_TRACE_MAX_PER_SECOND',
    field: 'traceMaxPerSecond',
    default: '100',
    meaning: 'most new traces recorded per second per replica, over the ratio (0: no limit)',
  },
  {
    name: 'IRIS_OTLP_TRACES_ENDPOINT',
    field: 'otlpTracesEndpoint',
    default: UNSET,
    meaning:
      'OTLP/HTTP traces URL (`…/v1/traces`), read when `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is unset; unset: no export',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    field: 'otlpTracesEndpoint',
    default: UNSET,
    meaning: 'OTLP/HTTP traces URL, as is',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    field: 'otlpTracesEndpoint',
    default: UNSET,
    meaning: 'OTLP/HTTP base URL; traces go to `<base>/v1/traces`',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
    field: 'otlpProtocol',
    default: 'http/protobuf',
    meaning: '`http/protobuf` or `http/json` (gRPC is not supported)',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_PROTOCOL',
    field: 'otlpProtocol',
    default: 'http/protobuf',
    meaning: 'read when `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` is unset',
  },
  { name: 'OTEL_SERVICE_NAME', field: 'serviceName', default: 'iris', meaning: 'service name on spans' },
  {
    name: 'IRIS_METRICS_TOKEN',
    field: 'metricsToken',
    default: UNSET,
    meaning:
      'bearer token (24–256 printable characters) Prometheus scrapes `/metrics` with; unset: only platform-admin keys may scrape',
  },
  {
    name: 'IRIS_METRICS_TOKEN_FILE',
    field: 'metricsToken',
    default: UNSET,
    meaning: "file whose first line is the scrape token (Prometheus's `credentials_file`)",
  },
  {
    name: 'IRIS_METRICS_TOP_TENANTS',
    field: 'metricsTopTenants',
    default: '20',
    meaning: 'tenants that keep their own metric labels (the rest by tier/ring)',
  },
  {
    name: 'IRIS_RELEASE_COLOR',
    field: 'releaseColor',
    default: 'blue',
    meaning:
      'the colour of this build: the control colour until a release is promoted, and the release colour label on every metric (replicas of a colour sit behind HAProxy)',
  },
  {
    name: 'IRIS_MAX_DOCUMENT_BYTES',
    field: 'maxDocumentBytes',
    default: '20971520',
    meaning: 'largest document ingest accepts',
  },
  {
    name: 'IRIS_EXTRACT_THREADS',
    field: 'extractThreads',
    default: '(cores − 1, at least 1)',
    meaning: 'worker threads that parse and extract documents (0: on the serving thread)',
  },
  {
    name: 'IRIS_EXTRACT_TIMEOUT_MS',
    field: 'extractTimeoutMs',
    default: '120000',
    meaning: "time one document's parse/extract may take on an extraction thread before it fails (`timeMs` budget)",
  },
  {
    name: 'IRIS_EXTRACT_MEMORY_MB',
    field: 'extractMemoryMb',
    default: '1024',
    meaning: 'heap of each extraction thread; a document that needs more fails alone (`memoryMb` budget)',
  },
  {
    name: 'IRIS_LLM_PROVIDERS',
    field: 'llmProviders',
    default: UNSET,
    meaning: 'OpenAI-compatible LLM providers (JSON array, see [GraphRAG](#graphrag)); unset: no LLM',
  },
  {
    name: 'IRIS_LLM_PROVIDERS_FILE',
    field: 'llmProviders',
    default: UNSET,
    meaning: 'a file holding that JSON array (not both)',
  },
];

/** The configuration field's default as the README states it, or undefined when the text is prose. */
export function statedDefault(variable: ConfigVariable): string | undefined {
  return variable.default.startsWith('(') ? undefined : variable.default;
}

/** A config value written as the README writes defaults: arrays comma-joined, undefined as 'unset'. */
export function formatDefault(value: unknown): string {
  if (value === undefined) return UNSET;
  if (Array.isArray(value)) return value.join(',');
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : `${value as string | number | boolean}`;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

/** The README's configuration table (GitHub Markdown). */
export function renderConfigTable(variables: readonly ConfigVariable[] = CONFIG_VARIABLES): string {
  const rows = variables.map((v) => {
    const shown = v.default.startsWith('(') ? v.default.slice(1, -1) : v.default === UNSET ? UNSET : `\`${v.default}\``;
    return `| \`${v.name}\` | ${cell(shown)} | ${cell(v.meaning)} |`;
  });
  return ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n');
}

export const TABLE_START =
  '<!-- config-table:start (generated by `npm run docs:config` from src/core/config-variables.ts) -->';
export const TABLE_END = '<!-- config-table:end -->';

/** The README with its configuration table replaced by the rendered one; throws if the markers are missing. */
export function withConfigTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error('README.md has no config-table markers.');
  return `${readme.slice(0, start + TABLE_START.length)}\n${renderConfigTable()}\n${readme.slice(end)}`;
}
