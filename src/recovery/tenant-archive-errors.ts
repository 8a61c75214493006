// Why a tenant archive is refused: each a typed error with a stable code, answered as an RFC 9457
// problem. Nothing is written when one is thrown (the import is one transaction).
import { ConflictError, IrisError } from '../core/errors.js';

/** 400: not an archive, or a corrupt or truncated one. */
export class ArchiveInvalidError extends IrisError {
  constructor(message: string, cause?: unknown) {
    super('archive_invalid', 400, `The tenant archive is unreadable: ${message}`, { cause });
  }
}

/** 422: the archive is readable but not trustworthy: signature, digests or ledger do not hold. */
export class ArchiveUntrustedError extends IrisError {
  constructor(code: 'archive_unsigned' | 'archive_tampered' | 'archive_ledger_invalid', message: string) {
    super(code, 422, message);
  }
}

/** 422: written by a newer Iris than this one (format or schema). */
export class ArchiveTooNewError extends IrisError {
  constructor(message: string, extensions: Record<string, unknown>) {
    super('archive_too_new', 422, message, { extensions });
  }
}

/** 422: the tenant's home region is not one this deployment serves (and no --rehome). */
export class RegionNotServedError extends IrisError {
  constructor(region: string, served: readonly string[]) {
    super(
      'region_not_served',
      422,
      `The tenant's home region '${region}' is not served here (regions: ${served.join(', ')}). Import it with rehome set to one of them to move it.`,
      { extensions: { region, served } },
    );
  }
}

/** 409: the tenant already has rows here; `replace` restores over them. */
export function tenantExists(tenantId: string, tables: readonly string[]): ConflictError {
  return new ConflictError(
    'tenant_exists',
    `Tenant '${tenantId}' already has rows here (${tables.join(', ')}). Import with replace to restore the archive over them.`,
    { tenantId, tables },
  );
}

/** 409: this Iris holds another audit history under the tenant's id; an import never rewrites a log. */
export function ledgerDiverged(tenantId: string, size: number, firstDifference: number): ConflictError {
  return new ConflictError(
    'ledger_diverged',
    `The audit log of '${tenantId}' here (${size} events) is not a continuation of the archived one (they differ at event ${firstDifference}); the ledger is append-only, so the import is refused. Import it into an Iris that holds no log of that tenant.`,
    { tenantId, size, firstDifference },
  );
}
