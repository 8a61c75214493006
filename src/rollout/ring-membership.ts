// Which ring a tenant belongs to. Rings are ordered tenant groups (the order is the promotion
// order); a tenant is placed by, in precedence: an explicit pin, its own `ring` field, the
// first ring (in order) whose label selector it matches, else the last ring (the general
// population). Pure: the wiring passes in the ring definitions and the tenant's facts.

/** One ring as configured (`iris rings update`). */
export interface RingDefinition {
  readonly name: string;
  /** Promotion order: lower goes first. Unique across rings. */
  readonly order: number;
  /** Labels a tenant must all carry, with these values, to fall in this ring. */
  readonly selector?: Readonly<Record<string, string>>;
  /** Tenant ids placed here whatever their field or labels say. */
  readonly pins?: readonly string[];
}

/** What the rings need to know of a tenant. */
export interface TenantRingFacts {
  readonly tenantId: string;
  /** The tenant's `ring` field, if set. */
  readonly ring: string | null;
  readonly labels: Readonly<Record<string, string>>;
}

/** A ring placement that says how it was decided (`iris rings show`, `iris flags explain`). */
export interface RingPlacement {
  readonly ring: string;
  readonly by: 'pin' | 'field' | 'selector' | 'default';
}

/** The rings sorted into promotion order (a copy). */
export function promotionOrder(rings: readonly RingDefinition[]): RingDefinition[] {
  return [...rings].sort((a, b) => a.order - b.order);
}

/**
 * The ring of `tenant`. A `ring` field naming no configured ring is ignored (falls through to
 * selectors), so a deleted ring never strands its tenants. Null only when no ring exists.
 */
export function ringOf(tenant: TenantRingFacts, rings: readonly RingDefinition[]): RingPlacement | null {
  const ordered = promotionOrder(rings);
  // Pins first, earliest ring first: a tenant pinned twice gets the more cautious ring.
  for (const r of ordered) if (r.pins?.includes(tenant.tenantId) === true) return { ring: r.name, by: 'pin' };
  if (tenant.ring !== null && ordered.some((r) => r.name === tenant.ring)) return { ring: tenant.ring, by: 'field' };
  // NOTE: an empty selector would match everyone; it is treated as no selector.
  for (const r of ordered) {
    const wanted = Object.entries(r.selector ?? {});
    if (wanted.length > 0 && wanted.every(([k, v]) => Object.hasOwn(tenant.labels, k) && tenant.labels[k] === v)) {
      return { ring: r.name, by: 'selector' };
    }
  }
  const last = ordered.at(-1);
  return last === undefined ? null : { ring: last.name, by: 'default' };
}

/** Problems of a ring configuration: duplicate names or orders, a tenant pinned to two rings. */
export function ringProblems(rings: readonly RingDefinition[]): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  const orders = new Map<number, string>();
  const pinned = new Map<string, string>();
  // One pass; each problem is named once, at the second ring that causes it.
  for (const r of rings) {
    if (names.has(r.name)) problems.push(`ring '${r.name}' is defined twice`);
    names.add(r.name);
    const other = orders.get(r.order);
    if (other !== undefined) problems.push(`rings '${other}' and '${r.name}' share order ${r.order}`);
    else orders.set(r.order, r.name);
    for (const t of r.pins ?? []) {
      const first = pinned.get(t);
      if (first !== undefined && first !== r.name)
        problems.push(`tenant '${t}' is pinned to '${first}' and '${r.name}'`);
      else pinned.set(t, r.name);
    }
  }
  return problems;
}
