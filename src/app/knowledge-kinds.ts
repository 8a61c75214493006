// The job-kind adapter: the knowledge context describes its jobs (ingest, graph build, cache
// warm-up) without knowing the executor; here they become registered job kinds, and the
// follow-up jobs they ask for go on the queue as the system.
import type { Clock } from '../core/clock.js';
import { errorMessage } from '../core/errors.js';
import { newRequestId } from '../core/ids.js';
import { NonRetryableJobError, type JobKindRegistry, type JobQueue } from '../jobs/index.js';
import type { EnqueueFollowUp, KnowledgeJobKind } from '../knowledge/index.js';

/** Registers each knowledge job; an error the kind calls non-retryable fails the job at once. */
export function registerKnowledgeKinds(registry: JobKindRegistry, kinds: readonly KnowledgeJobKind[]): void {
  for (const k of kinds) {
    registry.register({
      kind: k.kind,
      description: k.description,
      payload: k.payload,
      timeoutMs: k.timeoutMs,
      maxAttempts: k.maxAttempts,
      async handler(payload, ctx) {
        try {
          return await k.handler(payload, ctx);
        } catch (err) {
          if (k.nonRetryable?.(err)) throw new NonRetryableJobError(errorMessage(err), { cause: err });
          throw err;
        }
      },
    });
  }
}

/** Queues the system's follow-up jobs (builds, warm-ups), optionally after a delay. */
export function makeFollowUp(jobs: Pick<JobQueue, 'enqueue'>, clock: Clock): EnqueueFollowUp {
  return async (tenantId, job) => {
    const runAt = job.delayMs === undefined ? undefined : new Date(clock.now().getTime() + job.delayMs);
    // A full queue skips the follow-up: answers are then computed on first ask, and coarse
    // communities wait for the next build.
    await jobs
      .enqueue(
        tenantId,
        { kind: job.kind, payload: job.payload, runAt, dedupKey: job.dedupKey },
        { actor: 'system', requestId: newRequestId() },
      )
      .catch(() => undefined);
  };
}
