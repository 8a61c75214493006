// Feature gates per ring: an OpenFeature server provider that answers a flag from the release
// serving the tenant (the candidate of its ring when the tenant's sticky bucket falls in the
// candidate's weight, else the control), and `explainFlags`, the same decision spelt out for
// `iris flags explain --tenant T`.
//
// The provider knows nothing of tables or routing: it asks a small `FlagSource`. The wiring
// passes `snapshotFlagSource` over the live releases (or its own source); tests pass a literal.
// Flag sets are complete, like `graphrag`: a tenant on the candidate gets the candidate's flags
// only, never a mix of two releases (a flag the candidate dropped is not found for it).
//
// Anchor: the OpenFeature specification's provider section (resolution details, reasons and
// error codes; a provider returns errors as values and never throws into the client).
import {
  ErrorCode,
  StandardResolutionReasons,
  type EvaluationContext,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
} from '@openfeature/server-sdk';
import { colourFor, type RingCandidate } from './sticky-hash.js';

/** A flag's value as a release document states it. */
export type FlagValue = boolean | string | number;

/** Whom a flag is evaluated for; `ring` and `colour` are hints the source may use. */
export interface FlagTarget {
  readonly tenantId: string;
  readonly ring?: string;
  readonly colour?: string;
}

/** The flags serving one tenant, and which release decided them. */
export interface TenantFlags {
  readonly values: Readonly<Record<string, FlagValue>>;
  readonly colour: string;
  /** The candidate release that decided the values; null when the control serves the tenant. */
  readonly releaseId: string | null;
  readonly ring: string | null;
}

/** Where the provider reads flags; `undefined` means an unknown tenant. */
export interface FlagSource {
  flagsFor(target: FlagTarget): TenantFlags | undefined;
}

/** The provider's name in OpenFeature's metadata (hooks and logs show it). */
export const FLAG_PROVIDER_NAME = 'iris-rainbow-releases';

type Kind = 'boolean' | 'string' | 'number' | 'object';

/**
 * The evaluation target of an OpenFeature context: `tenantId` when it is a non-empty string,
 * else `targetingKey`; `ring` and `colour` when they are strings. Null without a tenant.
 */
export function targetOf(context: EvaluationContext): FlagTarget | null {
  const tenant = nonEmpty(context['tenantId']) ?? nonEmpty(context.targetingKey);
  if (tenant === undefined) return null;
  const ring = nonEmpty(context['ring']);
  const colour = nonEmpty(context['colour']);
  return { tenantId: tenant, ...(ring === undefined ? {} : { ring }), ...(colour === undefined ? {} : { colour }) };
}

const nonEmpty = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/**
 * The OpenFeature server provider over `source`. Every resolution is a value, never a throw:
 * no tenant in the context → TARGETING_KEY_MISSING; an unknown tenant → INVALID_CONTEXT; a flag
 * the serving release does not set → FLAG_NOT_FOUND; a value of another type → TYPE_MISMATCH
 * (release flags are scalars, so an object evaluation of a set flag is one); a source that
 * throws → GENERAL. Each error answer carries the caller's default (the SDK reports it with
 * reason ERROR). A found value has the serving colour as its variant, reason TARGETING_MATCH
 * when a candidate release decided it and STATIC when the control did, and flagMetadata
 * `{ releaseId, ring, colour }` (empty strings for a null release or ring).
 */
