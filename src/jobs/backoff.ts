// Retry scheduling: exponential backoff with jitter, and what becomes of a failed attempt.
// Pure: the random source is a parameter so tests can pin it.

/** How long to wait between attempts of one kind. */
export interface BackoffPolicy {
  /** Delay before the second attempt, before jitter. */
  readonly baseMs: number;
  /** Ceiling of the un-jittered delay. */
  readonly maxMs: number;
  /** Growth per attempt. */
  readonly factor: number;
}

export const defaultBackoff: BackoffPolicy = Object.freeze({ baseMs: 1000, maxMs: 5 * 60_000, factor: 2 });

/**
 * Delay after failed attempt number `attempt` (1-based): d = min(maxMs, baseMs * factor^(attempt-1)),
 * then "equal jitter": d/2 + random * d/2, so retries of many jobs spread out but never
 * come back sooner than half the nominal delay.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  const nominal = Math.min(policy.maxMs, policy.baseMs * Math.pow(policy.factor, exponent));
  const half = nominal / 2;
  return Math.round(half + random() * half);
}

/** Where a failed attempt leads. */
export type FailureDecision =
  { readonly to: 'queued'; readonly delayMs: number } | { readonly to: 'failed' } | { readonly to: 'poisoned' };

/**
 * Non-retryable errors fail the job at once; retryable ones come back after a backoff until
 * `maxAttempts` attempts have been made, and then the job is poisoned (kept, never retried
 * automatically; an operator may redrive it).
 */
export function decideAfterFailure(
  attempt: number,
  maxAttempts: number,
  retryable: boolean,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): FailureDecision {
  if (!retryable) return { to: 'failed' };
  if (attempt >= maxAttempts) return { to: 'poisoned' };
  return { to: 'queued', delayMs: backoffDelayMs(attempt, policy, random) };
}
