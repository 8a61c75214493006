// The tenant archive file: one gzip stream holding a magic line, the manifest (RFC 8785
// canonical JSON), its Ed25519 signature, and one part per table: the table's rows as JSON lines
// in primary-key order. The manifest names each part's table, columns, row count, byte length
// and sha256, the schema it was written by and the tenant's signed ledger head; the signature
// covers the manifest, the digests cover the parts. Pure: no database, no I/O.
import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { canonicalJson } from '../audit/index.js';
import { errorMessage } from '../core/errors.js';
import { isTenantSlug } from '../core/ids.js';
import { ArchiveInvalidError, ArchiveTooNewError, ArchiveUntrustedError } from './tenant-archive-errors.js';

export const ARCHIVE_FORMAT = 'iris-tenant-archive';
/** The version of this layout; an archive of a higher one is refused. */
export const ARCHIVE_FORMAT_VERSION = 1;
const MAGIC = `${ARCHIVE_FORMAT}/${ARCHIVE_FORMAT_VERSION}\n`;
/** Largest archive accepted once decompressed (a budget against gzip bombs). */
export const MAX_ARCHIVE_BYTES = 1024 * 1024 * 1024;
/** Largest archive file an import accepts (compressed; it is held in memory). */
export const MAX_ARCHIVE_UPLOAD_BYTES = 256 * 1024 * 1024;

/** One table's part: its rows as JSON lines (`to_jsonb(row)`), ordered by primary key. */
export interface ArchivePart {
  readonly table: string;
  /** Columns the rows carry (stored columns; generated ones are recomputed on import). */
  readonly columns: readonly string[];
  readonly rows: number;
  readonly bytes: number;
  /** Hex sha256 of the part's bytes. */
  readonly sha256: string;
}

export interface ArchiveManifest {
  readonly format: typeof ARCHIVE_FORMAT;
  readonly formatVersion: number;
  /** The latest migration applied to the exporting database (its schema). */
  readonly schemaVersion: number;
  readonly irisVersion: string;
  readonly tenantId: string;
  readonly homeRegion: string;
  readonly exportedAt: string;
  /** The exporting Iris's ledger key (signed-note vkey): it signed this manifest and the ledger. */
  readonly signer: { readonly name: string; readonly vkey: string };
  /** The tenant's signed ledger head at export time. */
  readonly ledger: { readonly size: number; readonly root: string; readonly checkpoint: string };
  readonly parts: readonly ArchivePart[];
}

/** A part as written: its table and the JSON lines of its rows. */
export interface PartContent {
  readonly table: string;
  readonly columns: readonly string[];
  readonly lines: readonly string[];
}

/** A read archive: the manifest (signature checked) and each part's lines. */
export interface OpenedArchive {
  readonly manifest: ArchiveManifest;
  /** Hex sha256 of the archive file as given. */
  readonly sha256: string;
  readonly parts: ReadonlyMap<string, readonly string[]>;
}

const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

/**
 * Writes an archive: each part's lines become its bytes and digest, the manifest is signed with
 * `privateKey`. Lines must not contain a newline (JSON text of `to_jsonb` never does).
 */
export function writeArchive(
  header: Omit<ArchiveManifest, 'format' | 'formatVersion' | 'parts'>,
  parts: readonly PartContent[],
  privateKey: KeyObject,
): Buffer {
  const bodies = parts.map((p) => Buffer.from(p.lines.map((l) => `${l}\n`).join(''), 'utf8'));
  const manifest: ArchiveManifest = {
    format: ARCHIVE_FORMAT,
    formatVersion: ARCHIVE_FORMAT_VERSION,
    ...header,
    parts: parts.map((p, i) => {
      const body = bodies[i] ?? Buffer.alloc(0);
      return { table: p.table, columns: p.columns, rows: p.lines.length, bytes: body.length, sha256: sha256(body) };
    }),
  };
  const text = canonicalJson(manifest);
  const signature = sign(null, Buffer.from(text, 'utf8'), privateKey).toString('base64');
  return gzipSync(Buffer.concat([Buffer.from(`${MAGIC}${text}\n${signature}\n`, 'utf8'), ...bodies]));
}

/** Who may have signed an archive: this Iris's own key, or one the operator pinned. */
export interface ArchiveVerifier {
  readonly vkey: string;
  readonly publicKey: KeyObject;
}

/**
 * Reads and checks an archive: gzip integrity, layout, the manifest's signature by `verifier`,
 * the format and schema versions, and every part's length, digest and row count.
 * @throws ArchiveInvalidError for a corrupt, truncated or malformed file; ArchiveUntrustedError
 *   for a signature by another key or a part that does not match the signed manifest;
 *   ArchiveTooNewError for a newer format or schema than `schemaVersion`.
 */
