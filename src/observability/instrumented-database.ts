// The database port wrapped with telemetry: every transaction is a span (child of the
// request's), counted in flight against the pool size (saturation) and timed. Decorates
// the port, so the stores and the contexts above them stay unaware of telemetry.
import type { Database } from '../core/db.js';
import type { IrisMetrics } from './iris-metrics.js';
import { TENANT_ATTRIBUTE, type Tracing } from './tracing.js';

/** Returns `db` with its transactions traced, timed and counted. */
export function instrumentDatabase(db: Database, metrics: IrisMetrics, tracing: Tracing): Database {
  const system = db.dialect === 'postgres' ? 'postgresql' : 'pglite';
  return {
    dialect: db.dialect,
    async transaction(scope, fn) {
      const attrs: Record<string, string> = { 'db.system': system, 'iris.scope': scope.kind };
      if (scope.kind === 'tenant') attrs[TENANT_ATTRIBUTE] = scope.tenantId;
      return tracing.inSpan('db.transaction', attrs, async () => {
        metrics.dbInFlight.inc();
        const started = performance.now();
        let outcome = 'rollback';
        try {
          const result = await db.transaction(scope, fn);
          outcome = 'commit';
          return result;
        } finally {
          metrics.dbInFlight.dec();
          metrics.dbDuration.observe({ scope: scope.kind, outcome }, (performance.now() - started) / 1000);
        }
      });
    },
    asOwner: (fn) => db.asOwner(fn),
    listen: (channel, onPayload) => db.listen(channel, onPayload),
    ping: () => db.ping(),
    close: () => db.close(),
  };
}
