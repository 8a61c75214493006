// The job-kind registry: each kind has a typed payload schema (TypeBox, checked by a compiled
// validator at enqueue and again before running), a handler, and its retry and timeout policy.
// Contexts add their kinds at composition time: `registry.register(policyCompileKind)`.
import type { Static, TSchema } from '@sinclair/typebox';
import type { TraceParent } from '../core/trace-parent.js';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { defaultBackoff, type BackoffPolicy } from './backoff.js';
import { InvalidJobPayloadError, JobPayloadTooLargeError, UnknownJobKindError, type PayloadIssue } from './errors.js';

/** What a handler is told about the attempt it runs. */
export interface JobContext {
  readonly tenantId: string;
  readonly jobId: string;
  readonly kind: string;
  /** 1 on the first attempt; handlers of non-idempotent work can check it. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Fires on timeout, cancellation, lost lease or worker shutdown; stop work when it does. */
  readonly signal: AbortSignal;
  /** Records progress (0..100) and a short message; cheap to call often (writes are coalesced). */
  progress(percent: number, message?: string): void;
  readonly traceparent: string | undefined;
  readonly tracestate: string | undefined;
  readonly requestId: string | undefined;
  readonly createdBy: string | undefined;
  readonly workerId: string;
  /** The attempt's span (undefined when not traced): pass it to the store (`tenantScope(id, trace)`) and the LLM. */
  readonly trace: TraceParent;
}

/**
 * A job kind. `handler` resolves to the job's result (JSON, stored and shown) or throws:
 * NonRetryableJobError fails the job at once; other errors retry with backoff up to
 * maxAttempts, then the job is poisoned.
 */
export interface JobKindDefinition<S extends TSchema = TSchema> {
  /** Dotted lower-case name, e.g. `policy.compile`. */
  readonly kind: string;
  readonly description?: string;
  readonly payload: S;
  // NOTE: method syntax on purpose: a registry holds kinds of many payload types.
  handler(payload: Static<S>, ctx: JobContext): Promise<unknown>;
  /** Per-attempt timeout; a function of the payload for kinds like `sleep`. Default 60 s. */
  readonly timeoutMs?: number | ((payload: Static<S>) => number);
  /** Default for jobs of this kind that do not set their own; default 5. */
  readonly maxAttempts?: number;
  readonly backoff?: Partial<BackoffPolicy>;
  /** Largest payload accepted, as JSON bytes; defaults to the queue's limit. */
  readonly maxPayloadBytes?: number;
  /**
   * A platform kind (a scheduled backup): queued only by Iris itself (actor `system`) in the
   * platform queue, the one job a reserved id may own.
   */
  readonly platform?: boolean;
}

/** A registered kind with its compiled validator and resolved defaults. */
export interface RegisteredJobKind {
  readonly definition: JobKindDefinition;
  readonly maxAttempts: number;
  readonly backoff: BackoffPolicy;
  timeoutFor(payload: unknown): number;
  check(payload: unknown): PayloadIssue[];
}

export interface JobKindRegistry {
  /** Adds a kind; throws if the name is taken or malformed. */
  register<S extends TSchema>(definition: JobKindDefinition<S>): void;
  get(kind: string): RegisteredJobKind | undefined;
  /** Throws UnknownJobKindError (400) for an unregistered kind. */
  require(kind: string): RegisteredJobKind;
  /**
   * Checks a payload against its kind: unknown kind (400), schema violation (400), larger than
   * `maxPayloadBytes` (413). Returns the serialized size in bytes.
   */
  validate(kind: string, payload: unknown, maxPayloadBytes: number): number;
  kinds(): string[];
}

/** Kind names: dotted, lower-case segments (`noop`, `policy.compile`, `knowledge.graph-build`). */
export const JOB_KIND_PATTERN = '^[a-z][a-z0-9]*(\\.[a-z][a-z0-9-]*)*$';
const kindRe = new RegExp(JOB_KIND_PATTERN);
const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_ATTEMPTS = 5;

/** Identity function that lets TypeScript infer the payload type of a kind from its schema. */
export function defineJobKind<S extends TSchema>(definition: JobKindDefinition<S>): JobKindDefinition<S> {
  return definition;
}

function compile(definition: JobKindDefinition): RegisteredJobKind {
  const checker: TypeCheck<TSchema> = TypeCompiler.Compile(definition.payload);
  const timeout = definition.timeoutMs;
  return {
    definition,
    maxAttempts: definition.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    backoff: { ...defaultBackoff, ...definition.backoff },
    timeoutFor(payload) {
      const ms = typeof timeout === 'function' ? timeout(payload) : (timeout ?? DEFAULT_TIMEOUT_MS);
      return Number.isFinite(ms) && ms > 0 ? ms : DEFAULT_TIMEOUT_MS;
    },
    check(payload) {
      if (checker.Check(payload)) return [];
      const issues: PayloadIssue[] = [];
      for (const e of checker.Errors(payload)) {
        issues.push({ path: e.path, message: e.message });
        if (issues.length >= 20) break;
      }
      return issues;
    },
  };
}

/** Creates a registry holding `definitions`. */
export function makeJobKindRegistry(definitions: readonly JobKindDefinition[] = []): JobKindRegistry {
  const kinds = new Map<string, RegisteredJobKind>();
  const registry: JobKindRegistry = {
    register(definition) {
      if (!kindRe.test(definition.kind) || definition.kind.length > 100) {
        throw new Error(`Job kind name '${definition.kind}' must match ${JOB_KIND_PATTERN} (at most 100 characters).`);
      }
      if (kinds.has(definition.kind)) throw new Error(`Job kind '${definition.kind}' is already registered.`);
      // NOTE: erasing the payload type is safe: the registry checks payloads against the schema first.
      kinds.set(definition.kind, compile(definition as unknown as JobKindDefinition));
    },
    get: (kind) => kinds.get(kind),
    require(kind) {
      const found = kinds.get(kind);
      if (found === undefined) throw new UnknownJobKindError(kind, [...kinds.keys()].sort());
      return found;
    },
    validate(kind, payload, maxPayloadBytes) {
      const registered = registry.require(kind);
      const limit = registered.definition.maxPayloadBytes ?? maxPayloadBytes;
      const bytes = Buffer.byteLength(JSON.stringify(payload) ?? 'null', 'utf8');
      if (bytes > limit) throw new JobPayloadTooLargeError(kind, bytes, limit);
      const issues = registered.check(payload);
      if (issues.length > 0) throw new InvalidJobPayloadError(kind, issues);
      return bytes;
    },
    kinds: () => [...kinds.keys()].sort(),
  };
  for (const d of definitions) registry.register(d);
  return registry;
}
