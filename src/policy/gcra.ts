// GCRA (the generic cell rate algorithm): a rate limit as one number per key, the theoretical
// arrival time (TAT). Several limits are checked together and committed only if all pass.
// Pure arithmetic shared by the in-memory limiter and, line for line, its Redis Lua script.

export interface RateLimit {
  /** Which limit (tenant, route, service): named in 429 answers and RateLimit headers. */
  readonly name: string;
  /** Storage key of its TAT. */
  readonly key: string;
  /** Sustained requests per second. */
  readonly rate: number;
  /** Requests allowed at once from idle (bucket capacity, >= 1). */
  readonly burst: number;
}

export interface LimitState {
  readonly name: string;
  /** Requests still allowed right now. */
  readonly remaining: number;
  /** Milliseconds until the limit is back to full burst. */
  readonly resetMs: number;
  readonly rate: number;
  readonly burst: number;
}

export interface RateVerdict {
  readonly allowed: boolean;
  /** The limit that refused (the one needing the longest wait), when refused. */
  readonly limitedBy?: string;
  readonly retryAfterMs: number;
  readonly limits: readonly LimitState[];
}

/** Emission interval in ms. */
export const intervalMs = (limit: Pick<RateLimit, 'rate'>): number => 1000 / limit.rate;

/**
 * Checks `limits` at `now` (ms) against their stored TATs; returns the verdict and the TATs
 * to store (only when allowed: a refused request consumes nothing).
 */
export function checkLimits(
  limits: readonly RateLimit[],
  tats: readonly (number | undefined)[],
  now: number,
): { verdict: RateVerdict; newTats: number[] | undefined } {
  const newTats: number[] = [];
  const states: LimitState[] = [];
  let worst = -1;
  let worstWait = 0;
  limits.forEach((limit, i) => {
    const t = intervalMs(limit);
    const tat = Math.max(tats[i] ?? now, now);
    const newTat = tat + t;
    const allowAt = newTat - t * limit.burst;
    if (now < allowAt && allowAt - now > worstWait) {
      worst = i;
      worstWait = allowAt - now;
    }
    newTats.push(newTat);
    states.push({
      name: limit.name,
      remaining: Math.max(0, Math.floor((now - allowAt) / t)),
      resetMs: Math.max(0, newTat - now),
      rate: limit.rate,
      burst: limit.burst,
    });
  });
  if (worst >= 0) {
    const limitedBy = limits[worst]?.name;
    return {
      verdict: {
        allowed: false,
        ...(limitedBy !== undefined ? { limitedBy } : {}),
        retryAfterMs: worstWait,
        limits: states.map((s, i) => (i === worst ? { ...s, remaining: 0 } : s)),
      },
      newTats: undefined,
    };
  }
  return { verdict: { allowed: true, retryAfterMs: 0, limits: states }, newTats };
}
