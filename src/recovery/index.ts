// The recovery context's face: moving one tenant between Irises (signed tenant archives).
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
