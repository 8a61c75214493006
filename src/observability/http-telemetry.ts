// The HTTP edge's telemetry, installed on the Fastify root: a server span per request
// (`GET /v1/tenants/{tenantId}`: W3C traceparent in; traceparent and X-Request-Id out), the
// policy decision as a child span, the golden-signal histogram with a `trace_id` exemplar,
// requests in flight, and one access line per request whose logger carries tenant_id,
// request_id, trace_id and span_id.
//
// NOTE: this runs on every request, so it allocates little: the request span only (no hook or
// handler spans; the request span covers them), no object spreads (slow on Node 20's V8), label
// objects cached per series, exemplars only for sampled traces (an exemplar naming a trace that
// was not kept leads nowhere). The span is made by two hooks here rather than @fastify/otel,
// which also enters the span into an AsyncLocalStorage context on every request: the request
// span is handed down explicitly instead (core/trace-parent.ts, docs/decisions.md).
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Span } from '@opentelemetry/api';
import { TRACEPARENT } from '../core/trace-parent.js';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomHex } from '../core/ids.js';
import type { IrisMetrics } from './iris-metrics.js';
import type { HistogramSeries } from './series-histogram.js';
import { statusClass } from './metric-catalogue.js';
import type { TenantLabeler, TenantLabels } from './tenant-labels.js';
import { carrierOf, failSpan, spanContextOf, TENANT_ATTRIBUTE, type TraceCarrier, type Tracing } from './tracing.js';

/** What the telemetry keeps per request. */
export interface RequestTelemetry {
  readonly traceId: string;
  readonly spanId: string;
  /** Whether the request's trace is recorded (sampled); false without telemetry. */
  readonly sampled: boolean;
  /** The request span (undefined when telemetry is off); ended when the response is sent. */
  readonly span: Span | undefined;
  tenantId: string | undefined;
  /** The logger before telemetry's bindings, so re-binding never repeats a key. */
  readonly baseLog: FastifyBaseLogger;
}

declare module 'fastify' {
  interface FastifyRequest {
    telemetry: RequestTelemetry;
  }
}

/** Attribute naming the outcome of a policy decision span: allow, deny or error (failed closed). */
export const POLICY_OUTCOME_ATTRIBUTE = 'iris.policy.outcome';

export interface HttpTelemetry {
  /** Adds the hooks to the root instance; call before any route is added. */
  install(app: FastifyInstance): Promise<void>;
  /** Records who the request is for, once identity has authenticated it. */
  bindTenant(
    req: FastifyRequest,
    tenantId: string,
    keyId: string,
    agent?: { readonly name: string | null; readonly crew: string | null; readonly run: string | null },
  ): void;
  /**
   * Runs the request's policy decision `decide` (which throws to deny) in a `policy.decide`
   * span below the request span, tagged with the action and the outcome.
   */
  readonly policySpan: <T>(req: FastifyRequest, action: string, decide: () => T) => T;
  /**
   * The W3C trace context naming the request span, to store with work the request starts
   * (a job): the job's span links to it. Telemetry off: the ids the request answered with.
   */
  traceContext(req: FastifyRequest): TraceCarrier | Record<string, never>;
}

/** Ids for a request that has no span (telemetry off): the caller's trace id, or a new one. */
function idsWithoutSpan(req: FastifyRequest): { traceId: string; spanId: string } {
  const tp = req.headers.traceparent;
  const m = typeof tp === 'string' ? TRACEPARENT.exec(tp) : null;
  return { traceId: m?.[1] ?? randomHex(16), spanId: randomHex(8) };
}

/**
 * Starts the request's server span, named `{method} {route}` (OpenTelemetry HTTP conventions),
 * a child of the caller's span when a valid traceparent came in.
 */