export function makeFlagProvider(source: FlagSource): Provider {
  function resolve<T>(kind: Kind, flagKey: string, defaultValue: T, context: EvaluationContext): ResolutionDetails<T> {
    const fail = (errorCode: ErrorCode, errorMessage: string): ResolutionDetails<T> => ({
      value: defaultValue,
      reason: StandardResolutionReasons.ERROR,
      errorCode,
      errorMessage,
    });
    const target = targetOf(context);
    if (target === null)
      return fail(ErrorCode.TARGETING_KEY_MISSING, 'the context names no tenant (tenantId or targetingKey)');
    let flags: TenantFlags | undefined;
    try {
      flags = source.flagsFor(target);
    } catch (error) {
      // NOTE: the message of a source's error may name rows; only its class goes out.
      return fail(ErrorCode.GENERAL, `flag source failed (${error instanceof Error ? error.name : typeof error})`);
    }
    if (flags === undefined) return fail(ErrorCode.INVALID_CONTEXT, `unknown tenant '${target.tenantId}'`);
    const metadata = { releaseId: flags.releaseId ?? '', ring: flags.ring ?? '', colour: flags.colour };
    if (!Object.hasOwn(flags.values, flagKey)) {
      return {
        ...fail(ErrorCode.FLAG_NOT_FOUND, `flag '${flagKey}' is not set by colour ${flags.colour}`),
        flagMetadata: metadata,
      };
    }
    const value = flags.values[flagKey];
    if (kind === 'object' || typeof value !== kind) {
      return {
        ...fail(ErrorCode.TYPE_MISMATCH, `flag '${flagKey}' is a ${typeof value}, asked as ${kind}`),
        flagMetadata: metadata,
      };
    }
    return {
      value: value as T,
      variant: flags.colour,
      reason: flags.releaseId === null ? StandardResolutionReasons.STATIC : StandardResolutionReasons.TARGETING_MATCH,
      flagMetadata: metadata,
    };
  }
  return {
    metadata: { name: FLAG_PROVIDER_NAME },
    runsOn: 'server',
    resolveBooleanEvaluation: async (key: string, fallback: boolean, context: EvaluationContext) =>
      resolve('boolean', key, fallback, context),
    resolveStringEvaluation: async (key: string, fallback: string, context: EvaluationContext) =>
      resolve('string', key, fallback, context),
    resolveNumberEvaluation: async (key: string, fallback: number, context: EvaluationContext) =>
      resolve('number', key, fallback, context),
    resolveObjectEvaluation: async <T extends JsonValue>(key: string, fallback: T, context: EvaluationContext) =>
      resolve('object', key, fallback, context),
  };
}

/** One ring's candidate with the flags its release sets. */
export interface CandidateFlags extends RingCandidate {
  readonly flags: Readonly<Record<string, FlagValue>>;
}

/** The live releases' flags: the control's, and per ring at most one candidate's. */
export interface FlagSnapshot {
  readonly control: {
    readonly colour: string;
    /** The release that became the control, when known (for the explanation only). */
    readonly releaseId: string | null;
    readonly flags: Readonly<Record<string, FlagValue>>;
  };
  readonly candidates: Readonly<Record<string, CandidateFlags | undefined>>;
}

/** Where a served value came from. */
export type FlagOrigin =
  | {
      readonly kind: 'candidate';
      readonly releaseId: string;
      readonly colour: string;
      readonly ring: string;
      readonly weight: number;
    }
  | { readonly kind: 'control'; readonly colour: string; readonly releaseId: string | null };

/** One flag in an explanation. */
export interface FlagLine {
  readonly name: string;
  /** The value served to the tenant; null when the serving release does not set the flag. */
  readonly value: FlagValue | null;
  readonly origin: FlagOrigin;
  /** The control's value, when the tenant is on the candidate and the control sets the flag. */
  readonly controlValue?: FlagValue;
}

/** `iris flags explain --tenant T`: which colour serves the tenant, why, and every flag. */
export interface FlagExplanation {
  readonly tenantId: string;
  readonly ring: string;
  readonly colour: string;
  readonly origin: FlagOrigin;
  /** The tenant's bucket and the candidate's threshold in the ring; null when no candidate. */
  readonly route: { readonly bucket: number; readonly threshold: number } | null;
  /** Why a colour hint was or was not followed; absent without a hint. */
  readonly hint?: 'followed' | 'ignored';
  /** Every flag of the serving release and of the control, sorted by name. */
  readonly flags: readonly FlagLine[];
}

interface Serving {
  readonly origin: FlagOrigin;
  readonly values: Readonly<Record<string, FlagValue>>;
  readonly route: FlagExplanation['route'];
  readonly hint: FlagExplanation['hint'];
}

