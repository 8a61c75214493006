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
