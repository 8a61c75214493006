// Typed errors shared by every context: a stable code, an HTTP status, a retryable flag and a
// cause. The gateway turns them into RFC 9457 problem+json; nothing else formats errors.

/** Base of every error Iris raises on purpose. */
export class IrisError extends Error {
  readonly code: string;
  readonly status: number;
  readonly retryable: boolean;
  /** Extra members of the problem document (never secrets, never another tenant's ids). */
  readonly extensions: Readonly<Record<string, unknown>>;

  constructor(
    code: string,
    status: number,
    message: string,
    options: { retryable?: boolean; cause?: unknown; extensions?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.retryable = options.retryable ?? false;
    this.extensions = options.extensions ?? {};
  }
}

export class ValidationError extends IrisError {
  constructor(message: string, extensions?: Record<string, unknown>) {
    super('validation_failed', 400, message, { extensions });
  }
}

export class UnauthenticatedError extends IrisError {
  constructor(message = 'A valid API key is required (Authorization: Bearer <key>).') {
    super('unauthenticated', 401, message);
  }
}

export class ForbiddenError extends IrisError {
  constructor(message: string) {
    super('forbidden', 403, message);
  }
}

/** Also used when the caller may not learn whether the object exists. */
export class NotFoundError extends IrisError {
  constructor(kind: string, id: string) {
    super('not_found', 404, `${kind} '${id}' was not found.`, { extensions: { kind, id } });
  }
}

export class ConflictError extends IrisError {
  constructor(code: string, message: string, extensions?: Record<string, unknown>) {
    super(code, 409, message, { extensions });
  }
}

export class PreconditionFailedError extends IrisError {
  constructor(message: string, extensions?: Record<string, unknown>) {
    super('precondition_failed', 412, message, { extensions });
  }
}

/**
 * 503: the database cannot be reached or dropped the connection (a restart, a terminated
 * backend, a network cut). Nothing was committed unless the message says the outcome is
 * unknown (the connection was lost while committing). Retrying shortly is the right answer.
 */
export class StoreUnavailableError extends IrisError {
  constructor(message: string, options: { cause?: unknown; retryAfterSeconds?: number } = {}) {
    super('store_unavailable', 503, message, {
      retryable: true,
      cause: options.cause,
      extensions: { retryAfterSeconds: options.retryAfterSeconds ?? 1 },
    });
  }
}

/** A tenant's usage quota (documents, storage, LLM tokens per day) is used up: 403, or 429 when it resets. */
export class QuotaExceededError extends IrisError {
  constructor(quota: string, limit: number, used: number, retryAfterSeconds?: number) {
    const retry = retryAfterSeconds !== undefined;
    super(
      'quota_exceeded',
      retry ? 429 : 403,
      `The tenant's ${quota} quota is used up (${used} of ${limit}).${retry ? ' It resets at midnight UTC.' : ' Free some up or ask for a higher quota.'}`,
      {
        retryable: retry,
        extensions: { quota, limit, used, ...(retry ? { retryAfterSeconds } : {}) },
      },
    );
  }
}

/** The message of anything thrown: an Error's message, or the thrown value as a string. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
