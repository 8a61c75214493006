// The one way Iris calls an LLM: providers in priority (then cost) order, each behind its own
// bulkhead, circuit breaker, retry and per-attempt timeout (cockatiel); a provider outside the
// tenant's residency is never called; failures move on to the next provider, and when none is
// left the caller gets a typed 503 that says what was tried and why.
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  bulkhead,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
  wrap,
  type CircuitBreakerPolicy,
  type IDisposable,
  type IPolicy,
  type TimeoutPolicy,
} from 'cockatiel';
import { IrisError } from '../../core/errors.js';
import { traceparentOf, type TraceParent } from '../../core/trace-parent.js';
import { chatCompletion, LlmCallError, type ChatMessage, type FetchFn } from './openai-client.js';
import type { LlmProviderConfig } from './provider-config.js';

export const LLM_PURPOSES = ['extract', 'answer', 'report'] as const;
export type LlmPurpose = (typeof LLM_PURPOSES)[number];

export const LLM_CALL_OUTCOMES = ['ok', 'error', 'timeout', 'rejected', 'malformed', 'breaker_open'] as const;
export type LlmCallOutcome = (typeof LLM_CALL_OUTCOMES)[number];

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface LlmRequest {
  readonly tenantId: string;
  /** The tenant's residency: a provider whose region fails this is never sent anything. */
  regionAllowed(region: string): boolean;
  readonly messages: readonly ChatMessage[];
  readonly maxTokens?: number;
  readonly temperature?: number;
  /** Cancels the call; no further provider is tried, and the signal's reason is thrown. */
  readonly signal?: AbortSignal;
  readonly purpose: LlmPurpose;
  /** The caller's span (a request's, a job's): each provider call is a span below it. */
  readonly trace?: TraceParent;
}

export interface LlmCompletion {
  readonly text: string;
  readonly provider: string;
  readonly model: string;
  readonly region: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
  /** Wall time of the whole `complete()`, failovers included. */
  readonly seconds: number;
}

export interface LlmProviderStatus {
  readonly name: string;
  readonly region: string;
  readonly model: string;
  readonly breaker: BreakerState;
}

export interface LlmGateway {
  /** False when no provider is configured: callers use their extractive path without asking. */
  readonly configured: boolean;
  /** Throws NoEligibleLlmProviderError, LlmUnavailableError, or the signal's reason when cancelled. */
  complete(request: LlmRequest): Promise<LlmCompletion>;
  status(): LlmProviderStatus[];
  /** Aborts calls in flight and refuses new ones. */
  close?(): void;
}

/** Telemetry hooks; the observability context implements them (metrics, spans). */
export interface LlmObserver {
  /** Once per provider tried by one `complete()` (retries of that provider included); `span` is the call's, from `span`. */
  call(c: {
    provider: string;
    outcome: LlmCallOutcome;
    seconds: number;
    promptTokens?: number;
    completionTokens?: number;
    span?: TraceParent;
  }): void;
  /** A provider's breaker opened (true) or closed again after a successful trial call (false). */
  breaker(provider: string, open: boolean): void;
  /** Runs one provider call in a span below `parent`; `fn` gets the span (undefined when not traced). */
  span?<T>(
    name: string,
    attributes: Record<string, string | number>,
    parent: TraceParent,
    fn: (span: TraceParent) => Promise<T>,
  ): Promise<T>;
}

export interface LlmGatewayOptions {
  readonly providers: readonly LlmProviderConfig[];
  readonly fetch?: FetchFn;
  readonly observe?: LlmObserver;
  /** Consecutive failed calls that open a provider's breaker (default 5). */
  readonly breakerThreshold?: number;
  /** Milliseconds an open breaker waits before letting one trial call through (default 10 000). */
  readonly halfOpenAfterMs?: number;
  /** Attempts at one provider for retryable failures, the first included (default 2). */
  readonly attemptsPerProvider?: number;
  /** First backoff between attempts, in milliseconds (default 100). */
  readonly retryDelayMs?: number;
}

/** Nothing configured, or every configured provider is outside the tenant's residency. */
export class NoEligibleLlmProviderError extends IrisError {
  constructor(configured: number, excludedRegions: readonly string[]) {
    const message =
      configured === 0
        ? 'No LLM provider is configured.'
        : `None of the ${configured} configured LLM providers may process this tenant's data: their regions (${[...new Set(excludedRegions)].join(', ')}) are outside its residency.`;
    super('llm_no_eligible_provider', 503, message, {
      retryable: true,
      extensions: { configured, excludedByResidency: excludedRegions.length },
    });
  }
}

/** What happened at one provider during a failed `complete()`. */
export interface LlmAttempt {
  readonly provider: string;
  readonly outcome: Exclude<LlmCallOutcome, 'ok'>;
  readonly detail: string;
}

