// Graph rollouts wired: every few seconds each replica plans what every tenant's graph should
// become (rollout/graph-rollout.ts `planGraphWork`) and does it through the knowledge context:
// enqueues the re-index job (idempotent per tenant, version and release), runs the dual-read
// probe of a freshly built graph, cuts a tenant over once the release is the control, drops a
// candidate nobody wants any more. Also the bake's `graph_probe` verdict for a ring.
//
// NOTE: every replica runs the pass; what it does is safe to do twice (the job's idempotency
// key, the slot checks inside cut-over and drop, a probe recorded on a ready slot only), so no
// leader is needed. Two replicas may probe the same graph at once: wasted work, same result.
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../core/clock.js';
import type { Queryable } from '../core/db.js';
import { errorMessage } from '../core/errors.js';
import {
  DEFAULT_EXTRACTION_VERSION,
  DEFAULT_QUERY_MODE,
  isQueryMode,
  selectGraphStates,
  type EnqueueFollowUp,
  type KnowledgeService,
} from '../knowledge/index.js';
import {
  DEFAULT_GRAPH_PROBE,
  judgeGraphs,
  planGraphWork,
  probeFigures,
  ringOf,
  BUILTIN_EXTRACTION_VERSION,
  type GraphAction,
  type GraphProbeBounds,
  type MetricVerdict,
  type ProbePair,
  type RolloutState,
  type StoredRelease,
  type TenantRingFacts,
} from '../rollout/index.js';

export interface GraphRolloutDeps {
  readonly state: RolloutState;
  readonly clock: Clock;
  readonly knowledge: Pick<
    KnowledgeService,
    'graphStates' | 'recordProbe' | 'cutOver' | 'dropSlot' | 'query' | 'frequentQuestions'
  >;
  readonly enqueue: EnqueueFollowUp;
  readonly tenantFacts: () => Promise<TenantRingFacts[]>;
}

export interface GraphRollout {
  /** One planning pass; returns what it did (for logs and tests). */
  readonly pass: (log?: FastifyBaseLogger) => Promise<GraphAction[]>;
  /** Whether the last pass saw a candidate graph (being built, probed or waiting for cut-over). */
  readonly busy: () => boolean;
  /** The bake's `graph_probe` verdict on the ring's tenants, read in the analysis' transaction. */
  readonly verdict: (
    tx: Queryable,
    release: StoredRelease,
    ring: string,
    settings: { alpha: number },
  ) => Promise<MetricVerdict>;
}

/** Every live tenant's ring facts (one statement; `tenantFactsOf` turns its rows into facts). */
export const TENANT_FACTS_SQL =
  'select tenant_id, ring, labels from tenants where deleted_at is null order by tenant_id';
export type TenantFactsRow = { tenant_id: string; ring: string; labels: Record<string, string> };
export const tenantFactsOf = (rows: readonly TenantFactsRow[]): TenantRingFacts[] =>
  rows.map((r) => ({ tenantId: r.tenant_id, ring: r.ring, labels: r.labels }));

/** Tenants' ring facts within `tx` (the analysis' transaction: PGlite has one connection). */
async function tenantFactsIn(tx: Queryable): Promise<TenantRingFacts[]> {
  return tenantFactsOf((await tx.query<TenantFactsRow>(TENANT_FACTS_SQL)).rows);
}

