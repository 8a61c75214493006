// Logs: pino JSON lines ready for Loki. Request lines carry tenant_id, request_id, trace_id
// and span_id (bound by the HTTP telemetry); credentials never reach a line: headers that
// carry them and any field named like a secret are censored wherever they appear.
import type { FastifyServerOptions } from 'fastify';

/** Field names whose values are never logged, at any depth pino's redaction reaches. */
const SECRET_FIELDS = [
  'authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'token',
  'secret',
  'password',
  'apiKey',
  'api_key',
  'secretHash',
  'privateKey',
  'ledgerSigningKeyPem',
] as const;

/** pino redaction paths for SECRET_FIELDS at the top level and up to three levels deep. */
function redactionPaths(): string[] {
  const paths: string[] = [];
  for (const f of SECRET_FIELDS) {
    const key = /^[A-Za-z_$][\w$]*$/.test(f) ? f : `["${f}"]`;
    const dot = key.startsWith('[') ? '' : '.';
    paths.push(key, `*${dot}${key}`, `*.*${dot}${key}`, `*.*.*${dot}${key}`);
  }
  return paths;
}

type LoggerOption = FastifyServerOptions['logger'];

/**
 * Turns the logger option the app was given into Iris's: JSON with `time` as ISO-8601,
 * `level` as a name, the secrets redacted. `false` stays off.
 */
export function irisLoggerOptions(given: LoggerOption): LoggerOption {
  if (given === undefined || given === false) return false;
  const base = given === true ? {} : given;
  const extra = base.redact === undefined ? [] : Array.isArray(base.redact) ? base.redact : base.redact.paths;
  return {
    level: 'info',
    ...base,
    redact: { paths: [...new Set([...extra, ...redactionPaths()])], censor: '[redacted]' },
    formatters: { level: (label: string) => ({ level: label }) },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
  };
}