/** Every eligible provider failed, was saturated or had its breaker open. */
export class LlmUnavailableError extends IrisError {
  readonly attempts: readonly LlmAttempt[];

  constructor(attempts: readonly LlmAttempt[], excludedByResidency: number, cause: unknown) {
    const called = attempts.filter((a) => a.outcome !== 'breaker_open' && a.outcome !== 'rejected').length;
    const excluded = excludedByResidency === 0 ? '' : `; ${excludedByResidency} more excluded by residency`;
    const message = `No LLM provider could answer: ${attempts.length} eligible, ${called} called${excluded}. ${attempts.map((a) => `${a.provider}: ${a.detail}`).join('; ')}.`;
    super('llm_unavailable', 503, message, {
      retryable: true,
      cause,
      extensions: {
        attempts: attempts.map((a) => ({ provider: a.provider, outcome: a.outcome })),
        excludedByResidency,
      },
    });
    this.attempts = attempts;
  }
}

interface Lane {
  readonly config: LlmProviderConfig;
  readonly policy: IPolicy;
  readonly timeout: TimeoutPolicy;
  readonly breaker: CircuitBreakerPolicy;
}

const isProviderFault = (err: Error): boolean => err instanceof LlmCallError && err.providerFault;
const isRetryable = (err: Error): boolean => err instanceof LlmCallError && err.retryable;

/** Builds the gateway over `providers`; each provider gets its own resilience policies. */
export function makeLlmGateway(options: LlmGatewayOptions): LlmGateway {
  const observe = options.observe;
  const attempts = Math.max(1, options.attemptsPerProvider ?? 2);
  const listeners: IDisposable[] = [];
  const closing = new AbortController();

  const lanes: Lane[] = options.providers.map((config) => {
    const breaker = circuitBreaker(handleWhen(isProviderFault), {
      halfOpenAfter: options.halfOpenAfterMs ?? 10_000,
      breaker: new ConsecutiveBreaker(options.breakerThreshold ?? 5),
    });
    // NOTE: cockatiel's maxAttempts counts retries, not attempts.
    const retries = retry(handleWhen(isRetryable), {
      maxAttempts: attempts - 1,
      backoff: new ExponentialBackoff({ initialDelay: options.retryDelayMs ?? 100, maxDelay: 2_000 }),
    });
    if (observe !== undefined) {
      listeners.push(breaker.onBreak(() => observe.breaker(config.name, true)));
      listeners.push(breaker.onReset(() => observe.breaker(config.name, false)));
    }
    // Order, outside in: the bulkhead bounds whole calls; the breaker counts a call once,
    // after its retries; each attempt has its own timeout.
    return {
      config,
      policy: wrap(bulkhead(config.maxConcurrent, config.maxQueue), breaker, retries),
      timeout: timeout(config.timeoutMs, TimeoutStrategy.Aggressive),
      breaker,
    };
  });

  /** One provider, all attempts: the completion or the error that ended it. */
  async function callLane(lane: Lane, request: LlmRequest, signal: AbortSignal, span: TraceParent) {
    const { config } = lane;
    const traceparent = span === undefined ? undefined : traceparentOf(span.spanContext());
    const call = {
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      ...(traceparent === undefined ? {} : { traceparent }),
    };
    return lane.policy.execute(
      ({ signal: attemptSignal }) =>
        lane.timeout
          .execute(({ signal: s }) => chatCompletion(config, request, { ...call, signal: s }), attemptSignal)
          .catch((err: unknown) => {
            // The timeout policy throws TaskCancelledError for its own timer and for the
            // caller's cancellation alike; only the first is the provider's failure.
            if (err instanceof TaskCancelledError && !attemptSignal.aborted) {
              throw new LlmCallError(config.name, 'timeout', `did not answer within ${config.timeoutMs} ms`, {
                retryable: true,
                providerFault: true,
                cause: err,
              });
            }
            throw err;
          }),
      signal,
    );
  }

  async function tryLane(
    lane: Lane,
    request: LlmRequest,
    signal: AbortSignal,
    startedAt: number,
    span: TraceParent,
  ): Promise<LlmCompletion | (LlmAttempt & { error: unknown })> {
    const { config } = lane;
    const t0 = performance.now();
    const elapsed = (): number => (performance.now() - t0) / 1000;
    try {
      const reply = await callLane(lane, request, signal, span);
      observe?.call({
        provider: config.name,
        outcome: 'ok',
        seconds: elapsed(),
        promptTokens: reply.promptTokens,
        completionTokens: reply.completionTokens,
        span,
      });
      return {
        text: reply.text,
        provider: config.name,
        model: config.model,
        region: config.region,
        promptTokens: reply.promptTokens,
        completionTokens: reply.completionTokens,
        costUsd: reply.promptTokens * config.costPerInputToken + reply.completionTokens * config.costPerOutputToken,
        seconds: (performance.now() - startedAt) / 1000,
      };
    } catch (error) {
      if (signal.aborted) throw cancellation(signal, error);
      const attempt = describe(config, error);
      observe?.call({ provider: config.name, outcome: attempt.outcome, seconds: elapsed(), span });
      return { ...attempt, error };
    }
  }

  async function complete(request: LlmRequest): Promise<LlmCompletion> {
    const startedAt = performance.now();
    const eligible = lanes.filter((l) => request.regionAllowed(l.config.region)).sort(byPreference);
    if (eligible.length === 0)
      throw new NoEligibleLlmProviderError(
        lanes.length,
        lanes.map((l) => l.config.region),
      );
    const excluded = lanes.length - eligible.length;

    const { signal, dispose } = linkedSignal(closing.signal, request.signal);
    try {
      if (signal.aborted) throw cancellation(signal, undefined);
      const failed: LlmAttempt[] = [];
      let lastError: unknown;
      for (const lane of eligible) {
        const attributes = {
          'iris.tenant_id': request.tenantId,
          'llm.provider': lane.config.name,
          'llm.model': lane.config.model,
          'llm.region': lane.config.region,
          'llm.purpose': request.purpose,
        };
        const run = (span: TraceParent): Promise<LlmCompletion | (LlmAttempt & { error: unknown })> =>
          tryLane(lane, request, signal, startedAt, span);
        const result =
          observe?.span === undefined
            ? await run(undefined)
            : await observe.span('llm.call', attributes, request.trace, run);
        if ('text' in result) return result;
        const { error, ...attempt } = result;
        failed.push(attempt);
        lastError = error;
      }
      throw new LlmUnavailableError(failed, excluded, lastError);
    } finally {
      dispose();
    }
  }

  return {
    configured: lanes.length > 0,
    complete,
    status: () =>
      lanes.map((l) => ({
        name: l.config.name,
        region: l.config.region,
        model: l.config.model,
        breaker: breakerState(l.breaker.state),
      })),
    close() {
      if (!closing.signal.aborted)
        closing.abort(
          new IrisError('llm_gateway_closed', 503, 'The LLM gateway is shutting down.', { retryable: true }),
        );
      for (const l of listeners.splice(0)) l.dispose();
    },
  };
}

