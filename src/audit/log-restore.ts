// Restoring one tenant's log from an archive (recovery's tenant import): the archived events go
// in as they were (their leaf hashes and content untouched), the head and kept checkpoints are
// recomputed from the leaves and signed by this Iris's key, and only witness records this
// Iris's platform log really holds are kept. An existing log is never rewritten or shortened:
// it is kept when it continues the archived one and the import is refused otherwise.
import type { KeyObject } from 'node:crypto';
import type { Queryable } from '../core/db.js';
import { PLATFORM } from '../core/ids.js';
import { signCheckpoint } from './checkpoint.js';
import type { Ledger } from './ledger.js';
import { appendLeaf, emptyRoot, rootFromFrontier } from './merkle.js';
import { verifyLog, type LogHead, type LogRow, type LogVerification, type WitnessRow } from './verify-log.js';

/** The ledger's tables: restored here, never by a generic row copy. */
export const LEDGER_TABLES: ReadonlySet<string> = new Set([
  'audit_events',
  'audit_heads',
  'audit_checkpoints',
  'audit_witnesses',
]);

/** One log as an archive carries it (rows of the four ledger tables of one tenant). */
export interface ArchivedLog {
  readonly log: string;
  readonly events: readonly (LogRow & { readonly recordedAt: string })[];
  readonly head: LogHead | null;
  readonly checkpoints: readonly { readonly size: number; readonly note: string }[];
  readonly witnesses: readonly (WitnessRow & { readonly witnessedAt: string })[];
}

/**
 * Verifies an archived log against the key of the Iris that wrote it (`keyName` is its ledger
 * name, so the origin of its notes is `keyName/log`). Pure; never throws.
 */
export function verifyArchivedLog(archived: ArchivedLog, keyName: string, publicKey: KeyObject): LogVerification {
  return verifyLog({
    log: archived.log,
    origin: `${keyName}/${archived.log}`,
    keyName,
    publicKey,
    rows: archived.events,
    head: archived.head,
    checkpoints: archived.checkpoints,
    witnesses: archived.witnesses,
  });
}

export type LogRestore =
  /** The log was written from the archive. */
  | { readonly outcome: 'restored'; readonly size: number; readonly witnessesKept: number }
  /** This Iris already holds the log and it continues the archived one: left as it is. */
  | { readonly outcome: 'kept'; readonly size: number }
  /** This Iris holds another history under the log's name: nothing written. */
  | { readonly outcome: 'diverged'; readonly size: number; readonly firstDifference: number };

/**
 * Writes `archived` into `tx` as this Iris's log of that name, or keeps the log already there
 * when it continues the archived one. The caller verified the archive first.
 */
export async function restoreLog(tx: Queryable, ledger: Ledger, archived: ArchivedLog): Promise<LogRestore> {
  const { log } = archived;
  if (log === PLATFORM) throw new Error('the platform log is not restored from a tenant archive');
  const existing = (
    await tx.query<{ leaf_hash: string }>('select leaf_hash from audit_events where tenant_id = $1 order by seq', [log])
  ).rows;
  const present =
    existing.length > 0 || (await tx.query('select 1 from audit_heads where tenant_id = $1', [log])).rows.length > 0;
  if (present) {
    // The ledger is append-only: a log that already holds the archived events (the tenant's own
    // history, grown since the export or after a purge) keeps them and grows on.
    const firstDifference = archived.events.findIndex((e, i) => existing[i]?.leaf_hash !== e.leafHash);
    if (firstDifference < 0) return { outcome: 'kept', size: existing.length };
    return { outcome: 'diverged', size: existing.length, firstDifference };
  }

  // NOTE: each leaf hash was checked against its event by verifyArchivedLog; the head and the
  // kept checkpoints are recomputed from them and signed here, so this Iris's key vouches only
  // for a history it verified. Ed25519 signing is deterministic: on the Iris that exported the
  // log the notes come out byte for byte as they were.
  const wanted = new Set(archived.checkpoints.map((c) => c.size));
  const kept: { size: number; root: string; note: string }[] = [];
  let frontier: Buffer[] = [];
  archived.events.forEach((e, i) => {
    frontier = appendLeaf(frontier, i, Buffer.from(e.leafHash, 'hex'));
    if (wanted.has(i + 1)) {
      const root = rootFromFrontier(frontier);
      kept.push({ size: i + 1, root: root.toString('hex'), note: sign(ledger, log, i + 1, root) });
    }
  });
  const size = archived.events.length;
  const root = size === 0 ? emptyRoot() : rootFromFrontier(frontier);
  await tx.query(
    `insert into audit_events (tenant_id, seq, event, leaf_hash, recorded_at)
     select $1, x.seq, x.event, x.leaf_hash, x.recorded_at
     from jsonb_to_recordset($2::jsonb) as x(seq bigint, event jsonb, leaf_hash text, recorded_at timestamptz)`,
    [
      log,
      JSON.stringify(
        archived.events.map((e) => ({ seq: e.seq, event: e.event, leaf_hash: e.leafHash, recorded_at: e.recordedAt })),
      ),
    ],
  );
  await tx.query('insert into audit_heads (tenant_id, size, frontier, root, checkpoint) values ($1, $2, $3, $4, $5)', [
    log,
    size,
    JSON.stringify(frontier.map((h) => h.toString('hex'))),
    root.toString('hex'),
    size === 0 ? '' : sign(ledger, log, size, root),
  ]);
  if (kept.length > 0)
    await tx.query(
      `insert into audit_checkpoints (tenant_id, size, root, note)
       select $1, x.size, x.root, x.note from jsonb_to_recordset($2::jsonb) as x(size bigint, root text, note text)`,
      [log, JSON.stringify(kept)],
    );
  // A witness record names an event of the platform log that wrote it: only records whose
  // event this Iris's platform log holds, witnessing the same prefix, stay true here.
  let witnessesKept = 0;
  for (const w of archived.witnesses) {
    const { rows } = await tx.query<{ witness: { log?: unknown; size?: unknown; root?: unknown } | null }>(
      "select event->'witness' as witness from audit_events where tenant_id = $1 and seq = $2",
      [PLATFORM, w.platformSeq],
    );
    const claim = rows[0]?.witness;
    if (claim?.log !== log || Number(claim.size) !== w.size || claim.root !== w.root) continue;
    await tx.query(
      `insert into audit_witnesses (tenant_id, size, root, checkpoint, platform_seq, kind, witnessed_at)
       values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing`,
      [
        log,
        w.size,
        w.root,
        sign(ledger, log, w.size, Buffer.from(w.root, 'hex')),
        w.platformSeq,
        w.kind,
        w.witnessedAt,
      ],
    );
    witnessesKept++;
  }
  return { outcome: 'restored', size, witnessesKept };
}

function sign(ledger: Ledger, log: string, size: number, root: Buffer): string {
  return signCheckpoint({ origin: ledger.originOf(log), size, root }, ledger.signer.name, ledger.signer.privateKey);
}
