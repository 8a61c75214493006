// The observability context's composition: one `Telemetry` per app, built from the
// configuration. The composition root hands its parts to the gateway (HTTP telemetry), the
// store (instrumented database) and every context (signals).
import type { Registry } from 'prom-client';
import type { IrisConfig } from '../core/config.js';
import type { Database } from '../core/db.js';
import { PLATFORM } from '../core/ids.js';
import { makeHttpTelemetry, type HttpTelemetry } from './http-telemetry.js';
import { instrumentDatabase } from './instrumented-database.js';
import { makeIrisMetrics, type IrisMetrics, type Signals } from './iris-metrics.js';
import { makeTenantLabeler, type TenantLabeler, type TenantPlacement } from './tenant-labels.js';
import { makeTracing, type Tracing } from './tracing.js';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-node';

export interface TelemetryDeps {
  readonly version: string;
  /** Tier and ring of a tenant (the tenant directory), for bounded labels. */
  readonly placement: (tenantId: string) => TenantPlacement | undefined;
  /** Extra span processors (tests: an in-memory exporter). */
  readonly spanProcessors?: readonly SpanProcessor[];
  readonly now?: () => number;
}

export interface Telemetry {
  readonly registry: Registry;
  readonly metrics: IrisMetrics;
  readonly signals: Signals;
  readonly labeler: TenantLabeler;
  /** Undefined when telemetry is off (IRIS_TELEMETRY=false). */
  readonly tracing: Tracing | undefined;
  readonly http: HttpTelemetry;
  /** The database port with transactions traced and counted (as is when telemetry is off). */
  instrumentDatabase(db: Database): Database;
  /** Counts the outcome of every ledger verification `reader` performs. */
  instrumentLedgerVerify<R extends { verify(...args: never[]): Promise<{ readonly ok: boolean }> }>(reader: R): R;
  shutdown(): Promise<void>;
}

/** How often the top-N tenants are recomputed from traffic. */
const TOP_TENANTS_REFRESH_MS = 60_000;
/** Most distinct ring labels. */
const MAX_RINGS = 16;

/** Builds the app's telemetry from configuration. */
export function makeTelemetry(config: IrisConfig, deps: TelemetryDeps): Telemetry {
  const labeler = makeTenantLabeler({
    topN: config.metricsTopTenants,
    refreshMs: TOP_TENANTS_REFRESH_MS,
    maxRings: MAX_RINGS,
    now: deps.now ?? Date.now,
    placement: deps.placement,
    platformId: PLATFORM,
  });
  const metrics = makeIrisMetrics({ labeler, color: config.releaseColor, poolMax: config.poolSize });
  const tracing = config.telemetryEnabled
    ? makeTracing({ serviceName: config.serviceName, serviceVersion: deps.version, otlpEndpoint: config.otlpTracesEndpoint, spanProcessors: deps.spanProcessors ?? [] })
    : undefined;
  return {
    // NOTE: prom-client's content-type parameter is only a type; the registry renders
    // OpenMetrics (set at creation) whichever parameter its holders name.
    registry: metrics.registry as unknown as Registry,
    metrics,
    signals: metrics.signals,
    labeler,
    tracing,
    http: makeHttpTelemetry({ metrics, labeler, tracing }),
    instrumentDatabase(db) {
      // NOTE: PGlite is one connection; PostgreSQL gets the configured pool.
      metrics.dbPoolMax.set(db.dialect === 'pglite' ? 1 : config.poolSize);
      return tracing ? instrumentDatabase(db, metrics, tracing) : db;
    },
    instrumentLedgerVerify(reader) {
      const verify = reader.verify.bind(reader);
      return {
        ...reader,
        async verify(...args: never[]) {
          const result = await verify(...args);
          metrics.signals.ledgerVerified(result.ok);
          return result;
        },
      };
    },
    async shutdown() {
      await tracing?.shutdown();
    },
  };
}
