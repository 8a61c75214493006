// Scheduled backups (IRIS_BACKUP_SCHEDULE): every replica asks, at each tick, for the backup of
// the current slot (floor(now / interval)) as a platform job whose idempotency key is the slot,
// so however many replicas ask, one job per interval exists and one worker runs it. The job
// takes the backup, verifies it by restoring it, and prunes by count and age.
import { Type } from '@sinclair/typebox';
import type { Clock } from '../core/clock.js';
import { errorMessage } from '../core/errors.js';
import { defineJobKind } from '../jobs/index.js';
import type { RetentionPolicy } from './backup-retention.js';
import type { Backups } from './backups.js';

export const BACKUP_JOB_KIND = 'backup.scheduled';

/** The job kind that takes, verifies and prunes a scheduled backup. */
export function backupJobKind(backups: Pick<Backups, 'create' | 'verify' | 'prune'>, retention: RetentionPolicy) {
  return defineJobKind({
    kind: BACKUP_JOB_KIND,
    description: 'Takes a scheduled backup of the whole store, verifies it by restoring it, and prunes old backups.',
    payload: Type.Object({ slot: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
    async handler(_payload, ctx) {
      ctx.progress(5, 'taking a snapshot');
      const backup = await backups.create();
      ctx.progress(40, `verifying ${backup.id} (a scratch restore)`);
      const verification = await backups.verify(backup.id);
      ctx.progress(90, 'pruning old backups');
      const pruned = await backups.prune(retention);
      if (!verification.ok) {
        const failed = verification.checks.find((c) => !c.ok);
        throw new Error(`backup ${backup.id} failed verification (${failed?.name ?? '?'}: ${failed?.detail ?? ''})`);
      }
      return { id: backup.id, bytes: backup.bytes, verified: true, pruned: pruned.removed };
    },
    timeoutMs: 3_600_000,
    maxAttempts: 2,
    platform: true,
  });
}

/**
 * Asks for the current slot's backup now and at every tick; resolves to a stop function.
 * `enqueue` gets the slot and its idempotency key.
 */
export function startBackupSchedule(deps: {
  readonly intervalSeconds: number;
  readonly clock: Clock;
  readonly enqueue: (slot: number, dedupKey: string) => Promise<unknown>;
  readonly onError?: (message: string) => void;
}): () => void {
  const intervalMs = deps.intervalSeconds * 1000;
  const tick = (): void => {
    const slot = Math.floor(deps.clock.now().getTime() / intervalMs);
    deps
      .enqueue(slot, `backup-${deps.intervalSeconds}-${slot}`)
      .catch((err: unknown) => deps.onError?.(errorMessage(err)));
  };
  tick();
  // NOTE: ticking at most once a minute is enough: a slot is the whole interval (60 s or more).
  const timer = setInterval(tick, Math.min(intervalMs, 60_000));
  timer.unref();
  return () => clearInterval(timer);
}
