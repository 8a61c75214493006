// Reads of the ledger for the API: pages of events, the signed head, witness records,
// verification, inclusion and consistency proofs.
import type { Queryable } from '../core/db.js';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.js';
import { PLATFORM } from '../core/ids.js';
import { verifierKey } from './checkpoint.js';
import type { Ledger, LedgerSigner } from './ledger.js';
import { consistencyProof, inclusionProof, rootFromLeaves } from './merkle.js';
import type { ProofBundle } from './proof-bundle.js';
import { verifyLog, type LogHead, type LogRow, type LogVerification, type WitnessRow } from './verify-log.js';

interface EventRow {
  seq: number;
  event: Record<string, unknown>;
  leaf_hash: string;
  recorded_at: Date;
}

interface WitnessDbRow {
  tenant_id: string;
  size: number;
  root: string;
  checkpoint: string;
  platform_seq: number;
  kind: 'create' | 'witness';
  witnessed_at: Date;
}

/** A consistency proof between two sizes of one log (RFC 9162 section 2.1.4). */
export interface ConsistencyAnswer {
  readonly log: string;
  readonly first: number;
  readonly second: number;
  /** Hex hashes, PROOF(first, D[second]). */
  readonly proof: string[];
  /** Hex root of the tree of the first `second` events. */
  readonly root: string;
  /** The signed head note, when `second` is the head's size. */
  readonly checkpoint: string | null;
}

const toWitness = (r: WitnessDbRow): WitnessRow & { witnessedAt: string } => ({
  log: r.tenant_id,
  size: r.size,
  root: r.root,
  checkpoint: r.checkpoint,
  platformSeq: r.platform_seq,
  kind: r.kind,
  witnessedAt: r.witnessed_at.toISOString(),
});

/** What reading and verifying needs of a ledger: its origin naming and its public key. */
export type LedgerView = Pick<Ledger, 'originOf'> & { readonly signer: Pick<LedgerSigner, 'name' | 'publicKey'> };

