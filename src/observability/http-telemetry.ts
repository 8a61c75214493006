// The HTTP edge's telemetry, installed on the Fastify root: a server span per request
// (@fastify/otel, W3C traceparent in; traceparent and X-Request-Id out), the golden-signal
// histogram with a `trace_id` exemplar, requests in flight, and one access line per request
// whose logger carries tenant_id, request_id, trace_id and span_id.
import { FastifyOtelInstrumentation } from '@fastify/otel';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { exemplar, type IrisMetrics } from './iris-metrics.js';
import { statusClass } from './metric-catalogue.js';
import type { TenantLabeler } from './tenant-labels.js';
import { TENANT_ATTRIBUTE, type Tracing } from './tracing.js';

/** What the telemetry keeps per request. */
export interface RequestTelemetry {
  readonly traceId: string;
  readonly spanId: string;
  tenantId: string | undefined;
  /** The logger before telemetry's bindings, so re-binding never repeats a key. */
  readonly baseLog: FastifyBaseLogger;
}

declare module 'fastify' {
  interface FastifyRequest {
    telemetry: RequestTelemetry;
  }
}

export interface HttpTelemetry {
  /** Adds the hooks to the root instance; call before any route is added. */
  install(app: FastifyInstance): Promise<void>;
  /** Records who the request is for, once identity has authenticated it. */
  bindTenant(req: FastifyRequest, tenantId: string, keyId: string): void;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** Ids for a request that has no span (telemetry off): the caller's trace id, or a new one. */
function idsWithoutSpan(req: FastifyRequest): { traceId: string; spanId: string } {
  const tp = req.headers.traceparent;
  const m = typeof tp === 'string' ? TRACEPARENT.exec(tp) : null;
  return { traceId: m?.[1] ?? randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex') };
}

/**
 * Makes the HTTP telemetry. With `tracing` undefined (telemetry off) requests still get ids
 * for logs and the traceparent header, but no spans and no per-request metrics.
 */
export function makeHttpTelemetry(deps: { metrics: IrisMetrics; labeler: TenantLabeler; tracing: Tracing | undefined }): HttpTelemetry {
  const { metrics, labeler, tracing } = deps;
  return {
    async install(app) {
      app.decorateRequest('telemetry', null as unknown as RequestTelemetry);
      if (tracing) {
        const otel = new FastifyOtelInstrumentation({ instrumentHooks: false, instrumentHandler: true, recordExceptions: true });
        otel.setTracerProvider(tracing.provider);
        await app.register(otel.plugin());
      }

      app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
        const span = tracing ? req.opentelemetry().span : null;
        const sc = span?.spanContext();
        const ids = sc ? { traceId: sc.traceId, spanId: sc.spanId } : idsWithoutSpan(req);
        req.telemetry = { ...ids, tenantId: undefined, baseLog: req.log };
        reply.header('x-request-id', req.id);
        reply.header('traceparent', `00-${ids.traceId}-${ids.spanId}-${sc ? (sc.traceFlags & 1 ? '01' : '00') : '01'}`);
        req.log = req.log.child({ tenant_id: null, trace_id: ids.traceId, span_id: ids.spanId });
        reply.log = req.log;
        if (tracing) metrics.httpInFlight.inc();
      });

      app.addHook('onResponse', async (req: FastifyRequest, reply: FastifyReply) => {
        const route = req.routeOptions.url ?? 'unmatched';
        const t = req.telemetry as RequestTelemetry | null;
        if (tracing && t) {
          metrics.httpInFlight.dec();
          metrics.httpDuration.observe({
            labels: metrics.ownSeries(metrics.httpDuration, { route, method: req.method, status_class: statusClass(reply.statusCode), ...labeler.record(t.tenantId) }),
            value: reply.elapsedTime / 1000,
            exemplarLabels: exemplar(t.traceId),
          });
        }
        const line = { method: req.method, route, path: req.url.split('?')[0], status: reply.statusCode, duration_ms: Math.round(reply.elapsedTime * 100) / 100 };
        if (route.startsWith('/v1/') || reply.statusCode >= 500) req.log.info(line, 'request completed');
        else req.log.debug(line, 'request completed');
      });
    },
    bindTenant(req, tenantId, keyId) {
      req.telemetry.tenantId = tenantId;
      const t = req.telemetry;
      req.log = t.baseLog.child({ tenant_id: tenantId, key_id: keyId, trace_id: t.traceId, span_id: t.spanId });
      if (tracing) req.opentelemetry().span?.setAttribute(TENANT_ATTRIBUTE, tenantId);
    },
  };
}
