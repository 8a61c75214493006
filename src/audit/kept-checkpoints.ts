// Checkpoints a client keeps between verifications, as a log monitor does: signed notes per log
// origin in a small JSON document, and the check that the log a server serves now extends each
// of them, by an RFC 9162 consistency proof (section 2.1.4) verified here, never trusted. This
// catches what no copy kept on the database host can: a log cut back to an older signed head,
// or cut back and grown again with other events. Pure: the CLI reads and writes the file and
// fetches the proofs.
import type { KeyObject } from 'node:crypto';
import { verifyCheckpoint } from './checkpoint.js';
import { verifyConsistency } from './merkle.js';
import type { LogProblem } from './verify-log.js';
import { errorMessage } from '../core/errors.js';

/** The kept-checkpoints document: origin (`<key name>/<log>`) -> signed notes, oldest first. */
export interface KeptCheckpoints {
  readonly version: 1;
  readonly logs: Readonly<Record<string, readonly string[]>>;
}

/** Notes kept per log; older ones add nothing once a newer one was checked against them. */
export const MAX_KEPT_PER_LOG = 20;

export function emptyKept(): KeptCheckpoints {
  return { version: 1, logs: {} };
}

/**
 * Reads a kept-checkpoints document.
 *
 * @throws Error naming what is wrong when `text` is not one (notes are checked later, by key).
 */
export function parseKeptCheckpoints(text: string): KeptCheckpoints {
  const doc = JSON.parse(text) as { version?: unknown; logs?: unknown };
  if (typeof doc !== 'object' || doc === null || doc.version !== 1)
    throw new Error('not a kept-checkpoints document (version 1)');
  if (typeof doc.logs !== 'object' || doc.logs === null || Array.isArray(doc.logs))
    throw new Error('"logs" must map log origins to lists of signed notes');
  const logs: Record<string, string[]> = {};
  for (const [origin, notes] of Object.entries(doc.logs as Record<string, unknown>)) {
    if (!Array.isArray(notes) || !notes.every((n) => typeof n === 'string'))
      throw new Error(`the checkpoints of ${origin} must be a list of signed notes`);
    logs[origin] = notes;
  }
  return { version: 1, logs };
}

/** The notes kept for `origin` (a log's checkpoint origin). */
export function keptFor(kept: KeptCheckpoints, origin: string): readonly string[] {
  return kept.logs[origin] ?? [];
}

/**
 * Adds `note` (a signed checkpoint of `origin`) to the document, once, and keeps the newest
 * {@link MAX_KEPT_PER_LOG} by size. Returns a new document.
 */
export function keepNote(kept: KeptCheckpoints, origin: string, note: string): KeptCheckpoints {
  const notes = [...keptFor(kept, origin).filter((n) => n !== note), note];
  // By the size line, oldest first; an unreadable note sorts first and so leaves first.
  const bySize = notes.map((n) => ({ n, size: sizeLine(n) })).sort((a, b) => a.size - b.size);
  return { version: 1, logs: { ...kept.logs, [origin]: bySize.slice(-MAX_KEPT_PER_LOG).map((x) => x.n) } };
}

/** The size line of a checkpoint note (unverified: for ordering only), -1 if there is none. */
function sizeLine(note: string): number {
  const line = note.split('\n')[1] ?? '';
  return /^(0|[1-9][0-9]{0,15})$/.test(line) ? Number(line) : -1;
}

export interface KeptCheckInput {
  /** `<key name>/<log>`: the origin every kept note and the head must carry. */
  readonly origin: string;
  readonly keyName: string;
  readonly publicKey: KeyObject;
  /** The note the client kept earlier. */
  readonly kept: string;
  /** The log's current signed head note; null for a log with no events. */
  readonly head: string | null;
  /** Fetches PROOF(first, D[second]) as hex hashes (from the server: untrusted). */
  readonly prove: (first: number, second: number) => Promise<readonly string[]>;
}

export interface KeptCheck {
  /** The size of the kept checkpoint (undefined when its note is unreadable). */
  readonly size: number | undefined;
  readonly problem: LogProblem | null;
}

/**
 * Checks that the log whose signed head is `head` extends the checkpoint `kept`: both notes
 * must verify with the trusted key and name the log, the head must be at least as large, and a
 * consistency proof from the kept size to the head's must lead from the kept root to the head's.
 * Every failure is a problem, none throws (a failing `prove` is a problem too).
 */
export async function checkKeptCheckpoint(input: KeptCheckInput): Promise<KeptCheck> {
  const fail = (size: number | undefined, problem: string): KeptCheck => ({ size, problem: { problem } });
  const kept = verifyCheckpoint(input.kept, input.keyName, input.publicKey);
  if (!kept.ok) return fail(undefined, `a kept checkpoint does not verify with this key: ${kept.reason}`);
  const m = kept.checkpoint.size;
  if (kept.checkpoint.origin !== input.origin)
    return fail(m, `the checkpoint kept at size ${m} belongs to ${kept.checkpoint.origin}, not ${input.origin}`);
  if (input.head === null) {
    return m === 0
      ? { size: m, problem: null }
      : fail(m, `a checkpoint kept at size ${m} but the log has no events now: the log was deleted`);
  }
  const head = verifyCheckpoint(input.head, input.keyName, input.publicKey);
  if (!head.ok) return fail(m, `the log's signed head does not verify: ${head.reason}`);
  if (head.checkpoint.origin !== input.origin) return fail(m, "the log's signed head names another log");
  const n = head.checkpoint.size;
  if (m > n) return fail(m, `a checkpoint kept at size ${m} but the log has ${n} events now: events were deleted`);
  let proof: readonly string[] = [];
  if (m > 0 && m < n) {
    try {
      proof = await input.prove(m, n);
    } catch (err) {
      return fail(m, `no consistency proof from size ${m} to ${n}: ${errorMessage(err)}`);
    }
  }
  const hashes = proof.map((h) => Buffer.from(h, 'hex'));
  if (!verifyConsistency(m, n, kept.checkpoint.root, head.checkpoint.root, hashes)) {
    return fail(
      m,
      m === n
        ? `the log's root at size ${m} differs from the checkpoint kept at that size: the log was rewritten`
        : `the log is not an extension of the checkpoint kept at size ${m}: the consistency proof to size ${n} fails (the log was rewritten)`,
    );
  }
  return { size: m, problem: null };
}
