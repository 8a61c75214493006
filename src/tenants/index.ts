// The tenants context's face: tenants, API keys and the hot-path directory.
export {
  bootstrapKey,
  newKeyMaterial,
  parsePresentedToken,
  secretMatches,
  AgentSchema,
  ApiKeySchema,
  CreatedKeySchema,
  CreateKeySchema,
  type AgentMark,
  type ApiKey,
  type CreateKeyInput,
  type KeyRecord,
} from './api-key.js';
export { addressAllowed, parseCidr } from './key-network.js';
export { mintBreakGlassKey, type BreakGlassInput, type BreakGlassKey } from './break-glass.js';
export { makeDirectory, type Change, type Directory, type TenantSnapshot } from './directory.js';
export { insertKeyRow, makeKeyService, touchKeys, type KeyService } from './key-service.js';
export {
  CreateTenantSchema,
  defaultQuotas,
  QuotasSchema,
  TenantSchema,
  TIERS,
  TENANT_STATUSES,
  UpdateTenantSchema,
  type CreateTenantInput,
  type Quotas,
  type Tenant,
  type TenantStatus,
  type Tier,
  type UpdateTenantInput,
} from './tenant-model.js';
export { makeTenantService, type TenantPage, type TenantService } from './tenant-service.js';
export { CHANGES_CHANNEL, DERIVED_SCHEMAS, deleteDerivedRows } from './tenant-store.js';
export { withChanges, type ApplyLocally } from './changes.js';
