// What can go wrong in a CLI run, as typed errors, and how each becomes a message on stderr
// and an exit code: 1 for a failed operation, 2 for a usage mistake. Never a stack trace.
import { errorMessage } from '../core/errors.js';

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** The user called a command wrongly (missing or contradictory flags, a malformed value). */
export class UsageError extends Error {}

/** An operation that ran but did not succeed (a failed verification, an unreadable file). */
export class CommandFailedError extends Error {
  constructor(
    message: string,
    readonly lines: readonly string[] = [],
  ) {
    super(message);
  }
}

/** One entry of a problem's `errors[]` (validation failures). */
export interface FieldError {
  readonly in?: string;
  readonly field?: string;
  readonly message?: string;
}

/** An RFC 9457 problem document as the API sends it. */
export interface ProblemDocument {
  readonly status: number;
  readonly code?: string;
  readonly detail?: string;
  readonly title?: string;
  readonly requestId?: string;
  readonly errors?: readonly FieldError[];
  readonly [extension: string]: unknown;
}

/** The API answered with an error status. */
export class ApiProblemError extends Error {
  constructor(
    readonly status: number,
    readonly problem: ProblemDocument,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

/** The API could not be reached at all (refused, DNS, TLS, timeout). */
export class ApiUnreachableError extends Error {
  constructor(
    readonly api: string,
    readonly reason: string,
  ) {
    super(`cannot reach Iris at ${api}: ${reason}`);
  }
}

/** Something answered, but not like Iris (not JSON, unexpected shape). */
export class ApiBadResponseError extends Error {}

export interface Report {
  readonly lines: readonly string[];
  readonly exitCode: number;
}

/** Turns any error of a CLI run into the lines to print on stderr and the exit code. */
export function reportError(err: unknown, hints: { tokenSource?: string; tokenFile?: string } = {}): Report {
  if (err instanceof UsageError)
    return { lines: [`error: ${err.message}`, '(add --help for usage)'], exitCode: EXIT.usage };
  if (err instanceof ApiUnreachableError)
    return { lines: [`error: ${err.message}. Is it running? (npm start)`], exitCode: EXIT.failure };
  if (err instanceof ApiProblemError) {
    const p = err.problem;
    const code = p.code ?? `http_${err.status}`;
    const lines = [`error: ${err.message} (${code}${p.requestId ? `, request ${p.requestId}` : ''})`];
    for (const e of p.errors ?? []) {
      const where = [e.in, e.field].filter((x) => x !== undefined && x !== '').join(' ');
      lines.push(`  - ${where === '' ? '' : `${where}: `}${e.message ?? 'is invalid'}`);
    }
    if (typeof p.field === 'string' && (p.errors ?? []).length === 0) lines.push(`  - field: ${p.field}`);
    if (err.status === 401 && hints.tokenSource === 'none') {
      lines.push(
        `hint: no token was given; pass --token, set IRIS_TOKEN, or start a local server (npm start), which writes ${hints.tokenFile ?? '.iris/admin-token'}.`,
      );
    }
    return { lines, exitCode: EXIT.failure };
  }
  if (err instanceof CommandFailedError || err instanceof ApiBadResponseError) {
    return {
      lines: [`error: ${err.message}`, ...(err instanceof CommandFailedError ? err.lines : [])],
      exitCode: EXIT.failure,
    };
  }
  // NOTE: anything else is a bug in the CLI; one line, still no stack trace.
  return { lines: [`error: ${errorMessage(err)}`], exitCode: EXIT.failure };
}
