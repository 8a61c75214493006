// Tracing: one OpenTelemetry tracer provider per app, W3C trace context in and out, an
// OTLP/HTTP exporter when an endpoint is configured, a parent-based ratio sampler. The
// provider is not registered globally (two apps in one test process keep their own spans).
//
// NOTE: no context manager. Parents are passed explicitly (core/trace-parent.ts): the request
// span on the request context and the scopes it makes, the job span on the job context. On
// Node 20 OpenTelemetry's AsyncLocalStorage context manager puts a hook on every promise of
// the process; bench:metrics measured it as the largest part of telemetry's cost.
//
// NOTE: cost. Every helper here checks first whether there is a recording span to hang a child
// on and does nothing more when there is not: a trace the sampler dropped costs its ids, not
// its spans (bench/metrics-bench.ts measures the difference).
import {
  defaultTextMapGetter,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import type { JobSpanInfo } from '../jobs/index.js';
import { TRACEPARENT, traceparentOf, type TraceParent } from '../core/trace-parent.js';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  type ReadableSpan,
  type Sampler,
  type SamplingResult,
  type Span as SdkSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { errorMessage } from '../core/errors.js';

/** Span attribute carrying the tenant on every Iris span. */
export const TENANT_ATTRIBUTE = 'iris.tenant_id';

export interface TracingOptions {
  readonly serviceName: string;
  readonly serviceVersion: string;
  /** OTLP/HTTP traces URL; undefined exports nothing (ids are still made for logs). */
  readonly otlpEndpoint: string | undefined;
  /** OTLP/HTTP encoding; default protobuf (smaller and cheaper to make than JSON). */
  readonly otlpProtocol?: 'http/protobuf' | 'http/json';
  /** Share of new traces (no sampled parent) that are recorded, 0..1; default 1. */
  readonly sampleRatio?: number;
  /** Most new traces recorded per second, over the ratio; 0 or undefined: no limit. */
  readonly maxPerSecond?: number;
  /** More processors (tests add an in-memory exporter). */
  readonly spanProcessors?: readonly SpanProcessor[];
}

/** W3C trace context of a span, as stored with a job or sent downstream. */
export interface TraceCarrier {
  readonly traceparent: string;
  readonly tracestate?: string;
}

/** What the worker knows of a job when it starts its span (declared by the jobs context). */
export type { JobSpanInfo };

export interface Tracing {
  readonly tracer: Tracer;
  readonly provider: NodeTracerProvider;
  /**
   * Runs `fn` in a child span of `parent` and ends it (a thrown error marks the span). When
   * `parent` is not recording (telemetry off, trace not sampled) `fn` runs bare and gets
   * `undefined`: callers must not pay for spans nobody keeps.
   */
  inSpan<T>(
    parent: TraceParent,
    name: string,
    attributes: Attributes,
    fn: (span: Span | undefined) => Promise<T>,
  ): Promise<T>;
  /**
   * Runs a job attempt in a new root span `job <kind>` linked to the request that enqueued it
   * (sampled whenever that request was). `fn` gets the span: handlers' store and LLM spans hang below it.
   */
  inJobSpan<T>(job: JobSpanInfo, fn: (span: Span) => Promise<T>): Promise<T>;
  /** Flushes and stops exporting. */
  shutdown(): Promise<void>;
}

/**
 * Tags each new span with its parent's tenant: the request span learns its tenant once the
 * key is authenticated, and every span below it (policy, store, jobs, LLM) inherits it.
 */
class TenantSpanProcessor implements SpanProcessor {
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

/**
 * Parent-based ratio sampling with a rate limit on new traces, and one addition for jobs:
 * - a valid parent's sampled flag decides (OpenTelemetry's ParentBasedSampler with its defaults);
 * - a root that links to a sampled span (the request that enqueued a job) is sampled, so a
 *   recorded request's trace never loses its job;
 * - any other root is sampled at `ratio`, and at most `maxPerSecond` of them a second (a token
 *   bucket of one second's worth): every request is traced at low traffic, and the cost of
 *   recording and exporting spans stops growing with throughput (bench:metrics measures it).
 *   The same idea as the reservoir of AWS X-Ray's and Jaeger's rate-limiting samplers.
 *
 * NOTE: written out rather than composed from the SDK's samplers: this runs for every span of
 * every request and the composed samplers cost several microseconds each time.
 */
export class LinkAwareSampler implements Sampler {
  private readonly root: Sampler | undefined;
  private tokens: number;
  private refilledAt: number;
  constructor(
    private readonly ratio: number,
    private readonly maxPerSecond = 0,
    private readonly now: () => number = () => performance.now(),
  ) {
    // NOTE: the ratio sampler hashes the trace id even at 1; a constant answer does not.
    this.root = ratio >= 1 || ratio <= 0 ? undefined : new TraceIdRatioBasedSampler(ratio);
    this.tokens = maxPerSecond;
    this.refilledAt = now();
  }
  shouldSample(
    ctx: Context,
    traceId: string,
    name: string,
    kind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    const parent = trace.getSpanContext(ctx);
    if (parent !== undefined && isSpanContextValid(parent))
      return (parent.traceFlags & TraceFlags.SAMPLED) !== 0 ? SAMPLED : DROPPED;
    for (const l of links) if ((l.context.traceFlags & TraceFlags.SAMPLED) !== 0) return SAMPLED;
    const byRatio =
      this.root !== undefined
        ? this.root.shouldSample(ctx, traceId, name, kind, attributes, links).decision ===
          SamplingDecision.RECORD_AND_SAMPLED
        : this.ratio >= 1;
    return byRatio && this.take() ? SAMPLED : DROPPED;
  }
  /** Takes a token of the per-second budget (always true without a limit). */
  private take(): boolean {
    if (this.maxPerSecond <= 0) return true;
    const now = this.now();
    this.tokens = Math.min(this.maxPerSecond, this.tokens + ((now - this.refilledAt) / 1000) * this.maxPerSecond);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
  toString(): string {
    return `LinkAwareSampler{ParentBased{TraceIdRatio{${this.ratio}}, max ${this.maxPerSecond || 'unlimited'}/s}}`;
  }
}

const SAMPLED: SamplingResult = Object.freeze({ decision: SamplingDecision.RECORD_AND_SAMPLED });
const DROPPED: SamplingResult = Object.freeze({ decision: SamplingDecision.NOT_RECORD });

/** W3C trace context (traceparent and tracestate) parsing, for carriers with a tracestate. */
const w3c = new W3CTraceContextPropagator();

/** Parses a W3C traceparent (version 00) into a remote span context; undefined if malformed. */
export function spanContextOf(traceparent: string | undefined, tracestate?: string): SpanContext | undefined {
  const m = traceparent === undefined ? null : TRACEPARENT.exec(traceparent);
  if (!m || /^0+$/.test(m[1] as string) || /^0+$/.test(m[2] as string)) return undefined;
  const sc: SpanContext = {
    traceId: m[1] as string,
    spanId: m[2] as string,
    traceFlags: parseInt(m[3] as string, 16) & 1,
    isRemote: true,
  };
  if (tracestate === undefined) return sc;
  const carried = trace.getSpanContext(
    w3c.extract(ROOT_CONTEXT, { traceparent: traceparent as string, tracestate }, defaultTextMapGetter),
  );
  return carried ?? sc;
}

/** The traceparent (and tracestate, when set) naming `sc`. */
export function carrierOf(sc: SpanContext): TraceCarrier {
  const traceparent = traceparentOf(sc);
  const state = sc.traceState?.serialize();
  return state ? { traceparent, tracestate: state } : { traceparent };
}

/** Ends `span` after `work` settles, marking it as failed if `work` rejects. */
export async function endAfter<T>(span: Span, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    failSpan(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** Records `err` on `span` and marks its status as an error. */
export function failSpan(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(err) });
}

/** Builds the app's tracer provider. */
export function makeTracing(opts: TracingOptions): Tracing {
  const processors: SpanProcessor[] = [new TenantSpanProcessor(), ...(opts.spanProcessors ?? [])];
  if (opts.otlpEndpoint !== undefined) {
    const exporter =
      opts.otlpProtocol === 'http/json'
        ? new OTLPJsonTraceExporter({ url: opts.otlpEndpoint })
        : new OTLPProtoTraceExporter({ url: opts.otlpEndpoint });
    processors.push(new BatchSpanProcessor(exporter, { scheduledDelayMillis: 2000 }));
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': opts.serviceName, 'service.version': opts.serviceVersion }),
    sampler: new LinkAwareSampler(opts.sampleRatio ?? 1, opts.maxPerSecond ?? 0),
    spanProcessors: processors,
  });
  const tracer = provider.getTracer('iris', opts.serviceVersion);
  return {
    tracer,
    provider,
    inSpan(parent, name, attributes, fn) {
      if (parent === undefined || !parent.isRecording()) return fn(undefined);
      const span = tracer.startSpan(name, { attributes }, trace.setSpan(ROOT_CONTEXT, parent));
      return endAfter(span, fn(span));
    },
    inJobSpan(job, fn) {
      const link = spanContextOf(job.traceparent, job.tracestate);
      const span = tracer.startSpan(
        `job ${job.kind}`,
        {
          root: true,
          kind: SpanKind.CONSUMER,
          links: link ? [{ context: link }] : [],
          attributes: {
            [TENANT_ATTRIBUTE]: job.tenantId,
            'iris.job.id': job.jobId,
            'iris.job.kind': job.kind,
            'iris.job.attempt': job.attempt,
          },
        },
        ROOT_CONTEXT,
      );
      if (!span.isRecording()) return fn(span);
      return endAfter(span, fn(span));
    },
    async shutdown() {
      await provider.shutdown();
    },
  };
}
