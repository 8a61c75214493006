// The job as the HTTP API and the CLI show it: a JSON resource and its schema. Internal lease
// details (which worker, when its lease ends) stay out of it.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { JOB_STATES, type Job } from './job-model.js';
import { iso } from '../core/clock.js';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Time = Type.String({ format: 'date-time' });

const JobErrorSchema = Type.Object(
  {
    code: Type.String(),
    message: Type.String(),
    retryable: Type.Boolean(),
    attempt: Type.Integer(),
    at: Type.String(),
  },
  { additionalProperties: false },
);

export const JobResourceSchema = Type.Object(
  {
    jobId: Type.String(),
    tenantId: Type.String(),
    kind: Type.String(),
    state: Type.Union(JOB_STATES.map((s) => Type.Literal(s))),
    priority: Type.Integer(),
    attempts: Type.Integer({ description: 'Attempts started so far, the running one included.' }),
    maxAttempts: Type.Integer(),
    redrives: Type.Integer(),
    progress: Type.Object(
      { percent: Nullable(Type.Integer({ minimum: 0, maximum: 100 })), message: Nullable(Type.String()) },
      { additionalProperties: false },
    ),
    lastError: Nullable(JobErrorSchema),
    payload: Type.Optional(Type.Unknown({ description: 'Omitted in lists.' })),
    result: Type.Optional(Type.Unknown({ description: 'Omitted in lists.' })),
    idempotencyKey: Nullable(Type.String()),
    traceId: Nullable(Type.String()),
    traceparent: Nullable(Type.String()),
    requestId: Nullable(Type.String()),
    createdBy: Nullable(Type.String()),
    runAt: Time,
    createdAt: Time,
    updatedAt: Time,
    startedAt: Nullable(Time),
    finishedAt: Nullable(Time),
    links: Type.Object({ self: Type.String() }, { additionalProperties: false }),
  },
  { additionalProperties: false, description: 'An asynchronous job.' },
);
export type JobResource = Static<typeof JobResourceSchema>;

export const JobPageSchema = Type.Object(
  {
    items: Type.Array(JobResourceSchema),
    continue: Type.Optional(Type.String({ description: 'Pass as ?continue= for the next (older) page.' })),
  },
  { additionalProperties: false },
);

/** The URL of a job. */
export function jobPath(tenantId: string, jobId: string): string {
  return `/v1/tenants/${tenantId}/jobs/${jobId}`;
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The trace id inside a W3C traceparent, or null. */
function traceIdOf(traceparent: string | undefined): string | null {
  if (traceparent === undefined) return null;
  return TRACEPARENT.exec(traceparent)?.[1] ?? null;
}

/** Renders a job; `detail` adds payload and result (single-job views). */
export function toJobResource(job: Job, detail = true): JobResource {
  const traceparent = job.traceContext?.traceparent;
  const resource: JobResource = {
    jobId: job.jobId,
    tenantId: job.tenantId,
    kind: job.kind,
    state: job.state,
    priority: job.priority,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    redrives: job.redrives,
    progress: { percent: job.progress.percent, message: job.progress.message },
    lastError: job.lastError,
    idempotencyKey: job.dedupKey,
    traceId: traceIdOf(traceparent),
    traceparent: traceparent ?? null,
    requestId: job.requestId,
    createdBy: job.createdBy,
    runAt: job.runAt.toISOString(),
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    links: { self: jobPath(job.tenantId, job.jobId) },
  };
  return detail ? { ...resource, payload: job.payload, result: job.result } : resource;
}