function requestSpan(tracing: Tracing, req: FastifyRequest): Span {
  const route = req.routeOptions.url;
  const tp = req.headers.traceparent;
  const ts = req.headers.tracestate;
  const caller = typeof tp === 'string' ? spanContextOf(tp, typeof ts === 'string' ? ts : undefined) : undefined;
  const parent = caller === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, caller);
  return tracing.tracer.startSpan(
    route === undefined ? req.method : `${req.method} ${route}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': req.method,
        'url.path': req.url.split('?', 1)[0] ?? req.url,
        'http.route': route ?? '',
      },
    },
    parent,
  );
}

/** Ends the request span with the response status; a 5xx marks it as an error. */
function endRequestSpan(span: Span, route: string, status: number): void {
  // Not recording: a trace the sampler dropped (end is a no-op), or a request the client gave up on (ended then).
  if (!span.isRecording()) return;
  span.setAttribute('http.response.status_code', status);
  if (route === 'unmatched') span.setAttribute('http.route', '');
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/** Whether a deny error says the policy failed closed (could not be evaluated). */
function failedClosed(err: unknown): boolean {
  const ext = (err as { extensions?: { failedClosed?: unknown } } | null)?.extensions;
  return ext?.failedClosed === true;
}

/**
 * Makes the HTTP telemetry. With `tracing` undefined (telemetry off) requests still get ids
 * for logs and the traceparent header, but no spans and no per-request metrics.
 */
export function makeHttpTelemetry(deps: {
  metrics: IrisMetrics;
  labeler: TenantLabeler;
  tracing: Tracing | undefined;
}): HttpTelemetry {
  const { metrics, labeler, tracing } = deps;
  // Latency series per tenant labels (the labeler's cached objects) and route: resolved and
  // registered as the tenant's once, not per request.
  const series = new WeakMap<TenantLabels, Map<string, HistogramSeries>>();
  function latencySeries(route: string, method: string, status: string, tenant: TenantLabels): HistogramSeries {
    let byKey = series.get(tenant);
    if (!byKey) series.set(tenant, (byKey = new Map()));
    const key = `${route} ${method} ${status}`;
    let s = byKey.get(key);
    if (!s) {
      s = metrics.httpDuration.series(
        metrics.ownSeries(metrics.httpDuration, {
          route,
          method,
          status_class: status,
          tenant: tenant.tenant,
          tier: tenant.tier,
          ring: tenant.ring,
        }),
      );
      byKey.set(key, s);
    }
    return s;
  }

  return {
    async install(app) {
      app.decorateRequest('telemetry', null as unknown as RequestTelemetry);

      app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
        const span = tracing ? requestSpan(tracing, req) : undefined;
        let traceId: string;
        let spanId: string;
        let sampled = false;
        if (span) {
          const sc = span.spanContext();
          traceId = sc.traceId;
          spanId = sc.spanId;
          sampled = (sc.traceFlags & TraceFlags.SAMPLED) !== 0;
        } else {
          ({ traceId, spanId } = idsWithoutSpan(req));
        }
        req.telemetry = { traceId, spanId, sampled, span, tenantId: undefined, baseLog: req.log };
        reply.header('x-request-id', req.id);
        reply.header('traceparent', `00-${traceId}-${spanId}-${span === undefined || sampled ? '01' : '00'}`);
        req.log = req.log.child({ tenant_id: null, trace_id: traceId, span_id: spanId });
        reply.log = req.log;
        if (tracing) metrics.httpInFlight.inc();
      });

      app.addHook('onResponse', async (req: FastifyRequest, reply: FastifyReply) => {
        const route = req.routeOptions.url ?? 'unmatched';
        const t = req.telemetry as RequestTelemetry | null;
        if (t?.span) endRequestSpan(t.span, route, reply.statusCode);
        if (tracing && t) {
          metrics.httpInFlight.dec();
          // Exemplars only for sampled traces: one naming a trace that was not kept leads nowhere.
          metrics.httpDuration.observe(
            latencySeries(route, req.method, statusClass(reply.statusCode), labeler.record(t.tenantId)),
            reply.elapsedTime / 1000,
            t.sampled ? t.traceId : undefined,
          );
        }
        const info = route.startsWith('/v1/') || reply.statusCode >= 500;
        // NOTE: pino answers isLevelEnabled; Fastify's disabled logger has no such method.
        if (
          (req.log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled?.(info ? 'info' : 'debug') ===
          false
        )
          return;
        const line = {
          method: req.method,
          route,
          path: req.url.split('?')[0],
          status: reply.statusCode,
          duration_ms: Math.round(reply.elapsedTime * 100) / 100,
        };
        if (info) req.log.info(line, 'request completed');
        else req.log.debug(line, 'request completed');
      });

      if (tracing) {
        // A 5xx's error lands on the span; a client that hangs up still ends it (no onResponse then).
        app.addHook('onError', async (req: FastifyRequest, reply: FastifyReply, err: Error) => {
          const span = (req.telemetry as RequestTelemetry | null)?.span;
          if (
            span !== undefined &&
            span.isRecording() &&
            (reply.statusCode >= 500 || !(err as { statusCode?: number }).statusCode)
          )
            span.recordException(err);
        });
        app.addHook('onRequestAbort', async (req: FastifyRequest) => {
          const span = (req.telemetry as RequestTelemetry | null)?.span;
          if (span === undefined) return;
          span.setStatus({ code: SpanStatusCode.ERROR, message: 'client closed the request' });
          span.end();
        });
      }
    },
    bindTenant(req, tenantId, keyId, agent) {
      const t = req.telemetry;
      t.tenantId = tenantId;
      // Automation is told apart from people in every log line and span of its requests.
      const agentFields =
        agent === undefined ? {} : { agent: agent.name, agent_crew: agent.crew, agent_run: agent.run };
      req.log = t.baseLog.child({
        tenant_id: tenantId,
        key_id: keyId,
        ...agentFields,
        trace_id: t.traceId,
        span_id: t.spanId,
      });
      t.span?.setAttribute(TENANT_ATTRIBUTE, tenantId);
      if (agent?.name != null) t.span?.setAttribute('iris.agent.name', agent.name);
      if (agent?.crew != null) t.span?.setAttribute('iris.agent.crew', agent.crew);
      if (agent?.run != null) t.span?.setAttribute('iris.agent.run', agent.run);
    },
    policySpan(req, action, decide) {
      const parent = (req.telemetry as RequestTelemetry | null)?.span;
      if (!tracing || parent === undefined || !parent.isRecording()) return decide();
      const span = tracing.tracer.startSpan(
        'policy.decide',
        { attributes: { 'iris.policy.action': action } },
        trace.setSpan(ROOT_CONTEXT, parent),
      );
      try {
        const result = decide();
        span.setAttribute(POLICY_OUTCOME_ATTRIBUTE, 'allow');
        return result;
      } catch (err) {
        span.setAttribute(POLICY_OUTCOME_ATTRIBUTE, failedClosed(err) ? 'error' : 'deny');
        if (failedClosed(err)) failSpan(span, err);
        throw err;
      } finally {
        span.end();
      }
    },
    traceContext(req) {
      const t = req.telemetry as RequestTelemetry | null;
      if (!t) return {};
      return t.span ? carrierOf(t.span.spanContext()) : { traceparent: `00-${t.traceId}-${t.spanId}-01` };
    },
  };
}
