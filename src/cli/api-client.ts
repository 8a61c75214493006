// The CLI's HTTP client for the Iris API: bearer token, correlation id, JSON in and out, and
// problem+json answers turned into typed errors. Uses Node's global fetch.
import { ApiBadResponseError, ApiProblemError, ApiUnreachableError, type ProblemDocument } from './cli-errors.js';
import type { Connection } from './cli-config.js';
import { errorMessage } from '../core/errors.js';

const TIMEOUT_MS = 30_000;

export interface RequestOptions {
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Send no Authorization header (public routes such as /v1/audit/key). */
  readonly anonymous?: boolean;
  /** Resolve to the body as text (non-JSON answers such as GraphML). */
  readonly raw?: boolean;
  /** Send these bytes as the body (application/gzip) instead of JSON. */
  readonly bytes?: Uint8Array;
  /** Resolve to the body as bytes (archives). */
  readonly binary?: boolean;
  /** Give up after this long (default 30 s); large archives take longer. */
  readonly timeoutMs?: number;
}

export interface ApiClient {
  readonly api: string;
  request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, options?: RequestOptions): Promise<T>;
}

/** Why fetch failed, in the words of the socket error underneath it. */
function reasonOf(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))
    return `no answer within ${TIMEOUT_MS / 1000} s`;
  const cause =
    err instanceof Error
      ? (err.cause as { code?: unknown; message?: unknown; errors?: unknown[] } | undefined)
      : undefined;
  if (cause && typeof cause === 'object') {
    const first = Array.isArray(cause.errors) ? (cause.errors[0] as { message?: unknown } | undefined) : undefined;
    const msg =
      typeof cause.message === 'string' && cause.message !== ''
        ? cause.message
        : typeof first?.message === 'string'
          ? first.message
          : undefined;
    if (msg !== undefined) return msg;
    if (typeof cause.code === 'string') return cause.code;
  }
  return errorMessage(err);
}

function isProblem(value: unknown): value is ProblemDocument {
  return typeof value === 'object' && value !== null && ('detail' in value || 'code' in value);
}

/** A client bound to one API address and token. */
export function makeApiClient(conn: Connection): ApiClient {
  return {
    api: conn.api,
    async request<T>(
      method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
      path: string,
      options: RequestOptions = {},
    ): Promise<T> {
      const url = new URL(`${conn.api}${path}`);
      for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
      const headers: Record<string, string> = {
        accept: 'application/json, application/problem+json',
        ...options.headers,
      };
      if (conn.token !== undefined && options.anonymous !== true) headers.authorization = `Bearer ${conn.token}`;
      if (conn.requestId !== undefined) headers['x-request-id'] = conn.requestId;
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      if (options.bytes !== undefined) headers['content-type'] = 'application/gzip';
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers,
          ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
          ...(options.bytes === undefined ? {} : { body: options.bytes }),
          signal: AbortSignal.timeout(options.timeoutMs ?? TIMEOUT_MS),
        });
      } catch (err) {
        throw new ApiUnreachableError(conn.api, reasonOf(err));
      }
      if (options.binary === true && res.ok) return Buffer.from(await res.arrayBuffer()) as T;
      const text = await res.text();
      if (options.raw === true && res.ok) return text as T;
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        throw new ApiBadResponseError(
          `${conn.api} answered ${method} ${path} with HTTP ${res.status} and a body that is not JSON; is this an Iris API address?`,
        );
      }
      if (!res.ok) {
        const problem: ProblemDocument = isProblem(body)
          ? { ...body, status: res.status }
          : { status: res.status, detail: `HTTP ${res.status} ${res.statusText}`.trim() };
        throw new ApiProblemError(res.status, problem);
      }
      return body as T;
    },
  };
}
