// The policy context as one replica runs it: the decision point serving the active bundles,
// the trusted signing keys, and the decide function for Iris's own calls (no request).
import { readFileSync } from 'node:fs';
import type { Clock } from '../core/clock.js';
import type { DecideFn } from '../core/context.js';
import { builtinBundle } from './builtin-load.js';
import {
  loadBundleSigner,
  parseTrustedKeys,
  type BundleSigner,
  type TrustedKey,
  type VerifiedBundle,
} from './bundle-signing.js';
import { makeDecisionPoint, type ActiveBundle, type DecisionPoint, type TenantFacts } from './decision-point.js';

export interface PolicyRuntimeDeps {
  readonly region: string;
  readonly dataDir: string;
  readonly signingKeyPem: string | undefined;
  readonly trustedKeysFile: string | undefined;
  readonly cacheSize: number;
  readonly maxBundleBytes: number;
  readonly tenantFacts: (tenantId: string) => TenantFacts | undefined;
  readonly clock: Clock;
}

export interface PolicyRuntime {
  readonly pdp: DecisionPoint;
  readonly signer: BundleSigner;
  readonly trust: readonly TrustedKey[];
  /** The built-in platform bundle (served when no platform bundle is activated). */
  readonly builtin: VerifiedBundle;
  /** Decides for principals no request bound (Iris's own control loops). */
  readonly internalDecide: DecideFn;
}

/** Turns a verified bundle into what the decision point serves. */
export function activeBundleOf(v: VerifiedBundle): ActiveBundle {
  const m = v.bundle.manifest;
  return { id: v.id, name: m.name, scope: m.scope, tenant: m.tenant, policies: v.bundle.policies };
}

/** The deployment's trusted keys: its own signing key plus those of the trusted-keys file. */
export function loadTrust(signer: BundleSigner, file: string | undefined): TrustedKey[] {
  const own: TrustedKey = { keyId: signer.keyId, publicKey: signer.publicKey };
  if (file === undefined) return [own];
  return [own, ...parseTrustedKeys(readFileSync(file, 'utf8'), file).filter((k) => k.keyId !== own.keyId)];
}

export async function makePolicyRuntime(deps: PolicyRuntimeDeps): Promise<PolicyRuntime> {
  const signer = loadBundleSigner({ pem: deps.signingKeyPem, dataDir: deps.dataDir });
  const trust = loadTrust(signer, deps.trustedKeysFile);
  const pdp = makeDecisionPoint({ region: deps.region, tenantFacts: deps.tenantFacts, cacheSize: deps.cacheSize });
  const builtin = await builtinBundle(signer, trust, deps.clock.now(), deps.maxBundleBytes);
  pdp.setPlatform(activeBundleOf(builtin));
  const internalDecide: DecideFn = (principal, action, tenantId, kind) => {
    const d = pdp.decide({ principal, action, resourceTenant: tenantId, resourceKind: kind, route: 'internal' });
    return { allowed: d.allowed, policies: d.policies, failedClosed: d.errors.length > 0 };
  };
  return { pdp, signer, trust, builtin, internalDecide };
}
