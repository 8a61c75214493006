// What a tenant is: identity, placement (tier, home region, ring), status, quotas, labels.
// Pure definitions and JSON schemas; no storage here.
import { Type, type Static } from '@sinclair/typebox';
import { TENANT_SLUG_PATTERN } from '../core/ids.js';

export const TIERS = ['free', 'standard', 'premium', 'enterprise'] as const;
export type Tier = (typeof TIERS)[number];

export const TENANT_STATUSES = ['active', 'suspended', 'deleting'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

const RING_PATTERN = '^[a-z][a-z0-9-]{0,31}$';
export const DEFAULT_RING = 'general';

const LABEL_KEY = '^[a-z0-9]([a-z0-9._/-]{0,61}[a-z0-9])?$';

export const QuotasSchema = Type.Object(
  {
    requestsPerSecond: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Sustained request rate (GCRA).' }),
    burst: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Requests allowed above the rate in a burst.' }),
    concurrentRequests: Type.Integer({ minimum: 1, maximum: 100_000 }),
    queuedJobs: Type.Integer({
      minimum: 0,
      maximum: 10_000_000,
      description: 'Cap on queued async jobs (backpressure).',
    }),
    documents: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }),
    storageBytes: Type.Integer({ minimum: 0, maximum: 1e15 }),
    llmTokensPerDay: Type.Integer({ minimum: 0, maximum: 1e12 }),
  },
  { additionalProperties: false },
);
export type Quotas = Static<typeof QuotasSchema>;

const base = 1024 * 1024;
const quotasByTier: Readonly<Record<Tier, Quotas>> = {
  free: {
    requestsPerSecond: 5,
    burst: 10,
    concurrentRequests: 4,
    queuedJobs: 100,
    documents: 1_000,
    storageBytes: 100 * base,
    llmTokensPerDay: 50_000,
  },
  standard: {
    requestsPerSecond: 50,
    burst: 100,
    concurrentRequests: 32,
    queuedJobs: 5_000,
    documents: 50_000,
    storageBytes: 5_000 * base,
    llmTokensPerDay: 1_000_000,
  },
  premium: {
    requestsPerSecond: 200,
    burst: 400,
    concurrentRequests: 128,
    queuedJobs: 50_000,
    documents: 500_000,
    storageBytes: 50_000 * base,
    llmTokensPerDay: 10_000_000,
  },
  enterprise: {
    requestsPerSecond: 1_000,
    burst: 2_000,
    concurrentRequests: 512,
    queuedJobs: 500_000,
    documents: 5_000_000,
    storageBytes: 500_000 * base,
    llmTokensPerDay: 100_000_000,
  },
};

/** Quotas a new tenant of `tier` gets unless the request names its own. */
export function defaultQuotas(tier: Tier): Quotas {
  return { ...quotasByTier[tier] };
}

const LabelsSchema = Type.Record(Type.String({ pattern: LABEL_KEY }), Type.String({ maxLength: 63 }), {
  maxProperties: 64,
  description: 'Free-form key/value labels (keys: lower-case, up to 63 chars).',
});

export const TenantSchema = Type.Object(
  {
    id: Type.String({ pattern: TENANT_SLUG_PATTERN }),
    displayName: Type.String(),
    tier: Type.Union(TIERS.map((t) => Type.Literal(t))),
    homeRegion: Type.String(),
    ring: Type.String(),
    status: Type.Union(TENANT_STATUSES.map((s) => Type.Literal(s))),
    quotas: QuotasSchema,
    labels: Type.Record(Type.String(), Type.String()),
    resourceVersion: Type.String({ description: 'Changes on every write; send it back in If-Match.' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    deletedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    purgeAfter: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'When a soft-deleted tenant is purged for good; restore before then.',
    }),
  },
  { $id: 'Tenant', additionalProperties: false },
);
export type Tenant = Static<typeof TenantSchema>;

export const CreateTenantSchema = Type.Object(
  {
    id: Type.String({
      pattern: TENANT_SLUG_PATTERN,
      description: 'Slug: 3-63 chars, a-z 0-9 and -, starting with a letter.',
    }),
    displayName: Type.String({ minLength: 1, maxLength: 200 }),
    tier: Type.Optional(
      Type.Union(
        TIERS.map((t) => Type.Literal(t)),
        { default: undefined },
      ),
    ),
    homeRegion: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{2,32}$' })),
    ring: Type.Optional(Type.String({ pattern: RING_PATTERN })),
    quotas: Type.Optional(Type.Partial(QuotasSchema, { additionalProperties: false })),
    labels: Type.Optional(LabelsSchema),
    firstKey: Type.Optional(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9 ._:@/-]+$' }),
          expiresInSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 5 * 365 * 24 * 3600 })),
        },
        {
          additionalProperties: false,
          description:
            "The new tenant's first tenant-admin key, created in the same transaction (tenant.create covers it); its token is in the reply, once.",
        },
      ),
    ),
  },
  { additionalProperties: false },
);
export type CreateTenantInput = Static<typeof CreateTenantSchema>;

export const UpdateTenantSchema = Type.Object(
  {
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    tier: Type.Optional(Type.Union(TIERS.map((t) => Type.Literal(t)))),
    homeRegion: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{2,32}$' })),
    ring: Type.Optional(Type.String({ pattern: RING_PATTERN })),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('suspended')])),
    quotas: Type.Optional(Type.Partial(QuotasSchema, { additionalProperties: false })),
    labels: Type.Optional(
      Type.Record(Type.String({ pattern: LABEL_KEY }), Type.Union([Type.Null(), Type.String({ maxLength: 63 })]), {
        maxProperties: 64,
      }),
    ),
    resourceVersion: Type.Optional(
      Type.String({ description: 'Optimistic concurrency: 409 when stale (or use If-Match).' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateTenantInput = Static<typeof UpdateTenantSchema>;

/** Fields only a platform admin may change: placement and limits. */
export const PLACEMENT_FIELDS = ['tier', 'homeRegion', 'ring', 'status', 'quotas'] as const;
