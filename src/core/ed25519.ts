// New Ed25519 keys, made without keeping the key generator's own key objects.
// NOTE: on Node 20, exporting a key object that generateKeyPairSync returned (as JWK, which
// checkpoints use for the raw public key) can deadlock the process: the export holds the key's
// mutex while it allocates, the allocation runs a garbage collection, and the collection
// finalises the finished key-generation job, whose destructor takes the same mutex (seen here:
// a test process hung in futex wait inside ExportJWKEdKey -> ~KeyGenJob). Asking the generator
// for PEM text and making key objects from it leaves no job holding the keys.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

/** A new Ed25519 private key as PKCS#8 PEM. */
export function newEd25519Pem(): string {
  return generateKeyPairSync('ed25519', {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
}

/** A new Ed25519 key pair as key objects (made from PEM: see the note above). */
export function newEd25519Keys(): { privateKey: KeyObject; publicKey: KeyObject } {
  const privateKey = createPrivateKey(newEd25519Pem());
  return { privateKey, publicKey: createPublicKey(privateKey) };
}
