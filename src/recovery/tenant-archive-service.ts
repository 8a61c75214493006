// One tenant at a time: export a tenant's rows (its ledger included) as a signed archive, and
// import one into this Iris in a single transaction that touches that tenant's rows only.
// The import refuses what it cannot restore exactly (an untrusted, altered or newer archive, an
// id clash without `replace`, a region this deployment does not serve without `rehome`, a log
// here that the archive would rewrite) and proves the result: every table's rows are read back
// and compared with the signed digests before the commit, and the ledger is verified after it.
import { createHash, type KeyObject } from 'node:crypto';
import {
  LEDGER_TABLES,
  parseVerifierKey,
  restoreLog,
  verifierKey,
  verifyArchivedLog,
  type ArchivedLog,
  type AuditReader,
  type Ledger,
  type LogVerification,
} from '../audit/index.js';
import { authorize, type DecideFn, type RequestContext } from '../core/context.js';
import { APPLY_SCOPE_SQL, platformScope, scopeParams, tenantScope, type Database, type Queryable } from '../core/db.js';
import { errorMessage, IrisError, NotFoundError, ValidationError } from '../core/errors.js';
import { PLATFORM } from '../core/ids.js';
import { CHANGES_CHANNEL, deleteDerivedRows, withChanges, type ApplyLocally } from '../tenants/index.js';
import {
  ArchiveTooNewError,
  ArchiveUntrustedError,
  ledgerDiverged,
  RegionNotServedError,
  tenantExists,
} from './tenant-archive-errors.js';
import {
  openArchive,
  writeArchive,
  type ArchiveManifest,
  type OpenedArchive,
  type PartContent,
} from './tenant-archive-format.js';
import { deleteRows, hasRows, readRows, tenantTables, writeRows, type TenantTable } from './tenant-archive-tables.js';

export interface TenantArchiveDeps {
  readonly db: Database;
  readonly ledger: Ledger;
  readonly auditReader: AuditReader;
  /**
   * Regions this deployment serves (its IRIS_REGION: residency refuses data actions on tenants
   * homed elsewhere); a tenant homed elsewhere is imported only with `rehome`.
   */
  readonly servedRegions: readonly string[];
  readonly irisVersion: string;
  /** The latest migration applied to this database. */
  schemaVersion(): Promise<number>;
  readonly decide?: DecideFn;
  /** This replica's directory, told of the imported tenant and keys once the import commits. */
  readonly applyLocally?: ApplyLocally;
  /** Run after an import commits (reloads of this replica's caches of the tenant, e.g. its policy overlay). */
  readonly afterImport?: (tenantId: string) => Promise<void>;
}

export interface ExportedArchive {
  readonly tenantId: string;
  readonly archive: Buffer;
  readonly manifest: ArchiveManifest;
}

export interface ImportOptions {
  /** Restore over a tenant that already has rows here (they are removed first, in the same transaction). */
  readonly replace?: boolean | undefined;
  /** Make this served region the tenant's home (needed when its archived home is not served here). */
  readonly rehome?: string | undefined;
  /** The signed-note vkey of the Iris that exported the archive; default: this Iris's own. */
  readonly verifierKey?: string | undefined;
}

