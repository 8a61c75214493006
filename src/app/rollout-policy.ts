// Policy bundles rolled out by ring: a live release that names a platform policy bundle gets a
// decision point of its own serving that bundle (with the tenants' overlays as the main one
// serves them). In the release's rings, tenants on the candidate's share are decided by the
// candidate bundle; every other tenant of those rings is decided by the active bundle, and the
// candidate decides the same request in shadow beside it: disagreements are counted and logged
// with the request id. A plan whose first step has weight 0 is a shadow-only bake.
import type { FastifyBaseLogger } from 'fastify';
import type { RequestContext } from '../core/context.js';
import { PLATFORM } from '../core/ids.js';
import { makeDecisionPoint, type BundleService, type DecisionPoint, type PolicyDecision } from '../policy/index.js';
import type { Placement, RolloutState, StoredRelease } from '../rollout/index.js';

/** How one request's decision is made: who serves it, who decides in shadow. */
export interface PolicyRouting {
  /** The decision point that serves the decision (the candidate's), or undefined for the active bundles. */
  readonly serve?: DecisionPoint;
  /** A decision point that decides the same request in shadow (the candidate's, for the control's share). */
  readonly shadow?: DecisionPoint;
  /** Told of each shadow decision: counts and logs a disagreement. */
  readonly compare: (
    req: { id: string },
    input: { action: string; resourceTenant: string },
    served: PolicyDecision,
    shadow: PolicyDecision,
  ) => void;
}

export interface PolicyShadowTally {
  readonly decisions: number;
  readonly disagreements: number;
  /** The candidate would deny what the active bundle allows. */
  readonly candidateDenies: number;
  /** The candidate would allow what the active bundle denies. */
  readonly candidateAllows: number;
}

export interface RolloutPolicy {
  /** Rebuilds the candidates' decision points after the rollout state changed (awaited by tests). */
  refresh(): Promise<void>;
  /** The routing of a tenant's decisions; undefined: the active bundles decide alone. */
  routing(tenantId: string): PolicyRouting | undefined;
  /** This replica's shadow decisions of a release. */
  tally(releaseId: string): PolicyShadowTally | undefined;
  /** Whether any live release names a bundle (the gate asks nothing otherwise). */
  readonly active: boolean;
}

interface Candidate {
  readonly releaseId: string;
  readonly bundleId: string;
  readonly pdp: DecisionPoint;
  tally: { decisions: number; disagreements: number; candidateDenies: number; candidateAllows: number };
}

export function makeRolloutPolicy(deps: {
  state: RolloutState;
  placementOf: (tenantId: string) => Placement | undefined;
  mainPdp: DecisionPoint;
  bundles: Pick<BundleService, 'get'>;
  region: string;
  tenantFacts: Parameters<typeof makeDecisionPoint>[0]['tenantFacts'];
  cacheSize: number;
  systemContext: () => RequestContext;
  log: () => FastifyBaseLogger | undefined;
  onDisagree?: (ring: string, outcome: 'candidate_denies' | 'candidate_allows') => void;
}): RolloutPolicy {
  // NOTE: one decision point per release, kept for the process's life once built: the wasm
  // side never frees a slot, so a release's slots are reused if it comes back, never rebuilt.
  const built = new Map<string, Candidate>();
  let live = new Map<string, Candidate>();
  let refreshing: Promise<void> | undefined;

  async function candidateOf(release: StoredRelease): Promise<Candidate | undefined> {
    const ref = release.spec.policyBundle;
    if (ref === undefined) return undefined;
    const have = built.get(release.id);
    if (have !== undefined && have.bundleId === ref.digest) return have;
    try {
      const b = await deps.bundles.get(deps.systemContext(), PLATFORM, ref.digest);
      const pdp =
        have?.pdp ??
        makeDecisionPoint({ region: deps.region, tenantFacts: deps.tenantFacts, cacheSize: deps.cacheSize });
      pdp.setPlatform({ id: b.id, name: b.name, scope: 'platform', policies: b.policiesText });
      const c: Candidate = {
        releaseId: release.id,
        bundleId: ref.digest,
        pdp,
        tally: have?.tally ?? { decisions: 0, disagreements: 0, candidateDenies: 0, candidateAllows: 0 },
      };
      built.set(release.id, c);
      return c;
    } catch (err) {
      // Fail safe: without its bundle the candidate decides nothing; the active bundles serve.
      deps.log()?.warn({ err, release: release.id, bundle: ref.digest }, "release's policy bundle cannot be served");
      return undefined;
    }
  }

  async function refresh(): Promise<void> {
    const next = new Map<string, Candidate>();
    for (const r of deps.state.live()) {
      const c = await candidateOf(r);
      if (c !== undefined) next.set(r.id, c);
    }
    live = next;
  }

  /** The candidate serves with the tenant's overlay as the active decision point serves it. */
  function withOverlay(c: Candidate, tenantId: string): DecisionPoint {
    const overlay = deps.mainPdp.overlay(tenantId);
    if (c.pdp.overlay(tenantId)?.id !== overlay?.id) {
      try {
        c.pdp.setOverlay(tenantId, overlay);
      } catch (err) {
        deps
          .log()
          ?.warn(
            { err, release: c.releaseId, tenant_id: tenantId },
            'overlay cannot be merged into the candidate bundle',
          );
      }
    }
    return c.pdp;
  }

  let seen = -1;
  return {
    refresh() {
      refreshing ??= refresh().finally(() => {
        refreshing = undefined;
      });
      return refreshing;
    },
    get active() {
      // NOTE: the snapshot changed: rebuild in the background; until then the last candidates serve.
      if (deps.state.generation !== seen) {
        seen = deps.state.generation;
        void this.refresh().catch(() => undefined);
      }
      return live.size > 0;
    },
    routing(tenantId) {
      if (tenantId === PLATFORM) return undefined;
      const p = deps.placementOf(tenantId);
      if (p === undefined || p.releaseId === null) return undefined;
      const c = live.get(p.releaseId);
      if (c === undefined) return undefined;
      const pdp = withOverlay(c, tenantId);
      const compare: PolicyRouting['compare'] = (req, input, served, shadow) => {
        c.tally.decisions++;
        if (served.allowed === shadow.allowed) return;
        c.tally.disagreements++;
        const outcome = served.allowed ? 'candidate_denies' : 'candidate_allows';
        if (outcome === 'candidate_denies') c.tally.candidateDenies++;
        else c.tally.candidateAllows++;
        deps.onDisagree?.(p.ring, outcome);
        deps.log()?.warn(
          {
            request_id: req.id,
            tenant_id: input.resourceTenant,
            release: c.releaseId,
            ring: p.ring,
            action: input.action,
            active: { allowed: served.allowed, policies: served.policies, bundle: served.bundle },
            candidate: { allowed: shadow.allowed, policies: shadow.policies, bundle: shadow.bundle },
          },
          'candidate policy bundle disagrees (shadow)',
        );
      };
      return p.candidate ? { serve: pdp, compare } : { shadow: pdp, compare };
    },
    tally(releaseId) {
      const c = built.get(releaseId);
      return c === undefined ? undefined : { ...c.tally };
    },
  };
}
