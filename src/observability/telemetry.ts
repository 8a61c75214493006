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
import { endAfter, makeTracing, type JobSpanInfo, type Tracing } from './tracing.js';
import { ROOT_CONTEXT, SpanKind, trace, TraceFlags, type Attributes, type Span } from '@opentelemetry/api';
import type { TraceParent } from '../core/trace-parent.js';
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
  readonly signals: TelemetrySignals;
  readonly labeler: TenantLabeler;
  /** Undefined when telemetry is off (IRIS_TELEMETRY=false). */
  readonly tracing: Tracing | undefined;
  readonly http: HttpTelemetry;
  /** The database port with transactions traced and counted (as is when telemetry is off). */
  instrumentDatabase(db: Database): Database;
  /** Counts the outcome of every ledger verification `reader` performs. */
  instrumentLedgerVerify<R extends { verify(...args: never[]): Promise<{ readonly ok: boolean }> }>(reader: R): R;
  /**
   * Runs `fn` in a span `name`, child of `parent` (a request's, a job's), tagged with
   * `attributes` and the tenant; ends it, marks a thrown error. Without a recorded span to hang
   * it on (telemetry off, trace not sampled) `fn` runs as is and gets `undefined`.
   */
  readonly withSpan: <T>(
    parent: TraceParent,
    name: string,
    attributes: Attributes,
    fn: (span: Span | undefined) => Promise<T>,
  ) => Promise<T>;
  /**
   * The LLM gateway's span hook (`observe.span`): a client span below `parent` named after the
   * OpenTelemetry GenAI conventions (`chat <model>`, gen_ai.system, gen_ai.request.model). `fn`
   * gets the span; the usage the gateway reports for it through `signals.llmCall({ span })`
   * lands on it as gen_ai.usage.input_tokens and gen_ai.usage.output_tokens.
   */
  readonly llmSpan: <T>(
    name: string,
    attributes: Readonly<Record<string, string | number>>,
    parent: TraceParent,
    fn: (span: TraceParent) => Promise<T>,
  ) => Promise<T>;
  /** The worker's tracing port: each job attempt in a span linked to its enqueuing request. */
  readonly jobs: JobTracing;
  shutdown(): Promise<void>;
}

/** How the worker traces job attempts (structural: the jobs context declares the same shape). */
export interface JobTracing {
  readonly run: <T>(job: JobSpanInfo, fn: (span: TraceParent) => Promise<T>) => Promise<T>;
}

/** The metrics' signals, with LLM calls reported against their span (usage and outcome on it, its trace as exemplar). */
export type TelemetrySignals = Omit<Signals, 'llmCall'> & {
  llmCall(call: Parameters<Signals['llmCall']>[0] & { readonly span?: TraceParent }): void;
};

/** OpenTelemetry GenAI semantic-convention attribute names Iris sets on LLM spans. */
export const GenAiAttributes = {
  operation: 'gen_ai.operation.name',
  system: 'gen_ai.system',
  requestModel: 'gen_ai.request.model',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  errorType: 'error.type',
} as const;

/** The LLM gateway's attribute names, and what they become on the span. */
const LLM_ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  'llm.provider': GenAiAttributes.system,
  'llm.model': GenAiAttributes.requestModel,
  'llm.region': 'iris.llm.region',
  'llm.purpose': 'iris.llm.purpose',
};

/** Maps the LLM gateway's span attributes onto GenAI names (unknown names pass through). */
function genAiAttributes(attributes: Readonly<Record<string, string | number>>): Attributes {
  const out: Attributes = { [GenAiAttributes.operation]: 'chat' };
  for (const [k, v] of Object.entries(attributes)) out[LLM_ATTRIBUTE_NAMES[k] ?? k] = v;
  return out;
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
    ? makeTracing({
        serviceName: config.serviceName,
        serviceVersion: deps.version,
        otlpEndpoint: config.otlpTracesEndpoint,
        otlpProtocol: config.otlpProtocol,
        sampleRatio: config.traceSampleRatio,
        maxPerSecond: config.traceMaxPerSecond,
        spanProcessors: deps.spanProcessors ?? [],
      })
    : undefined;
  // LLM spans: usage reported through signals.llmCall lands only on a span llmSpan made.
  const llmSpans = new WeakSet<Span>();
  const withSpan: Telemetry['withSpan'] = (parent, name, attributes, fn) =>
    tracing ? tracing.inSpan(parent, name, attributes, fn) : fn(undefined);
  const signals: TelemetrySignals = {
    ...metrics.signals,
    llmCall(c) {
      const { span, ...call } = c;
      const sc = span?.spanContext();
      metrics.signals.llmCall(
        call.traceId === undefined && sc !== undefined && (sc.traceFlags & TraceFlags.SAMPLED) !== 0
          ? { ...call, traceId: sc.traceId }
          : call,
      );
      if (span === undefined || !llmSpans.has(span)) return;
      if (c.promptTokens !== undefined) span.setAttribute(GenAiAttributes.inputTokens, c.promptTokens);
      if (c.completionTokens !== undefined) span.setAttribute(GenAiAttributes.outputTokens, c.completionTokens);
      if (c.outcome !== 'ok') span.setAttribute(GenAiAttributes.errorType, c.outcome);
    },
  };
  return {
    // NOTE: prom-client's content-type parameter is only a type; the registry renders
    // OpenMetrics (set at creation) whichever parameter its holders name.
    registry: metrics.registry as unknown as Registry,
    metrics,
    signals,
    withSpan,
    llmSpan(_name, attributes, parent, fn) {
      if (!tracing || parent === undefined || !parent.isRecording()) return fn(undefined);
      const attrs = genAiAttributes(attributes);
      const model = attrs[GenAiAttributes.requestModel];
      const spanName = typeof model === 'string' ? `chat ${model}` : 'chat';
      const span = tracing.tracer.startSpan(
        spanName,
        { kind: SpanKind.CLIENT, attributes: attrs },
        trace.setSpan(ROOT_CONTEXT, parent),
      );
      llmSpans.add(span);
      return endAfter(span, fn(span));
    },
    jobs: {
      run: (job, fn) => (tracing ? tracing.inJobSpan(job, fn) : fn(undefined)),
    },
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
