// The store: opens the configured database (PGlite embedded, or PostgreSQL) and migrates it.
import { join } from 'node:path';
import type { IrisConfig } from '../core/config.js';
import type { Database } from '../core/db.js';
import { errorMessage, StoreUnavailableError } from '../core/errors.js';
import { openPgliteDatabase } from './pglite-database.js';
import { openPostgresDatabase } from './postgres-database.js';

export {
  appliedSchemaVersion,
  latestMigrationVersion,
  migrate,
  pendingMigrations,
  readMigrations,
  type MigrationResult,
} from './migrate.js';
export { checkMigrations, MIGRATION_RULES, type MigrationFinding } from './migration-check.js';
export { openPgliteDatabase } from './pglite-database.js';
export { OUTAGE_WAIT_MS, openPostgresDatabase } from './postgres-database.js';

// Thrown (among other places) when the configured database cannot be opened; the message is for an operator.
export { StoreUnavailableError } from '../core/errors.js';

/** Redacts the password of a postgres:// URL for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://<unparseable>';
  }
}

/** Opens the store named by the configuration. */
export async function openDatabase(
  config: Pick<IrisConfig, 'databaseUrl' | 'dataDir' | 'poolSize' | 'preparedStatements'>,
): Promise<Database> {
  if (config.databaseUrl === undefined) {
    try {
      return await openPgliteDatabase(join(config.dataDir, 'pgdata'));
    } catch (err) {
      throw new StoreUnavailableError(
        `Cannot open the embedded store in ${join(config.dataDir, 'pgdata')}: ${String(err)}`,
        { cause: err },
      );
    }
  }
  try {
    return await openPostgresDatabase(config.databaseUrl, config.poolSize, config.preparedStatements);
  } catch (err) {
    const reason = errorMessage(err);
    throw new StoreUnavailableError(
      `Cannot reach PostgreSQL at ${redactUrl(config.databaseUrl)}: ${reason}. Check DATABASE_URL and that the server is running.`,
      { cause: err },
    );
  }
}
export { makeStoreSnapshots } from './snapshots.js';
