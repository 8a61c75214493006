// The gateway's request gate, run in the onRequest hook after identity: admission (rate
// limits, concurrency caps, usage quotas) and then the policy decision for the route. It
// binds the request's principal to the decision point, so the services' own `authorize`
// calls on this request are decided by the same bundle with the same request facts.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authorizeAction, bindDecisions, type DecideFn, type Principal } from '../core/context.js';
import {
  resolveRoute,
  type DecisionInput,
  type DecisionPoint,
  type PolicyDecision,
  type ResolvedRoute,
} from '../policy/index.js';
import type { Admission } from './admission-control.js';

/** One decision as the gate reports it (decision log, metrics). */
export interface GateDecision {
  readonly decision: PolicyDecision;
  readonly requestId: string;
  readonly traceId: string | undefined;
  /** The agent (and run) behind the request, when automation made it. */
  readonly agent?: { readonly name: string | null; readonly crew: string | null; readonly run: string | null };
}

/**
 * Policy bundles rolled out by ring (rollout): for a tenant of a ring holding a release that
 * names a bundle, the candidate bundle serves the decision (the candidate's share) or decides it
 * in shadow beside the active bundles (everyone else), and the two are compared.
 */
export interface PolicyRouter {
  /** False when no live release names a bundle: nothing else is asked. */
  readonly active: boolean;
  routing(tenantId: string):
    | {
        readonly serve?: DecisionPoint;
        readonly shadow?: DecisionPoint;
        compare(req: { id: string }, input: DecisionInput, served: PolicyDecision, shadow: PolicyDecision): void;
      }
    | undefined;
}

export interface RequestGateDeps {
  readonly pdp: DecisionPoint;
  /** Candidate bundles by ring; undefined: the active bundles decide everything. */
  readonly router?: PolicyRouter;
  /** Rate limits, concurrency caps and quotas; undefined: no admission control. */
  readonly admission?: Admission | undefined;
  /** Regions of the upstream services a service class uses (residency input). */
  readonly upstreamRegions?: Readonly<Record<string, readonly string[]>>;
  /** Called for every decision (the decision log samples and stores them). */
  readonly onDecision?: (d: GateDecision) => void;
  /** Runs the route's decision (which throws to deny) in a span below the request's (telemetry). */
  readonly policySpan?: <T>(req: FastifyRequest, action: string, decide: () => T) => T;
}

export interface RequestGate {
  /** Admits and authorizes the request, or throws the IrisError to answer with. */
  check(req: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** Releases what admission holds for the request (its concurrency slot). Idempotent. */
  release(req: FastifyRequest): void;
}

export function makeRequestGate(deps: RequestGateDeps): RequestGate {
  const { pdp } = deps;

  function decideFor(req: FastifyRequest, resolved: ResolvedRoute): DecideFn {
    const upstreamRegions = deps.upstreamRegions?.[resolved.rule.service] ?? [];
    // The gate and the service may ask the same question; the log keeps one record of it.
    // NOTE: most requests ask one question (twice): no Set unless a second one comes.
    let first: string | undefined;
    let more: Set<string> | undefined;
    return (principal: Principal, action, tenantId, kind) => {
      const input: DecisionInput = {
        principal,
        action,
        resourceTenant: tenantId,
        resourceKind: kind,
        sourceIp: req.ip,
        upstreamRegions,
        route: resolved.route,
      };
      const routed = deps.router?.active === true ? deps.router.routing(tenantId) : undefined;
      const decision = (routed?.serve ?? pdp).decide(input);
      if (routed?.shadow !== undefined) routed.compare(req, input, decision, routed.shadow.decide(input));
      const key = `${action}\u0000${tenantId}`;
      let fresh = false;
      if (first === undefined) {
        first = key;
        fresh = true;
      } else if (first !== key && !(more ??= new Set()).has(key)) {
        more.add(key);
        fresh = true;
      }
      if (fresh && deps.onDecision) {
        const agent = req.ctx.principal.agent;
        deps.onDecision(
          agent === undefined
            ? { decision, requestId: req.id, traceId: req.ctx.traceId }
            : { decision, requestId: req.id, traceId: req.ctx.traceId, agent },
        );
      }
      return { allowed: decision.allowed, policies: decision.policies, failedClosed: decision.errors.length > 0 };
    };
  }

  return {
    async check(req, reply) {
      const template = req.routeOptions.url;
      if (template === undefined) return; // no such route: the 404 handler answers
      const { principal } = req.ctx;
      const resolved = resolveRoute(
        req.method,
        template,
        (req.params ?? {}) as Record<string, unknown>,
        principal.tenantId,
      );
      const admitting = deps.admission?.admit(req, reply, resolved);
      if (admitting !== undefined) await admitting;
      bindDecisions(principal, decideFor(req, resolved));
      const { action, kind } = resolved.rule;
      const decide = (): void => authorizeAction(principal, action, resolved.tenantId, kind);
      if (deps.policySpan) deps.policySpan(req, action, decide);
      else decide();
    },
    release(req) {
      deps.admission?.release(req);
    },
  };
}
