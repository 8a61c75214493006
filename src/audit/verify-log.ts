// Verification of one log from its raw rows: recompute every leaf from the event's canonical
// JSON, the root from the leaves, and check the signed head and every kept checkpoint.
// Pure: the CLI runs it on rows it downloaded, the server on rows it read.
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

export interface LogVerification {
  readonly log: string;
  readonly ok: boolean;
  readonly size: number;
  readonly root: string;
  readonly checkpointsVerified: number;
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
    else if (v.checkpoint.origin !== input.origin || v.checkpoint.size !== cp.size) add({ problem: `checkpoint at size ${cp.size} names another log or size` });
    else wanted.set(cp.size, v.checkpoint.root.toString('hex'));
  }

  let frontier: Buffer[] = [];
  let checked = 0;
  input.rows.forEach((row, i) => {
    if (row.seq !== i) add({ seq: row.seq, problem: `row at position ${i} has seq ${row.seq}: a row was deleted, inserted or reordered` });
    if (row.event.seq !== row.seq || row.event.log !== input.log) add({ seq: row.seq, problem: 'event names another position or log than its row: rows were moved' });
    const leaf = leafHash(Buffer.from(canonicalJson(row.event), 'utf8'));
    if (leaf.toString('hex') !== row.leafHash) add({ seq: row.seq, problem: 'event content does not match its leaf hash: the row was edited' });
    frontier = appendLeaf(frontier, i, leaf);
    const expected = wanted.get(i + 1);
    if (expected !== undefined) {
      if (rootFromFrontier(frontier).toString('hex') !== expected) add({ seq: i, problem: `log prefix of size ${i + 1} does not match its signed checkpoint` });
      else checked++;
    }
  });
  const size = input.rows.length;
  const root = (size === 0 ? emptyRoot() : rootFromFrontier(frontier)).toString('hex');
  for (const cpSize of wanted.keys()) {
    if (cpSize > size) add({ problem: `a signed checkpoint covers size ${cpSize} but the log has ${size} events: events were deleted` });
  }

  if (input.head === null) {
    if (size > 0) add({ problem: 'the log has events but no signed head' });
  } else {
    const v = verifyCheckpoint(input.head.checkpoint, input.keyName, input.publicKey);
    if (!v.ok) add({ problem: `the head checkpoint has a bad signature: ${v.reason}` });
    else if (v.checkpoint.origin !== input.origin) add({ problem: 'the head checkpoint names another log' });
    else if (v.checkpoint.size !== size) add({ problem: `the signed head covers ${v.checkpoint.size} events but the log has ${size}: events were ${v.checkpoint.size > size ? 'deleted' : 'added outside Iris'}` });
    else if (v.checkpoint.root.toString('hex') !== root) add({ problem: 'the recomputed root differs from the signed head: the log was altered' });
    else checked++;
  }
  return { log: input.log, ok: problems.length === 0, size, root, checkpointsVerified: checked, problems };
}
