// Configuration, compiled once: read the environment, validate, fill defaults, freeze.
// Nothing else in Iris reads process.env.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';

export interface IrisConfig {
  /** postgres://… for a PostgreSQL server; undefined for the embedded PGlite store. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  /** Region this deployment serves from (data residency). */
  readonly region: string;
  readonly knownRegions: readonly string[];
  readonly bootstrapToken: string | undefined;
  /** PEM of the Ed25519 key signing ledger checkpoints; generated under dataDir when unset. */
  readonly ledgerSigningKeyPem: string | undefined;
  readonly ledgerOrigin: string;
  /** Seconds between runs of the platform log's witness of the tenant logs (0: off). */
  readonly ledgerWitnessSeconds: number;
  readonly tenantDeleteGraceSeconds: number;
  readonly bodyLimitBytes: number;
  readonly logLevel: string;
  readonly applyMigrationsOnStart: boolean;
  /** Seconds `serve`/`up` keep serving after SIGTERM with health checks failing, so a load balancer stops routing here first. */
  readonly drainSeconds: number;
  readonly poolSize: number;
  /** Named prepared statements on PostgreSQL (IRIS_DB_PREPARED_STATEMENTS). */
  readonly preparedStatements: boolean;
  /** Telemetry (issue 6): OTLP/HTTP traces endpoint (…/v1/traces); undefined exports nothing. */
  readonly otlpTracesEndpoint: string | undefined;
  /** OTLP/HTTP encoding: protobuf (the OTLP default) or JSON. */
  readonly otlpProtocol: 'http/protobuf' | 'http/json';
  readonly serviceName: string;
  /** Release colour of this deployment (blue/green), a label on every metric. */
  readonly releaseColor: string;
  /** Tenants with their own metric labels (by traffic); the rest are counted per tier. */
  readonly metricsTopTenants: number;
  /** Bearer token Prometheus scrapes /metrics with (IRIS_METRICS_TOKEN or the file IRIS_METRICS_TOKEN_FILE); undefined: platform-admin keys only. */
  readonly metricsToken: string | undefined;
  /** false turns off per-request metrics and tracing (benchmarks measure the difference). */
  readonly telemetryEnabled: boolean;
  /** Share of new traces recorded (parent-based: a caller's sampled flag is followed), 0..1. */
  readonly traceSampleRatio: number;
  /** Most new traces recorded per second by this replica, over the ratio (0: no limit). */
  readonly traceMaxPerSecond: number;
  /** Redis for rate limits shared by all replicas (IRIS_REDIS_URL or REDIS_URL); undefined: in memory. */
  readonly redisUrl: string | undefined;
  /** Prefix of every rate-limit key in Redis (replicas sharing limits share it). */
  readonly redisKeyPrefix: string;
  /** PEM of the Ed25519 key that signs the built-in policy bundle; generated under dataDir when unset. */
  readonly policySigningKeyPem: string | undefined;
  /** JSON file of further trusted bundle keys: [{"publicKey": PEM, "notAfter"?: date}]. */
  readonly policyTrustedKeysFile: string | undefined;
  /** Share of allow decisions written to the decision log (denies are always written). */
  readonly policyDecisionSampleRate: number;
  /** Lifetime of a console session cookie, in minutes. */
  readonly consoleSessionMinutes: number;
  /** Default directory of backups (IRIS_BACKUP_DIR). */
  readonly backupDir: string;
  /** Seconds between scheduled backups (IRIS_BACKUP_SCHEDULE); 0: none scheduled. */
  readonly backupScheduleSeconds: number;
  /** Scheduled backups keep the newest this many (IRIS_BACKUP_KEEP). */
  readonly backupKeep: number;
  /** Scheduled backups remove those older than this many days (IRIS_BACKUP_MAX_AGE_DAYS). */
  readonly backupMaxAgeDays: number;
  /** Shadow GraphRAG queries run at once per replica (IRIS_ROLLOUT_SHADOW_CONCURRENCY); 0: no shadowing. */
  readonly rolloutShadowConcurrency: number;
  /** HAProxy's runtime API (a UNIX socket path or host:port) whose colour maps Iris keeps current; undefined: none. */
  readonly haproxyRuntime: string | undefined;
  /** The directory holding HAProxy's tenants.map and keys.map, as haproxy.cfg names them. */
  readonly haproxyMapDir: string;
  /** 'enforce': a failed preflight gate refuses a release's start or promotion; 'record': results are only recorded. */
  readonly releasePreflight: 'enforce' | 'record';
  /** Alertmanager whose silences a release's preflight reviews (IRIS_ALERTMANAGER_URL); undefined: none. */
  readonly alertmanagerUrl: string | undefined;
  /** Prometheus's HTTP API the release analysis reads instead of Iris's own counters (unset: Iris's). */
  readonly rolloutPrometheusUrl: string | undefined;
  /** Step (seconds) of the per-step series a bake is judged on when Prometheus is the source. */
  readonly rolloutPrometheusStepSeconds: number;
  /** Days the decision log keeps a decision (0: forever). */
  readonly policyDecisionRetentionDays: number;
  /** Days a question no one asks again stays in a tenant's query log (warm-ups read the last 7). */
  readonly queryLogRetentionDays: number;
  readonly policyCacheSize: number;
  readonly policyMaxBundleBytes: number;
  /** Rate limits, concurrency caps and quotas at admission. */
  readonly rateLimitsEnabled: boolean;
  /** Share of a tenant's rate one route may use (per tenant+route limit). */
  readonly rateRouteShare: number;
  /** Per-service limit (all tenants together), requests/s and burst. */
  readonly rateServiceRps: number;
  readonly rateServiceBurst: number;
  /** Regions of the upstream services each service class uses (residency input), e.g. knowledge=us-east. */
  readonly upstreamRegions: Readonly<Record<string, readonly string[]>>;
  /** Largest document ingest accepts, in bytes. */
  readonly maxDocumentBytes: number;
  /** Worker threads that parse and extract documents (0: on the event loop's thread). */
  readonly extractThreads: number;
  /** Wall time one document's parse/extract may take before it fails (its thread is stopped), ms. */
  readonly extractTimeoutMs: number;
  /** Heap of each extraction thread, MiB; a document that needs more fails alone. */
  readonly extractMemoryMb: number;
  /** OpenAI-compatible LLM providers as JSON (IRIS_LLM_PROVIDERS, or the file IRIS_LLM_PROVIDERS_FILE); undefined: no LLM. */
  readonly llmProviders: { readonly source: string; readonly text: string } | undefined;
}

