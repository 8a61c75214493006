// Each tenant's LLM tokens per UTC day, counted on this replica: extraction, answers and
// community summaries all spend from it, and a tenant whose tokens are used up is served
// extractively until the day turns. The daily limit is the tenant's quota (none: unlimited).

export interface TokenBudget {
  /** Whether the tenant may still spend LLM tokens today. */
  left(tenantId: string): boolean;
  /** Counts tokens the tenant used (prompt and completion). */
  spend(tenantId: string, used: number): void;
}

/** A budget over `limitOf(tenantId)` tokens per UTC day (undefined: no limit). */
export function makeTokenBudget(limitOf: (tenantId: string) => number | undefined): TokenBudget {
  // NOTE: per replica and in memory: N replicas let a tenant spend up to N times its quota.
  const tokens = new Map<string, { day: string; used: number }>();
  const today = (): string => new Date().toISOString().slice(0, 10);
  return {
    left(tenantId) {
      const limit = limitOf(tenantId);
      const t = tokens.get(tenantId);
      return limit === undefined || t === undefined || t.day !== today() || t.used < limit;
    },
    spend(tenantId, used) {
      const t = tokens.get(tenantId);
      const day = today();
      tokens.set(tenantId, { day, used: (t?.day === day ? t.used : 0) + used });
    },
  };
}
