// Sticky routing between colours: which colour serves a tenant (or one request) in a ring.
// A subject's bucket is a pure function of (release, subject), so every replica, and the
// HAProxy map Iris writes, agree without sharing state; a subject stays on its colour for the
// life of a release.
//
// Why SHA-256 and not a faster hash (xxHash, MurmurHash3): it is in node:crypto (no
// dependency), its output is the same in every language a later tool might recompute it in,
// and at ~1 µs per call it costs nothing next to a request. The HAProxy map is computed here,
// not in HAProxy, so HAProxy never needs the same function.
import { createHash } from 'node:crypto';

/** Buckets per release: a weight step of 0.01 % is the finest split. */
export const BUCKETS = 10_000;

/**
 * The bucket of `subjectId` (a tenant id, or a request id for per-request routing) in
 * `releaseId`, in [0, BUCKETS). The two ids are length-prefixed before hashing, so
 * ("ab", "c") and ("a", "bc") never collide by concatenation.
 *
 * Invariant: same inputs, same bucket, on every replica and every Node version.
 */
export function bucketOf(releaseId: string, subjectId: string): number {
  const h = createHash('sha256')
    .update(`${Buffer.byteLength(releaseId)}:${releaseId}`)
    .update(`${Buffer.byteLength(subjectId)}:${subjectId}`)
    .digest();
  // NOTE: 48 bits modulo 10 000 leaves a bias below 10^-10 per bucket; negligible.
  return h.readUIntBE(0, 6) % BUCKETS;
}

/**
 * The bucket threshold of a weight in percent: buckets below it go to the candidate.
 * Weights are rounded to the 0.01 % grid; anything outside 0..100 is clamped (the release
 * spec refuses such weights before they get here).
 */
export function thresholdOf(weightPercent: number): number {
  if (!Number.isFinite(weightPercent) || weightPercent <= 0) return 0;
  if (weightPercent >= 100) return BUCKETS;
  return Math.round(weightPercent * (BUCKETS / 100));
}

/** Whether a bucket falls in the candidate's share at `weightPercent`. */
export function inCandidate(bucket: number, weightPercent: number): boolean {
  return bucket < thresholdOf(weightPercent);
}

/** The candidate of one ring: which release, its colour, and its share in percent. */
export interface RingCandidate {
  readonly releaseId: string;
  readonly colour: string;
  readonly weight: number;
}

/** What routing knows: the stable (control) colour, and per ring at most one candidate. */
export interface ColourWeights {
  readonly control: string;
  readonly rings: Readonly<Record<string, RingCandidate | undefined>>;
}

/** A routing decision that explains itself (status pages and `iris flags explain` show it). */
export interface ColourChoice {
  readonly colour: string;
  readonly candidate: boolean;
  /** The subject's bucket, or null when the ring has no candidate. */
  readonly bucket: number | null;
  readonly threshold: number;
}

/** Routing options: per-request hashing for stateless routes. */
export interface ColourOptions {
  /** When given, the request id is hashed instead of the tenant id (no stickiness). */
  readonly requestId?: string;
}

/**
 * The colour serving `tenantId` in `ring`. A tenant is in the candidate iff its bucket is
 * below weight × 100, so raising a weight only adds tenants (monotone): nobody moves back and
 * forth while a release progresses. A ring without a candidate is served by the control.
 */
export function colourFor(
  tenantId: string,
  ring: string,
  weights: ColourWeights,
  options: ColourOptions = {},
): ColourChoice {
  const candidate = Object.hasOwn(weights.rings, ring) ? weights.rings[ring] : undefined;
  if (candidate === undefined) return { colour: weights.control, candidate: false, bucket: null, threshold: 0 };
  const bucket = bucketOf(candidate.releaseId, options.requestId ?? tenantId);
  const threshold = thresholdOf(candidate.weight);
  const chosen = bucket < threshold;
  return { colour: chosen ? candidate.colour : weights.control, candidate: chosen, bucket, threshold };
}
