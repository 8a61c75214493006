// The span a piece of work runs under, handed down explicitly: request -> store, request ->
// job (by its stored traceparent), job -> store and LLM call. Telemetry makes the spans; every
// other context only passes them along, and gets `undefined` when nothing is traced.
//
// NOTE: explicit, not an AsyncLocalStorage context manager. On Node 20, AsyncLocalStorage runs
// promise hooks on every promise in the process once any store is entered; bench:metrics
// measured that at about 15% of the CPU a PGlite request costs (docs/decisions.md).
import type { Span } from '@opentelemetry/api';

export type TraceParent = Span | undefined;
