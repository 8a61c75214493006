// The tamper-evident ledger: appends events to per-tenant RFC 6962 logs inside the caller's
// transaction and keeps each log's head with an Ed25519-signed checkpoint. The platform log
// witnesses the tenant logs: their creation here, their growth from ledger-witness.ts.
import type { KeyObject } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import { settleBeforeCommit, type Queryable } from '../core/db.js';
import { PLATFORM } from '../core/ids.js';
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
const CHECKPOINT_EVERY = 100;

/** One event to append: what happened and the request it happened in. */
export interface LedgerEntry {
  readonly ctx: RequestContext;
  readonly record: AuditRecord;
}

export interface Ledger {
  /** Appends `record` to its log within `tx`; the change and its event commit together. */
  append(tx: Queryable, ctx: RequestContext, record: AuditRecord): Promise<AuditEvent>;
  /**
   * Appends several events within `tx`, in order (a group commit's): each log's head is locked
   * and written once, and one signed checkpoint covers that log's new head.
   */
  appendAll(tx: Queryable, entries: readonly LedgerEntry[]): Promise<AuditEvent[]>;
  /**
   * Locks `log`'s head in `tx` now, without waiting, for an append later in the same
   * transaction: sent right after the statement that locks the changed row, it rides in that
   * statement's round trip, and the append then needs no lock of its own. Call it only where
   * an append follows (it holds the head until the transaction ends).
   */
  lockAhead(tx: Queryable, log: string): void;
  /** Stores the current head's checkpoint in audit_checkpoints (idempotent). */
  keepCheckpoint(tx: Queryable, log: string): Promise<{ size: number; note: string } | null>;
  /**
   * Records `head` of a tenant log in the platform log (`ledger.create` or `ledger.witness`)
   * and in audit_witnesses, within `tx` (platform scope). Null when that size of that log was
   * witnessed before.
   */
  witness(tx: Queryable, ctx: RequestContext, head: WitnessedHead, kind: WitnessKind): Promise<AuditEvent | null>;
  readonly signer: LedgerSigner;
  originOf(log: string): string;
}

interface HeadRow {
  size: number;
  frontier: string[];
}

/** A tenant log's signed head as a witness records it. */
export interface WitnessedHead {
  readonly log: string;
  readonly size: number;
  /** Hex RFC 6962 root. */
  readonly root: string;
  /** The log's signed checkpoint note at this size and root. */
  readonly checkpoint: string;
}

export type WitnessKind = 'create' | 'witness';

