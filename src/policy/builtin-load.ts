// The built-in platform bundle as a served bundle: compiled, signed with the deployment's
// policy key and checked like any pushed bundle, so the gate always runs on a verified,
// signed bundle even before an operator activates one.
import { builtinPlatformFiles } from './builtin-bundle.js';
import { compileBundle } from './bundle-compiler.js';
import { signBundle, verifyBundle, type BundleSigner, type TrustedKey, type VerifiedBundle } from './bundle-signing.js';

/** Compiles, signs and verifies the built-in platform bundle. */
export async function builtinBundle(
  signer: BundleSigner,
  trust: readonly TrustedKey[],
  now: Date,
  maxBytes: number,
): Promise<VerifiedBundle> {
  // NOTE: its isolation and residency proofs run in the test suite (test/policy/verify.test.ts),
  // not at every start: the solver takes about a second.
  const unsigned = await compileBundle({
    files: builtinPlatformFiles(),
    now: new Date(0),
    verification: { isolation: 'builtin', residency: 'builtin' },
  });
  return verifyBundle(signBundle(unsigned, signer, now), trust, now, maxBytes);
}
