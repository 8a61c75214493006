// Which backups a prune removes: those past the newest `keep`, and those older than
// `maxAgeDays`, except that the newest backup and the newest verified one always stay (a prune
// never leaves an operator without a restorable backup).

export interface RetentionPolicy {
  /** Keep at most this many (newest first). */
  readonly keep: number;
  /** Remove backups older than this many days (undefined: no age limit). */
  readonly maxAgeDays?: number | undefined;
}

export interface RetainedBackup {
  readonly id: string;
  readonly createdAt: string;
  readonly verified: boolean;
}

/** The ids `policy` removes from `backups` at `now`. Pure. */
export function selectPrunable(backups: readonly RetainedBackup[], policy: RetentionPolicy, now: Date): string[] {
  const newestFirst = [...backups].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  const protectedIds = new Set<string>();
  const newest = newestFirst[0];
  if (newest !== undefined) protectedIds.add(newest.id);
  const newestVerified = newestFirst.find((b) => b.verified);
  if (newestVerified !== undefined) protectedIds.add(newestVerified.id);
  const maxAgeMs = policy.maxAgeDays === undefined ? Infinity : policy.maxAgeDays * 86_400_000;
  return newestFirst
    .filter((b, i) => {
      if (protectedIds.has(b.id)) return false;
      const age = now.getTime() - Date.parse(b.createdAt);
      return i >= policy.keep || age > maxAgeMs;
    })
    .map((b) => b.id);
}
