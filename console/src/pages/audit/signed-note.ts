// C2SP signed notes in the browser: the ledger's verifier key (name+hash+key) and its Ed25519
// checkpoints (tlog-checkpoint: origin, size, base64 root), verified with WebCrypto. Mirrors
// src/audit/checkpoint.ts, stricter nowhere and looser nowhere.
import { sha256, toHex, type Bytes } from './merkle';

const ED25519_TYPE = 0x01;
const KEY_ID_SIZE = 4;
const SIGNATURE_SIZE = 64;
// "— " (U+2014 EM DASH, space) opens every signature line of a signed note.
const SIGNATURE_PREFIX = '\u2014 ';
const DECIMAL = /^(0|[1-9][0-9]*)$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const MAX_SIGNATURES = 100;

/** A verifier key ready to check signatures. */
export interface VerifierKey {
  readonly vkey: string;
  readonly name: string;
  readonly keyId: Bytes;
  readonly key: CryptoKey;
}

/** A verified checkpoint: the tree head a signature vouches for. */
export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  /** Hex of the 32-byte root. */
  readonly root: string;
}

export type CheckpointCheck =
  { readonly ok: true; readonly checkpoint: Checkpoint } | { readonly ok: false; readonly reason: string };

/**
 * Parses a signed-note Ed25519 verifier key and checks its hash matches its name and key.
 *
 * @throws Error saying what is wrong with a malformed key (or that this browser lacks Ed25519).
 */
export async function parseVerifierKey(vkey: string): Promise<VerifierKey> {
  const text = vkey.trim();
  // NOTE: split on the first two '+' only: standard base64 uses '+' too.
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (second < 0) throw new Error('a verifier key has the form name+hash+key');
  const name = text.slice(0, first);
  const hash = text.slice(first + 1, second);
  if (!validKeyName(name)) throw new Error('the key name must be non-empty, without spaces or "+"');
  if (!/^[0-9a-f]{8}$/.test(hash)) throw new Error('the key hash must be 8 hex digits');
  const bytes = decodeBase64(text.slice(second + 1));
  if (bytes === undefined || bytes.length !== 33 || bytes[0] !== ED25519_TYPE)
    throw new Error('this is not an Ed25519 signed-note key');
  const raw = bytes.subarray(1);
  const keyId = await keyIdOf(name, raw);
  if (toHex(keyId) !== hash) throw new Error('the key hash does not match its name and key');
  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']);
  } catch (err) {
    throw new Error(`this browser cannot use Ed25519 keys (${err instanceof Error ? err.message : String(err)})`, {
      cause: err,
    });
  }
  return { vkey: text, name, keyId, key };
}

/**
 * Opens a signed note and checks a valid signature by `key` over a well-formed checkpoint.
 * Lines of other keys are ignored (cosignatures); a line claiming this key that does not verify
 * fails the note. Never throws.
 */
export async function verifyCheckpoint(note: string, key: VerifierKey): Promise<CheckpointCheck> {
  if (typeof note !== 'string') return refuse('the note is not text');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return refuse('the note has no blank line before its signatures');
  if (hasControlExceptNewline(note)) return refuse('the note contains control characters');
  const body = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (block === '') return refuse('the note has no signature lines');
  if (!block.endsWith('\n')) return refuse('the note does not end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) return refuse('the note has too many signatures');
  const bodyBytes = new TextEncoder().encode(body);
  let verified = false;
  for (const line of lines) {
    const parsed = parseSignatureLine(line);
    if (parsed === undefined) return refuse('malformed signature line');
    if (parsed.name !== key.name || toHex(parsed.keyId) !== toHex(key.keyId)) continue;
    const ok =
      parsed.signature.length === SIGNATURE_SIZE &&
      (await crypto.subtle.verify({ name: 'Ed25519' }, key.key, parsed.signature, bodyBytes).catch(() => false));
    if (!ok) return refuse(`the signature by ${key.name} does not verify`);
    verified = true;
  }
  if (!verified) return refuse(`no signature by ${key.name} with this key`);
  const checkpoint = parseCheckpointBody(body);
  return typeof checkpoint === 'string' ? refuse(checkpoint) : { ok: true, checkpoint };
}

async function keyIdOf(name: string, raw: Bytes): Promise<Bytes> {
  const hash = await sha256(new TextEncoder().encode(name), Uint8Array.of(0x0a, ED25519_TYPE), raw);
  return hash.subarray(0, KEY_ID_SIZE);
}

function validKeyName(name: string): boolean {
  return name !== '' && !/[\s+]/u.test(name) && !hasControlExceptNewline(name);
}

function hasControlExceptNewline(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x0a) || code === 0x7f) return true;
  }
  return false;
}

function parseSignatureLine(line: string): { name: string; keyId: Bytes; signature: Bytes } | undefined {
  if (!line.startsWith(SIGNATURE_PREFIX)) return undefined;
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space <= 0) return undefined;
  const bytes = decodeBase64(rest.slice(space + 1));
  if (bytes === undefined || bytes.length <= KEY_ID_SIZE) return undefined;
  return { name: rest.slice(0, space), keyId: bytes.subarray(0, KEY_ID_SIZE), signature: bytes.subarray(KEY_ID_SIZE) };
}

function parseCheckpointBody(body: string): Checkpoint | string {
  // body ends with "\n", so the last element is always empty.
  const lines = body.split('\n').slice(0, -1);
  const [origin, sizeText, rootText] = lines;
  if (origin === undefined || sizeText === undefined || rootText === undefined)
    return 'the checkpoint needs origin, size and root lines';
  if (origin === '') return 'the checkpoint origin is empty';
  if (!DECIMAL.test(sizeText)) return 'the checkpoint size is not a decimal number';
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) return 'the checkpoint size is too large';
  const root = decodeBase64(rootText);
  if (root === undefined || root.length !== 32) return 'the checkpoint root is not 32 bytes';
  if (lines.slice(3).some((l) => l === '')) return 'the checkpoint has an empty extension line';
  return { origin, size, root: toHex(root) };
}

/** Strict standard base64 (padded, canonical); undefined for anything else. */
export function decodeBase64(text: string): Bytes | undefined {
  if (!BASE64.test(text) || text.length % 4 !== 0) return undefined;
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return undefined;
  }
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  // Canonical only: a re-encoding must give the same text (no stray padding bits).
  return btoa(binary) === text ? bytes : undefined;
}

function refuse(reason: string): CheckpointCheck {
  return { ok: false, reason };
}