/** Priority first (lower wins), then the cheaper per-token price; ties keep configuration order. */
function byPreference(a: Lane, b: Lane): number {
  return (
    a.config.priority - b.config.priority ||
    a.config.costPerInputToken +
      a.config.costPerOutputToken -
      (b.config.costPerInputToken + b.config.costPerOutputToken)
  );
}

function describe(config: LlmProviderConfig, error: unknown): LlmAttempt {
  const provider = config.name;
  if (error instanceof BrokenCircuitError)
    return { provider, outcome: 'breaker_open', detail: 'skipped, circuit breaker open' };
  if (error instanceof BulkheadRejectedError) {
    return {
      provider,
      outcome: 'rejected',
      detail: `rejected at capacity (${config.maxConcurrent} in flight, ${config.maxQueue} queued)`,
    };
  }
  if (error instanceof LlmCallError) {
    switch (error.failure) {
      case 'timeout':
        return { provider, outcome: 'timeout', detail: error.detail };
      case 'malformed':
        return { provider, outcome: 'malformed', detail: error.detail };
      case 'http':
      case 'network':
        return { provider, outcome: 'error', detail: error.detail };
      default: {
        const never: never = error.failure;
        return never;
      }
    }
  }
  return { provider, outcome: 'error', detail: `unexpected ${error instanceof Error ? error.name : 'failure'}` };
}

function breakerState(state: CircuitState): BreakerState {
  switch (state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.HalfOpen:
      return 'half-open';
    case CircuitState.Open:
    case CircuitState.Isolated:
      return 'open';
    default: {
      const never: never = state;
      return never;
    }
  }
}

/** What a cancelled call throws: the reason the signal was aborted with. */
function cancellation(signal: AbortSignal, error: unknown): unknown {
  return signal.reason ?? error ?? new TaskCancelledError();
}

/** A signal aborted by either parent (with its reason); `dispose` drops the listeners. */
function linkedSignal(a: AbortSignal, b: AbortSignal | undefined): { signal: AbortSignal; dispose: () => void } {
  const ctrl = new AbortController();
  const parents = b === undefined ? [a] : [a, b];
  const onAbort = (e: Event): void => ctrl.abort((e.target as AbortSignal).reason);
  for (const p of parents) {
    if (p.aborted) {
      ctrl.abort(p.reason);
      return { signal: ctrl.signal, dispose: () => undefined };
    }
  }
  for (const p of parents) p.addEventListener('abort', onAbort, { once: true });
  return {
    signal: ctrl.signal,
    dispose: () => {
      for (const p of parents) p.removeEventListener('abort', onAbort);
    },
  };
}