export function makeGraphRollout(deps: GraphRolloutDeps): GraphRollout {
  const { state, knowledge } = deps;
  // A hold is logged when it first appears, not on every pass.
  const held = new Set<string>();
  let busy = false;

  const boundsOf = (releaseId: string | null): GraphProbeBounds => {
    const spec =
      state.live().find((r) => r.id === releaseId)?.spec ??
      (state.control().releaseId === releaseId ? state.control().spec : null);
    return { ...DEFAULT_GRAPH_PROBE, ...spec?.plan.graphProbe };
  };

  /** Asks the tenant's most frequent questions of both graphs and records how far they agree. */
  async function probe(tenantId: string, extractionVersion: string, releaseId: string | null): Promise<void> {
    const bounds = boundsOf(releaseId);
    const questions = await knowledge.frequentQuestions(tenantId, bounds.questions);
    const pairs: ProbePair[] = [];
    const ask = async (
      question: string,
      mode: string,
      graph: 'primary' | 'candidate',
    ): Promise<ProbePair['primary']> => {
      try {
        const a = await knowledge.query(tenantId, question, isQueryMode(mode) ? mode : DEFAULT_QUERY_MODE, {
          llm: 'off',
          graph,
          shadow: true,
        });
        return { answer: a.answer, citations: a.citations };
      } catch (err) {
        return { error: errorMessage(err) };
      }
    };
    for (const q of questions)
      pairs.push({
        question: q.question,
        primary: await ask(q.question, q.mode, 'primary'),
        candidate: await ask(q.question, q.mode, 'candidate'),
      });
    await knowledge.recordProbe(tenantId, extractionVersion, probeFigures(pairs, bounds, deps.clock.now()));
  }

  return {
    busy: () => busy,
    async pass(log) {
      const tenants = await deps.tenantFacts();
      if (tenants.length === 0) return [];
      const graphs = await knowledge.graphStates(tenants.map((t) => t.tenantId));
      busy = graphs.some((g) => g.slot !== null);
      const control = state.control();
      const plan = planGraphWork({
        releases: state.live().map((r) => ({
          id: r.id,
          phase: r.phase,
          extractionVersion: r.spec.graphrag.extractionVersion,
          rings: r.spec.plan.rings.map((x) => x.ring),
          ringIndex: r.position?.ringIndex ?? null,
        })),
        control: {
          extractionVersion: control.spec?.graphrag.extractionVersion ?? BUILTIN_EXTRACTION_VERSION,
          releaseId: control.releaseId,
        },
        rings: state.rings(),
        tenants,
        graphs: new Map(graphs.map((g) => [g.tenantId, g])),
      });
      const stillHeld = new Set<string>();
      for (const a of plan) {
        try {
          switch (a.kind) {
            case 'reindex':
              await deps.enqueue(a.tenantId, {
                kind: 'knowledge.graph-reindex',
                payload: {
                  extractionVersion: a.extractionVersion,
                  ...(a.releaseId === null ? {} : { releaseId: a.releaseId }),
                },
                dedupKey: a.dedupKey,
              });
              break;
            case 'probe':
              await probe(a.tenantId, a.extractionVersion, a.releaseId);
              break;
            case 'cut-over': {
              const r = await knowledge.cutOver(a.tenantId, a.extractionVersion);
              log?.info({ tenant_id: a.tenantId, version: a.extractionVersion, ...r }, 'graph cut over');
              break;
            }
            case 'drop':
              await knowledge.dropSlot(a.tenantId, a.extractionVersion);
              log?.info(
                { tenant_id: a.tenantId, version: a.extractionVersion, reason: a.reason },
                'candidate graph dropped',
              );
              break;
            case 'hold': {
              const key = `${a.tenantId}|${a.extractionVersion}|${a.reason}`;
              stillHeld.add(key);
              if (!held.has(key))
                log?.warn(
                  { tenant_id: a.tenantId, version: a.extractionVersion, reason: a.reason },
                  'graph held on its old version',
                );
              break;
            }
            default: {
              const never: never = a;
              throw new Error(`unknown graph action ${JSON.stringify(never)}`);
            }
          }
        } catch (err) {
          // One tenant's failure never stops the others; the next pass tries again.
          log?.warn({ err, tenant_id: a.tenantId, action: a.kind }, 'graph rollout action failed');
        }
      }
      held.clear();
      for (const k of stillHeld) held.add(k);
      return plan;
    },

    async verdict(tx, release, ring, settings) {
      const rings = state.rings();
      const inRing = (await tenantFactsIn(tx)).filter((t) => ringOf(t, rings)?.ring === ring).map((t) => t.tenantId);
      const graphs = await selectGraphStates(tx, inRing, DEFAULT_EXTRACTION_VERSION);
      return judgeGraphs(release.spec.graphrag.extractionVersion, graphs, settings);
    },
  };
}
