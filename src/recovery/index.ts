// The recovery context's face: backups (create, list, verify by restoring, restore, prune) and
// the store port they run on.
export type { StoreSnapshots } from './ports.js';
export { BACKUP_FORMAT, signManifest, type BackupManifest } from './backup-manifest.js';
export { type RetentionPolicy } from './backup-retention.js';
export {
  makeBackups,
  type BackupCheck,
  type BackupDeps,
  type Backups,
  type BackupSummary,
  type BackupVerification,
  type CallOptions,
  type UnreadableBackup,
  type VerificationState,
} from './backups.js';
export {
  ArchiveInvalidError,
  ArchiveTooNewError,
  ArchiveUntrustedError,
  RegionNotServedError,
} from './tenant-archive-errors.js';
export {
  ARCHIVE_FORMAT_VERSION,
  MAX_ARCHIVE_BYTES,
  MAX_ARCHIVE_UPLOAD_BYTES,
  openArchive,
  writeArchive,
  type ArchiveManifest,
  type ArchivePart,
  type PartContent,
} from './tenant-archive-format.js';
export {
  makeTenantArchiveService,
  type ExportedArchive,
  type ImportOptions,
  type ImportResult,
  type TenantArchiveService,
} from './tenant-archive-service.js';
export { readRows, tenantTables, type TenantTable } from './tenant-archive-tables.js';
export { BACKUP_JOB_KIND, backupJobKind, startBackupSchedule } from './backup-schedule.js';
