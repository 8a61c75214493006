// Signed ledger checkpoints: a tree head in the C2SP tlog-checkpoint text form, wrapped in a C2SP
// signed note with an Ed25519 signature, plus the one-line verifier key that lets anyone check
// a checkpoint offline. node:crypto only.
import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { newEd25519Keys } from '../core/ed25519.js';
import type { KeyObject } from 'node:crypto';
import { errorMessage } from '../core/errors.js';

/** A tree head: the log's origin line, its size and its RFC 6962 root. */
export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Buffer;
}

export type CheckpointVerification =
  { readonly ok: true; readonly checkpoint: Checkpoint } | { readonly ok: false; readonly reason: string };

export interface SigningKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** Signed-note signature type byte for Ed25519. */
const ED25519_TYPE = 0x01;
const ROOT_SIZE = 32;
const SIGNATURE_SIZE = 64;
const KEY_ID_SIZE = 4;
// "— " (U+2014 EM DASH, space) opens every signature line of a signed note.
const SIGNATURE_PREFIX = '\u2014 ';
const LONE_SURROGATE = /\p{Cs}/u;
const DECIMAL = /^(0|[1-9][0-9]*)$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
// A note with more signature lines than this is refused unread (the Go reference does too).
const MAX_SIGNATURES = 100;

/**
 * The checkpoint text that gets signed: `origin`, decimal size and base64 root, one per line,
 * each ending in a newline.
 *
 * @throws RangeError for an empty origin or one with control characters, a size that is not a
 *   non-negative safe integer, or a root that is not 32 bytes.
 */
export function checkpointBody(cp: Checkpoint): string {
  if (cp.origin === '' || hasControlExceptNewline(cp.origin) || cp.origin.includes('\n')) {
    throw new RangeError('checkpoint origin must be a non-empty line without control characters');
  }
  if (LONE_SURROGATE.test(cp.origin)) {
    throw new RangeError('checkpoint origin is not valid Unicode');
  }
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) {
    throw new RangeError(`checkpoint size must be a non-negative safe integer, not ${cp.size}`);
  }
  if (!(cp.root instanceof Uint8Array) || cp.root.length !== ROOT_SIZE) {
    throw new RangeError(`checkpoint root must be ${ROOT_SIZE} bytes`);
  }
  return `${cp.origin}\n${cp.size}\n${Buffer.from(cp.root).toString('base64')}\n`;
}

/**
 * The signed-note key hash: the first 4 bytes of SHA-256(name || "\n" || 0x01 || raw Ed25519
 * public key). Signature lines carry it so a verifier can pick its key without trying each.
 *
 * @throws TypeError if `publicKey` is not an Ed25519 key (a private key is accepted and its
 *   public half used); RangeError for an invalid key name.
 */
export function keyId(name: string, publicKey: KeyObject): Buffer {
  assertKeyName(name);
  return keyIdOfRaw(name, rawPublicKey(publicKey));
}

/**
 * Signs `cp` and returns the whole signed note: the checkpoint body, a blank line, and the
 * signature line `— <name> <base64(keyId || Ed25519 signature over the body)>`.
 *
 * @throws RangeError for an invalid checkpoint or key name; TypeError for a non-Ed25519 key.
 */
export function signCheckpoint(cp: Checkpoint, name: string, privateKey: KeyObject): string {
  assertKeyName(name);
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new TypeError('signCheckpoint needs an Ed25519 private key');
  }
  const body = checkpointBody(cp);
  const signature = sign(null, Buffer.from(body, 'utf8'), privateKey);
  const id = signerKeyId(name, privateKey);
  const blob = Buffer.concat([id, signature]).toString('base64');
  return `${body}\n${SIGNATURE_PREFIX}${name} ${blob}\n`;
}

/**
 * Opens a signed note and checks it carries a valid signature by `name` with `publicKey` over a
 * well-formed checkpoint. Signature lines from other keys are ignored (notes may be cosigned);
 * a line that claims this key but does not verify fails the whole note. Extension lines after
 * the root are covered by the signature and otherwise ignored. Never throws.
 */
