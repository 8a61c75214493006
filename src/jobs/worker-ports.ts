// What a worker is given and what it offers: its ports (database, kind registry, state-change
// hook, logger, tracer), its options with their defaults, and the Worker interface with its
// statistics. The runtime that implements it is worker.ts.
import type { Database } from '../core/db.js';
import type { TraceParent } from '../core/trace-parent.js';
import type { JobStateChangeHook } from './job-model.js';
import type { JobKindRegistry } from './kinds.js';

/** The slice of a pino-like logger the worker uses. */
export interface JobLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

/** What a job attempt's span needs to know (observability implements the tracer). */
export interface JobSpanInfo {
  readonly tenantId: string;
  readonly jobId: string;
  readonly kind: string;
  readonly attempt: number;
  /** Trace context of the request that enqueued the job; the attempt's span links to it. */
  readonly traceparent: string | undefined;
  readonly tracestate: string | undefined;
}

/** Runs each job attempt inside a span (a port: the composition root wires telemetry in); `fn` gets the span. */
export interface JobTracer {
  run<T>(job: JobSpanInfo, fn: (trace: TraceParent) => Promise<T>): Promise<T>;
}

export interface WorkerDeps {
  readonly db: Database;
  readonly registry: JobKindRegistry;
  readonly onStateChange?: JobStateChangeHook;
  readonly logger?: JobLogger;
  /** Traces each attempt (handler run) in its own span; none: no spans. */
  readonly tracer?: JobTracer;
}

export interface WorkerOptions {
  readonly workerId?: string;
  /** Jobs run at once; default 10. */
  readonly concurrency?: number;
  /** Most jobs per claim; default min(concurrency, 100). */
  readonly maxBatch?: number;
  /** Lease length; a worker that stops heartbeating loses its jobs this long after. Default 30 s. */
  readonly leaseMs?: number;
  /** Default leaseMs / 3. */
  readonly heartbeatMs?: number;
  /** How often this worker sweeps expired leases (every worker sweeps; SKIP LOCKED). Default 5 s. */
  readonly sweepIntervalMs?: number;
  /** Polling fallback when no notification arrives; default 2 s. */
  readonly pollIntervalMs?: number;
  /** How often progress reports are written; default 500 ms. */
  readonly progressIntervalMs?: number;
  /** How long stop() lets in-flight handlers finish before releasing them; default 10 s. */
  readonly shutdownGraceMs?: number;
  /** Use LISTEN/NOTIFY wake-ups; default true. */
  readonly listen?: boolean;
  /** Kinds this worker runs; default every kind in the registry. */
  readonly kinds?: readonly string[];
  /** Tenant weights (e.g. by tier) for the fair rotation; default 1. */
  readonly weightOf?: (tenantId: string) => number;
  readonly quantum?: number;
  /** Per-tenant running caps that bind only while other tenants have work. */
  readonly maxRunningOf?: (tenantId: string) => number | undefined;
  /** Delete finished jobs older than this (ms); 0 disables. Default 7 days. */
  readonly pruneAfterMs?: number;
  /**
   * PGlite has no autovacuum: on PGlite the worker runs VACUUM ANALYZE on the queue tables this
   * often (ms) when it settled jobs since the last run; 0 disables. Default 60 s. Not used on
   * PostgreSQL, whose autovacuum does it.
   */
  readonly maintenanceIntervalMs?: number;
  /** How long finished attempts wait to be settled together in one transaction; default 5 ms. */
  readonly settleLingerMs?: number;
  /** Results larger than this (JSON bytes) are replaced by a note; default 64 KiB. */
  readonly maxResultBytes?: number;
  readonly random?: () => number;
}

export interface WorkerStats {
  readonly claimed: number;
  readonly succeeded: number;
  readonly retried: number;
  readonly failed: number;
  readonly poisoned: number;
  /** Attempts taken from this worker (cancelled, or lease lost). */
  readonly lost: number;
  readonly released: number;
  readonly swept: number;
  /** Handlers running now (jobs whose outcome is being written no longer count). */
  readonly inFlight: number;
}

export interface WorkerStopResult {
  /** In-flight jobs that finished during the grace period. */
  readonly finished: number;
  /** In-flight jobs released to the queue when the grace period ran out. */
  readonly released: number;
}

export interface Worker {
  readonly id: string;
  /** Subscribes, starts timers, sweeps once and starts claiming. */
  start(): Promise<void>;
  /** Stops claiming; lets in-flight jobs finish within `graceMs`, releases the rest. */
  stop(options?: { graceMs?: number }): Promise<WorkerStopResult>;
  stats(): WorkerStats;
}
