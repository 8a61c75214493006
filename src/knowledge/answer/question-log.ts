// The question log: every question asked is counted in memory per (tenant, mode, normalised
// question) and written in batches (recordQuestions), so the cache warm-up can answer each
// tenant's most frequent questions after its graph changed. Asking never waits on the write.

/** One buffered count. */
export interface AskedQuestion {
  readonly tenantId: string;
  readonly question: string;
  readonly mode: string;
  count: number;
}

export interface QuestionLog {
  /** Counts one asking of `question` (already normalised). */
  note(tenantId: string, question: string, mode: string): void;
  /** Drops the buffered count of one question (a warm-up's own askings are not asking). */
  forget(tenantId: string, question: string, mode: string): void;
  /** Writes the buffered counts, one write per tenant. */
  flush(): Promise<void>;
}

/** A log that hands each tenant's batch to `write`. */
export function makeQuestionLog(
  write: (tenantId: string, items: readonly AskedQuestion[]) => Promise<void>,
): QuestionLog {
  const asked = new Map<string, AskedQuestion>();
  const keyOf = (tenantId: string, question: string, mode: string): string =>
    `${tenantId}\u0000${mode}\u0000${question}`;
  return {
    note(tenantId, question, mode) {
      const key = keyOf(tenantId, question, mode);
      const seen = asked.get(key);
      if (seen) seen.count++;
      else asked.set(key, { tenantId, question, mode, count: 1 });
    },
    forget(tenantId, question, mode) {
      asked.delete(keyOf(tenantId, question, mode));
    },
    async flush() {
      const batch = [...asked.values()];
      asked.clear();
      const byTenant = new Map<string, typeof batch>();
      for (const a of batch) byTenant.set(a.tenantId, [...(byTenant.get(a.tenantId) ?? []), a]);
      for (const [tenantId, items] of byTenant) await write(tenantId, items);
    },
  };
}
