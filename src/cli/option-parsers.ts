// Parsers for option values (`--label k=v`, `--quota name=value`, `--expires-in 30d`, counts).
// Pure: they throw commander's InvalidArgumentError, which commander reports as a usage error.
import { InvalidArgumentError } from 'commander';
import { QUOTA_NAMES } from './tenant-vocabulary.js';

/** `requests-per-second` and `requests_per_second` -> `requestsPerSecond`. */
function camel(name: string): string {
  return name.replace(/[-_]([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** Splits `k=v` at the first '='. */
function pair(raw: string, what: string): [string, string] {
  const i = raw.indexOf('=');
  if (i <= 0) throw new InvalidArgumentError(`expected ${what}=value, got '${raw}'.`);
  return [raw.slice(0, i), raw.slice(i + 1)];
}

/** Accumulates `--label k=v` into a record (for create: no removals). */
export function collectLabel(raw: string, previous: Record<string, string> = {}): Record<string, string> {
  const [k, v] = pair(raw, 'key');
  return { ...previous, [k]: v };
}

/** Accumulates `--label k=v` (set) and `--label k-` (remove: null in the merge patch). */
export function collectLabelChange(
  raw: string,
  previous: Record<string, string | null> = {},
): Record<string, string | null> {
  if (raw.endsWith('-') && !raw.includes('=')) return { ...previous, [raw.slice(0, -1)]: null };
  const [k, v] = pair(raw, 'key');
  return { ...previous, [k]: v };
}

/** Accumulates `--quota name=value`; names may be camelCase or kebab-case. */
export function collectQuota(raw: string, previous: Record<string, number> = {}): Record<string, number> {
  const [k, v] = pair(raw, 'name');
  const name = camel(k);
  if (!(QUOTA_NAMES as readonly string[]).includes(name))
    throw new InvalidArgumentError(`unknown quota '${k}'; known: ${QUOTA_NAMES.join(', ')}.`);
  const n = Number(v.replace(/_/g, ''));
  if (v === '' || !Number.isSafeInteger(n) || n < 0)
    throw new InvalidArgumentError(`quota ${name} must be a whole number, got '${v}'.`);
  return { ...previous, [name]: n };
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };

/** `90` (seconds), `45m`, `12h`, `30d`, `2w`, `1y` -> seconds. */
export function parseDuration(raw: string): number {
  const m = /^(\d+)\s*([smhdwy]?)$/.exec(raw.trim());
  if (!m) throw new InvalidArgumentError(`expected a duration such as 3600, 45m, 12h, 30d, 2w or 1y, got '${raw}'.`);
  return Number(m[1]) * (UNIT_SECONDS[m[2] === '' || m[2] === undefined ? 's' : m[2]] ?? 1);
}

/** A whole number >= `min`, for counts and positions. */
export function wholeNumber(min: number): (raw: string) => number {
  return (raw) => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`expected a whole number >= ${min}, got '${raw}'.`);
    return n;
  };
}

/** `1` -> `"1"`: If-Match wants an entity tag; a bare resourceVersion is quoted for the user. */
export function entityTag(rv: string): string {
  return rv === '*' || /^(W\/)?".*"$/.test(rv) ? rv : `"${rv}"`;
}