export function makeLedger(deps: { signer: LedgerSigner; clock: Clock }): Ledger {
  const { signer, clock } = deps;
  const originOf = (log: string): string => `${signer.name}/${log}`;
  /** Heads locked ahead (lockAhead), per transaction and log, until an append takes them. */
  const lockedAhead = new WeakMap<Queryable, Map<string, Promise<HeadRow | undefined>>>();
  const selectHeadForUpdate = async (tx: Queryable, log: string): Promise<HeadRow | undefined> =>
    (await tx.query<HeadRow>('select size, frontier from audit_heads where tenant_id = $1 for update', [log])).rows[0];

  function lockAhead(tx: Queryable, log: string): void {
    const head = selectHeadForUpdate(tx, log);
    head.catch(() => undefined); // observed by the append; a transaction that ends first drops it
    let byLog = lockedAhead.get(tx);
    if (byLog === undefined) lockedAhead.set(tx, (byLog = new Map()));
    byLog.set(log, head);
  }

  async function append(tx: Queryable, ctx: RequestContext, record: AuditRecord): Promise<AuditEvent> {
    const [event] = await appendToLog(tx, record.log, [{ ctx, record }]);
    if (event === undefined) throw new Error('ledger append returned no event');
    return event;
  }

  async function appendAll(tx: Queryable, entries: readonly LedgerEntry[]): Promise<AuditEvent[]> {
    const byLog = new Map<string, LedgerEntry[]>();
    for (const e of entries) {
      const list = byLog.get(e.record.log);
      if (list === undefined) byLog.set(e.record.log, [e]);
      else list.push(e);
    }
    const events = new Map<LedgerEntry, AuditEvent>();
    // NOTE: one log at a time, in the order each first appears, so two batches that share logs
    // lock their heads in the same order only if callers keep one log per batch (the queue does).
    for (const [log, list] of byLog) {
      const appended = await appendToLog(tx, log, list);
      list.forEach((e, i) => events.set(e, appended[i] as AuditEvent));
    }
    return entries.map((e) => events.get(e) as AuditEvent);
  }

  /** Appends `entries` (all of `log`) in order: one head lock, one insert, one head update. */
  async function appendToLog(tx: Queryable, log: string, entries: readonly LedgerEntry[]): Promise<AuditEvent[]> {
    // NOTE: the head row is the per-log serialisation point: FOR UPDATE makes concurrent
    // appends to one log take turns, so seq stays dense and the frontier consistent. Only the
    // first append to a log creates its head; that insert says in which scope it ran.
    const lockHead = (): Promise<HeadRow | undefined> => selectHeadForUpdate(tx, log);
    // A head locked ahead in this transaction is still this head: nobody else can move it.
    const ahead = lockedAhead.get(tx)?.get(log);
    lockedAhead.get(tx)?.delete(log);
    let head = await (ahead ?? lockHead());
    let bornIn: string | null | undefined;
    if (!head) {
      const born = await tx.query<{ scope: string | null }>(
        `insert into audit_heads (tenant_id, size, frontier, root, checkpoint)
         values ($1, 0, '[]'::jsonb, $2, '') on conflict (tenant_id) do nothing
         returning current_setting('iris.scope', true) as scope`,
        [log, emptyRoot().toString('hex')],
      );
      bornIn = born.rows[0]?.scope;
      head = await lockHead();
    }
    if (!head) throw new Error(`audit head for log '${log}' is not visible in this scope`);
    const now = clock.now();
    let frontier: Buffer[] = head.frontier.map((h) => Buffer.from(h, 'hex'));
    let size = head.size;
    const events: AuditEvent[] = [];
    const rows: { seq: number; event: AuditEvent; leaf_hash: string }[] = [];
    const kept: { size: number; root: string; note: string }[] = [];
    let root = emptyRoot();
    let note = '';
    for (const [i, { ctx, record }] of entries.entries()) {
      const event = buildEvent(ctx, record, size, now);
      const leaf = leafHash(Buffer.from(canonicalJson(event), 'utf8'));
      frontier = appendLeaf(frontier, size, leaf);
      size += 1;
      events.push(event);
      rows.push({ seq: event.seq, event, leaf_hash: leaf.toString('hex') });
      // Signed at the batch's last size, and at every size a kept checkpoint falls on.
      const last = i === entries.length - 1;
      if (last || size % CHECKPOINT_EVERY === 0) {
        root = rootFromFrontier(frontier);
        note = signCheckpoint({ origin: originOf(log), size, root }, signer.name, signer.privateKey);
        if (size % CHECKPOINT_EVERY === 0) kept.push({ size, root: root.toString('hex'), note });
      }
    }
    // NOTE: sent together (the store pipelines them where it can: one round trip), and settled
    // by the commit, which a pipelining store sends behind them without waiting.
    const writes = [
      tx.query(
        `insert into audit_events (tenant_id, seq, event, leaf_hash)
         select $1, x.seq, x.event, x.leaf_hash from jsonb_to_recordset($2::jsonb) as x(seq bigint, event jsonb, leaf_hash text)`,
        [log, JSON.stringify(rows)],
      ),
      tx.query(
        'update audit_heads set size = $2, frontier = $3, root = $4, checkpoint = $5, updated_at = now() where tenant_id = $1',
        [log, size, JSON.stringify(frontier.map((h) => h.toString('hex'))), root.toString('hex'), note],
      ),
      ...kept.map((k) =>
        tx.query(
          'insert into audit_checkpoints (tenant_id, size, root, note) values ($1, $2, $3, $4) on conflict do nothing',
          [log, k.size, k.root, k.note],
        ),
      ),
    ];
    await settleBeforeCommit(tx, writes);
    // The creation of a tenant log goes to the platform log in the same transaction, so no
    // one can delete the log whole and leave no trace. Tenant creation (the first event of
    // every tenant log) runs in platform scope; a log first written in a tenant's scope,
    // which cannot write the platform log, is recorded by the next witness run instead.
    // NOTE: this holds the new tenant head, then waits for the platform head. Only a second
    // creator of the same log could wait the other way round, and it waits on the tenants
    // row first; the witness loop reads tenant heads without locking them.
    const ctx = entries[entries.length - 1]?.ctx;
    if (log !== PLATFORM && bornIn === 'platform' && ctx !== undefined) {
      await witness(tx, ctx, { log, size, root: root.toString('hex'), checkpoint: note }, 'create');
    }
    return events;
  }

  async function witness(
    tx: Queryable,
    ctx: RequestContext,
    head: WitnessedHead,
    kind: WitnessKind,
  ): Promise<AuditEvent | null> {
    if (head.log === PLATFORM) throw new Error('the platform log does not witness itself');
    const seen = await tx.query('select 1 from audit_witnesses where tenant_id = $1 and size = $2', [
      head.log,
      head.size,
    ]);
    if (seen.rows.length > 0) return null;
    const event = await append(tx, ctx, {
      log: PLATFORM,
      action: kind === 'create' ? 'ledger.create' : 'ledger.witness',
      resource: { kind: 'AuditLog', id: head.log },
      witness: { log: head.log, size: head.size, root: head.root },
    });
    await tx.query(
      'insert into audit_witnesses (tenant_id, size, root, checkpoint, platform_seq, kind) values ($1, $2, $3, $4, $5, $6)',
      [head.log, head.size, head.root, head.checkpoint, event.seq, kind],
    );
    return event;
  }

  return {
    signer,
    originOf,
    append,
    appendAll,
    lockAhead,
    witness,
    async keepCheckpoint(tx, log) {
      const { rows } = await tx.query<{ size: number; root: string; checkpoint: string }>(
        'select size, root, checkpoint from audit_heads where tenant_id = $1',
        [log],
      );
      const head = rows[0];
      if (!head || head.size === 0) return null;
      await tx.query(
        'insert into audit_checkpoints (tenant_id, size, root, note) values ($1, $2, $3, $4) on conflict do nothing',
        [log, head.size, head.root, head.checkpoint],
      );
      return { size: head.size, note: head.checkpoint };
    },
  };
}
