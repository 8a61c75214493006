// The schema edge's last check, for every route: values JSON schema cannot describe but
// PostgreSQL or serialisation cannot hold. A NUL character (text and jsonb refuse it), a lone
// UTF-16 surrogate (not encodable as UTF-8), and nesting deeper than any Iris document needs
// (recursive serialisers overflow the stack long before JSON.parse does), integers past 2^53,
// and numbers that are not finite (JSON's 1e999, or a query's "1e999" after Ajv's coercion, which passes
// `integer` and `maximum`) answer 400 naming the field, instead of a 500 from the driver
// after the handler ran. It runs after schema validation, so it sees the coerced values.
import { ValidationError } from '../core/errors.js';

/** Deepest nesting of objects and arrays a request value may have. */
export const MAX_INPUT_DEPTH = 64;

/** Where a value breaks the rule, as a JSON pointer, and why; undefined when it is safe. */
export interface UnsafeInput {
  readonly field: string;
  readonly reason: string;
}

// NOTE: in a /u pattern a well-formed surrogate pair is one code point, so \p{Cs} matches
// only the lone halves (String#isWellFormed, with ES2024 typings Iris does not build against).
const LONE_SURROGATE = /\p{Cs}/u;

function badText(s: string): string | undefined {
  if (s.includes('\u0000')) return 'contains a NUL character';
  if (LONE_SURROGATE.test(s)) return 'contains a lone UTF-16 surrogate (not valid Unicode)';
  return undefined;
}

/**
 * Numbers Iris cannot keep exactly: not finite, or integral beyond 2^53 (JSON.parse has already
 * rounded such a value, and a bigint column would get a different number than was sent).
 */
function numberReason(n: number): string | undefined {
  if (!Number.isFinite(n)) return 'is not a finite number';
  if (Number.isInteger(n) && !Number.isSafeInteger(n))
    return `is an integer beyond ±${Number.MAX_SAFE_INTEGER}, which cannot be kept exactly`;
  return undefined;
}

const pointer = (path: string, key: string): string => `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;

/**
 * Finds the first string (value or object key) that PostgreSQL cannot store, or nesting past
 * `maxDepth`. Buffers (raw uploads) are not inspected: their parsers decide.
 */
export function findUnsafeInput(value: unknown, maxDepth = MAX_INPUT_DEPTH): UnsafeInput | undefined {
  // NOTE: recursion is bounded by maxDepth, so a hostile document cannot overflow the stack here.
  const walk = (v: unknown, path: string, depth: number): UnsafeInput | undefined => {
    if (typeof v === 'string') {
      const reason = badText(v);
      return reason === undefined ? undefined : { field: path === '' ? '/' : path, reason };
    }
    if (typeof v === 'number')
      return numberReason(v) === undefined
        ? undefined
        : { field: path === '' ? '/' : path, reason: numberReason(v) as string };
    if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) return undefined;
    if (depth >= maxDepth)
      return { field: path === '' ? '/' : path, reason: `is nested deeper than ${maxDepth} levels` };
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const found = walk(v[i], `${path}/${i}`, depth + 1);
        if (found) return found;
      }
      return undefined;
    }
    for (const key of Object.keys(v)) {
      const keyReason = badText(key);
      if (keyReason !== undefined) return { field: pointer(path, key), reason: `has a key that ${keyReason}` };
      const found = walk((v as Record<string, unknown>)[key], pointer(path, key), depth + 1);
      if (found) return found;
    }
    return undefined;
  };
  return walk(value, '', 0);
}

/** Throws a 400 naming the part and field of the request that PostgreSQL could not hold. */
export function assertSafeInput(parts: Readonly<Record<'params' | 'querystring' | 'body', unknown>>): void {
  for (const where of ['params', 'querystring', 'body'] as const) {
    const found = findUnsafeInput(parts[where]);
    if (found) {
      const field = found.field === '/' ? '' : ` field ${found.field}`;
      throw new ValidationError(`${where}${field} ${found.reason}.`, { in: where, field: found.field });
    }
  }
}
