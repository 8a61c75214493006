// Verification of one log from its raw rows: recompute every leaf from the event's canonical
// JSON, the root from the leaves, and check the signed head, every kept checkpoint, and what the
// platform log witnessed: a tenant log must still hold every prefix the platform log recorded
// (so a log deleted whole, or cut back to an older signed head, fails), and the platform log's
// every witness event must still have its record. Pure: the CLI runs it on rows it downloaded,
// the server on rows it read.
import type { KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import { verifyCheckpoint } from './checkpoint.js';
import { appendLeaf, emptyRoot, leafHash, rootFromFrontier } from './merkle.js';

export interface LogRow {
  readonly seq: number;
  readonly event: Record<string, unknown>;
  readonly leafHash: string;
}

export interface LogHead {
  readonly size: number;
  readonly root: string;
  readonly checkpoint: string;
}

export interface LogProblem {
  readonly seq?: number;
  readonly problem: string;
}

/**
 * A witness record (audit_witnesses) of a tenant log: the log's signed checkpoint at a size the
 * platform log recorded, in its event `platformSeq` (`ledger.create` or `ledger.witness`).
 */
export interface WitnessRow {
  readonly log: string;
  readonly size: number;
  readonly root: string;
  readonly checkpoint: string;
  readonly platformSeq: number;
  readonly kind: 'create' | 'witness';
}

export interface LogVerification {
  readonly log: string;
  readonly ok: boolean;
  readonly size: number;
  readonly root: string;
  readonly checkpointsVerified: number;
  /** Witness records of this log whose prefix matched (tenant logs). */
  readonly witnessesVerified: number;
  /** The largest size the platform log witnessed with a valid signature (0: never). */
  readonly witnessedSize: number;
  readonly problems: readonly LogProblem[];
}

export interface VerifyInput {
  readonly log: string;
  readonly origin: string;
  readonly keyName: string;
  readonly publicKey: KeyObject;
  /** Rows in the order the store returned them (by seq). */
  readonly rows: readonly LogRow[];
  readonly head: LogHead | null;
  readonly checkpoints: readonly { readonly size: number; readonly note: string }[];
  /** A tenant log: its witness records. */
  readonly witnesses?: readonly WitnessRow[];
  /** The platform log: every witness record of every log, to match its witness events. */
  readonly witnessIndex?: readonly WitnessRow[];
}

const WITNESS_ACTIONS: ReadonlySet<unknown> = new Set(['ledger.create', 'ledger.witness']);

/** The {log, size, root} a platform event witnesses, if it is a witness event. */
function witnessOf(event: Record<string, unknown>): { log: string; size: number; root: string } | undefined {
  if (!WITNESS_ACTIONS.has(event.action)) return undefined;
  const w = event.witness as { log?: unknown; size?: unknown; root?: unknown } | undefined;
  if (typeof w !== 'object' || w === null) return { log: '?', size: -1, root: '' };
  return { log: String(w.log), size: Number(w.size), root: String(w.root) };
}

const MAX_PROBLEMS = 50;

/** Verifies a log; every discrepancy is reported, none throws. */
export function verifyLog(input: VerifyInput): LogVerification {
  const problems: LogProblem[] = [];
  const add = (p: LogProblem): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  const wanted = new Map<number, string>();
  for (const cp of input.checkpoints) {
    const v = verifyCheckpoint(cp.note, input.keyName, input.publicKey);
    if (!v.ok) add({ problem: `checkpoint at size ${cp.size} has a bad signature: ${v.reason}` });
    else if (v.checkpoint.origin !== input.origin || v.checkpoint.size !== cp.size)
      add({ problem: `checkpoint at size ${cp.size} names another log or size` });
    else wanted.set(cp.size, v.checkpoint.root.toString('hex'));
  }

  const witnessed = new Map<number, WitnessRow>();
  for (const w of input.witnesses ?? []) {
    const at = `the witness at size ${w.size} (platform event ${w.platformSeq})`;
    const v = verifyCheckpoint(w.checkpoint, input.keyName, input.publicKey);
    if (w.log !== input.log) add({ problem: `${at} belongs to log ${w.log}` });
    else if (!v.ok) add({ problem: `${at} has a bad signature: ${v.reason}` });
    else if (
      v.checkpoint.origin !== input.origin ||
      v.checkpoint.size !== w.size ||
      v.checkpoint.root.toString('hex') !== w.root
    )
      add({ problem: `${at} differs from its signed checkpoint` });
    else witnessed.set(w.size, w);
  }
  const index = new Map<number, WitnessRow>();
  for (const w of input.witnessIndex ?? []) {
    if (index.has(w.platformSeq))
      add({ seq: w.platformSeq, problem: `two witness records name platform event ${w.platformSeq}` });
    index.set(w.platformSeq, w);
  }

  let frontier: Buffer[] = [];
  let checked = 0;
  let witnessesVerified = 0;
  input.rows.forEach((row, i) => {
    if (row.seq !== i)
      add({
        seq: row.seq,
        problem: `row at position ${i} has seq ${row.seq}: a row was deleted, inserted or reordered`,
      });
    if (row.event.seq !== row.seq || row.event.log !== input.log)
      add({ seq: row.seq, problem: 'event names another position or log than its row: rows were moved' });
    const leaf = leafHash(Buffer.from(canonicalJson(row.event), 'utf8'));
    if (leaf.toString('hex') !== row.leafHash)
      add({ seq: row.seq, problem: 'event content does not match its leaf hash: the row was edited' });
    frontier = appendLeaf(frontier, i, leaf);
    const expected = wanted.get(i + 1);
    if (expected !== undefined) {
      if (rootFromFrontier(frontier).toString('hex') !== expected)
        add({ seq: i, problem: `log prefix of size ${i + 1} does not match its signed checkpoint` });
      else checked++;
    }
    const w = witnessed.get(i + 1);
    if (w !== undefined) {
      if (rootFromFrontier(frontier).toString('hex') !== w.root)
        add({
          seq: i,
          problem: `the first ${i + 1} events differ from what the platform log witnessed (platform event ${w.platformSeq}): the log was rewritten`,
        });
      else witnessesVerified++;
    }
    // The platform log: each witness event must still have its record (records left in the
    // index afterwards name events that witness nothing).
    const claim = input.witnessIndex === undefined ? undefined : witnessOf(row.event);
    if (claim !== undefined) {
      const record = index.get(row.seq);
      index.delete(row.seq);
      if (record === undefined) {
        add({
          seq: row.seq,
          problem: `witnesses log ${claim.log} at size ${claim.size} but its witness record is missing: that log's audit records were deleted (verify it)`,
        });
      } else if (record.log !== claim.log || record.size !== claim.size || record.root !== claim.root) {
        add({
          seq: row.seq,
          problem: `witnesses log ${claim.log} at size ${claim.size}, but its witness record says log ${record.log} at size ${record.size}, or another root`,
        });
      }
    }
  });
  const size = input.rows.length;
  const root = (size === 0 ? emptyRoot() : rootFromFrontier(frontier)).toString('hex');
  for (const cpSize of wanted.keys()) {
    if (cpSize > size)
      add({ problem: `a signed checkpoint covers size ${cpSize} but the log has ${size} events: events were deleted` });
  }
  // One problem for the largest witness the log no longer reaches: the creation record when
  // the log is gone altogether, which says the most.
  const beyond = [...witnessed.values()].filter((w) => w.size > size).sort((a, b) => b.size - a.size);
  const created = beyond.find((w) => w.kind === 'create');
  const largest = beyond[0];
  if (size === 0 && created !== undefined) {
    add({
      problem: `the platform log records the creation of this log (platform event ${created.platformSeq}) but the log is empty: it was deleted`,
    });
  } else if (largest !== undefined) {
    add({
      problem: `the platform log witnessed ${largest.size} events (platform event ${largest.platformSeq}) but the log has ${size}: events were deleted`,
    });
  }
  for (const record of index.values()) {
    add({
      seq: record.platformSeq,
      problem: `the witness record of log ${record.log} at size ${record.size} names platform event ${record.platformSeq}, which does not witness it${record.platformSeq >= size ? ' (it is gone: the platform log was cut back)' : ''}`,
    });
  }

  if (input.head === null) {
    if (size > 0) add({ problem: 'the log has events but no signed head' });
  } else {
    const v = verifyCheckpoint(input.head.checkpoint, input.keyName, input.publicKey);
    if (!v.ok) add({ problem: `the head checkpoint has a bad signature: ${v.reason}` });
    else if (v.checkpoint.origin !== input.origin) add({ problem: 'the head checkpoint names another log' });
    else if (v.checkpoint.size !== size)
      add({
        problem: `the signed head covers ${v.checkpoint.size} events but the log has ${size}: events were ${v.checkpoint.size > size ? 'deleted' : 'added outside Iris'}`,
      });
    else if (v.checkpoint.root.toString('hex') !== root)
      add({ problem: 'the recomputed root differs from the signed head: the log was altered' });
    else checked++;
  }
  let witnessedSize = 0;
  for (const w of witnessed.keys()) witnessedSize = Math.max(witnessedSize, w);
  return {
    log: input.log,
    ok: problems.length === 0,
    size,
    root,
    checkpointsVerified: checked,
    witnessesVerified,
    witnessedSize,
    problems,
  };
}
