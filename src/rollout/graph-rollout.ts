// Graph rollouts: a release that changes the extraction version moves each tenant to a graph
// built with that version, ring by ring. This file is the pure part: from the live releases,
// the control, the tenants' rings and their graphs' state, what to do next for each tenant
// (re-index, probe, cut over, drop), the verdict a bake takes from a ring's graphs, and a
// dual-read probe's figures from pairs of answers. The knowledge context holds the graphs;
// app/graph-rollout-wiring.ts runs the plan.
//
// Level-triggered, like a Kubernetes controller: every pass recomputes what each tenant's
// graph should be from the rows alone, so a lost pass, a restarted replica or two replicas
// planning at once change nothing (re-index jobs are enqueued under an idempotency key;
// cut-over and drop check the slot in their own transaction).
import { answerSimilarity, citationOverlap, type CitationRef } from './shadow-agreement.js';
import type { MetricVerdict } from './mann-whitney.js';
import { ringOf, type RingDefinition, type TenantRingFacts } from './ring-membership.js';
import type { ReleasePhase } from './release-machine.js';

/** The figures of a dual-read probe, as the knowledge context stores them on a slot. */
export interface GraphProbeFigures {
  readonly questions: number;
  /** Mean Jaccard overlap of the documents both answers cite. */
  readonly citationOverlap: number;
  readonly answerSimilarity: number;
  readonly ok: boolean;
  readonly at: string;
  readonly detail?: string;
}

/** A tenant's graphs as the rollout needs to see them (the knowledge context's TenantGraphState). */
export interface TenantGraphView {
  readonly tenantId: string;
  /** The extraction version of the graph the tenant is served from by default. */
  readonly primaryVersion: string;
  /** The candidate graph being built or ready beside it, if any. */
  readonly slot: {
    readonly extractionVersion: string;
    readonly releaseId: string | null;
    readonly status: 'building' | 'ready' | 'failed';
    readonly error: string | null;
    readonly probe: GraphProbeFigures | null;
  } | null;
}

/** What a pass sees of a release. */
export interface GraphRelease {
  readonly id: string;
  readonly phase: ReleasePhase;
  readonly extractionVersion: string;
  /** The plan's rings in promotion order. */
  readonly rings: readonly string[];
  /** The index of the ring the release is in (null before start). */
  readonly ringIndex: number | null;
}

export interface GraphPlanInput {
  /** Live releases (progressing, analysing, paused). */
  readonly releases: readonly GraphRelease[];
  /** The control's extraction version (the built-in one before any release was promoted) and release. */
  readonly control: { readonly extractionVersion: string; readonly releaseId: string | null };
  readonly rings: readonly RingDefinition[];
  readonly tenants: readonly TenantRingFacts[];
  readonly graphs: ReadonlyMap<string, TenantGraphView>;
}

export type GraphAction =
  | {
      readonly kind: 'reindex';
      readonly tenantId: string;
      readonly extractionVersion: string;
      readonly releaseId: string | null;
      /** The idempotency key of the re-index job: one job per tenant, version and release. */
      readonly dedupKey: string;
    }
  | {
      readonly kind: 'probe';
      readonly tenantId: string;
      readonly extractionVersion: string;
      readonly releaseId: string | null;
    }
  | { readonly kind: 'cut-over'; readonly tenantId: string; readonly extractionVersion: string }
  | { readonly kind: 'drop'; readonly tenantId: string; readonly extractionVersion: string; readonly reason: string }
  | { readonly kind: 'hold'; readonly tenantId: string; readonly extractionVersion: string; readonly reason: string };

/** What a tenant's graph should become: a version, for which release, and whether it replaces the primary. */
interface Want {
  readonly extractionVersion: string;
  readonly releaseId: string | null;
  readonly cutOver: boolean;
}

/**
 * A live release wants a candidate graph for the tenants of the ring it is in and of the next
 * one (so a promotion finds them built); once it is the control, every tenant's primary graph
 * must become its version (cut over as soon as the candidate is built and its probe passed).
 */
