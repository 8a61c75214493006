// What the recovery context needs from the store: a consistent snapshot of the live database
// written to a file, and that file restored into a scratch database or an empty target. The
// store implements it for PGlite (its data-directory dump) and PostgreSQL (pg_dump/pg_restore).
import type { Database, Dialect, Queryable } from '../core/db.js';

export interface StoreSnapshots {
  readonly store: Dialect;
  /** File name of the snapshot inside a backup directory. */
  readonly partName: string;
  /**
   * Writes a consistent snapshot of the live database to `file`. `inSnapshot` runs inside the
   * same snapshot, as the schema owner with the platform scope (it sees every tenant's rows), so
   * what it reads (row counts, ledger heads) describes exactly what the file holds.
   */
  snapshot<T>(file: string, inSnapshot: (q: Queryable) => Promise<T>): Promise<T>;
  /** Restores `file` into a fresh scratch database; `dispose` closes and removes it. */
  scratch(file: string): Promise<{ readonly db: Database; dispose(): Promise<void> }>;
  /**
   * Restores `file` into `target` (PGlite: a data directory that is absent or empty;
   * PostgreSQL: the URL of an empty database), all or nothing.
   * @throws ConflictError when the target is not empty; ValidationError when it is unusable.
   */
  restore(file: string, target: string): Promise<void>;
}
