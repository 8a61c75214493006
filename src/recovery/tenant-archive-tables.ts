// The tenant-owned tables, found in the catalogue (every table with a tenant_id column and
// forced row-level security), so a table added by a later migration is archived without a
// change here; and the SQL that reads, writes and removes one tenant's rows of one of them.
// Values travel as `to_jsonb(row)` text and come back through `jsonb_populate_recordset`:
// PostgreSQL's own text forms, so bytea, jsonb, arrays, timestamps and numbers keep their type
// and value exactly, on PGlite and PostgreSQL alike.
import type { Queryable } from '../core/db.js';

export interface TenantTable {
  readonly name: string;
  /** Stored columns in table order (generated ones are left out: the database computes them). */
  readonly columns: readonly string[];
  readonly generated: readonly string[];
  /** Primary-key columns in key order (tenant_id first). */
  readonly key: readonly string[];
  /** Tables this one references by foreign key (their rows go in first). */
  readonly references: readonly string[];
  /** The current role may delete from it (append-only tables refuse the application role). */
  readonly deletable: boolean;
}

interface CatalogRow {
  name: string;
  columns: { name: string; generated: boolean }[];
  key: string[] | null;
  refs: string[] | null;
  deletable: boolean;
}

/**
 * Every tenant-owned table of the current schema, referenced tables before the tables that
 * reference them (ties by name), so inserting in this order satisfies every foreign key.
 */
export async function tenantTables(tx: Queryable): Promise<TenantTable[]> {
  const { rows } = await tx.query<CatalogRow>(
    `select c.relname as name,
       (select json_agg(json_build_object('name', a.attname, 'generated', a.attgenerated <> '') order by a.attnum)
          from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as columns,
       (select json_agg(a.attname order by k.ord) from pg_index x
          cross join lateral unnest(x.indkey) with ordinality as k(attnum, ord)
          join pg_attribute a on a.attrelid = x.indrelid and a.attnum = k.attnum
          where x.indrelid = c.oid and x.indisprimary) as key,
       (select json_agg(distinct r.relname) from pg_constraint f join pg_class r on r.oid = f.confrelid
          where f.conrelid = c.oid and f.contype = 'f' and f.confrelid <> c.oid) as refs,
       has_table_privilege(c.oid, 'DELETE') as deletable
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = current_schema() and c.relkind in ('r', 'p') and c.relforcerowsecurity
       and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
     order by c.relname`,
  );
  const tables = rows.map((r): TenantTable => ({
    name: r.name,
    columns: r.columns.filter((c) => !c.generated).map((c) => c.name),
    generated: r.columns.filter((c) => c.generated).map((c) => c.name),
    key: r.key ?? r.columns.filter((c) => !c.generated).map((c) => c.name),
    references: r.refs ?? [],
    deletable: r.deletable,
  }));
  // Depth-first: a table after every table it references (foreign keys form no cycle here;
  // a cycle would be placed in name order rather than loop).
  const byName = new Map(tables.map((t) => [t.name, t]));
  const ordered: TenantTable[] = [];
  const placed = new Set<string>();
  const visit = (t: TenantTable, path: Set<string>): void => {
    if (placed.has(t.name) || path.has(t.name)) return;
    path.add(t.name);
    for (const r of t.references) {
      const ref = byName.get(r);
      if (ref) visit(ref, path);
    }
    placed.add(t.name);
    ordered.push(t);
  };
  for (const t of tables) visit(t, new Set());
  return ordered;
}

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const literal = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/**
 * One tenant's rows of `table` as JSON text lines, in primary-key order; with `only`, each row
 * carries just those columns (an archive's, compared with what an import wrote).
 */
export async function readRows(
  tx: Queryable,
  table: TenantTable,
  tenantId: string,
  only?: readonly string[],
): Promise<string[]> {
  // NOTE: identifiers and literals here come from the catalogue or a checked manifest, never
  // from a request.
  const dropped = [...table.generated, ...(only ? table.columns.filter((c) => !only.includes(c)) : [])];
  const strip = dropped.map((g) => ` - ${literal(g)}`).join('');
  const { rows } = await tx.query<{ row: string }>(
    `select (to_jsonb(t)${strip})::text as row from ${ident(table.name)} t where tenant_id = $1
     order by ${table.key.map((k) => `t.${ident(k)}`).join(', ')}`,
    [tenantId],
  );
  return rows.map((r) => r.row);
}

/** Rows sent per statement, at most (and about this many bytes of JSON). */
const BATCH_ROWS = 1000;
const BATCH_BYTES = 4 * 1024 * 1024;

/**
 * Writes archived rows into `table`: only `columns` (the archive's; a column added since takes
 * its default). A row already there with the same key (one a trigger made while the rows before
 * went in) takes the archived values.
 */
export async function writeRows(
  tx: Queryable,
  table: TenantTable,
  columns: readonly string[],
  lines: readonly string[],
): Promise<void> {
  const cols = columns.map(ident).join(', ');
  const others = columns.filter((c) => !table.key.includes(c));
  const onConflict =
    others.length === 0
      ? 'do nothing'
      : `do update set (${others.map(ident).join(', ')}) = row(${others.map((c) => `excluded.${ident(c)}`).join(', ')})`;
  const sql = `insert into ${ident(table.name)} (${cols})
    select ${cols} from jsonb_populate_recordset(null::${ident(table.name)}, $1::jsonb)
    on conflict (${table.key.map(ident).join(', ')}) ${onConflict}`;
  let batch: string[] = [];
  let bytes = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    await tx.query(sql, [`[${batch.join(',')}]`]);
    batch = [];
    bytes = 0;
  };
  for (const line of lines) {
    batch.push(line);
    bytes += line.length;
    if (batch.length >= BATCH_ROWS || bytes >= BATCH_BYTES) await flush();
  }
  await flush();
}

/** Whether the tenant has any row in `table`. */
export async function hasRows(tx: Queryable, table: TenantTable, tenantId: string): Promise<boolean> {
  const { rows } = await tx.query(`select 1 from ${ident(table.name)} where tenant_id = $1 limit 1`, [tenantId]);
  return rows.length > 0;
}

/** Removes the tenant's rows of `table`; only that tenant's (and row-level security agrees). */
export async function deleteRows(tx: Queryable, table: TenantTable, tenantId: string): Promise<number> {
  return (await tx.query(`delete from ${ident(table.name)} where tenant_id = $1`, [tenantId])).rowCount;
}
