// The signed bundle document: source files, compiled policies, a manifest of sha256 digests
// of both, and an Ed25519 signature over the manifest's canonical JSON (RFC 8785). The
// bundle id is the digest of that manifest, so a bundle is content-addressed.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../audit/index.js';

export { canonicalJson };

export const BUNDLE_FORMAT = 'iris.policy.bundle/v1';
export const BUNDLE_SCOPES = ['platform', 'tenant'] as const;
export type BundleScope = (typeof BUNDLE_SCOPES)[number];

/** What the compiler proved (or why it did not). */
export interface VerificationSummary {
  /** proved: Z3 found no counterexample; by-construction: forbid-only overlay; builtin: proved by Iris's own tests. */
  readonly isolation: 'proved' | 'by-construction' | 'builtin' | 'skipped';
  readonly residency: 'proved' | 'by-construction' | 'builtin' | 'skipped';
  readonly solver?: string;
  readonly checkedRequestTypes?: number;
}

export interface BundleManifest {
  readonly format: typeof BUNDLE_FORMAT;
  readonly name: string;
  readonly scope: BundleScope;
  /** The tenant of an overlay; absent for platform bundles. */
  readonly tenant?: string;
  readonly createdAt: string;
  readonly cedarVersion: string;
  /** sha256 of every source file, by path. */
  readonly files: Readonly<Record<string, string>>;
  /** sha256 of the compiled policy set (canonical JSON of id -> text) and its ids. */
  readonly policies: { readonly digest: string; readonly ids: readonly string[] };
  readonly verification: VerificationSummary;
}

export interface BundleSignature {
  readonly alg: 'Ed25519';
  readonly keyId: string;
  readonly signedAt: string;
  /** base64 of the signature over canonicalJson(manifest). */
  readonly value: string;
}

export interface SignedBundle {
  readonly format: typeof BUNDLE_FORMAT;
  readonly manifest: BundleManifest;
  readonly files: Readonly<Record<string, string>>;
  readonly policies: Readonly<Record<string, string>>;
  readonly signature?: BundleSignature;
}

export const sha256 = (data: string | Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** The content address of a bundle: sha256 of its manifest's canonical JSON. */
export function bundleIdOf(manifest: BundleManifest): string {
  return sha256(canonicalJson(manifest));
}

/** A short form for tables and logs: the first 12 hex digits of the id. */
export function shortBundleId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}
