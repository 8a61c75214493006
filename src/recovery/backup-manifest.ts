// A backup's manifest: what the snapshot holds (store, schema and Iris versions, each part's
// size and sha256, every table's row count, each ledger's signed head) and an Ed25519 signature
// over its RFC 8785 canonical JSON, so a changed byte anywhere in a backup is detected before
// anything is restored from it.
import { sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../audit/index.js';
import type { Dialect } from '../core/db.js';

export const BACKUP_FORMAT = 'iris-backup/1';

export interface BackupPart {
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** A log's signed head at the moment of the snapshot. */
export interface LedgerHead {
  readonly log: string;
  readonly size: number;
  readonly root: string;
  /** The signed checkpoint note of that head ('' for a log that has no event yet). */
  readonly checkpoint: string;
}

export interface BackupManifest {
  readonly format: typeof BACKUP_FORMAT;
  readonly id: string;
  readonly createdAt: string;
  readonly store: Dialect;
  readonly irisVersion: string;
  readonly schemaVersion: number;
  readonly parts: readonly BackupPart[];
  /** Rows per table of the public schema, read in the snapshot. */
  readonly rowCounts: Readonly<Record<string, number>>;
  readonly tenants: number;
  readonly ledgers: readonly LedgerHead[];
  /** The signed-note verifier key of the signer (informative: trust comes from the reader's keys). */
  readonly signer: string;
}

/** The detached signature file's content for `manifest`. */
export function signManifest(manifest: BackupManifest, privateKey: KeyObject): string {
  return `${sign(null, Buffer.from(canonicalJson(manifest), 'utf8'), privateKey).toString('base64')}\n`;
}

/** Whether `signature` is a valid signature of `manifest` by one of `keys`. Never throws. */
export function manifestSignedBy(manifest: unknown, signature: string, keys: readonly KeyObject[]): boolean {
  let body: Buffer;
  try {
    body = Buffer.from(canonicalJson(manifest), 'utf8');
  } catch {
    return false;
  }
  const sig = Buffer.from(signature.trim(), 'base64');
  if (sig.length !== 64) return false;
  return keys.some((key) => {
    try {
      return verify(null, body, key, sig);
    } catch {
      return false;
    }
  });
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isHex64 = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

/**
 * Checks that `value` has the manifest's shape; returns what is wrong, or undefined. Run after
 * the signature check: a signed manifest of this Iris is well formed, so this guards against a
 * manifest signed by a trusted key of an older or foreign build.
 */
export function manifestProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the manifest is not a JSON object';
  const m = value as Record<string, unknown>;
  if (m.format !== BACKUP_FORMAT)
    return `unknown backup format ${JSON.stringify(m.format)} (expected ${BACKUP_FORMAT})`;
  if (typeof m.id !== 'string' || !/^[0-9A-Za-z-]{1,64}$/.test(m.id)) return 'the manifest has no valid id';
  if (m.store !== 'pglite' && m.store !== 'postgres') return 'the manifest names no known store';
  if (!isCount(m.schemaVersion)) return 'the manifest has no schema version';
  if (!Array.isArray(m.parts) || m.parts.length === 0) return 'the manifest lists no parts';
  for (const p of m.parts as unknown[]) {
    const part = p as Record<string, unknown>;
    if (typeof part.name !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(part.name))
      return 'a part has an invalid name';
    if (!isCount(part.bytes) || !isHex64(part.sha256)) return `part ${part.name} has no valid size or digest`;
  }
  if (typeof m.rowCounts !== 'object' || m.rowCounts === null) return 'the manifest has no row counts';
  for (const n of Object.values(m.rowCounts)) if (!isCount(n)) return 'a row count is not a count';
  if (!Array.isArray(m.ledgers)) return 'the manifest has no ledger heads';
  for (const l of m.ledgers as unknown[]) {
    const h = l as Record<string, unknown>;
    if (typeof h.log !== 'string' || !isCount(h.size) || !isHex64(h.root) || typeof h.checkpoint !== 'string')
      return 'a ledger head is malformed';
  }
  return undefined;
}
