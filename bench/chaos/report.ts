// The numbers a run reports: success ratio seen by clients, p99 during faults against before
// them, the time to recover from each fault.
import type { Outcome } from './client.js';
import type { FaultRecord } from './faults.js';

/** A request counts as "during a fault" when it started up to this long after the part was back. */
export const FAULT_TAIL_MS = 5_000;

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export interface FaultRecovery {
  readonly name: string;
  readonly recoveryS: number;
  /** From the same moment to the end of the last failed request (0: none failed). */
  readonly clientRecoveryS: number;
  readonly failures: number;
  /** Requests that got a Retry-After and were sent again (once). */
  readonly retried: number;
  readonly requests: number;
}

/**
 * Recovery of one fault: from the moment it hit (instant faults) or was lifted (held faults)
 * to the later of the part being back and the end of the last failed request that started
 * before the next fault.
 */
export function recoveries(outcomes: readonly Outcome[], faults: readonly FaultRecord[]): FaultRecovery[] {
  return faults.map((f, i) => {
    const until = faults[i + 1]?.start ?? Number.POSITIVE_INFINITY;
    const mine = outcomes.filter((o) => o.start >= f.start && o.start < until);
    const failed = mine.filter((o) => o.verdict === 'fail');
    const from = f.lifted;
    const recovered = Math.max(f.back, from, ...failed.map((o) => o.end));
    return {
      name: f.name,
      recoveryS: Math.max(0, recovered - from) / 1000,
      clientRecoveryS: Math.max(0, ...failed.map((o) => o.end - from)) / 1000,
      failures: failed.length,
      retried: mine.filter((o) => o.retried).length,
      requests: mine.length,
    };
  });
}

export interface Summary {
  readonly requests: number;
  readonly failures: number;
  readonly quota: number;
  readonly writes: number;
  readonly successRatio: number;
  readonly p99FaultMs: number;
  readonly p99CalmMs: number;
  readonly rps: number;
  readonly tenants: number;
}

export function summarize(
  outcomes: readonly Outcome[],
  faults: readonly FaultRecord[],
  loadStart: number,
  loadMs: number,
): Summary {
  const first = faults[0]?.start ?? Number.POSITIVE_INFINITY;
  const inFault = (o: Outcome): boolean => faults.some((f) => o.start >= f.start && o.start <= f.back + FAULT_TAIL_MS);
  const latency = (o: Outcome): number => o.end - o.start;
  const failures = outcomes.filter((o) => o.verdict === 'fail').length;
  return {
    requests: outcomes.length,
    failures,
    quota: outcomes.filter((o) => o.verdict === 'quota').length,
    writes: outcomes.filter((o) => o.write).length,
    successRatio: outcomes.length === 0 ? 0 : (outcomes.length - failures) / outcomes.length,
    p99FaultMs: percentile(outcomes.filter(inFault).map(latency), 99),
    // NOTE: the first seconds warm every replica's caches and connections: not "calm" yet.
    p99CalmMs: percentile(outcomes.filter((o) => o.start < first && o.start > loadStart + 2_000).map(latency), 99),
    rps: outcomes.length / (loadMs / 1000),
    tenants: new Set(outcomes.map((o) => o.tenant)).size,
  };
}

/** Failed requests grouped by operation and answer, most frequent first. */
export function failureTable(outcomes: readonly Outcome[]): string[] {
  const counts = new Map<string, number>();
  for (const o of outcomes)
    if (o.verdict === 'fail') {
      const k = `${o.op} -> ${o.status === 0 ? 'no answer' : o.status} ${o.detail}${o.retried ? ' (after Retry-After)' : ''}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${String(n).padStart(5)}  ${k}`);
}
