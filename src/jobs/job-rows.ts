// Rows of the jobs table as the stores return them, and their mapping to Job records.
import type { Job, JobErrorInfo, JobState, JobTraceContext } from './job-model.js';

/**
 * The columns of a JobRow, named rather than `*`: a statement that names its columns can be a
 * prepared statement, and a column a newer migration adds cannot change its result. Keyed by
 * JobRow, so the compiler holds the list and the row type to each other.
 */
const COLUMNS: readonly string[] = Object.keys({
  tenant_id: true,
  job_id: true,
  seq: true,
  kind: true,
  payload: true,
  priority: true,
  state: true,
  run_at: true,
  attempts: true,
  max_attempts: true,
  lease_owner: true,
  lease_expires_at: true,
  dedup_key: true,
  dedup_expires_at: true,
  progress_percent: true,
  progress_message: true,
  result: true,
  last_error: true,
  trace_context: true,
  request_id: true,
  created_by: true,
  redrives: true,
  created_at: true,
  updated_at: true,
  started_at: true,
  finished_at: true,
} satisfies Record<keyof JobRow, true>);

export const JOB_COLUMNS = COLUMNS.join(', ');

/** JOB_COLUMNS qualified by `alias` (for statements that join or update through an alias). */
export const jobColumnsOf = (alias: string): string => COLUMNS.map((c) => `${alias}.${c}`).join(', ');

/** A `jobs` row (JOB_COLUMNS). Timestamps arrive as Date from both stores; int8 as number. */
export interface JobRow {
  tenant_id: string;
  job_id: string;
  seq: number | string;
  kind: string;
  payload: unknown;
  priority: number;
  state: JobState;
  run_at: Date | string;
  attempts: number;
  max_attempts: number;
  lease_owner: string | null;
  lease_expires_at: Date | string | null;
  dedup_key: string | null;
  dedup_expires_at: Date | string | null;
  progress_percent: number | null;
  progress_message: string | null;
  result: unknown;
  last_error: JobErrorInfo | null;
  trace_context: JobTraceContext | null;
  request_id: string | null;
  created_by: string | null;
  redrives: number;
  created_at: Date | string;
  updated_at: Date | string;
  started_at: Date | string | null;
  finished_at: Date | string | null;
}

function date(v: Date | string): Date {
  return v instanceof Date ? v : new Date(v);
}
function maybeDate(v: Date | string | null): Date | null {
  return v === null ? null : date(v);
}

/** Maps one row to a Job. */
export function toJob(row: JobRow): Job {
  return {
    tenantId: row.tenant_id,
    jobId: row.job_id,
    seq: Number(row.seq),
    kind: row.kind,
    payload: row.payload,
    priority: row.priority,
    state: row.state,
    runAt: date(row.run_at),
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: maybeDate(row.lease_expires_at),
    dedupKey: row.dedup_key,
    dedupExpiresAt: maybeDate(row.dedup_expires_at),
    progress: { percent: row.progress_percent, message: row.progress_message },
    result: row.result ?? null,
    lastError: row.last_error,
    traceContext: row.trace_context,
    requestId: row.request_id,
    createdBy: row.created_by,
    redrives: row.redrives,
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
    startedAt: maybeDate(row.started_at),
    finishedAt: maybeDate(row.finished_at),
  };
}

/** `tenant/job` key for maps of jobs. */
export function jobKey(job: { readonly tenantId: string; readonly jobId: string }): string {
  return `${job.tenantId}/${job.jobId}`;
}
