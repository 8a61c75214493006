// The tenant vocabulary the CLI offers as choices (tiers, statuses, quota names). Copied from
// tenants/tenant-model.ts on purpose: importing the model loads TypeBox and the tenant
// services, which would slow every CLI start. option-parsers.test.ts fails on any drift.

export const TIERS = ['free', 'standard', 'premium', 'enterprise'] as const;
export const TENANT_STATUSES = ['active', 'suspended', 'deleting'] as const;
export const SETTABLE_STATUSES = ['active', 'suspended'] as const;
export const QUOTA_NAMES = [
  'requestsPerSecond',
  'burst',
  'concurrentRequests',
  'queuedJobs',
  'documents',
  'storageBytes',
  'llmTokensPerDay',
] as const;
