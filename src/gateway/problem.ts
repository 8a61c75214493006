// RFC 9457 problem+json: the one place errors become HTTP responses. Typed IrisErrors keep
// their status and code; Fastify's own errors (validation, body size, bad JSON) are mapped;
// anything else is a 500 whose body says nothing about the internals.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { IrisError } from '../core/errors.js';

const PROBLEM_TYPE_BASE = 'https://iris.dev/problems/';
const PROBLEM_JSON = 'application/problem+json; charset=utf-8';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  requestId: string;
  [extension: string]: unknown;
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** PostgreSQL SQLSTATE classes and socket errors that mean "the store is unavailable". */
function isStoreUnavailable(err: { code?: unknown }): boolean {
  const code = typeof err.code === 'string' ? err.code : '';
  return (
    code.startsWith('08') ||
    ['57P01', '57P02', '57P03', '53300', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(code)
  );
}

/** SQLSTATEs where retrying the same request is the right answer (serialisation, deadlock). */
function isRetryableConflict(err: { code?: unknown }): boolean {
  return err.code === '40001' || err.code === '40P01';
}

function send(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  code: string,
  detail: string,
  extra: Record<string, unknown> = {},
): FastifyReply {
  const body: Problem = {
    type: `${PROBLEM_TYPE_BASE}${code}`,
    title: titles[status] ?? 'Error',
    status,
    detail,
    instance: request.url.split('?')[0] ?? request.url,
    code,
    requestId: request.id,
    ...extra,
  };
  return reply.code(status).type(PROBLEM_JSON).send(body);
}

export function problemErrorHandler(
  error: FastifyError | IrisError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (error instanceof IrisError) {
    if (error.status >= 500) request.log.warn({ err: error, code: error.code }, 'request failed');
    if (typeof error.extensions.retryAfterSeconds === 'number')
      reply.header('retry-after', String(Math.ceil(error.extensions.retryAfterSeconds)));
    return send(reply, request, error.status, error.code, error.message, { ...error.extensions });
  }
  const fe = error as FastifyError & {
    validation?: { instancePath: string; message?: string; params?: Record<string, unknown>; keyword: string }[];
    validationContext?: string;
  };
  if (fe.validation) {
    const where = fe.validationContext ?? 'body';
    const errors = fe.validation.map((v) => {
      const field =
        v.keyword === 'additionalProperties'
          ? `${v.instancePath}/${String(v.params?.additionalProperty)}`
          : v.keyword === 'required'
            ? `${v.instancePath}/${String(v.params?.missingProperty)}`
            : v.instancePath;
      const message = v.keyword === 'additionalProperties' ? 'is not a known field' : (v.message ?? 'is invalid');
      return { in: where, field: field === '' ? '/' : field, message };
    });
    const first = errors[0];
    const detail = first
      ? `${where}${first.field === '/' ? '' : ` field ${first.field}`} ${first.message}.`
      : `The ${where} is invalid.`;
    return send(reply, request, 400, 'validation_failed', detail, { errors });
  }
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return send(reply, request, 413, 'payload_too_large', 'The request body is larger than this server accepts.');
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return send(
      reply,
      request,
      415,
      'unsupported_media_type',
      `Send JSON (Content-Type: application/json); got '${String(request.headers['content-type'] ?? 'none')}'.`,
    );
  }
  if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return send(reply, request, 400, 'malformed_json', 'The body is empty but Content-Type says JSON.');
  }
  if (fe instanceof SyntaxError || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return send(reply, request, 400, 'malformed_json', `The body is not valid JSON: ${fe.message}`);
  }
  if (isStoreUnavailable(fe)) {
    request.log.error({ err: fe }, 'store unavailable');
    reply.header('retry-after', '5');
    return send(reply, request, 503, 'store_unavailable', 'The database is unavailable; retry shortly.');
  }
  if (isRetryableConflict(fe)) {
    reply.header('retry-after', '1');
    return send(reply, request, 503, 'retry', 'A concurrent change got in the way; retry the request.');
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return send(reply, request, fe.statusCode, (fe.code ?? 'bad_request').toLowerCase(), fe.message);
  }
  request.log.error({ err: error }, 'unhandled error');
  return send(
    reply,
    request,
    500,
    'internal_error',
    `Iris failed to handle this request. Quote request id ${request.id} when reporting it.`,
  );
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return send(
    reply,
    request,
    404,
    'route_not_found',
    `No route ${request.method} ${request.url.split('?')[0] ?? ''}. See /openapi.json for the API.`,
  );
}

/**
 * Errors the router raises before any route or hook runs (a path that is not valid percent-
 * encoded UTF-8, a path parameter past the length limit): problem+json like every other error.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.header('x-request-id', request.id);
  if (error.code === 'FST_ERR_BAD_URL')
    return send(reply, request, 400, 'bad_url', 'The request path is not valid percent-encoded UTF-8.');
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH')
    return send(reply, request, 414, 'uri_too_long', 'A path segment is longer than any id this API accepts.');
  return problemErrorHandler(error, request, reply);
}
