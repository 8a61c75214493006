// Verification of one audit log in the browser, from rows the console downloaded: every leaf
// recomputed from the event's canonical JSON, the root from the leaves, the signed head and
// every kept checkpoint checked against a verifier key, and what the platform log witnessed.
// A port of src/audit/verify-log.ts (same problems, same wording), plus a list of named
// checks for people to read. Pure apart from WebCrypto: no network, no DOM.
import { canonicalJson } from './canonical-json';
import {
  appendLeaf,
  emptyRoot,
  fromHex,
  leafHash,
  rootFromFrontier,
  toHex,
  verifyInclusion,
  type Bytes,
} from './merkle';
import { verifyCheckpoint, type VerifierKey } from './signed-note';

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

/** A witness record: the log's signed checkpoint at a size the platform log recorded. */
export interface WitnessRow {
  readonly log: string;
  readonly size: number;
  readonly root: string;
  readonly checkpoint: string;
  readonly platformSeq: number;
  readonly kind: 'create' | 'witness';
}

export interface LogProblem {
  readonly seq?: number;
  readonly problem: string;
}

/** One named check and how it went, in words. */
export interface LogCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface LogVerification {
  readonly log: string;
  readonly ok: boolean;
  readonly size: number;
  readonly root: string;
  readonly checkpointsVerified: number;
  readonly witnessesVerified: number;
  readonly witnessedSize: number;
  readonly checks: readonly LogCheck[];
  readonly problems: readonly LogProblem[];
}

export interface VerifyInput {
  readonly log: string;
  readonly key: VerifierKey;
  readonly rows: readonly LogRow[];
  readonly head: LogHead | null;
  readonly checkpoints: readonly { readonly size: number; readonly note: string }[];
  /** A tenant log: its witness records; the platform log: every log's (matched to its witness events). */
  readonly witnesses: readonly WitnessRow[];
}

const WITNESS_ACTIONS: ReadonlySet<unknown> = new Set(['ledger.create', 'ledger.witness']);
const MAX_PROBLEMS = 50;
const PLATFORM = 'platform';

function witnessOf(event: Record<string, unknown>): { log: string; size: number; root: string } | undefined {
  if (!WITNESS_ACTIONS.has(event.action)) return undefined;
  const w = event.witness as { log?: unknown; size?: unknown; root?: unknown } | undefined;
  if (typeof w !== 'object' || w === null) return { log: '?', size: -1, root: '' };
  return { log: String(w.log), size: Number(w.size), root: String(w.root) };
}

/**
 * Verifies a log against `key`; the log's origin is `<key name>/<log>`, as the server signs it.
 * Every discrepancy is reported; nothing throws for bad data.
 */