export interface ImportResult {
  readonly tenantId: string;
  readonly homeRegion: string;
  /** The archived home region, when the import moved the tenant. */
  readonly rehomedFrom: string | null;
  readonly replaced: boolean;
  /** Rows restored per table (ledger tables as archived). */
  readonly rows: Readonly<Record<string, number>>;
  readonly archiveSha256: string;
  readonly signer: string;
  readonly ledger: {
    /** restored: written from the archive; kept: this Iris's log already continued it. */
    readonly outcome: 'restored' | 'kept';
    readonly verification: LogVerification;
  };
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const body = (lines: readonly string[]): string => lines.map((l) => `${l}\n`).join('');
/** Values render the same on every server: timestamps in UTC. */
const UTC_SQL = "select set_config('TimeZone', 'UTC', true)";

export function makeTenantArchiveService(deps: TenantArchiveDeps) {
  const { db, ledger } = deps;
  const ownVkey = verifierKey(ledger.signer.name, ledger.signer.publicKey);

  return {
    /**
     * Reads every row the tenant owns in one snapshot and writes the signed archive; the export
     * itself is recorded in the tenant's log afterwards (`tenant.export`, after the snapshot).
     * @throws NotFoundError when the tenant does not exist.
     */
    async export(ctx: RequestContext, tenantId: string): Promise<ExportedArchive> {
      authorize(ctx.principal, 'tenant.export', tenantId, 'Tenant', deps.decide);
      const schemaVersion = await deps.schemaVersion();
      const read = await db.transaction(
        tenantScope(tenantId, ctx.trace),
        async (tx) => {
          await tx.query(UTC_SQL);
          const region = (
            await tx.query<{ home_region: string }>('select home_region from tenants where tenant_id = $1', [tenantId])
          ).rows[0]?.home_region;
          if (region === undefined) return undefined;
          const parts: PartContent[] = [];
          for (const table of await tenantTables(tx))
            parts.push({ table: table.name, columns: table.columns, lines: await readRows(tx, table, tenantId) });
          const head = (
            await tx.query<{ size: number; root: string; checkpoint: string }>(
              'select size, root, checkpoint from audit_heads where tenant_id = $1',
              [tenantId],
            )
          ).rows[0];
          return { region, parts, head };
        },
        { readOnly: true, snapshot: true },
      );
      if (read === undefined) throw new NotFoundError('Tenant', tenantId);
      const header = {
        schemaVersion,
        irisVersion: deps.irisVersion,
        tenantId,
        homeRegion: read.region,
        exportedAt: new Date().toISOString(),
        signer: { name: ledger.signer.name, vkey: ownVkey },
        ledger: read.head ?? { size: 0, root: '', checkpoint: '' },
      };
      const archive = writeArchive(header, read.parts, ledger.signer.privateKey);
      const digest = createHash('sha256').update(archive).digest('hex');
      await db.transaction(tenantScope(tenantId, ctx.trace), (tx) =>
        ledger.append(tx, ctx, {
          log: tenantId,
          action: 'tenant.export',
          resource: { kind: 'Tenant', id: tenantId },
          before: null,
          after: { archiveSha256: digest, ledgerSize: header.ledger.size },
        }),
      );
      const opened = openArchive(archive, { vkey: ownVkey, publicKey: ledger.signer.publicKey }, schemaVersion);
      return { tenantId, archive, manifest: opened.manifest };
    },

    /**
     * Restores an archive in one transaction; refused archives change nothing.
     * @throws ArchiveInvalidError, ArchiveUntrustedError, ArchiveTooNewError, RegionNotServedError
     *   (4xx problems), ConflictError `tenant_exists` / `ledger_diverged` (409).
     */
    async import(ctx: RequestContext, file: Uint8Array, opts: ImportOptions = {}): Promise<ImportResult> {
      authorize(ctx.principal, 'tenant.import', PLATFORM, 'Platform', deps.decide);
      const verifier = verifierOf(opts.verifierKey);
      const opened = openArchive(file, verifier, await deps.schemaVersion());
      const m = opened.manifest;
      const tenantId = m.tenantId;
      if (m.signer.vkey !== verifier.vkey)
        throw new ArchiveUntrustedError(
          'archive_unsigned',
          `The archive names the signer ${m.signer.vkey}, not the verifier key ${verifier.vkey}.`,
        );
      if (opts.rehome !== undefined && !deps.servedRegions.includes(opts.rehome))
        throw new ValidationError(
          `rehome '${opts.rehome}' is not a region this deployment serves (${deps.servedRegions.join(', ')}).`,
          { field: 'rehome' },
        );
      const homeRegion = opts.rehome ?? m.homeRegion;
      if (!deps.servedRegions.includes(homeRegion)) throw new RegionNotServedError(m.homeRegion, deps.servedRegions);
      const archived = archivedLog(opened, tenantId);
      const check = verifyArchivedLog(archived, verifier.name, verifier.publicKey);
      if (
        !check.ok ||
        check.size !== m.ledger.size ||
        (m.ledger.size > 0 && archived.head?.checkpoint !== m.ledger.checkpoint)
      )
        throw new ArchiveUntrustedError(
          'archive_ledger_invalid',
          `The archived audit log of '${tenantId}' does not verify: ${
            check.problems
              .slice(0, 3)
              .map((p) => p.problem)
              .join('; ') || 'its head differs from the signed manifest'
          }.`,
        );

      const replaced = { value: false };
      const outcome = await withChanges(
        db,
        tenantScope(tenantId, ctx.trace),
        deps.applyLocally,
        async (tx, announce) => {
          await tx.query(UTC_SQL);
          const tables = await tenantTables(tx);
          const byName = new Map(tables.map((t) => [t.name, t]));
          const data = m.parts.filter((p) => !LEDGER_TABLES.has(p.table));
          for (const part of data) {
            const table = byName.get(part.table);
            const missing = table ? part.columns.filter((c) => !table.columns.includes(c)) : [];
            if (!table || missing.length > 0)
              throw new ArchiveTooNewError(
                `The archive holds ${table ? `columns ${missing.join(', ')} of table ${part.table}` : `table ${part.table}`}, which this database does not have.`,
                { table: part.table },
              );
          }
          const dataTables = tables.filter((t) => !LEDGER_TABLES.has(t.name));
          const present: string[] = [];
          for (const t of dataTables) if (await hasRows(tx, t, tenantId)) present.push(t.name);
          const keysBefore = await keyIds(tx, tenantId);
          if (present.length > 0) {
            if (opts.replace !== true) throw tenantExists(tenantId, present);
            // Children before parents; each delete names the tenant and row-level security binds it too.
            for (const t of [...dataTables].reverse())
              await asOwnerWhere(tx, !t.deletable, () => deleteRows(tx, t, tenantId));
            replaced.value = true;
          }
          for (const part of data) {
            const table = byName.get(part.table) as TenantTable;
            await refusedAsArchive(part.table, () =>
              writeRows(tx, table, part.columns, opened.parts.get(part.table) ?? []),
            );
          }
          // Read back: each table must hold exactly the archived rows (a trigger may have touched
          // one while later tables went in: it is written once more, then must match).
          for (const part of data) {
            const table = byName.get(part.table) as TenantTable;
            const lines = opened.parts.get(part.table) ?? [];
            if (sha256(body(await readRows(tx, table, tenantId, part.columns))) === part.sha256) continue;
            await writeRows(tx, table, part.columns, lines);
            if (sha256(body(await readRows(tx, table, tenantId, part.columns))) !== part.sha256)
              throw new IrisError(
                'archive_restore_mismatch',
                422,
                `The rows of table ${part.table} read back differ from the archive; nothing was imported.`,
              );
          }
          // The archive has no candidate graph (derived schemas are never archived): drop any here.
          await deleteDerivedRows(tx, tenantId);
          const restored = await restoreLog(tx, ledger, archived);
          if (restored.outcome === 'diverged') throw ledgerDiverged(tenantId, restored.size, restored.firstDifference);
          await ledger.append(tx, ctx, {
            log: tenantId,
            action: 'tenant.import',
            resource: { kind: 'Tenant', id: tenantId },
            before: null,
            after: {
              archiveSha256: opened.sha256,
              signer: m.signer.vkey,
              exportedAt: m.exportedAt,
              ledgerSize: m.ledger.size,
              replaced: replaced.value,
            },
          });
          if (homeRegion !== m.homeRegion) {
            await tx.query(
              'update tenants set home_region = $2, resource_version = resource_version + 1, updated_at = now() where tenant_id = $1',
              [tenantId, homeRegion],
            );
            await ledger.append(tx, ctx, {
              log: tenantId,
              action: 'tenant.rehome',
              resource: { kind: 'Tenant', id: tenantId },
              before: { homeRegion: m.homeRegion },
              after: { homeRegion },
            });
          }
          // The platform log witnesses the log as the import leaves it.
          await tx.query(APPLY_SCOPE_SQL, scopeParams(platformScope));
          const head = (
            await tx.query<{ size: number; root: string; checkpoint: string }>(
              'select size, root, checkpoint from audit_heads where tenant_id = $1',
              [tenantId],
            )
          ).rows[0];
          if (head) {
            const witnessed = await tx.query('select 1 from audit_witnesses where tenant_id = $1 limit 1', [tenantId]);
            await ledger.witness(tx, ctx, { log: tenantId, ...head }, witnessed.rows.length > 0 ? 'witness' : 'create');
          }
          await announce({ kind: 'tenant', tenantId, id: tenantId });
          for (const id of new Set([...keysBefore, ...(await keyIds(tx, tenantId))]))
            await announce({ kind: 'key', tenantId, id });
          // NOTE: other replicas reload the tenant's policy overlay on this (bundle-service.ts).
          await tx.query('select pg_notify($1, $2)', [
            CHANGES_CHANNEL,
            JSON.stringify({ kind: 'policy', tenantId, id: `policy:${tenantId}` }),
          ]);
          return restored.outcome;
        },
      );
      await deps.afterImport?.(tenantId);
      const verification = await db.transaction(tenantScope(tenantId), (tx) => deps.auditReader.verify(tx, tenantId), {
        readOnly: true,
      });
      return {
        tenantId,
        homeRegion,
        rehomedFrom: homeRegion === m.homeRegion ? null : m.homeRegion,
        replaced: replaced.value,
        rows: Object.fromEntries(m.parts.map((p) => [p.table, p.rows])),
        archiveSha256: opened.sha256,
        signer: m.signer.vkey,
        ledger: { outcome, verification },
      };
    },
  };

  function verifierOf(vkey: string | undefined): { vkey: string; name: string; publicKey: KeyObject } {
    if (vkey === undefined) return { vkey: ownVkey, name: ledger.signer.name, publicKey: ledger.signer.publicKey };
    try {
      const parsed = parseVerifierKey(vkey);
      return { vkey: verifierKey(parsed.name, parsed.publicKey), ...parsed };
    } catch (err) {
      throw new ValidationError(`verifierKey is not a signed-note verifier key: ${errorMessage(err)}`, {
        field: 'verifierKey',
      });
    }
  }
}

export type TenantArchiveService = ReturnType<typeof makeTenantArchiveService>;

async function keyIds(tx: Queryable, tenantId: string): Promise<string[]> {
  return (await tx.query<{ key_id: string }>('select key_id from api_keys where tenant_id = $1', [tenantId])).rows.map(
    (r) => r.key_id,
  );
}

/**
 * Runs `fn` as the session's own role (the schema owner) when `needed`, then returns to the
 * application role. NOTE: only `replace` needs it, to remove the tenant's rows of append-only
 * tables (its policy history) that the application role may not delete; the statements name
 * the tenant, and the ledger is never deleted.
 */
async function asOwnerWhere<T>(tx: Queryable, needed: boolean, fn: () => Promise<T>): Promise<T> {
  if (!needed) return fn();
  await tx.query("select set_config('role', 'none', true)");
  const out = await fn();
  await tx.query("select set_config('role', $1, true)", [scopeParams(platformScope)[0]]);
  return out;
}

/** SQL errors while writing archived rows are the archive's fault: a 422 that names the table. */
async function refusedAsArchive(table: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof IrisError || typeof (err as { code?: unknown }).code !== 'string') throw err;
    throw new IrisError(
      'archive_rows_refused',
      422,
      `The archived rows of table ${table} do not fit this database (${errorMessage(err)}); nothing was imported.`,
      { cause: err },
    );
  }
}

