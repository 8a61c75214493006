// Errors of the jobs context. Client-facing ones are IrisErrors (stable code + HTTP status);
// handler-facing ones let a job handler say whether its failure is worth retrying.
import { IrisError } from '../core/errors.js';
import type { JobErrorInfo, JobState } from './job-model.js';

/** 400: the job kind is not registered. */
export class UnknownJobKindError extends IrisError {
  constructor(kind: string, knownKinds: readonly string[]) {
    super(
      'unknown_job_kind',
      400,
      `Job kind '${kind}' is not registered. Known kinds: ${knownKinds.join(', ') || 'none'}.`,
      {
        extensions: { kind, knownKinds: [...knownKinds] },
      },
    );
  }
}

/** One schema violation of a payload. */
export interface PayloadIssue {
  readonly path: string;
  readonly message: string;
}

/** 400: the payload does not match the kind's schema. */
export class InvalidJobPayloadError extends IrisError {
  constructor(kind: string, issues: readonly PayloadIssue[]) {
    const first = issues[0];
    const detail = first === undefined ? '' : `: ${first.path || '/'} ${first.message}`;
    super('invalid_job_payload', 400, `The payload does not match the schema of job kind '${kind}'${detail}.`, {
      extensions: { kind, errors: issues.slice(0, 20) },
    });
  }
}

/** 413: the payload is larger than the kind (or the queue) accepts. */
export class JobPayloadTooLargeError extends IrisError {
  constructor(kind: string, bytes: number, limitBytes: number) {
    super(
      'payload_too_large',
      413,
      `The payload of this '${kind}' job is ${bytes} bytes; at most ${limitBytes} are accepted.`,
      {
        extensions: { kind, bytes, limitBytes },
      },
    );
  }
}

/** 429: the tenant has as many queued jobs as its quota allows. `retryAfter` is in seconds. */
export class JobQueueFullError extends IrisError {
  constructor(queued: number, limit: number, retryAfter: number) {
    super(
      'queue_full',
      429,
      `This tenant already has ${queued} queued jobs; its quota allows ${limit}. Retry after ${retryAfter} s.`,
      {
        retryable: true,
        // NOTE: the gateway's problem handler turns retryAfterSeconds into a Retry-After header.
        extensions: { queued, limit, retryAfter, retryAfterSeconds: retryAfter },
      },
    );
  }
}

/** 409: the job is not in a state the action applies to (e.g. cancelling a finished job). */
export class JobStateConflictError extends IrisError {
  constructor(
    code: 'job_not_cancellable' | 'job_not_retryable' | 'job_not_poisoned',
    jobId: string,
    state: JobState,
    message: string,
  ) {
    super(code, 409, message, { extensions: { jobId, state } });
  }
}

/** 422: an idempotency key was reused for a different request (another kind or payload). */
export class IdempotencyKeyReusedError extends IrisError {
  constructor(dedupKey: string, jobId: string) {
    super(
      'idempotency_key_reused',
      422,
      `Idempotency key '${dedupKey}' was already used for job ${jobId} with a different kind or payload.`,
      {
        extensions: { jobId },
      },
    );
  }
}

/** Thrown by a handler for a failure that retrying cannot fix: the job fails at once. */
export class NonRetryableJobError extends Error {
  readonly code: string;
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NonRetryableJobError';
    this.code = options.code ?? 'non_retryable';
  }
}

/** The attempt ran past its kind's timeout; the handler's AbortSignal fires with this reason. */
export class JobTimeoutError extends Error {
  readonly code = 'job_timeout';
  constructor(readonly timeoutMs: number) {
    super(`The handler did not finish within its timeout of ${timeoutMs} ms.`);
    this.name = 'JobTimeoutError';
  }
}

/** Reason of the AbortSignal when the job was cancelled, swept or otherwise taken from this worker. */
export class JobLeaseLostError extends Error {
  readonly code = 'lease_lost';
  constructor() {
    super('This worker no longer holds the job (it was cancelled, or its lease expired and was swept).');
    this.name = 'JobLeaseLostError';
  }
}

/** Reason of the AbortSignal when the worker shuts down before the handler finished. */
export class WorkerShutdownError extends Error {
  readonly code = 'worker_shutdown';
  constructor() {
    super('The worker is shutting down; the job was released to the queue.');
    this.name = 'WorkerShutdownError';
  }
}

const MAX_ERROR_MESSAGE = 1000;

/**
 * Classifies what a handler threw: timeouts and unknown errors are retryable;
 * NonRetryableJobError and IrisErrors marked non-retryable are not; an error carrying a
 * boolean `retryable` says so itself.
 */
export function describeFailure(err: unknown, attempt: number, at: Date): JobErrorInfo {
  let code = 'handler_error';
  let retryable = true;
  let message: string;
  if (err instanceof NonRetryableJobError) {
    code = err.code;
    retryable = false;
    message = err.message;
  } else if (err instanceof IrisError) {
    code = err.code;
    retryable = err.retryable;
    message = err.message;
  } else if (err instanceof Error) {
    const own = err as Error & { code?: unknown; retryable?: unknown };
    if (typeof own.code === 'string' && /^[a-z][a-z0-9_.-]{0,63}$/i.test(own.code)) code = own.code;
    if (typeof own.retryable === 'boolean') retryable = own.retryable;
    message = err.message;
  } else {
    message = String(err);
  }
  if (message.length > MAX_ERROR_MESSAGE) message = `${message.slice(0, MAX_ERROR_MESSAGE)}…`;
  return { code, message, retryable, attempt, at: at.toISOString() };
}