export async function verifyLog(input: VerifyInput): Promise<LogVerification> {
  const { key, log } = input;
  const origin = `${key.name}/${log}`;
  const platform = log === PLATFORM;
  const problems: LogProblem[] = [];
  const add = (p: LogProblem): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  let badSignatures = 0;

  const wanted = new Map<number, string>();
  for (const cp of input.checkpoints) {
    const v = await verifyCheckpoint(cp.note, key);
    if (!v.ok) {
      badSignatures++;
      add({ problem: `checkpoint at size ${cp.size} has a bad signature: ${v.reason}` });
    } else if (v.checkpoint.origin !== origin || v.checkpoint.size !== cp.size)
      add({ problem: `checkpoint at size ${cp.size} names another log or size` });
    else wanted.set(cp.size, v.checkpoint.root);
  }

  const witnessed = new Map<number, WitnessRow>();
  const index = new Map<number, WitnessRow>();
  if (platform) {
    for (const w of input.witnesses) {
      if (index.has(w.platformSeq))
        add({ seq: w.platformSeq, problem: `two witness records name platform event ${w.platformSeq}` });
      index.set(w.platformSeq, w);
    }
  } else {
    for (const w of input.witnesses) {
      const at = `the witness at size ${w.size} (platform event ${w.platformSeq})`;
      const v = await verifyCheckpoint(w.checkpoint, key);
      if (w.log !== log) add({ problem: `${at} belongs to log ${w.log}` });
      else if (!v.ok) {
        badSignatures++;
        add({ problem: `${at} has a bad signature: ${v.reason}` });
      } else if (v.checkpoint.origin !== origin || v.checkpoint.size !== w.size || v.checkpoint.root !== w.root)
        add({ problem: `${at} differs from its signed checkpoint` });
      else witnessed.set(w.size, w);
    }
  }

  let frontier: Bytes[] = [];
  let checked = 0;
  let keptMatched = 0;
  let witnessesVerified = 0;
  let editedRows = 0;
  let misplacedRows = 0;
  // One pass over the rows: each leaf is recomputed and appended, so the root of every prefix a
  // checkpoint or witness names is at hand when the pass reaches its size.
  for (let i = 0; i < input.rows.length; i++) {
    const row = input.rows[i] as LogRow;
    if (row.seq !== i) {
      misplacedRows++;
      add({
        seq: row.seq,
        problem: `row at position ${i} has seq ${row.seq}: a row was deleted, inserted or reordered`,
      });
    }
    if (row.event.seq !== row.seq || row.event.log !== log) {
      misplacedRows++;
      add({ seq: row.seq, problem: 'event names another position or log than its row: rows were moved' });
    }
    const leaf = await leafHash(new TextEncoder().encode(canonicalJson(row.event)));
    if (toHex(leaf) !== row.leafHash) {
      editedRows++;
      add({ seq: row.seq, problem: 'event content does not match its leaf hash: the row was edited' });
    }
    frontier = await appendLeaf(frontier, i, leaf);
    const expected = wanted.get(i + 1);
    const w = witnessed.get(i + 1);
    if (expected !== undefined || w !== undefined) {
      const prefix = toHex(await rootFromFrontier(frontier));
      if (expected !== undefined) {
        if (prefix !== expected)
          add({ seq: i, problem: `log prefix of size ${i + 1} does not match its signed checkpoint` });
        else {
          checked++;
          keptMatched++;
        }
      }
      if (w !== undefined) {
        if (prefix !== w.root)
          add({
            seq: i,
            problem: `the first ${i + 1} events differ from what the platform log witnessed (platform event ${w.platformSeq}): the log was rewritten`,
          });
        else witnessesVerified++;
      }
    }
    const claim = platform ? witnessOf(row.event) : undefined;
    if (claim !== undefined) {
      const record = index.get(row.seq);
      index.delete(row.seq);
      if (record === undefined)
        add({
          seq: row.seq,
          problem: `witnesses log ${claim.log} at size ${claim.size} but its witness record is missing: that log's audit records were deleted (verify it)`,
        });
      else if (record.log !== claim.log || record.size !== claim.size || record.root !== claim.root)
        add({
          seq: row.seq,
          problem: `witnesses log ${claim.log} at size ${claim.size}, but its witness record says log ${record.log} at size ${record.size}, or another root`,
        });
    }
  }
  const size = input.rows.length;
  const root = toHex(size === 0 ? await emptyRoot() : await rootFromFrontier(frontier));
  for (const cpSize of wanted.keys())
    if (cpSize > size)
      add({ problem: `a signed checkpoint covers size ${cpSize} but the log has ${size} events: events were deleted` });
  const beyond = [...witnessed.values()].filter((w) => w.size > size).sort((a, b) => b.size - a.size);
  const created = beyond.find((w) => w.kind === 'create');
  const largest = beyond[0];
  if (size === 0 && created !== undefined)
    add({
      problem: `the platform log records the creation of this log (platform event ${created.platformSeq}) but the log is empty: it was deleted`,
    });
  else if (largest !== undefined)
    add({
      problem: `the platform log witnessed ${largest.size} events (platform event ${largest.platformSeq}) but the log has ${size}: events were deleted`,
    });
  for (const record of index.values())
    add({
      seq: record.platformSeq,
      problem: `the witness record of log ${record.log} at size ${record.size} names platform event ${record.platformSeq}, which does not witness it${record.platformSeq >= size ? ' (it is gone: the platform log was cut back)' : ''}`,
    });

  let headCheck: LogCheck;
  if (input.head === null) {
    if (size > 0) add({ problem: 'the log has events but no signed head' });
    headCheck = {
      name: 'Signed head',
      ok: size === 0,
      detail: size === 0 ? 'the log is empty: nothing signed yet' : 'missing',
    };
  } else {
    const v = await verifyCheckpoint(input.head.checkpoint, key);
    let problem: string | undefined;
    if (!v.ok) problem = `the head checkpoint has a bad signature: ${v.reason}`;
    else if (v.checkpoint.origin !== origin) problem = 'the head checkpoint names another log';
    else if (v.checkpoint.size !== size)
      problem = `the signed head covers ${v.checkpoint.size} events but the log has ${size}: events were ${v.checkpoint.size > size ? 'deleted' : 'added outside Iris'}`;
    else if (v.checkpoint.root !== root)
      problem = 'the recomputed root differs from the signed head: the log was altered';
    if (problem === undefined) checked++;
    else add({ problem });
    headCheck = {
      name: 'Signed head',
      ok: problem === undefined,
      detail: problem ?? `Ed25519 signature by ${key.name} verifies; it covers ${size} events with this root`,
    };
  }
  let witnessedSize = 0;
  for (const w of witnessed.keys()) witnessedSize = Math.max(witnessedSize, w);

  const checks: LogCheck[] = [
    {
      name: 'Events',
      ok: misplacedRows === 0,
      detail:
        misplacedRows === 0
          ? `${size} events, seq 0 to ${size - 1}, each in its place`
          : `${misplacedRows} rows out of place`,
    },
    {
      name: 'Leaf hashes',
      ok: editedRows === 0,
      detail:
        editedRows === 0
          ? `all ${size} recomputed from the events (RFC 8785 JSON, SHA-256)`
          : `${editedRows} events do not match their leaf hash: edited`,
    },
    { name: 'Merkle root', ok: true, detail: `recomputed from the leaves: ${root}` },
    headCheck,
    {
      name: 'Kept checkpoints',
      ok: keptMatched === input.checkpoints.length,
      detail: `${keptMatched} of ${input.checkpoints.length} signed checkpoints verified and matched their prefix of the log`,
    },
    platform
      ? {
          name: 'Witness records',
          ok: !problems.some((p) => /witness record/.test(p.problem)),
          detail: `${input.witnesses.length} records, one per witness event of the platform log`,
        }
      : {
          name: 'Witnessed by the platform log',
          ok:
            witnessed.size === input.witnesses.length && witnessesVerified === witnessed.size && largest === undefined,
          detail:
            input.witnesses.length === 0
              ? 'not yet witnessed'
              : `${witnessesVerified} of ${input.witnesses.length} witness records hold, up to ${witnessedSize} events`,
        },
  ];
  if (badSignatures > 0)
    checks.push({ name: 'Signatures', ok: false, detail: `${badSignatures} signatures do not verify with this key` });
  return {
    log,
    ok: problems.length === 0,
    size,
    root,
    checkpointsVerified: checked,
    witnessesVerified,
    witnessedSize,
    checks,
    problems,
  };
}

