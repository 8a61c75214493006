// One attempt of a job on a worker: the in-flight entry the worker keeps, running the kind's
// handler (timeout, AbortSignal, progress, span), bounding its result, and the correlation
// fields of the attempt's log lines.
import { TRACEPARENT, type TraceParent } from '../core/trace-parent.js';
import { JobTimeoutError } from './errors.js';
import type { Job } from './job-model.js';
import type { JobContext, RegisteredJobKind } from './kinds.js';
import type { JobTracer } from './worker-ports.js';

type EntryState = 'running' | 'settling' | 'abandoned';

/** A job this worker holds: running its handler, settling its outcome, or abandoned. */
export interface InFlight {
  readonly job: Job;
  readonly controller: AbortController;
  state: EntryState;
  progress: { percent: number; message: string | null } | null;
  progressDirty: boolean;
  /** The attempt's span ids, for its log lines (unset when not traced). */
  spanIds?: { readonly traceId: string; readonly spanId: string };
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    else signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}

/**
 * Runs one attempt of `entry`'s job: the kind's handler with its timeout and AbortSignal, in a
 * span when a tracer is given. Resolves to the handler's result; rejects with its error, or
 * with the abort reason (timeout, lease lost, shutdown) as soon as the signal fires.
 */
export async function runAttempt(
  entry: InFlight,
  kind: RegisteredJobKind,
  workerId: string,
  tracer: JobTracer | undefined,
): Promise<unknown> {
  const { job, controller } = entry;
  const timeoutMs = kind.timeoutFor(job.payload);
  const timer = setTimeout(() => controller.abort(new JobTimeoutError(timeoutMs)), timeoutMs);
  const contextOf = (trace: TraceParent): JobContext => ({
    tenantId: job.tenantId,
    jobId: job.jobId,
    kind: job.kind,
    attempt: job.attempts,
    maxAttempts: job.maxAttempts,
    signal: controller.signal,
    progress: (percent, message) => {
      if (entry.state !== 'running' || !Number.isFinite(percent)) return;
      entry.progress = { percent: Math.min(100, Math.max(0, percent)), message: message ?? null };
      entry.progressDirty = true;
    },
    traceparent: job.traceContext?.traceparent,
    tracestate: job.traceContext?.tracestate,
    requestId: job.requestId ?? undefined,
    createdBy: job.createdBy ?? undefined,
    workerId,
    trace,
  });
  const attempt = (trace: TraceParent): Promise<unknown> => {
    if (trace !== undefined) {
      const sc = trace.spanContext();
      entry.spanIds = { traceId: sc.traceId, spanId: sc.spanId };
    }
    const work = Promise.resolve().then(() => kind.definition.handler(job.payload, contextOf(trace)));
    // NOTE: a handler that ignores its signal may settle after the race is decided.
    void work.catch(() => undefined);
    return Promise.race([work, rejectOnAbort(controller.signal)]);
  };
  try {
    if (tracer === undefined) return await attempt(undefined);
    const span = {
      tenantId: job.tenantId,
      jobId: job.jobId,
      kind: job.kind,
      attempt: job.attempts,
      traceparent: job.traceContext?.traceparent,
      tracestate: job.traceContext?.tracestate,
    };
    return await tracer.run(span, attempt);
  } finally {
    clearTimeout(timer);
  }
}

/** A handler's result as stored: JSON, and not larger than `maxBytes` (else a note says why). */
export function boundResult(result: unknown, maxBytes: number): unknown {
  if (result === undefined) return null;
  let json: string | undefined;
  try {
    json = JSON.stringify(result);
  } catch {
    return { note: 'The handler returned a value that is not JSON.' };
  }
  if (json === undefined) return null;
  const bytes = Buffer.byteLength(json, 'utf8');
  return bytes > maxBytes
    ? { note: `The result was ${bytes} bytes, over the ${maxBytes}-byte limit, and was not kept.` }
    : result;
}

// Log lines carry the four correlation fields of every Iris line (tenant_id, request_id,
// trace_id, span_id): a job's are its tenant, the request that enqueued it and the attempt's
// span (the request's trace when the attempt has none); the worker's own lines have none.
export function workerLogFields(workerId: string): Record<string, unknown> {
  return { tenant_id: null, request_id: null, trace_id: null, span_id: null, worker_id: workerId };
}

export function attemptLogFields(entry: InFlight, workerId: string): Record<string, unknown> {
  const { job } = entry;
  const caller = TRACEPARENT.exec(job.traceContext?.traceparent ?? '');
  return {
    tenant_id: job.tenantId,
    request_id: job.requestId,
    trace_id: entry.spanIds?.traceId ?? caller?.[1] ?? null,
    span_id: entry.spanIds?.spanId ?? caller?.[2] ?? null,
    job_id: job.jobId,
    job_kind: job.kind,
    attempt: job.attempts,
    worker_id: workerId,
  };
}
