// Console sessions: an API key exchanged for an HttpOnly cookie. The cookie holds no secret of
// the key; it names the key and carries an HMAC over (key id, the key's stored secret hash,
// expiry, nonce) under a secret every replica derives from the ledger signing key, which
// replicas of one deployment already share. So a session:
// - is checked by any replica without a session table or a shared cache;
// - ends with the key: a revoked, expired or re-issued key fails identity's own checks, and a
//   changed secret hash fails the MAC;
// - expires on its own (`exp` is inside the MAC), and cannot be minted from a stolen database
//   row alone (the server secret is not in the database).
// Mutations made with a session also carry `X-Iris-CSRF`, an HMAC of the session's nonce that
// only a page of our origin can read (it is returned in a JSON body, never in a cookie).
import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { randomToken } from '../core/ids.js';

export const SESSION_COOKIE = 'iris_session';
export const CSRF_HEADER = 'x-iris-csrf';

export interface SessionClaims {
  readonly keyId: string;
  readonly expiresAt: Date;
  readonly nonce: string;
}

export interface ConsoleSessions {
  /** A new session for the key: the cookie value and its CSRF token. */
  issue(key: { keyId: string; secretHash: string }, now: Date): { cookie: string; csrf: string; expiresAt: Date };
  /** The claims of a well-formed cookie value (not yet checked against its key); null: not one of ours. */
  read(cookie: string): SessionClaims | null;
  /** Whether the cookie's MAC matches the key as it is stored now. */
  matches(cookie: string, key: { keyId: string; secretHash: string }): boolean;
  /** The CSRF token of a session. */
  csrfOf(claims: SessionClaims): string;
  /** Lifetime of a new session. */
  readonly ttlMs: number;
}

/** The per-deployment secret sessions are keyed on, derived from the ledger's signing key. */
export function sessionSecretOf(signingKey: KeyObject): Buffer {
  const der = signingKey.export({ format: 'der', type: 'pkcs8' });
  return createHmac('sha256', der).update('iris console sessions v1').digest();
}

// v1.<keyId>.<exp ms, base36>.<nonce>.<mac>
const COOKIE_SHAPE = /^v1\.([A-Za-z0-9_-]{1,64})\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{43})$/;

export function makeConsoleSessions(opts: { secret: Buffer; ttlMs: number }): ConsoleSessions {
  const mac = (keyId: string, secretHash: string, exp: string, nonce: string): string =>
    createHmac('sha256', opts.secret)
      .update(`session\u0000${keyId}\u0000${secretHash}\u0000${exp}\u0000${nonce}`)
      .digest('base64url');
  const csrf = (nonce: string): string =>
    createHmac('sha256', opts.secret).update(`csrf\u0000${nonce}`).digest('base64url');
  return {
    ttlMs: opts.ttlMs,
    issue(key, now) {
      const expiresAt = new Date(now.getTime() + opts.ttlMs);
      const exp = expiresAt.getTime().toString(36);
      const nonce = randomToken(24);
      const cookie = `v1.${key.keyId}.${exp}.${nonce}.${mac(key.keyId, key.secretHash, exp, nonce)}`;
      return { cookie, csrf: csrf(nonce), expiresAt };
    },
    read(cookie) {
      const m = COOKIE_SHAPE.exec(cookie);
      if (!m) return null;
      const ms = parseInt(m[2] as string, 36);
      if (!Number.isSafeInteger(ms)) return null;
      return { keyId: m[1] as string, expiresAt: new Date(ms), nonce: m[3] as string };
    },
    matches(cookie, key) {
      const m = COOKIE_SHAPE.exec(cookie);
      if (!m || m[1] !== key.keyId) return false;
      const expected = Buffer.from(mac(key.keyId, key.secretHash, m[2] as string, m[3] as string));
      const given = Buffer.from(m[4] as string);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
    csrfOf(claims) {
      return csrf(claims.nonce);
    },
  };
}

/** The value of one cookie in a Cookie header (the first of that name), or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Constant-time comparison of a presented CSRF token with the session's. */
export function csrfMatches(presented: string | string[] | undefined, expected: string): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
