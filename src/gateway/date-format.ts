// The `date-time` format every schema uses, tightened to what PostgreSQL's timestamptz holds:
// RFC 3339 as ajv-formats checks it (real calendar dates, leap seconds), with a year from
// 0001 to 9999 (PostgreSQL has no year 0, and five-digit years are not RFC 3339).
import addFormats from 'ajv-formats';
import type { FastifyServerOptions } from 'fastify';
import { fullFormats } from 'ajv-formats/dist/formats.js';

/** The slice of an Ajv instance this plugin uses. */
interface FormatHost {
  addFormat(name: string, format: { type: 'string'; validate: (s: string) => boolean }): FormatHost;
}

const rfc3339 = fullFormats['date-time'];

/** Whether `s` is an RFC 3339 date-time PostgreSQL can store. */
function isStorableDateTime(s: string): boolean {
  return (
    !s.startsWith('0000') &&
    typeof rfc3339 === 'object' &&
    'validate' in rfc3339 &&
    typeof rfc3339.validate === 'function' &&
    (rfc3339.validate as (x: string) => boolean)(s)
  );
}

const storableDateTime = (ajv: FormatHost): FormatHost =>
  ajv.addFormat('date-time', { type: 'string', validate: isStorableDateTime });

type AjvPlugins = NonNullable<NonNullable<FastifyServerOptions['ajv']>['plugins']>;

/**
 * Fastify's ajv plugins: ajv-formats (full mode), then Iris's `date-time` over it.
 * NOTE: ajv-formats is CommonJS; its function is `.default` under NodeNext typings, and Fastify
 * skips adding its own copy because the plugin's name is `formatsPlugin`.
 */
export const ajvPlugins = [addFormats.default, storableDateTime] as unknown as AjvPlugins;
