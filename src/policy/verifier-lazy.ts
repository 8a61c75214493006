// The verifier behind a dynamic import: loading z3-solver costs hundreds of milliseconds and
// tens of megabytes, and only compiling a bundle needs it (never the server or other commands).
import type { VerificationSummary } from './bundle-format.js';
import type { VerifyOptions } from './verifier.js';

let loaded: Promise<typeof import('./verifier.js')> | undefined;

/** Proves isolation and residency (see verifier.ts); loads Z3 on first use. */
export async function verifyPolicies(opts: VerifyOptions): Promise<VerificationSummary> {
  loaded ??= import('./verifier.js');
  return (await loaded).verifyPolicies(opts);
}

/** Stops Z3's threads if it was ever loaded (Node does not exit otherwise). */
export async function shutdownVerifier(): Promise<void> {
  if (loaded) await (await loaded).shutdownVerifier();
}
