// Tenant-fair batch allocation: how many jobs one claim takes from each tenant with ready work.
// Pure scheduling logic (no driver): weighted round-robin over tenants in rotation order, which
// with unit-cost jobs is deficit round-robin. Work-conserving: a tenant alone on the queue gets
// the whole batch (the surge lane); as soon as others have work it gets its weighted share.

/** A tenant with queued work, in rotation order (least recently served first). */
export interface TenantBacklog {
  readonly tenantId: string;
  /** Queued jobs (an upper bound of ready ones: some may wait for run_at). */
  readonly queued: number;
  /** Jobs running now, for per-tenant concurrency caps. */
  readonly running: number;
}

export interface AllocationOptions {
  /** Jobs wanted in this claim. */
  readonly limit: number;
  /** Weight of a tenant (e.g. by tier); default 1. A round gives a tenant weight * quantum jobs. */
  readonly weightOf?: (tenantId: string) => number;
  /** Jobs per unit of weight per round; default 1 (pure interleaving). */
  readonly quantum?: number;
  /**
   * Per-tenant cap on running jobs. Caps bind only while other tenants can use the capacity:
   * leftover capacity of a batch goes to capped tenants too, so a tenant alone is not throttled.
   */
  readonly maxRunningOf?: (tenantId: string) => number | undefined;
}

/** Jobs to take from one tenant, and its place in the interleave (for the rotation cursor). */
export interface Allocation {
  readonly tenantId: string;
  readonly count: number;
  /**
   * Position of this tenant's last job in the round-robin interleave: tenants that received
   * their last job earlier come earlier in the next claim's rotation.
   */
  readonly position: number;
}

interface Slot {
  readonly tenantId: string;
  readonly quantum: number;
  readonly want: number;
  readonly cap: number;
  given: number;
  position: number;
}

function quantumOf(tenantId: string, options: AllocationOptions): number {
  const weight = options.weightOf?.(tenantId) ?? 1;
  const w = Number.isFinite(weight) && weight > 0 ? weight : 1;
  return Math.max(1, Math.round(w * (options.quantum ?? 1)));
}

/** One pass of round-robin rounds; `capped` says whether concurrency caps bind. */
function roundRobin(slots: Slot[], remaining: number, capped: boolean, counter: { next: number }): number {
  let active = slots.filter((s) => s.given < (capped ? Math.min(s.want, s.cap) : s.want));
  while (remaining > 0 && active.length > 0) {
    for (const s of active) {
      if (remaining === 0) break;
      const room = (capped ? Math.min(s.want, s.cap) : s.want) - s.given;
      const take = Math.min(s.quantum, room, remaining);
      if (take <= 0) continue;
      s.given += take;
      remaining -= take;
      s.position = counter.next + take - 1;
      counter.next += take;
    }
    active = active.filter((s) => s.given < (capped ? Math.min(s.want, s.cap) : s.want));
  }
  return remaining;
}

/**
 * Splits a claim of `options.limit` jobs across `backlogs` (in rotation order): rounds of
 * weight * quantum jobs per tenant, capped tenants skipped while others have work, leftover
 * capacity given to anyone with backlog. Returns only tenants given at least one job.
 */
export function allocateClaims(backlogs: readonly TenantBacklog[], options: AllocationOptions): Allocation[] {
  const limit = Math.max(0, Math.floor(options.limit));
  const slots: Slot[] = backlogs
    .filter((b) => b.queued > 0)
    .map((b) => {
      const max = options.maxRunningOf?.(b.tenantId);
      return {
        tenantId: b.tenantId,
        quantum: quantumOf(b.tenantId, options),
        want: b.queued,
        cap: max === undefined ? Number.POSITIVE_INFINITY : Math.max(0, max - b.running),
        given: 0,
        position: -1,
      };
    });
  const counter = { next: 0 };
  const remaining = roundRobin(slots, limit, true, counter);
  // NOTE: the surge lane: only capacity nobody under its cap could use reaches capped tenants.
  if (remaining > 0) roundRobin(slots, remaining, false, counter);
  return slots.filter((s) => s.given > 0).map((s) => ({ tenantId: s.tenantId, count: s.given, position: s.position }));
}