function wantOf(input: GraphPlanInput, tenant: TenantRingFacts, primary: string): Want | undefined {
  const ring = ringOf(tenant, input.rings)?.ring;
  for (const r of input.releases) {
    if (r.extractionVersion === primary || r.ringIndex === null || ring === undefined) continue;
    const index = r.rings.indexOf(ring);
    if (index >= 0 && index <= r.ringIndex + 1)
      return { extractionVersion: r.extractionVersion, releaseId: r.id, cutOver: false };
  }
  if (input.control.extractionVersion !== primary)
    return { extractionVersion: input.control.extractionVersion, releaseId: input.control.releaseId, cutOver: true };
  return undefined;
}

/** The next action for every tenant whose graph is not what the releases want (none for the rest). */
export function planGraphWork(input: GraphPlanInput): GraphAction[] {
  const out: GraphAction[] = [];
  for (const tenant of input.tenants) {
    const graph = input.graphs.get(tenant.tenantId);
    const primary = graph?.primaryVersion ?? input.control.extractionVersion;
    const slot = graph?.slot ?? null;
    const want = graph === undefined ? undefined : wantOf(input, tenant, primary);
    const { tenantId } = tenant;
    if (want === undefined) {
      if (slot !== null)
        out.push({
          kind: 'drop',
          tenantId,
          extractionVersion: slot.extractionVersion,
          reason: 'no live release or control asks for this graph (rolled back, aborted or its ring left)',
        });
      continue;
    }
    const { extractionVersion, releaseId } = want;
    if (slot === null || slot.extractionVersion !== extractionVersion) {
      out.push({
        kind: 'reindex',
        tenantId,
        extractionVersion,
        releaseId,
        dedupKey: `graph-reindex:${extractionVersion}:${releaseId ?? 'builtin'}`,
      });
      continue;
    }
    if (slot.status === 'building') continue;
    if (slot.status === 'failed') {
      out.push({
        kind: 'hold',
        tenantId,
        extractionVersion,
        reason: `re-index failed: ${slot.error ?? 'unknown error'}`,
      });
      continue;
    }
    if (slot.probe === null) {
      out.push({ kind: 'probe', tenantId, extractionVersion, releaseId });
      continue;
    }
    if (!want.cutOver) continue;
    if (slot.probe.ok) out.push({ kind: 'cut-over', tenantId, extractionVersion });
    else
      out.push({
        kind: 'hold',
        tenantId,
        extractionVersion,
        reason: `dual-read probe failed: ${slot.probe.detail ?? 'answers drifted'}`,
      });
  }
  return out;
}

/** A bake's verdict on a ring's graphs (metric `graph_probe`), explained like the others. */
export function judgeGraphs(
  extractionVersion: string,
  graphs: readonly TenantGraphView[],
  settings: { readonly alpha: number },
): MetricVerdict {
  const current = graphs.filter((g) => g.primaryVersion === extractionVersion).length;
  const pending: string[] = [];
  const failing: string[] = [];
  let probed = 0;
  for (const g of graphs) {
    if (g.primaryVersion === extractionVersion) continue;
    const slot = g.slot?.extractionVersion === extractionVersion ? g.slot : null;
    if (slot === null || slot.status === 'building' || (slot.status === 'ready' && slot.probe === null))
      pending.push(g.tenantId);
    else if (slot.status === 'failed') failing.push(`${g.tenantId}: re-index failed (${slot.error ?? 'unknown'})`);
    else if (slot.probe?.ok === false)
      failing.push(`${g.tenantId}: probe failed (${slot.probe.detail ?? 'answers drifted'})`);
    else probed++;
  }
  const total = graphs.length;
  const verdict = failing.length > 0 ? 'Low' : pending.length > 0 ? 'NoData' : 'Pass';
  const reason =
    verdict === 'Low'
      ? `${failing.length} of ${total} tenants' ${extractionVersion} graphs failed: ${failing.slice(0, 5).join('; ')}${failing.length > 5 ? '; …' : ''}`
      : verdict === 'NoData'
        ? `${pending.length} of ${total} tenants' ${extractionVersion} graphs are not built and probed yet (${pending.slice(0, 5).join(', ')}${pending.length > 5 ? ', …' : ''}); resume once they are`
        : `${probed} tenants' ${extractionVersion} graphs built and probed${current > 0 ? `, ${current} already on ${extractionVersion}` : ''}`;
  const share = total === 0 ? 1 : (probed + current) / total;
  return {
    verdict,
    passed: verdict === 'Pass',
    explanation: {
      metric: 'graph_probe',
      samples: { control: total, candidate: probed + current },
      minSamples: total,
      statistic: null,
      p: null,
      alpha: settings.alpha,
      means: { control: 1, candidate: share },
      bound: { kind: 'at-least', value: 1 },
      location: 'mean',
      ratio: share,
      tolerance: 0,
      minShift: 0,
      direction: 'lower-is-worse',
      reason,
    },
  };
}