export function verifyCheckpoint(note: string, name: string, publicKey: KeyObject): CheckpointVerification {
  let id: Buffer;
  try {
    assertKeyName(name);
    id = keyIdOfRaw(name, rawPublicKey(publicKey));
  } catch (err) {
    return refuse(`unusable verifier key: ${errorMessage(err)}`);
  }
  if (typeof note !== 'string') return refuse('note is not a string');
  if (LONE_SURROGATE.test(note)) return refuse('note is not valid Unicode');

  const split = note.lastIndexOf('\n\n');
  if (split < 0) return refuse('note has no blank line before its signatures');
  const body = note.slice(0, split + 1);
  const signatureBlock = note.slice(split + 2);
  if (hasControlExceptNewline(note)) return refuse('note contains control characters');
  if (signatureBlock === '') return refuse('note has no signature lines');
  if (!signatureBlock.endsWith('\n')) return refuse('note does not end with a newline');

  const lines = signatureBlock.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) return refuse('note has too many signatures');
  let verified = false;
  for (const line of lines) {
    const parsed = parseSignatureLine(line);
    if (parsed === undefined) return refuse('malformed signature line');
    if (parsed.name !== name || !parsed.keyId.equals(id)) continue;
    if (!verifiesEd25519(body, publicKey, parsed.signature)) {
      return refuse(`signature by ${name} does not verify`);
    }
    verified = true;
  }
  if (!verified) return refuse(`no signature by ${name} with this key`);

  const checkpoint = parseCheckpointBody(body);
  if (typeof checkpoint === 'string') return refuse(checkpoint);
  return { ok: true, checkpoint };
}

/**
 * The signed-note verifier key for `name` and an Ed25519 public key:
 * `name+hex(keyId)+base64(0x01 || raw public key)`. One string holds all a third party needs
 * to check checkpoints offline.
 *
 * @throws RangeError for an invalid key name; TypeError for a non-Ed25519 key.
 */
export function verifierKey(name: string, publicKey: KeyObject): string {
  assertKeyName(name);
  const raw = rawPublicKey(publicKey);
  const encoded = Buffer.concat([Buffer.from([ED25519_TYPE]), raw]).toString('base64');
  return `${name}+${keyIdOfRaw(name, raw).toString('hex')}+${encoded}`;
}

/**
 * Parses a verifier key made by {@link verifierKey} (or any signed-note Ed25519 vkey), checking
 * that its key hash matches its name and key.
 *
 * @throws Error describing what is wrong with a malformed verifier key.
 */
export function parseVerifierKey(vkey: string): { name: string; publicKey: KeyObject } {
  // NOTE: split on the first two '+' only: standard base64 uses '+' too, so the key may hold it.
  const first = typeof vkey === 'string' ? vkey.indexOf('+') : -1;
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (second < 0) throw new Error('verifier key must have the form name+hash+key');
  const name = vkey.slice(0, first);
  const hash = vkey.slice(first + 1, second);
  const encoded = vkey.slice(second + 1);
  try {
    assertKeyName(name);
  } catch (err) {
    throw new Error(`verifier key: ${errorMessage(err)}`, { cause: err });
  }
  if (!/^[0-9a-f]{8}$/.test(hash)) throw new Error('verifier key hash must be 8 hex digits');
  const bytes = decodeBase64(encoded);
  if (bytes === undefined || bytes.length !== 33 || bytes[0] !== ED25519_TYPE) {
    throw new Error('verifier key is not an Ed25519 signed-note key');
  }
  const raw = bytes.subarray(1);
  if (keyIdOfRaw(name, raw).toString('hex') !== hash) {
    throw new Error('verifier key hash does not match its name and key');
  }
  const publicKey = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
    format: 'jwk',
  });
  return { name, publicKey };
}

/** A fresh Ed25519 key pair for signing checkpoints. */
export function generateSigningKey(): SigningKeyPair {
  return newEd25519Keys();
}

/**
 * Loads an Ed25519 private key from PEM (PKCS #8).
 *
 * @throws TypeError if the PEM holds some other kind of key; Error if it is not a key at all.
 */
export function privateKeyFromPem(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new TypeError(`checkpoint keys are Ed25519, not ${key.asymmetricKeyType ?? 'unknown'}`);
  }
  return key;
}

