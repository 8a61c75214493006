// The release document `iris release create -f release.yaml` takes: a versioned data-plane
// configuration (GraphRAG settings, feature flags, an optional policy bundle) with its colour
// and its rollout plan (rings in promotion order, each with weighted steps and bakes). A
// TypeBox schema for the shape (also the OpenAPI body later) and `parseReleaseSpec`, which
// adds the checks a schema cannot express and lists every problem instead of throwing.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const Name = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$', description: 'lowercase letters, digits, dashes' });
const Unit = Type.Number({ minimum: 0, maximum: 1 });

/** The GraphRAG configuration a release serves; the change record diffs it against the control's. */
/**
 * A record extraction must produce, as a key: `entity:<type>:<name>` or
 * `relation:<source>|<type>|<target>` (compared lower-cased, whitespace collapsed).
 */
export const RecordKey = Type.String({ pattern: '^(entity:[^:]+:.+|relation:[^|]+\\|[^|]+\\|[^|]+)$', maxLength: 600 });

/**
 * The labelled set a release carries for its load probe: documents (at most 50, 256 KiB of text
 * each) with the records extraction must find, and questions with the documents an answer must cite.
 */
export const LabelledSetSchema = Type.Object(
  {
    documents: Type.Array(
      Type.Object(
        {
          /** The file name (its extension picks the parser: .md, .csv, .yaml, .json, .txt, …). */
          name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' }),
          content: Type.String({ minLength: 1, maxLength: 262_144 }),
          expectedRecords: Type.Array(RecordKey, { minItems: 1, maxItems: 2000 }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 50 },
    ),
    /** Questions about those documents and the documents (names) an answer must cite. */
    questions: Type.Optional(
      Type.Array(
        Type.Object(
          {
            question: Type.String({ minLength: 1, maxLength: 2000 }),
            expectedCitations: Type.Array(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' }), {
              minItems: 1,
              maxItems: 20,
            }),
          },
          { additionalProperties: false },
        ),
        { maxItems: 100 },
      ),
    ),
  },
  { additionalProperties: false },
);

export const GraphRagSettingsSchema = Type.Object(
  {
    retrieval: Type.Object(
      {
        topK: Type.Integer({ minimum: 1, maximum: 200 }),
        maxHops: Type.Integer({ minimum: 0, maximum: 6 }),
        minScore: Unit,
        rerank: Type.Boolean(),
      },
      { additionalProperties: false },
    ),
    /** Prompt templates by name (`answer`, `extract`, …). */
    prompts: Type.Record(Type.String(), Type.String({ minLength: 1, maxLength: 20_000 })),
    provider: Type.String({ minLength: 1, maxLength: 64 }),
    model: Type.String({ minLength: 1, maxLength: 128 }),
    /** Safety thresholds by name (`minGroundedness`, `maxToxicity`, …), each in 0..1. */
    safety: Type.Record(Type.String(), Unit),
    /** Changing it re-indexes the rings' tenants into a new graph version before cut-over. */
    extractionVersion: Type.String({ minLength: 1, maxLength: 64 }),
    /**
     * Documents with the records extraction must find in them: the load probe of a release that
     * changes the extraction version extracts each with the candidate's version, and its parse
     * accuracy (expected records found / expected records) must be at least 0.97.
     */
    labelledSet: Type.Optional(LabelledSetSchema),
  },
  { additionalProperties: false },
);

/** One step: the candidate's share of the ring in percent (0.01 grid) and how long it bakes. */
export const PlanStepSchema = Type.Object(
  {
    weight: Type.Number({ minimum: 0, maximum: 100 }),
    bakeSeconds: Type.Integer({ minimum: 0, maximum: 7 * 86_400 }),
  },
  { additionalProperties: false },
);

/** The analysis numbers; defaults are the fast guard's and Kayenta's usual ones. */
export const PlanThresholdsSchema = Type.Object(
  {
    /** Significance of the end-of-bake Mann-Whitney judgement. */
    alpha: Type.Number({ exclusiveMinimum: 0, maximum: 0.5 }),
    /** Allowed relative rise of a metric's mean before it can be High (0.1 = 10 %). */
    tolerance: Type.Number({ minimum: 0, maximum: 10 }),
    /** Fast guard: allowed error-ratio excess over the control (absolute). */
    errorMargin: Unit,
    /** Fast guard: allowed excess share of requests slower than the control's p95 bucket. */
    latencyMargin: Unit,
    /**
     * Bake: the smallest rise of the median latency (ms) that can count as a regression, beside
     * the relative tolerance (default DEFAULT_LATENCY_FLOOR_MS).
     */
    latencyFloorMs: Type.Optional(Type.Number({ minimum: 0, maximum: 60_000 })),
  },
  { additionalProperties: false },
);

/**
 * Shadow GraphRAG agreement as bake metrics: each bound set here is judged at the end of every
 * bake on the ring's shadow comparisons (one-sided, at the plan's alpha); unset bounds are not
 * judged. Too few comparisons is NoData, which pauses the release.
 */
export const PlanShadowSchema = Type.Object(
  {
    /** The mean citation overlap (Jaccard) of shadow and served answers must not be below this. */
    minCitationOverlap: Type.Optional(Unit),
    /** The mean answer similarity must not be below this. */
    minAnswerSimilarity: Type.Optional(Unit),
    /** The share of shadow queries that failed must not be above this. */
    maxErrorRatio: Type.Optional(Unit),
    /** Comparisons a verdict needs (default the plan's minSamples). */
    minSamples: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);

/**
 * Dual-read probes of a release that changes the extraction version: once a tenant's graph is
 * re-indexed, its most frequent questions are answered from both graphs and compared; a tenant
 * whose answers drift beyond these bounds keeps its old graph and fails the ring's bake.
 */
export const PlanGraphProbeSchema = Type.Object(
  {
    /** The tenant's most frequent questions asked of both graphs (default 20). */
    questions: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    /** The mean overlap (Jaccard) of the documents both answers cite must not be below this (default 0.5). */
    minDocumentOverlap: Type.Optional(Unit),
    /** The mean answer similarity must not be below this (default 0: not judged). */
    minAnswerSimilarity: Type.Optional(Unit),
  },
  { additionalProperties: false },
);

export const ReleasePlanSchema = Type.Object(
  {
    guardIntervalSeconds: Type.Integer({ minimum: 1, maximum: 3600 }),
    minSamples: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    thresholds: PlanThresholdsSchema,
    shadow: Type.Optional(PlanShadowSchema),
    graphProbe: Type.Optional(PlanGraphProbeSchema),
    rings: Type.Array(Type.Object({ ring: Name, steps: Type.Array(PlanStepSchema) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

/** The whole release document. */
export const ReleaseSpecSchema = Type.Object(
  {
    apiVersion: Type.Literal('iris/v1'),
    kind: Type.Literal('Release'),
    name: Name,
    version: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$' }),
    colour: Type.String({ pattern: '^[a-z][a-z0-9-]{0,31}$' }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    graphrag: GraphRagSettingsSchema,
    /** Feature flag values served by the OpenFeature provider to the release's tenants. */
    flags: Type.Record(Type.String(), Type.Union([Type.Boolean(), Type.String({ maxLength: 1000 }), Type.Number()])),
    policyBundle: Type.Optional(
      Type.Object(
        { name: Name, digest: Type.String({ pattern: '^sha256:[0-9a-f]{64}$' }) },
        { additionalProperties: false },
      ),
    ),
    plan: ReleasePlanSchema,
  },
  { additionalProperties: false },
);
export type ReleaseSpec = Static<typeof ReleaseSpecSchema>;

/** One problem of a release document; `path` is a JSON pointer into it. */
export interface SpecProblem {
  readonly path: string;
  readonly message: string;
}

export type ParseResult =
  { readonly ok: true; readonly spec: ReleaseSpec } | { readonly ok: false; readonly problems: readonly SpecProblem[] };

/**
 * The extraction version of the built-in configuration (served before any release was promoted):
 * a release naming another one changes extraction.
 */
export const BUILTIN_EXTRACTION_VERSION = 'v1';

/** A flag name: `graphrag.rerank`, `answers.max-citations`. */
export const FLAG_NAME = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$/;

/**
 * Checks a parsed release document (YAML or JSON already decoded) against the schema and the
 * rules the schema cannot state: at least one ring, at least one step per ring, each ring
 * known (from `knownRings`, in promotion order) and listed once and in that order, weights
 * strictly increasing within a ring, flag names well formed. Every problem is listed; bad
 * input never throws.
 */
export function parseReleaseSpec(input: unknown, knownRings: readonly string[]): ParseResult {
  const problems: SpecProblem[] = [];
  const seen = new Set<string>();
  try {
    // Value.Errors reports each failing path; keep the first message per path.
    for (const e of Value.Errors(ReleaseSpecSchema, input)) {
      if (seen.has(e.path)) continue;
      seen.add(e.path);
      problems.push({ path: e.path, message: friendly(e.path, e.message) });
    }
  } catch (error) {
    // NOTE: exotic values (BigInt, cycles) can make a validator throw; that is a bad document.
    problems.push({ path: '', message: `not a release document: ${(error as Error).message}` });
    return { ok: false, problems };
  }
  problems.push(...planProblems(input, knownRings));
  problems.push(...flagProblems(input));
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, spec: input as ReleaseSpec };
}

function friendly(path: string, message: string): string {
  if (path.endsWith('/weight')) return 'a weight is a number from 0 to 100 (percent of the ring)';
  return message;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The plan's rules, read defensively: the input may be any shape. */
function planProblems(input: unknown, knownRings: readonly string[]): SpecProblem[] {
  const plan = isRecord(input) ? input['plan'] : undefined;
  const rings = isRecord(plan) ? plan['rings'] : undefined;
  if (!Array.isArray(rings)) return [];
  if (rings.length === 0) return [{ path: '/plan/rings', message: 'the plan has no rings' }];
  const problems: SpecProblem[] = [];
  const order = new Map(knownRings.map((r, i) => [r, i] as const));
  const listed = new Set<string>();
  let lastOrder = -1;
  // One pass over the plan's rings: membership, duplicates, promotion order, then its steps.
  rings.forEach((entry: unknown, r) => {
    const at = `/plan/rings/${r}`;
    if (!isRecord(entry)) return;
    const name = entry['ring'];
    if (typeof name === 'string') {
      const index = order.get(name);
      if (index === undefined) {
        problems.push({
          path: `${at}/ring`,
          message: `unknown ring '${name}'; known rings: ${knownRings.join(', ') || '(none)'}`,
        });
      } else if (listed.has(name)) {
        problems.push({ path: `${at}/ring`, message: `ring '${name}' is listed twice` });
      } else if (index < lastOrder) {
        problems.push({
          path: `${at}/ring`,
          message: `ring '${name}' comes before ${knownRings[lastOrder] ?? '?'} in the promotion order (${knownRings.join(', ')})`,
        });
      }
      if (index !== undefined) lastOrder = Math.max(lastOrder, index);
      listed.add(name);
    }
    const steps = entry['steps'];
    if (!Array.isArray(steps)) return;
    if (steps.length === 0) problems.push({ path: `${at}/steps`, message: 'a ring needs at least one step' });
    let previous: number | null = null;
    // Weights must rise strictly: a step that lowers or repeats a weight would move tenants back.
    steps.forEach((step: unknown, s) => {
      const weight = isRecord(step) ? step['weight'] : undefined;
      if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0 || weight > 100) return;
      if (previous !== null && weight <= previous) {
        problems.push({
          path: `${at}/steps/${s}/weight`,
          message: `weights must increase within a ring: ${weight} after ${previous}`,
        });
      }
      previous = weight;
    });
  });
  return problems;
}

function flagProblems(input: unknown): SpecProblem[] {
  const flags = isRecord(input) ? input['flags'] : undefined;
  if (!isRecord(flags)) return [];
  return Object.keys(flags)
    .filter((name) => !FLAG_NAME.test(name) || name.length > 128)
    .map((name) => ({
      path: `/flags/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`,
      message: `flag name '${name}' is not dotted lowercase words`,
    }));
}
