// The baseline of bench:queue: a plain FIFO queue (oldest ready job first, across all tenants),
// the way a queue without tenant fairness claims. Same batch size, lock mode and transaction
// shape as the fair path (settle the previous batch and claim the next in one transaction); its
// settle is a plain update (no sorted pre-lock), which only flatters the baseline.
import { platformScope, type Database } from '../../src/core/db.js';
import type { JobAttemptKey } from '../../src/jobs/index.js';

/** The index a FIFO claim needs; the bench creates it as the owner. */
export const FIFO_INDEX = `create index if not exists jobs_fifo_bench on jobs (priority desc, run_at, seq) where state = 'queued'`;

const SETTLE_SUCCEEDED = `
  update jobs j set state = 'succeeded', result = null, lease_owner = null, lease_expires_at = null,
                    progress_percent = 100, finished_at = now(), updated_at = now()
  from unnest($2::text[], $3::text[], $4::int[]) as k(tenant_id, job_id, attempts)
  where j.tenant_id = k.tenant_id and j.job_id = k.job_id and j.attempts = k.attempts
    and j.state = 'running' and j.lease_owner = $1`;

const CLAIM_FIFO = `
  with picked as (
    select ctid as tid from jobs
    where state = 'queued' and run_at <= now()
    order by priority desc, run_at, seq
    limit $1
    for update skip locked
  )
  update jobs j set state = 'running', attempts = j.attempts + 1, lease_owner = $2,
                    lease_expires_at = now() + $3::double precision * interval '1 millisecond',
                    started_at = now(), updated_at = now()
  where j.ctid = any(array(select tid from picked)) and j.state = 'queued'
  returning j.*`;

interface Row {
  tenant_id: string;
  job_id: string;
  attempts: number;
}

/** Marks `done` succeeded and claims up to `limit` jobs oldest-first, in one transaction. */
export async function settleAndClaimFifo(
  db: Database,
  workerId: string,
  done: readonly JobAttemptKey[],
  limit: number,
  leaseMs: number,
): Promise<{ settled: number; claimed: JobAttemptKey[] }> {
  return db.transaction(platformScope, async (tx) => {
    let settled = 0;
    if (done.length > 0) {
      const r = await tx.query(SETTLE_SUCCEEDED, [
        workerId,
        done.map((j) => j.tenantId),
        done.map((j) => j.jobId),
        done.map((j) => j.attempts),
      ]);
      settled = r.rowCount;
    }
    const { rows } = await tx.query<Row>(CLAIM_FIFO, [limit, workerId, leaseMs]);
    return { settled, claimed: rows.map((r) => ({ tenantId: r.tenant_id, jobId: r.job_id, attempts: r.attempts })) };
  });
}
