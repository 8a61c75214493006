// Configuration, compiled once: read the environment, validate, fill defaults, freeze.
// Nothing else in Iris reads process.env.
import { resolve } from 'node:path';

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
  readonly tenantDeleteGraceSeconds: number;
  readonly bodyLimitBytes: number;
  readonly logLevel: string;
  readonly applyMigrationsOnStart: boolean;
  readonly poolSize: number;
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

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got '${raw}'.`);
}

/** Builds the frozen configuration from an environment (process.env by default). */
export function loadConfig(env: Env = process.env, overrides: Partial<IrisConfig> = {}): IrisConfig {
  const databaseUrl = env.DATABASE_URL === '' ? undefined : env.DATABASE_URL;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must start with postgres:// or postgresql://, got '${databaseUrl.split(':')[0] ?? ''}:…'.`);
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
    tenantDeleteGraceSeconds: int(env, 'IRIS_TENANT_DELETE_GRACE_SECONDS', 7 * 24 * 3600, 0, 365 * 24 * 3600),
    bodyLimitBytes: int(env, 'IRIS_BODY_LIMIT_BYTES', 256 * 1024, 1024, 64 * 1024 * 1024),
    logLevel: env.IRIS_LOG_LEVEL ?? 'info',
    applyMigrationsOnStart: bool(env, 'IRIS_MIGRATE_ON_START', true),
    poolSize: int(env, 'IRIS_DB_POOL_SIZE', 10, 1, 200),
    ...overrides,
  };
  return Object.freeze(config);
}
