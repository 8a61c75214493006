// SQL for tenants: one named query per function, rows mapped to the API shape.
import type { Queryable } from '../core/db.js';
import type { Quotas, Tenant, TenantStatus, Tier } from './tenant-model.js';
import { iso } from '../core/clock.js';

interface TenantRow {
  tenant_id: string;
  display_name: string;
  tier: Tier;
  home_region: string;
  ring: string;
  status: TenantStatus;
  quotas: Quotas;
  labels: Record<string, string>;
  resource_version: number;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
  purge_after: Date | null;
}

const COLUMNS =
  'tenant_id, display_name, tier, home_region, ring, status, quotas, labels, resource_version, created_at, updated_at, deleted_at, purge_after';

function toTenant(r: TenantRow): Tenant {
  return {
    id: r.tenant_id,
    displayName: r.display_name,
    tier: r.tier,
    homeRegion: r.home_region,
    ring: r.ring,
    status: r.status,
    quotas: r.quotas,
    labels: r.labels,
    resourceVersion: String(r.resource_version),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    deletedAt: iso(r.deleted_at),
    purgeAfter: iso(r.purge_after),
  };
}

/** Inserts a tenant; resolves to null when the id is taken. */
export async function insertTenant(
  tx: Queryable,
  t: Omit<Tenant, 'resourceVersion' | 'createdAt' | 'updatedAt' | 'deletedAt' | 'purgeAfter'>,
): Promise<Tenant | null> {
  const { rows } = await tx.query<TenantRow>(
    `insert into tenants (tenant_id, display_name, tier, home_region, ring, status, quotas, labels)
     values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (tenant_id) do nothing returning ${COLUMNS}`,
    [t.id, t.displayName, t.tier, t.homeRegion, t.ring, t.status, JSON.stringify(t.quotas), JSON.stringify(t.labels)],
  );
  return rows[0] ? toTenant(rows[0]) : null;
}

export async function selectTenant(tx: Queryable, id: string, forUpdate = false): Promise<Tenant | null> {
  const { rows } = await tx.query<TenantRow>(
    `select ${COLUMNS} from tenants where tenant_id = $1${forUpdate ? ' for update' : ''}`,
    [id],
  );
  return rows[0] ? toTenant(rows[0]) : null;
}

/** A page of tenants ordered by id, after `after` (exclusive); `search` matches id or name, any case. */
export async function selectTenantPage(
  tx: Queryable,
  after: string,
  limit: number,
  status: TenantStatus | undefined,
  search?: string,
): Promise<Tenant[]> {
  // NOTE: the search text is a literal: LIKE's wildcards and escape in it are escaped.
  const pattern = search === undefined ? null : `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const { rows } = await tx.query<TenantRow>(
    `select ${COLUMNS} from tenants where tenant_id > $1 and ($2::text is null or status = $2)
       and ($4::text is null or tenant_id ilike $4 or display_name ilike $4)
     order by tenant_id limit $3`,
    [after, status ?? null, limit, pattern],
  );
  return rows.map(toTenant);
}

/** Writes every mutable field and bumps the resource version. */
export async function updateTenantRow(tx: Queryable, t: Tenant): Promise<Tenant> {
  const { rows } = await tx.query<TenantRow>(
    `update tenants set display_name = $2, tier = $3, home_region = $4, ring = $5, status = $6, quotas = $7, labels = $8,
       deleted_at = $9, purge_after = $10, resource_version = resource_version + 1, updated_at = now()
     where tenant_id = $1 returning ${COLUMNS}`,
    [
      t.id,
      t.displayName,
      t.tier,
      t.homeRegion,
      t.ring,
      t.status,
      JSON.stringify(t.quotas),
      JSON.stringify(t.labels),
      t.deletedAt,
      t.purgeAfter,
    ],
  );
  const row = rows[0];
  if (!row) throw new Error(`tenant ${t.id} vanished inside its own transaction`);
  return toTenant(row);
}

/** Ids of soft-deleted tenants whose grace period ended before `now`. */
export async function selectPurgeable(tx: Queryable, now: Date): Promise<string[]> {
  const { rows } = await tx.query<{ tenant_id: string }>(
    "select tenant_id from tenants where status = 'deleting' and purge_after <= $1 order by tenant_id limit 100",
    [now],
  );
  return rows.map((r) => r.tenant_id);
}

/**
 * Schemas that hold rebuildable per-tenant copies beside the current schema (the knowledge
 * context's candidate graphs, migration 0014): never archived, removed with the tenant, and
 * dropped when a tenant is restored from an archive (which has none).
 */
export const DERIVED_SCHEMAS: readonly string[] = ['kg_next'];

/** Removes a tenant and everything it owns except its audit log, which outlives it. */
export async function deleteTenantRows(tx: Queryable, id: string): Promise<void> {
  // Every context's rows of the tenant go, found through the catalogue so new tables are never
  // forgotten; the audit ledger and the append-only policy history (no DELETE privilege) stay
  // as the record of what happened. Foreign keys between tenant tables all cascade.
  const { rows } = await tx.query<{ table_name: string }>(
    `select c.relname as table_name from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
     where n.nspname = current_schema() and c.relkind in ('r', 'p') and c.relname <> 'tenants'
       and c.relname not like 'audit\\_%' and has_table_privilege(c.oid, 'DELETE')
     order by c.relname`,
  );
  for (const { table_name } of rows) await tx.query(`delete from ${quoteIdent(table_name)} where tenant_id = $1`, [id]);
  await deleteDerivedRows(tx, id);
  await tx.query('delete from tenants where tenant_id = $1', [id]);
}

/** Removes the tenant's rows from every table of the DERIVED_SCHEMAS (found in the catalogue). */
export async function deleteDerivedRows(tx: Queryable, id: string): Promise<void> {
  const { rows } = await tx.query<{ schema_name: string; table_name: string }>(
    `select n.nspname as schema_name, c.relname as table_name from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
     where n.nspname = any($1::text[]) and c.relkind in ('r', 'p') and has_table_privilege(c.oid, 'DELETE')
     order by n.nspname, c.relname`,
    [DERIVED_SCHEMAS],
  );
  for (const r of rows)
    await tx.query(`delete from ${quoteIdent(r.schema_name)}.${quoteIdent(r.table_name)} where tenant_id = $1`, [id]);
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** A change of hot-path configuration (a tenant or a key), as written to the change feed. */
export interface Change {
  readonly kind: 'tenant' | 'key';
  readonly tenantId: string;
  readonly id: string;
  /** A tenant's resourceVersion as the change committed it (absent: re-read it whatever is held). */
  readonly resourceVersion?: string;
  /** The directory of the replica that made the change (it applies its own tenant changes itself). */
  readonly origin?: string;
  /** Relayed from the change feed to builds before migration 0015 (which hear NOTIFY only). */
  readonly relayed?: boolean;
}

/**
 * NOTIFY channel of other contexts' hot-path notices (policy overlays); tenant and key changes
 * travel on the change feed (change-feed.ts).
 */
export const CHANGES_CHANNEL = 'iris_changes';
