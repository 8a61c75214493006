// Bundle signatures: the Ed25519 signing key (from configuration, or generated once into the
// data directory), the set of trusted public keys with optional expiry, signing a manifest,
// and checking a bundle document end to end (format, size, digests, signature, key trust).
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { newEd25519Pem } from '../core/ed25519.js';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BundleError, BundleSignatureError } from './bundle-errors.js';
import {
  BUNDLE_FORMAT,
  BUNDLE_SCOPES,
  bundleIdOf,
  canonicalJson,
  sha256,
  type BundleManifest,
  type SignedBundle,
} from './bundle-format.js';
import { errorMessage } from '../core/errors.js';

const POLICY_KEY_FILE = 'policy-ed25519.pem';

export interface BundleSigner {
  readonly keyId: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export interface TrustedKey {
  readonly keyId: string;
  readonly publicKey: KeyObject;
  /** Bundles signed after this instant, or checked after it, are refused. */
  readonly notAfter?: Date | undefined;
}

/** Key id: the first 16 hex digits of sha256 over the public key's DER (SPKI). */
function keyIdOf(publicKey: KeyObject): string {
  return sha256(publicKey.export({ format: 'der', type: 'spki' })).slice(7, 23);
}

/** The signer from a PEM, or from `dataDir/policy-ed25519.pem` (created when missing). */
export function loadBundleSigner(opts: { pem?: string | undefined; dataDir: string; create?: boolean }): BundleSigner {
  let pem = opts.pem;
  if (pem === undefined) {
    const file = join(opts.dataDir, POLICY_KEY_FILE);
    if (existsSync(file)) pem = readFileSync(file, 'utf8');
    else if (opts.create === false) throw new Error(`No policy signing key: ${file} does not exist (pass --key).`);
    else {
      pem = newEd25519Pem();
      mkdirSync(opts.dataDir, { recursive: true });
      writeFileSync(file, pem, { mode: 0o600 });
    }
  }
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new Error(`The policy signing key must be Ed25519, got ${privateKey.asymmetricKeyType ?? 'unknown'}.`);
  const publicKey = createPublicKey(privateKey);
  return { keyId: keyIdOf(publicKey), privateKey, publicKey };
}

/**
 * Trusted keys from a JSON file: [{"publicKey": "-----BEGIN PUBLIC KEY-----…", "notAfter": "2027-01-01T00:00:00Z"}].
 */
export function parseTrustedKeys(text: string, source: string): TrustedKey[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source}: not valid JSON: ${errorMessage(err)}`, { cause: err });
  }
  if (!Array.isArray(doc)) throw new Error(`${source}: must be a JSON array of {"publicKey": PEM, "notAfter"?: date}`);
  return doc.map((entry: { publicKey?: unknown; notAfter?: unknown }, i) => {
    if (typeof entry?.publicKey !== 'string') throw new Error(`${source}: [${i}].publicKey must be a PEM string`);
    const publicKey = createPublicKey(entry.publicKey);
    if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error(`${source}: [${i}] is not an Ed25519 key`);
    let notAfter: Date | undefined;
    if (entry.notAfter !== undefined) {
      notAfter = new Date(
        typeof entry.notAfter === 'string' || typeof entry.notAfter === 'number' ? entry.notAfter : Number.NaN,
      );
      if (Number.isNaN(notAfter.getTime())) throw new Error(`${source}: [${i}].notAfter is not a date`);
    }
    return { keyId: keyIdOf(publicKey), publicKey, notAfter };
  });
}

/** Signs `bundle` (replacing any signature). */
export function signBundle(bundle: SignedBundle, signer: BundleSigner, now: Date): SignedBundle {
  const value = sign(null, Buffer.from(canonicalJson(bundle.manifest)), signer.privateKey).toString('base64');
  return { ...bundle, signature: { alg: 'Ed25519', keyId: signer.keyId, signedAt: now.toISOString(), value } };
}

export interface VerifiedBundle {
  readonly id: string;
  readonly bundle: SignedBundle;
}

/**
 * Checks a bundle document: shape, size, every digest, the signature and the key's trust and
 * expiry. Returns its id; throws BundleError / BundleSignatureError naming the first problem.
 */
export function verifyBundle(doc: unknown, trust: readonly TrustedKey[], now: Date, maxBytes: number): VerifiedBundle {
  const size = Buffer.byteLength(JSON.stringify(doc ?? null));
  if (size > maxBytes)
    throw new BundleError([{ message: `bundle is ${size} bytes; the limit is ${maxBytes}` }], 'bundle_too_large');
  const b = doc as Partial<SignedBundle> | null;
  if (typeof b !== 'object' || b === null || b.format !== BUNDLE_FORMAT)
    throw new BundleError([{ path: '/format', message: `is not '${BUNDLE_FORMAT}'` }]);
  const m = b.manifest as Partial<BundleManifest> | undefined;
  if (
    !m ||
    typeof m !== 'object' ||
    typeof m.files !== 'object' ||
    typeof m.policies !== 'object' ||
    !BUNDLE_SCOPES.includes(m.scope as never)
  ) {
    throw new BundleError([{ path: '/manifest', message: 'is missing or incomplete' }]);
  }
  if (typeof b.files !== 'object' || b.files === null || typeof b.policies !== 'object' || b.policies === null) {
    throw new BundleError([{ path: '/files', message: 'files and policies must be objects' }]);
  }
  if (!b.signature)
    throw new BundleSignatureError(
      'The bundle is not signed; sign it with `iris policy compile` (unsigned bundles are refused).',
    );
  const sig = b.signature;
  if (sig.alg !== 'Ed25519' || typeof sig.value !== 'string' || typeof sig.keyId !== 'string')
    throw new BundleSignatureError('The bundle signature is malformed (expected Ed25519).');
  const key = trust.find((k) => k.keyId === sig.keyId);
  if (!key)
    throw new BundleSignatureError(`The bundle is signed by key ${sig.keyId}, which this deployment does not trust.`);
  const signedAt = new Date(sig.signedAt);
  if (key.notAfter !== undefined && (now > key.notAfter || !(signedAt <= key.notAfter))) {
    throw new BundleSignatureError(`The bundle's signing key ${sig.keyId} expired at ${key.notAfter.toISOString()}.`);
  }
  const manifest = m as BundleManifest;
  if (!verify(null, Buffer.from(canonicalJson(manifest)), key.publicKey, Buffer.from(sig.value, 'base64'))) {
    throw new BundleSignatureError(
      'The bundle signature does not match its manifest: the bundle was altered or signed by another key.',
    );
  }
  // The signature covers the manifest; the manifest's digests cover every file and policy.
  const files = b.files;
  const declared = Object.keys(manifest.files).sort();
  const present = Object.keys(files).sort();
  if (declared.join('\n') !== present.join('\n'))
    throw new BundleSignatureError('The bundle was tampered with: its files differ from the signed manifest.');
  for (const [path, digest] of Object.entries(manifest.files)) {
    if (sha256(files[path] ?? '') !== digest)
      throw new BundleSignatureError(`The bundle was tampered with: ${path} does not match its signed digest.`);
  }
  if (sha256(canonicalJson(b.policies)) !== manifest.policies.digest)
    throw new BundleSignatureError(
      'The bundle was tampered with: its compiled policies do not match the signed digest.',
    );
  return { id: bundleIdOf(manifest), bundle: b as SignedBundle };
}
