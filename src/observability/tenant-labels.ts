// Bounded tenant labels for metrics: the top-N tenants by recent traffic keep their own
// `tenant` label; every other tenant is counted as tenant="other" within its tier and ring.
// So the number of series stays flat however many tenants there are. Individual tenants
// outside the top-N are reached through exemplars, logs and traces, not labels.

/** Where a tenant sits: what the metric labels need from the tenant directory. */
export interface TenantPlacement {
  readonly tier: string;
  readonly ring: string;
}

export interface TenantLabels {
  readonly tenant: string;
  readonly tier: string;
  readonly ring: string;
}

/** Label values that are not tenant ids. */
export const TenantLabel = {
  /** A tenant outside the top-N: aggregated per tier and ring. */
  other: 'other',
  /** No tenant: unauthenticated or public routes. */
  none: 'none',
  /** Platform-level keys (operators, Iris itself). */
  platform: 'platform',
  /** A tenant the directory does not know (yet), or a ring past the bound. */
  unknown: 'unknown',
} as const;

export interface TenantLabelerOptions {
  /** How many tenants keep their own label. */
  readonly topN: number;
  /** How often the top-N is recomputed from traffic, in ms. */
  readonly refreshMs: number;
  /** Most distinct ring label values; later rings are labelled `unknown`. */
  readonly maxRings: number;
  readonly now: () => number;
  readonly placement: (tenantId: string) => TenantPlacement | undefined;
  /** The id platform-level principals carry. */
  readonly platformId: string;
}

export interface TenantLabeler {
  /** Counts one request of `tenantId` (undefined: no tenant) and returns its labels. */
  record(tenantId: string | undefined): TenantLabels;
  /** Labels without counting (for metrics other than request traffic). */
  labelsOf(tenantId: string | undefined): TenantLabels;
  /** The tenants that currently keep their own label. */
  top(): readonly string[];
  /** Calls `listener` with each tenant that leaves the top-N, so its series can be dropped. */
  onEvict(listener: (tenantId: string) => void): void;
}

const NONE: TenantLabels = Object.freeze({ tenant: TenantLabel.none, tier: TenantLabel.none, ring: TenantLabel.none });
const PLATFORM_LABELS: TenantLabels = Object.freeze({
  tenant: TenantLabel.platform,
  tier: TenantLabel.platform,
  ring: TenantLabel.platform,
});

/**
 * Makes a labeler. Traffic is counted per refresh window into an exponentially decayed score
 * (half-life one window); at each refresh the N highest scores form the new top. Between
 * refreshes a free slot goes to the first tenant that shows up, so a quiet start still
 * labels its first N tenants individually.
 */
export function makeTenantLabeler(opts: TenantLabelerOptions): TenantLabeler {
  let window = new Map<string, number>();
  const scores = new Map<string, number>();
  let top = new Set<string>();
  const rings = new Set<string>();
  let lastRefresh = opts.now();
  const evictListeners: ((tenantId: string) => void)[] = [];

  function refresh(now: number): void {
    lastRefresh = now;
    for (const [id, s] of scores) {
      const decayed = s / 2;
      if (decayed < 0.5) scores.delete(id);
      else scores.set(id, decayed);
    }
    for (const [id, n] of window) scores.set(id, (scores.get(id) ?? 0) + n);
    window = new Map();
    const ranked = [...scores].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const next = new Set(ranked.slice(0, opts.topN).map(([id]) => id));
    const evicted = [...top].filter((id) => !next.has(id));
    top = next;
    for (const id of cached.keys()) if (!scores.has(id)) cached.delete(id);
    for (const id of evicted) for (const l of evictListeners) l(id);
  }

  function ringLabel(ring: string): string {
    if (rings.has(ring)) return ring;
    if (rings.size < opts.maxRings) {
      rings.add(ring);
      return ring;
    }
    return TenantLabel.unknown;
  }

  // NOTE: one frozen labels object per tenant, reused while its placement and top-N membership
  // hold: callers key caches on the object's identity, and nothing is allocated per request.
  const cached = new Map<string, { placement: TenantPlacement | undefined; labels: TenantLabels }>();

  function labelsOf(tenantId: string | undefined): TenantLabels {
    if (tenantId === undefined) return NONE;
    if (tenantId === opts.platformId) return PLATFORM_LABELS;
    const p = opts.placement(tenantId);
    const tenant = top.has(tenantId) ? tenantId : TenantLabel.other;
    const hit = cached.get(tenantId);
    if (hit && hit.placement === p && hit.labels.tenant === tenant) return hit.labels;
    const tier = p?.tier ?? TenantLabel.unknown;
    const ring = p === undefined ? TenantLabel.unknown : ringLabel(p.ring);
    const labels: TenantLabels = Object.freeze({ tenant, tier, ring });
    cached.set(tenantId, { placement: p, labels });
    return labels;
  }

  return {
    record(tenantId) {
      if (tenantId !== undefined && tenantId !== opts.platformId) {
        const now = opts.now();
        if (now - lastRefresh >= opts.refreshMs) refresh(now);
        window.set(tenantId, (window.get(tenantId) ?? 0) + 1);
        if (top.size < opts.topN && !top.has(tenantId)) top.add(tenantId);
      }
      return labelsOf(tenantId);
    },
    labelsOf,
    top: () => [...top],
    onEvict(listener) {
      evictListeners.push(listener);
    },
  };
}