/** The four ledger tables' archived rows of the tenant, as the audit context restores them. */
function archivedLog(opened: OpenedArchive, tenantId: string): ArchivedLog {
  const rows = <R>(table: string): R[] =>
    (opened.parts.get(table) ?? [])
      .map((l) => JSON.parse(l) as R)
      .filter((r) => (r as { tenant_id?: unknown }).tenant_id === tenantId);
  const events = rows<{ seq: number; event: Record<string, unknown>; leaf_hash: string; recorded_at: string }>(
    'audit_events',
  );
  const heads = rows<{ size: number; root: string; checkpoint: string }>('audit_heads');
  return {
    log: tenantId,
    events: events.map((e) => ({ seq: e.seq, event: e.event, leafHash: e.leaf_hash, recordedAt: e.recorded_at })),
    head: heads[0] ? { size: heads[0].size, root: heads[0].root, checkpoint: heads[0].checkpoint } : null,
    checkpoints: rows<{ size: number; note: string }>('audit_checkpoints').map((c) => ({ size: c.size, note: c.note })),
    witnesses: rows<{
      size: number;
      root: string;
      checkpoint: string;
      platform_seq: number;
      kind: 'create' | 'witness';
      witnessed_at: string;
    }>('audit_witnesses').map((w) => ({
      log: tenantId,
      size: w.size,
      root: w.root,
      checkpoint: w.checkpoint,
      platformSeq: w.platform_seq,
      kind: w.kind,
      witnessedAt: w.witnessed_at,
    })),
  };
}
