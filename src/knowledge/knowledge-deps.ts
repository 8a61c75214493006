// What the knowledge service is built from (KnowledgeDeps, given by the composition root), what
// it knows of a tenant, the events it reports for metrics, and the parts its pieces (ingest,
// graph build, answers) share once the facade has wired them.
import type { RequestContext } from '../core/context.js';
import type { Queryable, Database } from '../core/db.js';
import type { TraceParent } from '../core/trace-parent.js';
import type { ANSWER_CACHE_BUDGET_BYTES } from './answer/answer-cache.js';
import type { ExtractionPool } from './extract/extraction-pool.js';
import type { LlmGateway, TokenBudget } from './llm/index.js';

/** What the service needs to know about a tenant to answer for it. */
export interface TenantKnowledgeSettings {
  readonly tier: keyof typeof ANSWER_CACHE_BUDGET_BYTES;
  /** Whether an upstream (LLM) service in `region` may receive this tenant's data. */
  regionAllowed(region: string): boolean;
  /** Redact PII in answers (default on; the tenant label `pii-redaction=off` turns it off). */
  readonly redactPii: boolean;
  /** Usage quotas: documents and stored bytes (checked at submit), LLM tokens per UTC day (per replica). */
  readonly quotas?: { readonly documents: number; readonly storageBytes: number; readonly llmTokensPerDay: number };
}

/** One safety or cache event, for metrics. */
export type KnowledgeSignal =
  | { readonly kind: 'blocked'; readonly tenantId: string; readonly reason: 'prompt_injection' | 'size' }
  | { readonly kind: 'withheld'; readonly tenantId: string; readonly passages: number }
  | { readonly kind: 'redacted'; readonly tenantId: string; readonly counts: Readonly<Record<string, number>> }
  | { readonly kind: 'llm_fallback'; readonly tenantId: string; readonly reason: string };

export interface KnowledgeDeps {
  readonly db: Database;
  /** Appends the audit event of a change in the change's own transaction. */
  readonly audit?: (
    tx: Queryable,
    ctx: RequestContext,
    record: {
      tenantId: string;
      action: string;
      resource: { kind: string; id: string };
      before: unknown;
      after: unknown;
    },
  ) => Promise<void>;
  /** Settings of a tenant; unknown tenants get the free tier, home-region-only and redaction. */
  readonly tenant?: (tenantId: string) => TenantKnowledgeSettings | undefined;
  readonly llm?: LlmGateway;
  /** The release serving answers: part of every cache key. */
  readonly release?: string;
  readonly onCacheLookup?: (tenantId: string, hit: boolean) => void;
  /** A warm-up filled this replica's cache for `graphVersion` (the app tells the other replicas to warm theirs). */
  readonly onWarmed?: (tenantId: string, graphVersion: number) => void | Promise<void>;
  readonly signal?: (s: KnowledgeSignal) => void;
  /** Largest document accepted, in bytes. */
  readonly maxDocumentBytes?: number;
  /** Runs the parse/extract stage (worker threads); default: on the calling thread. */
  readonly extraction?: ExtractionPool;
}

/** Progress, cancellation and the span of the job that runs the work. */
export interface JobWorkOptions {
  readonly progress?: (percent: number, message: string) => void;
  readonly signal?: AbortSignal;
  readonly trace?: TraceParent;
}

/** What the service's pieces share, wired once by makeKnowledgeService. */
export interface ServiceParts {
  readonly deps: KnowledgeDeps;
  readonly settingsOf: (tenantId: string) => TenantKnowledgeSettings;
  /** Runs `fn` in a transaction scoped to the tenant (row-level security). */
  readonly inTenant: <T>(tenantId: string, fn: (tx: Queryable) => Promise<T>, trace?: TraceParent) => Promise<T>;
  /** The tenant's LLM tokens for today. */
  readonly tokens: TokenBudget;
  /** Drops the tenant's cached answers (its graph changed). */
  readonly invalidateAnswers: (tenantId: string) => void;
}
