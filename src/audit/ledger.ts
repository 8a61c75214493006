// The tamper-evident ledger: appends events to per-tenant RFC 6962 logs inside the caller's
// transaction and keeps each log's head with an Ed25519-signed checkpoint.
import type { KeyObject } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import type { Queryable } from '../core/db.js';
import { buildEvent, type AuditEvent, type AuditRecord } from './audit-event.js';
import { canonicalJson } from './canonical-json.js';
import { signCheckpoint } from './checkpoint.js';
import { appendLeaf, emptyRoot, leafHash, rootFromFrontier } from './merkle.js';

export interface LedgerSigner {
  /** Key name of the signed notes (the ledger origin prefix). */
  readonly name: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** Every this many events a checkpoint is also kept in audit_checkpoints. */
export const CHECKPOINT_EVERY = 100;

export interface Ledger {
  /** Appends `record` to its log within `tx`; the change and its event commit together. */
  append(tx: Queryable, ctx: RequestContext, record: AuditRecord): Promise<AuditEvent>;
  /** Stores the current head's checkpoint in audit_checkpoints (idempotent). */
  keepCheckpoint(tx: Queryable, log: string): Promise<{ size: number; note: string } | null>;
  readonly signer: LedgerSigner;
  originOf(log: string): string;
}

interface HeadRow {
  size: number;
  frontier: string[];
}

export function makeLedger(deps: { signer: LedgerSigner; clock: Clock }): Ledger {
  const { signer, clock } = deps;
  const originOf = (log: string): string => `${signer.name}/${log}`;

  return {
    signer,
    originOf,
    async append(tx, ctx, record) {
      // NOTE: the head row is the per-log serialisation point: FOR UPDATE makes concurrent
      // appends to one log take turns, so seq stays dense and the frontier consistent.
      await tx.query(
        `insert into audit_heads (tenant_id, size, frontier, root, checkpoint)
         values ($1, 0, '[]'::jsonb, $2, '') on conflict (tenant_id) do nothing`,
        [record.log, emptyRoot().toString('hex')],
      );
      const { rows } = await tx.query<HeadRow>('select size, frontier from audit_heads where tenant_id = $1 for update', [record.log]);
      const head = rows[0];
      if (!head) throw new Error(`audit head for log '${record.log}' is not visible in this scope`);
      const event = buildEvent(ctx, record, head.size, clock.now());
      const leaf = leafHash(Buffer.from(canonicalJson(event), 'utf8'));
      const frontier = appendLeaf(head.frontier.map((h) => Buffer.from(h, 'hex')), head.size, leaf);
      const size = head.size + 1;
      const root = rootFromFrontier(frontier);
      const note = signCheckpoint({ origin: originOf(record.log), size, root }, signer.name, signer.privateKey);
      await tx.query('insert into audit_events (tenant_id, seq, event, leaf_hash) values ($1, $2, $3, $4)', [
        record.log,
        event.seq,
        JSON.stringify(event),
        leaf.toString('hex'),
      ]);
      await tx.query('update audit_heads set size = $2, frontier = $3, root = $4, checkpoint = $5, updated_at = now() where tenant_id = $1', [
        record.log,
        size,
        JSON.stringify(frontier.map((h) => h.toString('hex'))),
        root.toString('hex'),
        note,
      ]);
      if (size % CHECKPOINT_EVERY === 0) {
        await tx.query('insert into audit_checkpoints (tenant_id, size, root, note) values ($1, $2, $3, $4) on conflict do nothing', [
          record.log,
          size,
          root.toString('hex'),
          note,
        ]);
      }
      return event;
    },
    async keepCheckpoint(tx, log) {
      const { rows } = await tx.query<{ size: number; root: string; checkpoint: string }>(
        'select size, root, checkpoint from audit_heads where tenant_id = $1',
        [log],
      );
      const head = rows[0];
      if (!head || head.size === 0) return null;
      await tx.query('insert into audit_checkpoints (tenant_id, size, root, note) values ($1, $2, $3, $4) on conflict do nothing', [
        log,
        head.size,
        head.root,
        head.checkpoint,
      ]);
      return { size: head.size, note: head.checkpoint };
    },
  };
}