/** One probe question answered from both graphs (or failed on one). */
export interface ProbePair {
  readonly question: string;
  readonly primary:
    { readonly answer: string; readonly citations: readonly CitationRef[] } | { readonly error: string };
  readonly candidate:
    { readonly answer: string; readonly citations: readonly CitationRef[] } | { readonly error: string };
}

/** The probe's bounds (plan.graphProbe) with their defaults. */
export interface GraphProbeBounds {
  readonly questions: number;
  readonly minDocumentOverlap: number;
  readonly minAnswerSimilarity: number;
}
export const DEFAULT_GRAPH_PROBE: GraphProbeBounds = { questions: 20, minDocumentOverlap: 0.5, minAnswerSimilarity: 0 };

/**
 * A dual-read probe's figures: per question, the overlap of the DOCUMENTS both answers cite (a
 * new extraction version may chunk differently, so chunk indexes are not comparable) and the
 * answers' similarity; means over the questions. A question the candidate fails scores 0 on
 * both; one the primary fails is left out (nothing to compare against). No question asked yet:
 * ok, with the detail saying the probe had nothing to compare.
 */
export function probeFigures(pairs: readonly ProbePair[], bounds: GraphProbeBounds, at: Date): GraphProbeFigures {
  const docs = (c: readonly CitationRef[]): CitationRef[] =>
    c.map((x) => ({ documentId: x.documentId, chunkIndex: 0 }));
  const overlaps: number[] = [];
  const similarities: number[] = [];
  let failed = 0;
  for (const p of pairs) {
    if ('error' in p.primary) continue;
    if ('error' in p.candidate) {
      failed++;
      overlaps.push(0);
      similarities.push(0);
      continue;
    }
    overlaps.push(citationOverlap(docs(p.primary.citations), docs(p.candidate.citations)));
    similarities.push(answerSimilarity(p.primary.answer, p.candidate.answer));
  }
  const mean = (xs: readonly number[]): number => (xs.length === 0 ? 1 : xs.reduce((a, b) => a + b, 0) / xs.length);
  const citationOverlapMean = mean(overlaps);
  const similarity = mean(similarities);
  const ok = citationOverlapMean >= bounds.minDocumentOverlap && similarity >= bounds.minAnswerSimilarity;
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  const detail =
    overlaps.length === 0
      ? 'no question of the tenant to compare (none asked yet): nothing drifted that anyone asked about'
      : `${overlaps.length} questions: document overlap ${round(citationOverlapMean)} (at least ${bounds.minDocumentOverlap}), answer similarity ${round(similarity)} (at least ${bounds.minAnswerSimilarity})${failed > 0 ? `, ${failed} failed on the new graph` : ''}`;
  return {
    questions: overlaps.length,
    citationOverlap: round(citationOverlapMean),
    answerSimilarity: round(similarity),
    ok,
    at: at.toISOString(),
    detail,
  };
}
