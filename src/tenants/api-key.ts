// API keys: `iris_<keyId>_<secret>`. Only sha256(secret) is stored; the token is shown once.
// The secret has 256 bits of entropy, so a fast hash is enough (no password stretching).
import { createHash, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { DEFAULT_ROLE, ROLES, type Role } from '../core/roles.js';

const TOKEN_RE = /^iris_(k[a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export interface ParsedToken {
  readonly keyId: string;
  readonly secret: string;
}

export function newKeyMaterial(): { keyId: string; secret: string; token: string; secretHash: string } {
  const keyId = `k${randomBytes(10).toString('hex').slice(0, 16)}`;
  const secret = randomBytes(32).toString('base64url');
  return { keyId, secret, token: `iris_${keyId}_${secret}`, secretHash: hashSecret(secret) };
}

/** Splits a presented token; null when it is not shaped like an Iris key. */
function parseToken(token: string): ParsedToken | null {
  const m = TOKEN_RE.exec(token);
  return m ? { keyId: m[1] as string, secret: m[2] as string } : null;
}

/** Like parseToken, but also accepts a free-form bootstrap token (>= 24 chars). */
export function parsePresentedToken(token: string): ParsedToken | null {
  const parsed = parseToken(token);
  if (parsed) return parsed;
  if (token.length < 24 || token.length > 256) return null;
  return { keyId: bootstrapKeyId(token), secret: token };
}

function bootstrapKeyId(token: string): string {
  return `kb${createHash('sha256').update(`bootstrap:${token}`).digest('hex').slice(0, 15)}`;
}

function hashSecret(secret: string): string {
  return hash('sha256', secret, 'hex');
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  // NOTE: crypto.hash (one shot, Node >= 20.12) costs a fraction of createHash().update().digest().
  const a = hash('sha256', secret, 'buffer');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A fixed token derived from IRIS_BOOTSTRAP_TOKEN, so scripts can drive a fresh server. */
export function bootstrapKey(bootstrapToken: string): { keyId: string; secretHash: string } {
  const parsed = parseToken(bootstrapToken);
  if (parsed) return { keyId: parsed.keyId, secretHash: hashSecret(parsed.secret) };
  // NOTE: any string of >= 24 chars is accepted; its key id is derived from it.
  return { keyId: bootstrapKeyId(bootstrapToken), secretHash: hashSecret(bootstrapToken) };
}

const AgentName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9 ._:@/-]*$' });

/** Marks a key as an AI agent's: its name and, optionally, the crew it works in. */
export const AgentSchema = Type.Object(
  { name: AgentName, crew: Type.Optional(Type.Union([AgentName, Type.Null()])) },
  { additionalProperties: false },
);
export type AgentMark = Static<typeof AgentSchema>;

/** An IPv4 or IPv6 network in CIDR notation (a bare address is its own /32 or /128). */
export const CidrSchema = Type.String({ minLength: 2, maxLength: 50, pattern: '^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$' });

export const ApiKeySchema = Type.Object(
  {
    id: Type.String(),
    tenantId: Type.String({ description: "Tenant slug, or 'platform' for platform-level keys." }),
    name: Type.String(),
    role: Type.Union(ROLES.map((r) => Type.Literal(r))),
    createdBy: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    allowedCidrs: Type.Array(Type.String(), { description: 'Client networks the key may be used from; empty: any.' }),
    agent: Type.Union([AgentSchema, Type.Null()], {
      description: "The AI agent the key belongs to (null: a person's or a script's key).",
    }),
  },
  { $id: 'ApiKey', additionalProperties: false },
);
export type ApiKey = Static<typeof ApiKeySchema>;

export const CreateKeySchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9 ._:@/-]+$' }),
    role: Type.Optional(
      Type.Union(
        ROLES.map((r) => Type.Literal(r)),
        { description: `What the key may do; default ${DEFAULT_ROLE} (read-only).` },
      ),
    ),
    expiresInSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 5 * 365 * 24 * 3600 })),
    allowedCidrs: Type.Optional(
      Type.Array(CidrSchema, { maxItems: 64, description: 'Client networks the key may be used from; default: any.' }),
    ),
    agent: Type.Optional(AgentSchema),
  },
  { additionalProperties: false },
);
export type CreateKeyInput = Static<typeof CreateKeySchema>;

/** A key as created: its fields and, this once, its token. */
export const CreatedKeySchema = Type.Composite(
  [Type.Omit(ApiKeySchema, []), Type.Object({ token: Type.String({ description: 'Shown once. Store it now.' }) })],
  { additionalProperties: false },
);

/** What the hot path needs to authenticate a key (kept in memory on every replica). */
export interface KeyRecord {
  readonly keyId: string;
  readonly tenantId: string;
  readonly role: Role;
  readonly secretHash: string;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
  /** Client networks the key is bound to; empty: any. */
  readonly allowedCidrs: readonly string[];
  readonly agentName: string | null;
  readonly agentCrew: string | null;
}
