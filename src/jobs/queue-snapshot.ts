// Per-tenant queue depth and lag for saturation metrics: one aggregate read over live jobs.
import type { Queryable } from '../core/db.js';

export interface QueueDepth {
  readonly tenantId: string;
  readonly ready: number;
  readonly running: number;
  readonly scheduled: number;
  /** Age in seconds of the oldest job that is ready but not running (0 when none). */
  readonly oldestReadySeconds: number;
}

const SELECT_QUEUE_DEPTHS = `
  select tenant_id as "tenantId",
    count(*) filter (where state = 'queued' and run_at <= now())::int as ready,
    count(*) filter (where state = 'running')::int as running,
    count(*) filter (where state = 'queued' and run_at > now())::int as scheduled,
    coalesce(extract(epoch from now() - min(run_at) filter (where state = 'queued' and run_at <= now())), 0)::float8 as "oldestReadySeconds"
  from jobs where state in ('queued', 'running') group by tenant_id`;

/** Depth and lag of every tenant with live jobs (run in platform scope to see all tenants). */
export async function selectQueueDepths(tx: Queryable): Promise<QueueDepth[]> {
  return (await tx.query<QueueDepth>(SELECT_QUEUE_DEPTHS)).rows;
}
