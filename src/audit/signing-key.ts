// The ledger's Ed25519 signing key: from configuration (PEM), or generated once into the
// data directory for the embedded default (mode 0600).
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { newEd25519Pem } from '../core/ed25519.js';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LedgerSigner } from './ledger.js';

export const SIGNING_KEY_FILE = 'ledger-ed25519.pem';

/** Loads the signer named by config, creating `dataDir/ledger-ed25519.pem` when none is set. */
export function loadSigner(opts: { pem: string | undefined; dataDir: string; name: string }): {
  signer: LedgerSigner;
  generated: boolean;
} {
  let pem = opts.pem;
  let generated = false;
  if (pem === undefined) {
    const file = join(opts.dataDir, SIGNING_KEY_FILE);
    if (existsSync(file)) {
      pem = readFileSync(file, 'utf8');
    } else {
      pem = newEd25519Pem();
      mkdirSync(opts.dataDir, { recursive: true });
      writeFileSync(file, pem, { mode: 0o600 });
      generated = true;
    }
  }
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`The ledger signing key must be Ed25519, got ${privateKey.asymmetricKeyType ?? 'unknown'}.`);
  }
  return { signer: { name: opts.name, privateKey, publicKey: createPublicKey(privateKey) }, generated };
}
