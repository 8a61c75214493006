// The console's client of the /v1 API: openapi-fetch typed by schema.d.ts (generated from the
// server's OpenAPI document by `npm run console:api`). Calls go with the session cookie; every
// mutation carries the session's CSRF token. Failures become ApiError with the server's
// problem+json detail, so every page can say what went wrong in words.
import createClient from 'openapi-fetch';
import type { paths } from './schema';

export type { paths };

/** An RFC 9457 problem as Iris answers it. */
export interface Problem {
  readonly type?: string;
  readonly title?: string;
  readonly status?: number;
  readonly detail?: string;
  readonly code?: string;
  readonly [k: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    message: string,
    readonly problem?: Problem,
    /** Seconds to wait before retrying (429, 503). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

let csrfToken: string | undefined;
let onSessionLost: ((err: ApiError) => void) | undefined;

/** Sets the CSRF token sent with every mutation (from the session). */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when a call answers 401: the session expired or its key was revoked. */
export function whenSessionLost(fn: (err: ApiError) => void): void {
  onSessionLost = fn;
}

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });

api.use({
  onRequest({ request }) {
    if (csrfToken !== undefined && request.method !== 'GET' && request.method !== 'HEAD')
      request.headers.set('x-iris-csrf', csrfToken);
    return request;
  },
});

/** The message a person should read for a failed response. */
export function describeFailure(status: number, problem: Problem | undefined): string {
  const detail = problem?.detail ?? problem?.title;
  switch (status) {
    case 401:
      return detail ?? 'Your session has ended: sign in again.';
    case 403:
      return `Not allowed: ${detail ?? 'your role may not do this.'}`;
    case 404:
      return detail ?? 'Not found.';
    case 409:
    case 412:
      return detail ?? 'Someone else changed this first.';
    case 413:
      return detail ?? 'That is too large for the server.';
    case 415:
      return detail ?? 'That type of content is not supported.';
    case 429:
      return detail === undefined
        ? 'Too many requests: slow down and try again shortly.'
        : /^too many requests/i.test(detail)
          ? detail
          : `Too many requests: ${detail}`;
    case 503:
      return detail ?? 'The server is not ready: try again shortly.';
    default:
      return detail ?? `The server answered ${status}.`;
  }
}

/**
 * Awaits an openapi-fetch call and returns its data, or throws ApiError with a readable message.
 * A call the server never answered (restart, network) is an ApiError with status 0.
 */
export async function call<T>(pending: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await pending;
  } catch {
    throw new ApiError(0, 'The server cannot be reached. It may be restarting: try again in a moment.');
  }
  const { response } = result;
  if (response.ok) return result.data as T;
  const problem = typeof result.error === 'object' && result.error !== null ? (result.error as Problem) : undefined;
  const retry = Number(response.headers.get('retry-after'));
  const err = new ApiError(
    response.status,
    describeFailure(response.status, problem),
    problem,
    Number.isFinite(retry) && retry > 0 ? retry : undefined,
  );
  if (response.status === 401) onSessionLost?.(err);
  return Promise.reject(err);
}

/** A raw fetch for what openapi-fetch does not model (uploads with progress use XHR, SSE). */
export function headersWithCsrf(init: Record<string, string> = {}): Record<string, string> {
  return csrfToken === undefined ? init : { ...init, 'x-iris-csrf': csrfToken };
}