export function makeAuditReader(ledger: LedgerView) {
  const vkey = verifierKey(ledger.signer.name, ledger.signer.publicKey);

  async function head(tx: Queryable, log: string): Promise<LogHead | null> {
    const { rows } = await tx.query<LogHead>('select size, root, checkpoint from audit_heads where tenant_id = $1', [
      log,
    ]);
    return rows[0] ?? null;
  }

  async function allRows(tx: Queryable, log: string): Promise<LogRow[]> {
    const { rows } = await tx.query<EventRow>(
      'select seq, event, leaf_hash from audit_events where tenant_id = $1 order by seq',
      [log],
    );
    return rows.map((r) => ({ seq: r.seq, event: r.event, leafHash: r.leaf_hash }));
  }

  async function checkpoints(tx: Queryable, log: string): Promise<{ size: number; note: string }[]> {
    const { rows } = await tx.query<{ size: number; note: string }>(
      'select size, note from audit_checkpoints where tenant_id = $1 order by size',
      [log],
    );
    return rows;
  }

  /**
   * Witness records from platform event `from` on: a tenant log's own, or for the platform log
   * every log's (its witness events' records; the caller's scope must show every tenant).
   */
  async function witnesses(
    tx: Queryable,
    log: string,
    from = 0,
    limit?: number,
  ): Promise<(WitnessRow & { witnessedAt: string })[]> {
    const { rows } = await tx.query<WitnessDbRow>(
      `select tenant_id, size, root, checkpoint, platform_seq, kind, witnessed_at from audit_witnesses
       where ($1 = $2 or tenant_id = $1) and platform_seq >= $3 order by platform_seq limit $4`,
      [log, PLATFORM, from, limit ?? null],
    );
    return rows.map(toWitness);
  }

  return {
    vkey,
    head,
    checkpoints,
    witnesses,
    /**
     * A page of events from `from` (inclusive), at most `limit`; with `filter`, only events made
     * by that agent and/or in that run (the actor's agent, as its key and the client said).
     */
    async events(
      tx: Queryable,
      log: string,
      from: number,
      limit: number,
      filter: { agent?: string | undefined; run?: string | undefined } = {},
    ) {
      const { rows } = await tx.query<EventRow>(
        `select seq, event, leaf_hash, recorded_at from audit_events
         where tenant_id = $1 and seq >= $2
           and ($4::text is null or event->'actor'->'agent'->>'name' = $4)
           and ($5::text is null or event->'actor'->'agent'->>'run' = $5)
         order by seq limit $3`,
        [log, from, limit, filter.agent ?? null, filter.run ?? null],
      );
      return rows.map((r) => ({
        seq: r.seq,
        event: r.event,
        leafHash: r.leaf_hash,
        recordedAt: r.recorded_at.toISOString(),
      }));
    },
    /**
     * Recomputes the whole log and checks it against its signed head, its checkpoints and what
     * the platform log witnessed of it. The platform log is checked against every log's witness
     * records, so `tx` must then be in platform scope.
     */
    async verify(tx: Queryable, log: string): Promise<LogVerification> {
      // Witness records first: each covers a size the log had reached before this read.
      const w = await witnesses(tx, log);
      const [rows, h, cps] = [await allRows(tx, log), await head(tx, log), await checkpoints(tx, log)];
      const witnessed = log === PLATFORM ? { witnessIndex: w } : { witnesses: w };
      return verifyLog({
        log,
        origin: ledger.originOf(log),
        keyName: ledger.signer.name,
        publicKey: ledger.signer.publicKey,
        rows,
        head: h,
        checkpoints: cps,
        ...witnessed,
      });
    },
    /**
     * A consistency proof that the log's first `first` events are a prefix of its first
     * `second` (default: the signed head's size), for clients holding an older checkpoint.
     */
    async consistency(tx: Queryable, log: string, first: number, second?: number): Promise<ConsistencyAnswer> {
      const h = await head(tx, log);
      const size = h?.size ?? 0;
      const to = second ?? size;
      if (to > size)
        throw new ValidationError(`The log has ${size} events: there is no tree of size ${to} to prove against.`, {
          size,
        });
      if (first > to) throw new ValidationError(`first (${first}) must not exceed second (${to}).`);
      const { rows } = await tx.query<{ seq: number; leaf_hash: string }>(
        'select seq, leaf_hash from audit_events where tenant_id = $1 and seq < $2 order by seq',
        [log, to],
      );
      if (rows.length !== to || rows.some((r, i) => r.seq !== i)) {
        throw new ConflictError('log_incomplete', `The log's events below ${to} are not all there: verify the log.`);
      }
      const leaves = rows.map((r) => Buffer.from(r.leaf_hash, 'hex'));
      return {
        log,
        first,
        second: to,
        proof: consistencyProof(leaves, first, to).map((b) => b.toString('hex')),
        root: rootFromLeaves(leaves).toString('hex'),
        checkpoint: h !== null && to === size ? h.checkpoint : null,
      };
    },
    /** An inclusion proof of event `seq` against the current signed head. */
    async prove(tx: Queryable, log: string, seq: number): Promise<ProofBundle> {
      const h = await head(tx, log);
      if (h === null || h.size === 0) throw new NotFoundError('Log', log);
      if (seq >= h.size)
        throw new ValidationError(`Event ${seq} does not exist yet: the log has ${h.size} events (0..${h.size - 1}).`);
      const { rows } = await tx.query<{ seq: number; leaf_hash: string }>(
        'select seq, leaf_hash from audit_events where tenant_id = $1 and seq < $2 order by seq',
        [log, h.size],
      );
      const leaves = rows.map((r) => Buffer.from(r.leaf_hash, 'hex'));
      const row = (
        await tx.query<EventRow>('select seq, event, leaf_hash from audit_events where tenant_id = $1 and seq = $2', [
          log,
          seq,
        ])
      ).rows[0];
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
