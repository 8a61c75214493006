// A self-contained inclusion proof for one event, verifiable offline with only the ledger's
// verifier key: the event, its audit path, and the signed checkpoint it is proven against.
import { canonicalJson } from './canonical-json.js';
import { parseVerifierKey, verifyCheckpoint } from './checkpoint.js';
import { leafHash, verifyInclusion } from './merkle.js';
import { errorMessage } from '../core/errors.js';

export interface ProofBundle {
  readonly log: string;
  readonly seq: number;
  readonly treeSize: number;
  readonly event: Record<string, unknown>;
  readonly leafHash: string;
  readonly auditPath: readonly string[];
  readonly rootHash: string;
  /** The signed checkpoint note (C2SP tlog-checkpoint) for treeSize. */
  readonly checkpoint: string;
  /** The signer's verifier key as the server reported it; trust it only if you got it elsewhere too. */
  readonly vkey: string;
}

export type ProofCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Verifies a proof bundle against `vkey` (the verifier key the caller trusts). */
export function verifyProofBundle(bundle: ProofBundle, vkey: string): ProofCheck {
  let key;
  try {
    key = parseVerifierKey(vkey);
  } catch (err) {
    return { ok: false, reason: `bad verifier key: ${errorMessage(err)}` };
  }
  const cp = verifyCheckpoint(bundle.checkpoint, key.name, key.publicKey);
  if (!cp.ok) return { ok: false, reason: `checkpoint signature: ${cp.reason}` };
  if (cp.checkpoint.size !== bundle.treeSize)
    return { ok: false, reason: 'checkpoint size differs from the proof tree size' };
  if (cp.checkpoint.root.toString('hex') !== bundle.rootHash)
    return { ok: false, reason: 'checkpoint root differs from the proof root' };
  if (!cp.checkpoint.origin.endsWith(`/${bundle.log}`))
    return { ok: false, reason: 'checkpoint belongs to another log' };
  if (bundle.event.seq !== bundle.seq || bundle.event.log !== bundle.log)
    return { ok: false, reason: 'event names another position or log' };
  const leaf = leafHash(Buffer.from(canonicalJson(bundle.event), 'utf8'));
  if (leaf.toString('hex') !== bundle.leafHash)
    return { ok: false, reason: 'event content does not match the leaf hash' };
  const path = bundle.auditPath.map((h) => Buffer.from(h, 'hex'));
  if (!verifyInclusion(leaf, bundle.seq, bundle.treeSize, path, Buffer.from(bundle.rootHash, 'hex'))) {
    return { ok: false, reason: 'the audit path does not lead to the signed root' };
  }
  return { ok: true };
}
