// Tracing: one OpenTelemetry tracer provider per app, W3C trace context in and out, an
// OTLP/HTTP exporter when an endpoint is configured. The provider is not registered
// globally (two apps in one test process keep their own spans); only the context manager
// and the propagator are process-wide, as OpenTelemetry's API requires.
import { context, propagation, type Context, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type ReadableSpan, type Span as SdkSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-node';

/** Span attribute carrying the tenant on every Iris span. */
export const TENANT_ATTRIBUTE = 'iris.tenant_id';

export interface TracingOptions {
  readonly serviceName: string;
  readonly serviceVersion: string;
  /** OTLP/HTTP traces URL; undefined exports nothing (ids are still made for logs). */
  readonly otlpEndpoint: string | undefined;
  /** More processors (tests add an in-memory exporter). */
  readonly spanProcessors?: readonly SpanProcessor[];
}

export interface Tracing {
  readonly tracer: Tracer;
  readonly provider: NodeTracerProvider;
  /** Runs `fn` in a child span of the active one; ends it, records a thrown error. */
  inSpan<T>(name: string, attributes: Record<string, string | number | boolean>, fn: (span: Span) => Promise<T>): Promise<T>;
  /** The W3C headers (traceparent, tracestate) of the active span, to send downstream. */
  headers(): Record<string, string>;
  /** Flushes and stops exporting. */
  shutdown(): Promise<void>;
}

/**
 * Tags each new span with its parent's tenant: the request span learns its tenant once the
 * key is authenticated, and every span below it (handler, store, jobs, LLM) inherits it.
 */
export class TenantSpanProcessor implements SpanProcessor {
  onStart(span: SdkSpan, parentContext: Context): void {
    if (span.attributes[TENANT_ATTRIBUTE] !== undefined) return;
    const parent = trace.getSpan(parentContext) as Partial<ReadableSpan> | undefined;
    const tenant = parent?.attributes?.[TENANT_ATTRIBUTE];
    if (tenant !== undefined) span.setAttribute(TENANT_ATTRIBUTE, tenant);
  }
  onEnd(): void {}
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

let globalsInstalled = false;

/** Installs the async-local-storage context manager and the W3C propagator, once. */
function installGlobals(): void {
  if (globalsInstalled) return;
  globalsInstalled = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

/** Builds the app's tracer provider. */
export function makeTracing(opts: TracingOptions): Tracing {
  installGlobals();
  const processors: SpanProcessor[] = [new TenantSpanProcessor(), ...(opts.spanProcessors ?? [])];
  if (opts.otlpEndpoint !== undefined) {
    processors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: opts.otlpEndpoint }), { scheduledDelayMillis: 2000 }));
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': opts.serviceName, 'service.version': opts.serviceVersion }),
    spanProcessors: processors,
  });
  const tracer = provider.getTracer('iris', opts.serviceVersion);
  return {
    tracer,
    provider,
    async inSpan(name, attributes, fn) {
      return tracer.startActiveSpan(name, { attributes }, async (span) => {
        try {
          return await fn(span);
        } catch (err) {
          span.recordException(err instanceof Error ? err : String(err));
          span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
          throw err;
        } finally {
          span.end();
        }
      });
    },
    headers() {
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      return carrier;
    },
    async shutdown() {
      await provider.shutdown();
    },
  };
}

/** The trace and span id of the active span, if any. */
export function activeIds(): { traceId: string; spanId: string } | undefined {
  const sc = trace.getSpan(context.active())?.spanContext();
  return sc && sc.traceId !== '00000000000000000000000000000000' ? { traceId: sc.traceId, spanId: sc.spanId } : undefined;
}