/** The one routing decision behind both the provider's source and the explanation. */
function servingOf(tenantId: string, ring: string, snapshot: FlagSnapshot, colourHint: string | undefined): Serving {
  const candidate = Object.hasOwn(snapshot.candidates, ring) ? snapshot.candidates[ring] : undefined;
  const choice = colourFor(tenantId, ring, { control: snapshot.control.colour, rings: snapshot.candidates });
  let onCandidate = choice.candidate;
  let hint: FlagExplanation['hint'];
  if (colourHint !== undefined) {
    const known = colourHint === snapshot.control.colour || colourHint === candidate?.colour;
    hint = known ? 'followed' : 'ignored';
    if (known) onCandidate = candidate !== undefined && colourHint === candidate.colour;
  }
  const route = choice.bucket === null ? null : { bucket: choice.bucket, threshold: choice.threshold };
  if (onCandidate && candidate !== undefined) {
    const { releaseId, colour, weight } = candidate;
    return { origin: { kind: 'candidate', releaseId, colour, ring, weight }, values: candidate.flags, route, hint };
  }
  const { colour, releaseId } = snapshot.control;
  return { origin: { kind: 'control', colour, releaseId }, values: snapshot.control.flags, route, hint };
}

/**
 * The flags serving `tenantId` in `ring`, explained. The colour is `colourFor` over the
 * snapshot (sticky by tenant). A `colour` hint (the colour the request was already routed to,
 * e.g. a build of that colour behind HAProxy) is followed when it is the control or the ring's
 * candidate, so flags match the build that serves; any other hint is ignored.
 */
export function explainFlags(input: {
  readonly tenantId: string;
  readonly ring: string;
  readonly snapshot: FlagSnapshot;
  readonly colour?: string;
}): FlagExplanation {
  const { tenantId, ring, snapshot } = input;
  const { origin, values, route, hint } = servingOf(tenantId, ring, snapshot, input.colour);
  const control = snapshot.control.flags;
  const names = [...new Set([...Object.keys(values), ...Object.keys(control)])].sort();
  // One line per flag of either release: a flag the candidate dropped shows as null beside the control's value.
  const flags = names.map((name): FlagLine => {
    const value = Object.hasOwn(values, name) ? (values[name] ?? null) : null;
    const controlValue = Object.hasOwn(control, name) ? control[name] : undefined;
    return {
      name,
      value,
      origin,
      ...(origin.kind === 'candidate' && controlValue !== undefined ? { controlValue } : {}),
    };
  });
  return { tenantId, ring, colour: origin.colour, origin, route, ...(hint === undefined ? {} : { hint }), flags };
}

/** The explanation as the CLI prints it: who serves the tenant and why, then `name = value` lines. */
export function renderFlagExplanation(e: FlagExplanation): string {
  const from = (o: FlagOrigin): string =>
    o.kind === 'candidate'
      ? `candidate release ${o.releaseId} at colour ${o.colour} in ring ${o.ring} (weight ${o.weight} %)`
      : `the control (colour ${o.colour}${o.releaseId === null ? '' : `, release ${o.releaseId}`})`;
  const route =
    e.route === null ? 'no candidate in the ring' : `bucket ${e.route.bucket} vs threshold ${e.route.threshold}`;
  const lines = [`tenant ${e.tenantId} in ring ${e.ring}: ${from(e.origin)}; ${route}`];
  if (e.hint !== undefined) lines.push(`colour hint ${e.hint}`);
  for (const f of e.flags) {
    const value = f.value === null ? '(not set)' : JSON.stringify(f.value);
    const control = f.controlValue === undefined ? '' : `; control has ${JSON.stringify(f.controlValue)}`;
    lines.push(`  ${f.name} = ${value}${control}`);
  }
  return lines.join('\n');
}

/**
 * A `FlagSource` over a snapshot of the live releases. `ringOf` places a tenant (undefined for
 * an unknown tenant; its answer wins over a `ring` hint, so a stale hint never serves another
 * ring's candidate). `snapshot` is a function so the wiring can swap snapshots as releases move.
 */
export function snapshotFlagSource(
  snapshot: () => FlagSnapshot,
  ringOf: (tenantId: string) => string | undefined,
): FlagSource {
  return {
    flagsFor(target) {
      const ring = ringOf(target.tenantId);
      if (ring === undefined) return undefined;
      const { origin, values } = servingOf(target.tenantId, ring, snapshot(), target.colour);
      return { values, colour: origin.colour, releaseId: origin.kind === 'candidate' ? origin.releaseId : null, ring };
    },
  };
}