export class ConfigError extends Error {}

type Env = Readonly<Record<string, string | undefined>>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got '${raw}'.`);
  }
  return n;
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** A duration in seconds, written as seconds or with a unit (90s, 30m, 6h, 1d); 0 or unset: the fallback (off). */
function durationSeconds(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === '0') return fallback;
  const m = /^(\d+)([smhd]?)$/.exec(raw.trim());
  const n = m ? Number(m[1]) * (UNIT_SECONDS[m[2] || 's'] ?? 1) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new ConfigError(
      `${name} must be a duration from ${min} s to ${max / 86_400} days (e.g. 6h, 1d), got '${raw}'.`,
    );
  return n;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (!(allowed as readonly string[]).includes(v))
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, not '${v}'.`);
  return v as T;
}

function httpUrl(env: Env, name: string): string | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL, not '${v}'.`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(`${name} must be an http(s) URL.`);
  return u.toString().replace(/\/$/, '');
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got '${raw}'.`);
}

/** OTLP/HTTP traces URL: the signal-specific variable as is, else the base endpoint + /v1/traces. */
function otlpEndpoint(env: Env): string | undefined {
  const specific = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.IRIS_OTLP_TRACES_ENDPOINT;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const url = specific || (base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined);
  if (url !== undefined && !/^https?:\/\//.test(url))
    throw new ConfigError(`The OTLP endpoint must be an http(s) URL, got '${url}'.`);
  return url;
}

/** OTEL_EXPORTER_OTLP_TRACES_PROTOCOL (else OTEL_EXPORTER_OTLP_PROTOCOL): http/protobuf (default) or http/json. */
function otlpProtocol(env: Env): 'http/protobuf' | 'http/json' {
  const raw = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf';
  if (raw !== 'http/protobuf' && raw !== 'http/json')
    throw new ConfigError(
      `The OTLP protocol must be http/protobuf or http/json (gRPC is not supported), got '${raw}'.`,
    );
  return raw;
}

function fraction(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new ConfigError(`${name} must be a number from 0 to 1, got '${raw}'.`);
  return n;
}

function redisUrl(env: Env): string | undefined {
  const url = env.IRIS_REDIS_URL || env.REDIS_URL || undefined;
  if (url !== undefined && !/^rediss?:\/\//.test(url))
    throw new ConfigError(`IRIS_REDIS_URL must start with redis:// or rediss://, got '${url.split(':')[0] ?? ''}:…'.`);
  return url;
}

/** IRIS_UPSTREAM_REGIONS: `service=region[,region];service=region`. */
function upstreamRegions(env: Env, known: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of (env.IRIS_UPSTREAM_REGIONS ?? '')
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const [service, regions] = part.split('=');
    const list = (regions ?? '')
      .split(',')
      .map((r) => r.trim())
      .filter((r) => r !== '');
    if (!service || list.length === 0)
      throw new ConfigError(`IRIS_UPSTREAM_REGIONS: '${part}' is not service=region[,region].`);
    for (const r of list)
      if (!known.includes(r))
        throw new ConfigError(`IRIS_UPSTREAM_REGIONS: region '${r}' is not one of IRIS_KNOWN_REGIONS.`);
    out[service.trim()] = list;
  }
  return out;
}

/** IRIS_LLM_PROVIDERS (JSON) or IRIS_LLM_PROVIDERS_FILE (a JSON file); checked by the knowledge context at start. */
function llmProviders(env: Env): { source: string; text: string } | undefined {
  const inline = env.IRIS_LLM_PROVIDERS;
  const file = env.IRIS_LLM_PROVIDERS_FILE;
  if (inline && file) throw new ConfigError('Set IRIS_LLM_PROVIDERS or IRIS_LLM_PROVIDERS_FILE, not both.');
  if (inline) return { source: 'IRIS_LLM_PROVIDERS', text: inline };
  if (!file) return undefined;
  try {
    return { source: file, text: readFileSync(file, 'utf8') };
  } catch (err) {
    throw new ConfigError(
      `IRIS_LLM_PROVIDERS_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`,
    );
  }
}

/** IRIS_METRICS_TOKEN, or the first line of the file IRIS_METRICS_TOKEN_FILE (Prometheus's credentials_file). */
function metricsToken(env: Env): string | undefined {
  const inline = env.IRIS_METRICS_TOKEN || undefined;
  const file = env.IRIS_METRICS_TOKEN_FILE || undefined;
  if (inline && file) throw new ConfigError('Set IRIS_METRICS_TOKEN or IRIS_METRICS_TOKEN_FILE, not both.');
  let token = inline;
  if (file) {
    try {
      token = readFileSync(file, 'utf8').split('\n')[0]?.trim();
    } catch (err) {
      throw new ConfigError(
        `IRIS_METRICS_TOKEN_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`,
      );
    }
  }
  if (token !== undefined && !/^[\x21-\x7e]{24,256}$/.test(token))
    throw new ConfigError('The metrics token must be 24 to 256 printable characters without spaces.');
  return token;
}

/** Builds the frozen configuration from an environment (process.env by default). */
export function loadConfig(env: Env = process.env, overrides: Partial<IrisConfig> = {}): IrisConfig {
  const databaseUrl = env.DATABASE_URL === '' ? undefined : env.DATABASE_URL;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(
      `DATABASE_URL must start with postgres:// or postgresql://, got '${databaseUrl.split(':')[0] ?? ''}:…'.`,
    );
  }
  const knownRegions = (env.IRIS_KNOWN_REGIONS ?? 'eu-west,eu-central,us-east,us-west,ap-south')
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');
  const region = env.IRIS_REGION ?? 'eu-west';
  if (!knownRegions.includes(region)) {
    throw new ConfigError(`IRIS_REGION '${region}' is not one of IRIS_KNOWN_REGIONS (${knownRegions.join(', ')}).`);
  }
  const bootstrapToken = env.IRIS_BOOTSTRAP_TOKEN === '' ? undefined : env.IRIS_BOOTSTRAP_TOKEN;
  if (bootstrapToken !== undefined && bootstrapToken.length < 24) {
    throw new ConfigError('IRIS_BOOTSTRAP_TOKEN must be at least 24 characters.');
  }
  const config: IrisConfig = {
    databaseUrl,
    dataDir: resolve(env.IRIS_DATA_DIR ?? '.iris'),
    host: env.IRIS_HOST ?? '127.0.0.1',
    port: int(env, 'IRIS_PORT', 8080, 0, 65535),
    region,
    knownRegions,
    bootstrapToken,
    ledgerSigningKeyPem: env.IRIS_LEDGER_SIGNING_KEY === '' ? undefined : env.IRIS_LEDGER_SIGNING_KEY,
    ledgerOrigin: env.IRIS_LEDGER_ORIGIN ?? 'iris.local/ledger',
    ledgerWitnessSeconds: int(env, 'IRIS_LEDGER_WITNESS_SECONDS', 5, 0, 3600),
    tenantDeleteGraceSeconds: int(env, 'IRIS_TENANT_DELETE_GRACE_SECONDS', 7 * 24 * 3600, 0, 365 * 24 * 3600),
    bodyLimitBytes: int(env, 'IRIS_BODY_LIMIT_BYTES', 256 * 1024, 1024, 64 * 1024 * 1024),
    logLevel: env.IRIS_LOG_LEVEL ?? 'info',
    applyMigrationsOnStart: bool(env, 'IRIS_MIGRATE_ON_START', true),
    drainSeconds: int(env, 'IRIS_DRAIN_SECONDS', 0, 0, 300),
    poolSize: int(env, 'IRIS_DB_POOL_SIZE', 10, 1, 200),
    preparedStatements: bool(env, 'IRIS_DB_PREPARED_STATEMENTS', true),
    otlpTracesEndpoint: otlpEndpoint(env),
    otlpProtocol: otlpProtocol(env),
    serviceName: env.OTEL_SERVICE_NAME || 'iris',
    releaseColor: env.IRIS_RELEASE_COLOR || 'blue',
    metricsTopTenants: int(env, 'IRIS_METRICS_TOP_TENANTS', 20, 0, 500),
    metricsToken: metricsToken(env),
    telemetryEnabled: bool(env, 'IRIS_TELEMETRY', true),
    traceSampleRatio: fraction(env, 'IRIS_TRACE_SAMPLE_RATIO', 1),
    traceMaxPerSecond: int(env, 'IRIS_TRACE_MAX_PER_SECOND', 100, 0, 1_000_000),
    redisUrl: redisUrl(env),
    redisKeyPrefix: env.IRIS_REDIS_PREFIX || 'iris:rl:',
    policySigningKeyPem: env.IRIS_POLICY_SIGNING_KEY === '' ? undefined : env.IRIS_POLICY_SIGNING_KEY,
    policyTrustedKeysFile: env.IRIS_POLICY_TRUSTED_KEYS === '' ? undefined : env.IRIS_POLICY_TRUSTED_KEYS,
    policyDecisionSampleRate: fraction(env, 'IRIS_POLICY_DECISION_SAMPLE', 1),
    consoleSessionMinutes: int(env, 'IRIS_CONSOLE_SESSION_MINUTES', 480, 1, 7 * 24 * 60),
    backupDir: resolve(env.IRIS_BACKUP_DIR || join(env.IRIS_DATA_DIR ?? '.iris', 'backups')),
    backupScheduleSeconds: durationSeconds(env, 'IRIS_BACKUP_SCHEDULE', 0, 60, 30 * 86_400),
    backupKeep: int(env, 'IRIS_BACKUP_KEEP', 7, 1, 10_000),
    backupMaxAgeDays: int(env, 'IRIS_BACKUP_MAX_AGE_DAYS', 30, 1, 36_500),
    rolloutShadowConcurrency: int(env, 'IRIS_ROLLOUT_SHADOW_CONCURRENCY', 2, 0, 64),
    haproxyRuntime: env.IRIS_HAPROXY_RUNTIME === '' ? undefined : env.IRIS_HAPROXY_RUNTIME,
    haproxyMapDir: resolve(env.IRIS_HAPROXY_MAP_DIR || '/etc/haproxy/maps'),
    alertmanagerUrl: httpUrl(env, 'IRIS_ALERTMANAGER_URL'),
    rolloutPrometheusUrl: httpUrl(env, 'IRIS_ROLLOUT_PROMETHEUS_URL'),
    rolloutPrometheusStepSeconds: int(env, 'IRIS_ROLLOUT_PROMETHEUS_STEP', 15, 1, 3600),
    releasePreflight: oneOf(env, 'IRIS_RELEASE_PREFLIGHT', ['enforce', 'record'] as const, 'enforce'),
    policyDecisionRetentionDays: int(env, 'IRIS_POLICY_DECISION_RETENTION_DAYS', 30, 0, 3650),
    queryLogRetentionDays: int(env, 'IRIS_QUERY_LOG_RETENTION_DAYS', 30, 7, 3650),
    policyCacheSize: int(env, 'IRIS_POLICY_CACHE_SIZE', 10_000, 0, 10_000_000),
    policyMaxBundleBytes: int(env, 'IRIS_POLICY_MAX_BUNDLE_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    rateLimitsEnabled: bool(env, 'IRIS_RATE_LIMITS', true),
    rateRouteShare: fraction(env, 'IRIS_RATE_ROUTE_SHARE', 0.5),
    rateServiceRps: int(env, 'IRIS_RATE_SERVICE_RPS', 5000, 1, 10_000_000),
    rateServiceBurst: int(env, 'IRIS_RATE_SERVICE_BURST', 10_000, 1, 10_000_000),
    upstreamRegions: upstreamRegions(env, knownRegions),
    maxDocumentBytes: int(env, 'IRIS_MAX_DOCUMENT_BYTES', 20 * 1024 * 1024, 1024, 256 * 1024 * 1024),
    llmProviders: llmProviders(env),
    extractThreads: int(env, 'IRIS_EXTRACT_THREADS', Math.max(1, availableParallelism() - 1), 0, 256),
    extractTimeoutMs: int(env, 'IRIS_EXTRACT_TIMEOUT_MS', 120_000, 1_000, 3_600_000),
    extractMemoryMb: int(env, 'IRIS_EXTRACT_MEMORY_MB', 1024, 64, 65_536),
    ...overrides,
  };
  return Object.freeze(config);
}
