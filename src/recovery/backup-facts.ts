// What a backup states about its snapshot, read inside that snapshot, and read again from a
// restored copy to prove the copy holds the same thing: schema version, every table's row
// count, every ledger's signed head, and forced row-level security on every tenant table.
import type { Queryable } from '../core/db.js';
import type { LedgerHead } from './backup-manifest.js';

export interface SnapshotFacts {
  readonly schemaVersion: number;
  readonly rowCounts: Record<string, number>;
  readonly ledgers: LedgerHead[];
}

/** A catalog name as a quoted SQL identifier (names come from pg_class, never from input). */
const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;

export async function readFacts(q: Queryable): Promise<SnapshotFacts> {
  const version = await q.query<{ v: number }>('select coalesce(max(version), 0)::int as v from iris_migrations');
  const tables = await q.query<{ name: string }>(
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and c.relkind in ('r', 'p') order by c.relname`,
  );
  const rowCounts: Record<string, number> = {};
  // NOTE: one count per table, in name order: the counts of one snapshot, comparable across stores.
  for (const { name } of tables.rows) {
    const res = await q.query<{ n: number }>(`select count(*)::int as n from ${ident(name)}`);
    rowCounts[name] = res.rows[0]?.n ?? 0;
  }
  const ledgers = await q.query<LedgerHead>(
    'select tenant_id as log, size, root, checkpoint from audit_heads order by tenant_id',
  );
  return { schemaVersion: version.rows[0]?.v ?? 0, rowCounts, ledgers: ledgers.rows };
}

/** Tenant tables (with a tenant_id column) lacking ENABLE or FORCE row-level security. */
export async function tablesWithoutForcedRls(q: Queryable): Promise<{ tables: number; failing: string[] }> {
  const { rows } = await q.query<{ name: string; rls: boolean; force: boolean }>(
    `select c.relname as name, c.relrowsecurity as rls, c.relforcerowsecurity as force
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and c.relkind in ('r', 'p')
       and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
     order by c.relname`,
  );
  return { tables: rows.length, failing: rows.filter((r) => !r.rls || !r.force).map((r) => r.name) };
}
