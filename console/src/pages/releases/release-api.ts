// The rollout API as the releases page reads it, and the shapes of its answers. NOTE: these
// routes declare free-form 200 bodies in the OpenAPI document, so the bodies are typed here, from
// src/rollout (release-store.ts, fast-guard.ts, mann-whitney.ts, shadow-agreement.ts) and
// src/gateway/rollout-routes.ts (`view`: the ring and the bake's seconds left).
import { api, call } from '../../api/client';

export type Phase = 'planned' | 'progressing' | 'analysing' | 'paused' | 'promoted' | 'aborted' | 'rolled_back';

/** Phases that hold rings (the release serves some tenants and is judged). */
export const LIVE_PHASES: readonly Phase[] = ['progressing', 'analysing', 'paused'];

export interface PlanStep {
  readonly weight: number;
  readonly bakeSeconds: number;
}

export interface GuardCheck {
  readonly check: 'error_ratio' | 'latency';
  readonly outcome: 'regression' | 'ok' | 'insufficient';
  readonly candidate: number | null;
  readonly control: number | null;
  readonly z: number | null;
  readonly slowerThanMs?: number;
  readonly reason: string;
}

export interface GuardDecision {
  readonly action: 'abort' | 'continue';
  readonly checks: readonly GuardCheck[];
  readonly reason: string;
}

/** The last fast guard: its window and one decision per ring holding weight. */
export interface GuardRecord {
  readonly at: string;
  readonly from: string;
  readonly to: string;
  readonly rings: Readonly<Record<string, GuardDecision>>;
}

export type Verdict = 'Pass' | 'High' | 'Low' | 'NoData';

export interface MetricVerdict {
  readonly verdict: Verdict;
  readonly passed: boolean;
  readonly explanation: {
    readonly metric: string;
    readonly samples: { readonly control: number; readonly candidate: number };
    readonly minSamples: number;
    readonly test?: 'mann-whitney-u' | 'one-sample-z';
    readonly p: number | null;
    readonly alpha: number;
    readonly means: { readonly control: number; readonly candidate: number } | null;
    readonly bound?: { readonly kind: 'at-least' | 'at-most'; readonly value: number };
    readonly ratio: number | null;
    readonly reason: string;
  };
}

/** The last end-of-bake analysis: the step judged, the event it gave, every verdict. */
export interface AnalysisRecord {
  readonly event: 'analysis_passed' | 'analysis_failed' | 'analysis_nodata';
  readonly step: { readonly ringIndex: number; readonly stepIndex: number };
  readonly verdicts: readonly MetricVerdict[];
  readonly reason: string;
}

export interface Release {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly colour: string;
  readonly control: string | null;
  readonly phase: Phase;
  readonly position: {
    readonly ringIndex: number;
    readonly stepIndex: number;
    readonly weight: number;
    readonly bakeStartedAt: number | null;
  } | null;
  /** The candidate's weight (percent) per ring; a ring not listed is at 0. */
  readonly weights: Readonly<Record<string, number>>;
  readonly reason: string | null;
  readonly bakeUntil: string | null;
  readonly guardAt: string | null;
  readonly lastGuard: GuardRecord | null;
  readonly lastAnalysis: AnalysisRecord | null;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly spec: {
    readonly description?: string;
    readonly plan: {
      readonly guardIntervalSeconds: number;
      readonly minSamples: number;
      readonly rings: readonly { readonly ring: string; readonly steps: readonly PlanStep[] }[];
    };
  };
  /** The ring of the current step (null before the start or once finished). */
  readonly ring: string | null;
  readonly bakeSecondsLeft: number | null;
}

export interface ShadowSummary {
  readonly ring: string;
  readonly samples: number;
  readonly errors: number;
  readonly meanOverlap: number | null;
  readonly meanSimilarity: number | null;
  readonly latencyDeltaMs: { readonly p50: number; readonly p95: number } | null;
}

export interface ReleaseDetail extends Release {
  /** This replica's shadow GraphRAG figures (null: shadowing off). */
  readonly shadow: {
    readonly rings: readonly ShadowSummary[];
    readonly selected: number;
    readonly dropped: number;
    readonly coverage: number;
  } | null;
  /** This replica's shadow policy decisions (null: the release names no bundle). */
  readonly policyShadow: {
    readonly decisions: number;
    readonly disagreements: number;
    readonly candidateDenies: number;
    readonly candidateAllows: number;
  } | null;
}

export interface PlanRing {
  readonly ring: string;
  readonly tenants: number;
  readonly onCandidate: number;
  readonly weight: number;
  readonly steps: readonly PlanStep[];
}

export interface Plan {
  readonly rings: readonly PlanRing[];
  readonly conflicts: readonly { readonly ring: string; readonly releaseIds: readonly string[] }[];
}

export interface HistoryEntry {
  readonly seq: number;
  readonly at: string;
  readonly event: string;
  readonly from: Phase;
  readonly to: Phase;
  readonly actor: string;
  readonly reason: string | null;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface Ring {
  readonly name: string;
  readonly order: number;
  readonly selector: Readonly<Record<string, string>>;
  readonly pins: readonly string[];
}

export interface RingTenants extends Ring {
  readonly tenants: readonly { readonly tenantId: string; readonly by: string }[];
}

/** Everything the page shows of one release, read together so one refresh is one moment. */
export interface ReleaseStatus {
  readonly release: ReleaseDetail;
  readonly plan: Plan;
  readonly history: readonly HistoryEntry[];
}

// NOTE: the bodies are free-form in the OpenAPI document; `call` checks the status, the cast names the shape.
async function read<T>(pending: Promise<{ data?: unknown; error?: unknown; response: Response }>): Promise<T> {
  return (await call(pending)) as T;
}

export async function releasesList(): Promise<readonly Release[]> {
  return (await read<{ items: Release[] }>(api.GET('/v1/platform/releases', { params: { query: { limit: 50 } } })))
    .items;
}

export async function releaseStatus(releaseId: string): Promise<ReleaseStatus> {
  const path = { params: { path: { releaseId } } };
  const [release, plan, history] = await Promise.all([
    read<ReleaseDetail>(api.GET('/v1/platform/releases/{releaseId}', path)),
    read<Plan>(api.GET('/v1/platform/releases/{releaseId}/plan', path)),
    read<{ items: HistoryEntry[] }>(
      api.GET('/v1/platform/releases/{releaseId}/history', { params: { path: { releaseId }, query: { limit: 200 } } }),
    ),
  ]);
  return { release, plan, history: history.items };
}

/** The rings in promotion order, each with the tenants it holds and how each was placed. */
export async function ringsWithTenants(): Promise<readonly RingTenants[]> {
  const rings = (await read<{ items: Ring[] }>(api.GET('/v1/platform/rings'))).items;
  const sorted = [...rings].sort((a, b) => a.order - b.order);
  return Promise.all(
    sorted.map((r) => read<RingTenants>(api.GET('/v1/platform/rings/{ring}', { params: { path: { ring: r.name } } }))),
  );
}

export type OperatorAction = 'start' | 'pause' | 'resume' | 'promote' | 'abort' | 'rollback';

/** Sends an operator action (with the session's CSRF token, as every console mutation). */
export async function act(releaseId: string, action: OperatorAction, reason: string | undefined): Promise<Release> {
  return read<Release>(
    api.POST('/v1/platform/releases/{releaseId}/{action}', {
      params: { path: { releaseId, action } },
      body: reason === undefined ? {} : { reason },
    }),
  );
}
