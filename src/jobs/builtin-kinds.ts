// Kinds every deployment has: `noop` and `sleep`, for tests, smoke checks and benchmarks.
// Registration point for other contexts' kinds: the composition root calls
// `registerBuiltinKinds(registry)` and then, e.g., `registry.register(policyCompileKind)`
// (policy issue) and the GraphRAG ingest/graph-build kinds (knowledge issue).
import { Type } from '@sinclair/typebox';
import { defineJobKind, type JobKindRegistry } from './kinds.js';

/** Does nothing and succeeds; `echo` comes back as the result. */
const noopKind = defineJobKind({
  kind: 'noop',
  description: 'Does nothing and succeeds at once.',
  payload: Type.Object({ echo: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false }),
  async handler(payload) {
    return payload.echo === undefined ? null : { echo: payload.echo };
  },
  timeoutMs: 10_000,
});

const SLEEP_MAX_MS = 3_600_000;

/** Waits `ms` milliseconds (reporting progress, honouring cancellation) and succeeds. */
const sleepKind = defineJobKind({
  kind: 'sleep',
  description: 'Waits the given time, reporting progress; for tests and load checks.',
  payload: Type.Object(
    {
      ms: Type.Integer({ minimum: 0, maximum: SLEEP_MAX_MS }),
      steps: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    },
    { additionalProperties: false },
  ),
  async handler(payload, ctx) {
    const steps = payload.steps ?? 10;
    const step = payload.ms / steps;
    for (let i = 1; i <= steps; i++) {
      await abortableDelay(step, ctx.signal);
      ctx.progress(Math.round((i / steps) * 100), `slept ${Math.round(step * i)} of ${payload.ms} ms`);
    }
    return { sleptMs: payload.ms };
  },
  timeoutMs: (payload) => payload.ms + 30_000,
});

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Registers `noop` and `sleep`. */
export function registerBuiltinKinds(registry: JobKindRegistry): JobKindRegistry {
  registry.register(noopKind);
  registry.register(sleepKind);
  return registry;
}
