// The span a piece of work runs under, handed down explicitly: request -> store, request ->
// job (by its stored traceparent), job -> store and LLM call. Telemetry makes the spans; every
// other context only passes them along, and gets `undefined` when nothing is traced.
//
// NOTE: explicit, not an AsyncLocalStorage context manager. On Node 20, AsyncLocalStorage runs
// promise hooks on every promise in the process once any store is entered; bench:metrics
// measured that at about 15% of the CPU a PGlite request costs (docs/decisions.md).
import type { Span } from '@opentelemetry/api';

export type TraceParent = Span | undefined;

/** A W3C traceparent, version 00: trace id, parent span id, flags (lower-case hex). */
export const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The traceparent naming a span context (sampled flag only). */
export function traceparentOf(sc: {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
}): string {
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 1) === 1 ? '01' : '00'}`;
}