/** The PKCS #8 PEM of a private key, as read back by {@link privateKeyFromPem}. */
export function privateKeyToPem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}

function verifiesEd25519(body: string, publicKey: KeyObject, signature: Buffer): boolean {
  if (signature.length !== SIGNATURE_SIZE) return false;
  try {
    return verify(null, Buffer.from(body, 'utf8'), publicKey, signature);
  } catch {
    return false;
  }
}

function keyIdOfRaw(name: string, raw: Uint8Array): Buffer {
  return createHash('sha256')
    .update(name, 'utf8')
    .update(Buffer.from([0x0a, ED25519_TYPE]))
    .update(raw)
    .digest()
    .subarray(0, KEY_ID_SIZE);
}

/**
 * Key hashes of signing keys, by key object and name. NOTE: every audited write signs a
 * checkpoint, and deriving the public half and hashing it cost a third of the signature's own
 * time; a KeyObject is immutable, so its hash under a name never changes.
 */
const signerKeyIds = new WeakMap<KeyObject, Map<string, Buffer>>();

function signerKeyId(name: string, privateKey: KeyObject): Buffer {
  let byName = signerKeyIds.get(privateKey);
  if (byName === undefined) signerKeyIds.set(privateKey, (byName = new Map()));
  let id = byName.get(name);
  if (id === undefined) byName.set(name, (id = keyIdOfRaw(name, rawPublicKey(privateKey))));
  return id;
}

/** The 32 raw bytes of an Ed25519 public key (of the public half, given a private key). */
function rawPublicKey(key: KeyObject): Buffer {
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError('key is not an Ed25519 key');
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const { x } = publicKey.export({ format: 'jwk' });
  if (typeof x !== 'string') throw new TypeError('Ed25519 key has no public value');
  return Buffer.from(x, 'base64url');
}

/** True if `text` has an ASCII control character other than newline (signed notes forbid them). */
function hasControlExceptNewline(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x0a) || code === 0x7f) return true;
  }
  return false;
}

/** Signed-note key names: non-empty, no whitespace, no '+' (the vkey separator). */
function assertKeyName(name: string): void {
  if (typeof name !== 'string' || name === '' || /[\s+]/u.test(name)) {
    throw new RangeError('key name must be non-empty and contain no whitespace or "+"');
  }
  if (hasControlExceptNewline(name) || LONE_SURROGATE.test(name)) {
    throw new RangeError('key name must be printable Unicode');
  }
}

function parseSignatureLine(line: string): { name: string; keyId: Buffer; signature: Buffer } | undefined {
  if (!line.startsWith(SIGNATURE_PREFIX)) return undefined;
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space <= 0) return undefined;
  const bytes = decodeBase64(rest.slice(space + 1));
  // Ed25519 lines are exactly keyId || signature; other lengths are other algorithms' lines.
  if (bytes === undefined || bytes.length <= KEY_ID_SIZE) return undefined;
  return {
    name: rest.slice(0, space),
    keyId: bytes.subarray(0, KEY_ID_SIZE),
    signature: bytes.subarray(KEY_ID_SIZE),
  };
}

/** The checkpoint in a note body, or a string saying why it is not one. */
function parseCheckpointBody(body: string): Checkpoint | string {
  // body ends with "\n", so the last element is always empty.
  const lines = body.split('\n').slice(0, -1);
  const [origin, sizeText, rootText] = lines;
  if (origin === undefined || sizeText === undefined || rootText === undefined) {
    return 'checkpoint needs origin, size and root lines';
  }
  if (origin === '') return 'checkpoint origin is empty';
  if (!DECIMAL.test(sizeText)) return 'checkpoint size is not a decimal number';
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) return 'checkpoint size is too large';
  const root = decodeBase64(rootText);
  if (root === undefined || root.length !== ROOT_SIZE) return 'checkpoint root is not 32 bytes';
  if (lines.slice(3).some((line) => line === '')) return 'checkpoint has an empty extension line';
  return { origin, size, root };
}

/** Strict standard base64 (padded, canonical); undefined for anything else. */
function decodeBase64(text: string): Buffer | undefined {
  if (!BASE64.test(text) || text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

function refuse(reason: string): CheckpointVerification {
  return { ok: false, reason };
}
