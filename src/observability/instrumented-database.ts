// The database port wrapped with telemetry: every transaction is counted in flight against the
// pool size (saturation) and timed, and is a `db.transaction` span (one per transaction, not
// per statement) when its scope names a recorded span (`scope.trace`: a request's, a job's).
// Decorates the port, so the stores and the contexts above them stay unaware of telemetry.
//
// NOTE: transactions outside any recorded span (control loops, the worker's claims and
// settles, unsampled requests) get no span: a root span per background transaction would be
// noise, and an unsampled trace keeps nothing anyway.
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import type { Database, Scope } from '../core/db.js';
import type { IrisMetrics } from './iris-metrics.js';
import { failSpan, TENANT_ATTRIBUTE, type Tracing } from './tracing.js';

/** Returns `db` with its transactions traced, timed and counted. */
export function instrumentDatabase(db: Database, metrics: IrisMetrics, tracing: Tracing): Database {
  const system = db.dialect === 'postgres' ? 'postgresql' : 'pglite';
  const { tracer } = tracing;
  // Series per scope kind and outcome, resolved once.
  const series = {
    tenant: {
      commit: metrics.dbDuration.series({ scope: 'tenant', outcome: 'commit' }),
      rollback: metrics.dbDuration.series({ scope: 'tenant', outcome: 'rollback' }),
    },
    platform: {
      commit: metrics.dbDuration.series({ scope: 'platform', outcome: 'commit' }),
      rollback: metrics.dbDuration.series({ scope: 'platform', outcome: 'rollback' }),
    },
  };

  async function timed<T>(scope: Scope, run: () => Promise<T>): Promise<T> {
    metrics.dbInFlight.inc();
    const started = performance.now();
    let outcome: 'commit' | 'rollback' = 'rollback';
    try {
      const result = await run();
      outcome = 'commit';
      return result;
    } finally {
      metrics.dbInFlight.dec();
      metrics.dbDuration.observe(series[scope.kind][outcome], (performance.now() - started) / 1000);
    }
  }

  /** Runs `run` timed, and in a `db.transaction` span when the scope names a recorded span. */
  function observed<T>(scope: Scope, run: () => Promise<T>): Promise<T> {
    const parent = scope.trace;
    if (parent === undefined || !parent.isRecording()) return timed(scope, run);
    const span = tracer.startSpan(
      'db.transaction',
      { kind: SpanKind.CLIENT, attributes: { 'db.system': system, 'iris.scope': scope.kind } },
      trace.setSpan(ROOT_CONTEXT, parent),
    );
    if (scope.kind === 'tenant') span.setAttribute(TENANT_ATTRIBUTE, scope.tenantId);
    return timed(scope, async () => {
      try {
        return await run();
      } catch (err) {
        failSpan(span, err);
        throw err;
      } finally {
        span.end();
      }
    });
  }

  return {
    dialect: db.dialect,
    transaction: (scope, fn, options) => observed(scope, () => db.transaction(scope, fn, options)),
    read: (scope, sql, params) => observed(scope, () => db.read(scope, sql, params)),
    asOwner: (fn) => db.asOwner(fn),
    listen: (channel, onPayload, onReconnect, onLost) => db.listen(channel, onPayload, onReconnect, onLost),
    ping: () => db.ping(),
    close: () => db.close(),
  };
}
