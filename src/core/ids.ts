// Identifiers: tenant slugs, key ids, request ids. One type and one rule for each, everywhere.
import { randomFillSync } from 'node:crypto';

/** Slugs that name platform-level things and can never be tenants. */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set(['platform', 'system', 'admin', 'iris', 'default', 'all']);

/**
 * A tenant id: a DNS-label-like slug, 3-63 chars, lower-case letters, digits and '-', no
 * '--', and not a reserved slug. The pattern is the whole rule (`isTenantSlug`), so every
 * route whose path names a tenant refuses the pseudo-tenant `platform` at the schema edge.
 */
export const TENANT_SLUG_PATTERN = `^(?!(?:${[...RESERVED_SLUGS].join('|')})$)(?!.*--)[a-z][a-z0-9-]{1,61}[a-z0-9]$`;
const slugRe = new RegExp(TENANT_SLUG_PATTERN);
/** A tenant id or 'platform' (ledger logs, policy owners), anchored at both ends in each branch. */
export const TENANT_OR_PLATFORM_PATTERN = `(?:${TENANT_SLUG_PATTERN})|^platform$`;

/** The ledger/log id of platform-level (not tenant-owned) events and keys. */
export const PLATFORM = 'platform';

export function isTenantSlug(value: string): boolean {
  return slugRe.test(value);
}

/** A correlation id accepted from a client: bounded and printable, so it is safe in logs. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

// NOTE: ids are made on every request (request ids, decision ids); one call into the CSPRNG per
// id cost several percent of a request's CPU. The same CSPRNG fills a pool of 4 KiB at a time,
// and each id takes its bytes from it: the same randomness, one system call per ~300 ids.
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let poolOffset = POOL_BYTES;

/** `bytes` (at most 64) random bytes from the pool, written in `encoding`. */
function fromPool(bytes: number, encoding: 'base64url' | 'hex'): string {
  if (poolOffset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = pool.toString(encoding, poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return out;
}

/** `bytes` (at most 64) random bytes from the CSPRNG, as base64url. */
export const randomToken = (bytes: number): string => fromPool(bytes, 'base64url');

/** `bytes` (at most 64) random bytes from the CSPRNG, as lower-case hex. */
export const randomHex = (bytes: number): string => fromPool(bytes, 'hex');

export function newRequestId(): string {
  return `req_${randomToken(12)}`;
}

/** Random id with a readable prefix, e.g. `key_3fJ…`. */
export function newId(prefix: string, bytes = 12): string {
  return `${prefix}_${randomToken(bytes).replace(/[-_]/g, 'x')}`;
}