/** An inclusion proof as GET /v1/audit/logs/{log}/proof/{seq} answers it. */
export interface ProofBundle {
  readonly log: string;
  readonly seq: number;
  readonly treeSize: number;
  readonly event: Record<string, unknown>;
  readonly leafHash: string;
  readonly auditPath: readonly string[];
  readonly rootHash: string;
  readonly checkpoint: string;
  readonly vkey: string;
}

/** Verifies an inclusion proof against `key` (src/audit/proof-bundle.ts, in the browser). */
export async function verifyProofBundle(
  bundle: ProofBundle,
  key: VerifierKey,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const cp = await verifyCheckpoint(bundle.checkpoint, key);
  if (!cp.ok) return { ok: false, reason: `checkpoint signature: ${cp.reason}` };
  if (cp.checkpoint.size !== bundle.treeSize)
    return { ok: false, reason: 'checkpoint size differs from the proof tree size' };
  if (cp.checkpoint.root !== bundle.rootHash)
    return { ok: false, reason: 'checkpoint root differs from the proof root' };
  if (cp.checkpoint.origin !== `${key.name}/${bundle.log}`)
    return { ok: false, reason: 'checkpoint belongs to another log' };
  if (bundle.event.seq !== bundle.seq || bundle.event.log !== bundle.log)
    return { ok: false, reason: 'event names another position or log' };
  const leaf = await leafHash(new TextEncoder().encode(canonicalJson(bundle.event)));
  if (toHex(leaf) !== bundle.leafHash) return { ok: false, reason: 'event content does not match the leaf hash' };
  const path = bundle.auditPath.map((h) => fromHex(h) ?? new Uint8Array());
  const rootBytes = fromHex(bundle.rootHash) ?? new Uint8Array();
  if (!(await verifyInclusion(leaf, bundle.seq, bundle.treeSize, path, rootBytes)))
    return { ok: false, reason: 'the audit path does not lead to the signed root' };
  return { ok: true };
}