export function openArchive(file: Uint8Array, verifier: ArchiveVerifier, schemaVersion: number): OpenedArchive {
  let raw: Buffer;
  try {
    raw = gunzipSync(file, { maxOutputLength: MAX_ARCHIVE_BYTES });
  } catch (err) {
    throw new ArchiveInvalidError(`it is not a complete gzip stream (${errorMessage(err)}): corrupt or truncated`, err);
  }
  if (!raw.subarray(0, MAGIC.length).equals(Buffer.from(MAGIC, 'utf8'))) {
    const head = raw.subarray(0, ARCHIVE_FORMAT.length + 1).toString('utf8');
    if (head === `${ARCHIVE_FORMAT}/`) {
      const version = raw.subarray(head.length, raw.indexOf(0x0a, head.length)).toString('utf8');
      throw new ArchiveTooNewError(
        `The archive has format version ${version}; this Iris reads version ${ARCHIVE_FORMAT_VERSION}. Import it with a newer Iris.`,
        { formatVersion: version },
      );
    }
    throw new ArchiveInvalidError(`it does not start with '${MAGIC.trim()}': not an Iris tenant archive`);
  }
  const manifestEnd = raw.indexOf(0x0a, MAGIC.length);
  const signatureEnd = manifestEnd < 0 ? -1 : raw.indexOf(0x0a, manifestEnd + 1);
  if (signatureEnd < 0) throw new ArchiveInvalidError('the manifest or its signature is cut off: truncated');
  const text = raw.subarray(MAGIC.length, manifestEnd).toString('utf8');
  const signature = Buffer.from(raw.subarray(manifestEnd + 1, signatureEnd).toString('utf8'), 'base64');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ArchiveInvalidError(`the manifest is not JSON (${errorMessage(err)})`, err);
  }
  const claimed = (parsed as { signer?: { vkey?: unknown } } | null)?.signer?.vkey;
  if (!verify(null, Buffer.from(text, 'utf8'), verifier.publicKey, signature)) {
    const who =
      typeof claimed === 'string' && claimed !== verifier.vkey
        ? `it names the signer ${claimed}, which is not the verifier key ${verifier.vkey}: an archive from another Iris is imported with that Iris's key pinned (verifierKey, from its GET /v1/audit/key), once you trust it`
        : 'the manifest was altered after it was signed';
    throw new ArchiveUntrustedError('archive_unsigned', `The archive's signature does not verify: ${who}.`);
  }
  const manifest = checkManifest(parsed);
  if (manifest.formatVersion > ARCHIVE_FORMAT_VERSION || manifest.schemaVersion > schemaVersion) {
    throw new ArchiveTooNewError(
      `The archive was written by a newer Iris (${manifest.irisVersion}, schema ${manifest.schemaVersion}); this database has schema ${schemaVersion}. Upgrade this Iris before importing it.`,
      { schemaVersion: manifest.schemaVersion, supported: schemaVersion },
    );
  }
  const parts = new Map<string, readonly string[]>();
  let at = signatureEnd + 1;
  for (const part of manifest.parts) {
    const body = raw.subarray(at, at + part.bytes);
    if (body.length !== part.bytes)
      throw new ArchiveInvalidError(`the part of table ${part.table} is cut off: truncated`);
    if (sha256(body) !== part.sha256)
      throw new ArchiveUntrustedError(
        'archive_tampered',
        `The rows of table ${part.table} do not match the digest its signed manifest gives: the archive was altered.`,
      );
    const lines = body.length === 0 ? [] : body.toString('utf8').slice(0, -1).split('\n');
    if (lines.length !== part.rows)
      throw new ArchiveInvalidError(
        `the part of table ${part.table} has ${lines.length} rows; its manifest says ${part.rows}`,
      );
    parts.set(part.table, lines);
    at += part.bytes;
  }
  if (at !== raw.length) throw new ArchiveInvalidError('bytes follow the last part the manifest names');
  return { manifest, sha256: sha256(file), parts };
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

/** The manifest's shape, checked field by field (it is signed, but may come from a newer Iris). */
function checkManifest(m: unknown): ArchiveManifest {
  const fail = (what: string): never => {
    throw new ArchiveInvalidError(`the manifest's ${what} is missing or malformed`);
  };
  if (typeof m !== 'object' || m === null) return fail('body');
  const r = m as Record<string, unknown>;
  if (r.format !== ARCHIVE_FORMAT) fail('format');
  for (const k of ['formatVersion', 'schemaVersion'] as const) if (!Number.isSafeInteger(r[k])) fail(k);
  for (const k of ['irisVersion', 'homeRegion', 'exportedAt'] as const) if (typeof r[k] !== 'string') fail(k);
  if (typeof r.tenantId !== 'string' || !isTenantSlug(r.tenantId)) fail('tenantId');
  const signer = r.signer as Record<string, unknown> | undefined;
  if (typeof signer?.name !== 'string' || typeof signer.vkey !== 'string') fail('signer');
  const ledger = r.ledger as Record<string, unknown> | undefined;
  if (!Number.isSafeInteger(ledger?.size) || typeof ledger?.root !== 'string' || typeof ledger.checkpoint !== 'string')
    fail('ledger');
  if (!Array.isArray(r.parts)) return fail('parts');
  const seen = new Set<string>();
  for (const p of r.parts as Record<string, unknown>[]) {
    if (typeof p?.table !== 'string' || !IDENT.test(p.table) || seen.has(p.table)) fail('parts (table)');
    seen.add(String(p.table));
    if (!Array.isArray(p.columns) || !p.columns.every((c) => typeof c === 'string' && IDENT.test(c)))
      fail(`columns of ${String(p.table)}`);
    if (!Number.isSafeInteger(p.rows) || !Number.isSafeInteger(p.bytes) || (p.bytes as number) < 0)
      fail(`size of ${String(p.table)}`);
    if (typeof p.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(p.sha256)) fail(`digest of ${String(p.table)}`);
  }
  return m as ArchiveManifest;
}
