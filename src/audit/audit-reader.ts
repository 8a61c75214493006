// Reads of the ledger for the API: pages of events, the signed head, verification, proofs.
import type { Queryable } from '../core/db.js';
import { NotFoundError, ValidationError } from '../core/errors.js';
import { verifierKey } from './checkpoint.js';
import type { Ledger } from './ledger.js';
import { inclusionProof } from './merkle.js';
import type { ProofBundle } from './proof-bundle.js';
import { verifyLog, type LogHead, type LogRow, type LogVerification } from './verify-log.js';

interface EventRow {
  seq: number;
  event: Record<string, unknown>;
  leaf_hash: string;
  recorded_at: Date;
}

export function makeAuditReader(ledger: Ledger) {
  const vkey = verifierKey(ledger.signer.name, ledger.signer.publicKey);

  async function head(tx: Queryable, log: string): Promise<LogHead | null> {
    const { rows } = await tx.query<LogHead>('select size, root, checkpoint from audit_heads where tenant_id = $1', [log]);
    return rows[0] ?? null;
  }

  async function allRows(tx: Queryable, log: string): Promise<LogRow[]> {
    const { rows } = await tx.query<EventRow>('select seq, event, leaf_hash from audit_events where tenant_id = $1 order by seq', [log]);
    return rows.map((r) => ({ seq: r.seq, event: r.event, leafHash: r.leaf_hash }));
  }

  async function checkpoints(tx: Queryable, log: string): Promise<{ size: number; note: string }[]> {
    const { rows } = await tx.query<{ size: number; note: string }>('select size, note from audit_checkpoints where tenant_id = $1 order by size', [log]);
    return rows;
  }

  return {
    vkey,
    head,
    checkpoints,
    /** A page of events from `from` (inclusive), at most `limit`. */
    async events(tx: Queryable, log: string, from: number, limit: number) {
      const { rows } = await tx.query<EventRow>(
        'select seq, event, leaf_hash, recorded_at from audit_events where tenant_id = $1 and seq >= $2 order by seq limit $3',
        [log, from, limit],
      );
      return rows.map((r) => ({ seq: r.seq, event: r.event, leafHash: r.leaf_hash, recordedAt: r.recorded_at.toISOString() }));
    },
    /** Recomputes the whole log and checks it against its signed head and checkpoints. */
    async verify(tx: Queryable, log: string): Promise<LogVerification> {
      const [rows, h, cps] = [await allRows(tx, log), await head(tx, log), await checkpoints(tx, log)];
      return verifyLog({ log, origin: ledger.originOf(log), keyName: ledger.signer.name, publicKey: ledger.signer.publicKey, rows, head: h, checkpoints: cps });
    },
    /** An inclusion proof of event `seq` against the current signed head. */
    async prove(tx: Queryable, log: string, seq: number): Promise<ProofBundle> {
      const h = await head(tx, log);
      if (h === null || h.size === 0) throw new NotFoundError('Log', log);
      if (seq >= h.size) throw new ValidationError(`Event ${seq} does not exist yet: the log has ${h.size} events (0..${h.size - 1}).`);
      const { rows } = await tx.query<{ seq: number; leaf_hash: string }>(
        'select seq, leaf_hash from audit_events where tenant_id = $1 and seq < $2 order by seq',
        [log, h.size],
      );
      const leaves = rows.map((r) => Buffer.from(r.leaf_hash, 'hex'));
      const row = (await tx.query<EventRow>('select seq, event, leaf_hash from audit_events where tenant_id = $1 and seq = $2', [log, seq])).rows[0];
      if (!row) throw new NotFoundError('Event', `${log}/${seq}`);
      return {
        log,
        seq,
        treeSize: h.size,
        event: row.event,
        leafHash: row.leaf_hash,
        auditPath: inclusionProof(leaves, seq, h.size).map((b) => b.toString('hex')),
        rootHash: h.root,
        checkpoint: h.checkpoint,
        vkey,
      };
    },
  };
}

export type AuditReader = ReturnType<typeof makeAuditReader>;
