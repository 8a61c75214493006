// The policy decision point: one pre-parsed Cedar policy set per slot (the platform bundle,
// and the platform bundle merged with each tenant overlay), a minimal entity slice per
// request, a decision cache whose key covers every input the policies can read, and fail-
// closed answers (any evaluation error is a deny). Swapping a bundle is one synchronous
// preparse + pointer change, so a decision never sees half a bundle.
import { randomBytes } from 'node:crypto';
import { PLATFORM } from '../core/ids.js';
import { ACTION_TYPE } from './actions.js';
import { evaluateSlot, ipValue, preparse, type CedarRequest } from './cedar-engine.js';

/** A verified bundle ready to serve: its id, name and compiled policies (id -> Cedar text). */
export interface ActiveBundle {
  readonly id: string;
  readonly name: string;
  readonly scope: 'platform' | 'tenant';
  readonly tenant?: string | undefined;
  readonly policies: Readonly<Record<string, string>>;
}

/** What the decision needs to know about a tenant (from the directory snapshot). */
export interface TenantFacts {
  readonly region: string;
  readonly tier: string;
}

export interface DecisionInput {
  readonly principal: { readonly keyId: string; readonly role: string; readonly tenantId: string };
  readonly action: string;
  /** Owner of the resource: a tenant id or PLATFORM. */
  readonly resourceTenant: string;
  readonly resourceKind: string;
  /** Client address; undefined for Iris's own calls (treated as loopback). */
  readonly sourceIp?: string | undefined;
  /** Regions of upstream services the request will use. */
  readonly upstreamRegions?: readonly string[] | undefined;
  /** Route template ("GET /v1/tenants/:tenantId"), or "internal". */
  readonly route: string;
}

export interface PolicyDecision {
  readonly allowed: boolean;
  /** @ids of the policies that determined the decision. */
  readonly policies: readonly string[];
  /** Evaluation errors; non-empty means the deny is a fail-closed one. */
  readonly errors: readonly string[];
  /** Id of the bundle (platform, plus overlay when one applied) that decided. */
  readonly bundle: string;
  readonly cached: boolean;
  /** The inputs as Cedar saw them (for explain). */
  readonly inputs: DecisionInputs;
}

export interface DecisionInputs {
  readonly principal: string;
  readonly role: string;
  readonly principalTenant: string;
  readonly action: string;
  readonly resource: string;
  readonly resourceTenant: string;
  readonly resourceRegion: string;
  readonly region: string;
  readonly sourceIp: string;
  readonly upstreamRegions: readonly string[];
  readonly route: string;
}

export interface DecisionPointDeps {
  /** Region of this deployment. */
  readonly region: string;
  readonly tenantFacts: (tenantId: string) => TenantFacts | undefined;
  readonly cacheSize?: number;
}

export interface DecisionPoint {
  decide(input: DecisionInput): PolicyDecision;
  /** Serves `bundle` as the platform bundle (re-merging every overlay). Throws, keeping the old one, if it does not load. */
  setPlatform(bundle: ActiveBundle): void;
  /** Serves `bundle` as `tenantId`'s overlay, or removes the overlay. Throws, keeping the old one, if it does not load. */
  setOverlay(tenantId: string, bundle: ActiveBundle | undefined): void;
  /**
   * Throws exactly as setPlatform (owner PLATFORM) or setOverlay (a tenant) would for `bundle`,
   * without serving it: merged and pre-parsed in a scratch slot. Activation calls it before it
   * records anything, so an activation that could not load records nothing.
   */
  check(owner: string, bundle: ActiveBundle): void;
  platform(): ActiveBundle | undefined;
  overlay(tenantId: string): ActiveBundle | undefined;
  /** Cache statistics (for metrics and the benchmark). */
  stats(): { hits: number; misses: number; size: number };
  clearCache(): void;
}

/** The last address normalized and its form (most requests come from the few addresses of a load balancer). */
let lastIp: { readonly ip: string; readonly normal: string } = { ip: '', normal: '127.0.0.1' };

/** A client address as Cedar's ip() accepts it: IPv4-mapped IPv6 unwrapped, zone ids dropped. */
export function normalizeIp(ip: string | undefined): string {
  if (ip === undefined || ip === '') return '127.0.0.1';
  if (ip === lastIp.ip) return lastIp.normal;
  const noZone = ip.split('%')[0] ?? ip;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(noZone);
  const normal = mapped?.[1] ?? noZone;
  lastIp = { ip, normal };
  return normal;
}

/** Policy ids of a merged slot must not collide: an overlay may not shadow a platform policy. */
function merge(platform: ActiveBundle, overlay: ActiveBundle): Record<string, string> {
  const out: Record<string, string> = { ...platform.policies };
  for (const [id, text] of Object.entries(overlay.policies)) {
    if (id in out) throw new Error(`overlay policy @id("${id}") collides with a platform policy`);
    out[id] = text;
  }
  return out;
}

export function makeDecisionPoint(deps: DecisionPointDeps): DecisionPoint {
  // NOTE: the wasm-side cache never frees a slot, so slot ids are fixed: one per tenant with
  // an overlay plus one for the platform, namespaced per decision point (tests run several
  // apps in one process).
  const ns = randomBytes(6).toString('hex');
  const platformSlot = `${ns}/platform`;
  const overlaySlot = (tenantId: string): string => `${ns}/tenant/${tenantId}`;
  const checkSlot = `${ns}/check`;
  let platformBundle: ActiveBundle | undefined;
  const overlays = new Map<string, ActiveBundle>();
  const cacheSize = deps.cacheSize ?? 10_000;
  let cache = new Map<string, PolicyDecision>();
  let generation = 0;
  let hits = 0;
  let misses = 0;

  const facts = (tenantId: string): TenantFacts =>
    // Platform objects live wherever Iris runs; a tenant that does not exist has no data to protect.
    (tenantId === PLATFORM ? undefined : deps.tenantFacts(tenantId)) ?? {
      region: deps.region,
      tier: tenantId === PLATFORM ? 'platform' : 'none',
    };

  function swapped(): void {
    generation++;
    cache = new Map();
  }

  return {
    decide(input) {
      const pFacts = facts(input.principal.tenantId);
      const rFacts = input.resourceTenant === input.principal.tenantId ? pFacts : facts(input.resourceTenant);
      const sourceIp = normalizeIp(input.sourceIp);
      const upstream = input.upstreamRegions ?? [];
      // Policy administration is always decided by the platform bundle, so an overlay can
      // never lock its tenant out of repairing it.
      const overlay = input.action.startsWith('policy.') ? undefined : overlays.get(input.resourceTenant);
      const key = [
        generation,
        input.principal.keyId,
        input.principal.role,
        input.principal.tenantId,
        pFacts.region,
        pFacts.tier,
        input.action,
        input.resourceKind,
        input.resourceTenant,
        rFacts.region,
        rFacts.tier,
        sourceIp,
        upstream.join(','),
        input.route,
        overlay ? 'o' : 'p',
      ].join('\u0000');
      const hit = cache.get(key);
      if (hit) {
        hits++;
        if (hit.cached) return hit;
        const marked = { ...hit, cached: true };
        cache.set(key, marked);
        return marked;
      }
      misses++;
      const inputs: DecisionInputs = {
        principal: input.principal.keyId,
        role: input.principal.role,
        principalTenant: input.principal.tenantId,
        action: input.action,
        resource: `${input.resourceKind}:${input.resourceTenant}`,
        resourceTenant: input.resourceTenant,
        resourceRegion: rFacts.region,
        region: deps.region,
        sourceIp,
        upstreamRegions: upstream,
        route: input.route,
      };
      let decision: PolicyDecision;
      if (!platformBundle) {
        decision = {
          allowed: false,
          policies: [],
          errors: ['no platform bundle is loaded'],
          bundle: 'none',
          cached: false,
          inputs,
        };
      } else {
        const tenantUid = (id: string): { __entity: { type: string; id: string } } => ({
          __entity: { type: 'Iris::Tenant', id },
        });
        const entities: CedarRequest['entities'] = [
          {
            uid: { type: 'Iris::Principal', id: input.principal.keyId },
            attrs: { role: input.principal.role, tenant: tenantUid(input.principal.tenantId) },
            parents: [],
          },
          {
            uid: { type: 'Iris::Tenant', id: input.principal.tenantId },
            attrs: { region: pFacts.region, tier: pFacts.tier },
            parents: [],
          },
          {
            uid: { type: 'Iris::Resource', id: inputs.resource },
            attrs: { tenant: tenantUid(input.resourceTenant), kind: input.resourceKind },
            parents: [],
          },
        ];
        if (input.resourceTenant !== input.principal.tenantId) {
          entities.push({
            uid: { type: 'Iris::Tenant', id: input.resourceTenant },
            attrs: { region: rFacts.region, tier: rFacts.tier },
            parents: [],
          });
        }
        const answer = evaluateSlot(overlay ? overlaySlot(input.resourceTenant) : platformSlot, {
          principal: { type: 'Iris::Principal', id: input.principal.keyId },
          action: { type: ACTION_TYPE, id: input.action },
          resource: { type: 'Iris::Resource', id: inputs.resource },
          context: {
            region: deps.region,
            sourceIp: ipValue(sourceIp),
            upstreamRegions: [...upstream],
            route: input.route,
          },
          entities,
        });
        decision = {
          allowed: answer.decision === 'allow',
          policies: answer.reasons,
          errors: answer.errors,
          bundle: overlay ? `${platformBundle.id}+${overlay.id}` : platformBundle.id,
          cached: false,
          inputs,
        };
      }
      if (cache.size >= cacheSize) cache = new Map();
      cache.set(key, decision);
      return decision;
    },
    setPlatform(bundle) {
      // Merge every overlay first: a platform bundle that an overlay cannot merge with is
      // refused as a whole (dropping the overlay would silently lift the tenant's restrictions).
      const merged = [...overlays].map(([tenantId, o]) => [tenantId, merge(bundle, o)] as const);
      preparse(platformSlot, bundle.policies);
      for (const [tenantId, policies] of merged) preparse(overlaySlot(tenantId), policies);
      platformBundle = bundle;
      swapped();
    },
    setOverlay(tenantId, bundle) {
      if (bundle === undefined) {
        overlays.delete(tenantId);
      } else {
        if (!platformBundle) throw new Error('no platform bundle is loaded');
        preparse(overlaySlot(tenantId), merge(platformBundle, bundle));
        overlays.set(tenantId, bundle);
      }
      swapped();
    },
    check(owner, bundle) {
      if (owner === PLATFORM) {
        preparse(checkSlot, bundle.policies);
        for (const o of overlays.values()) preparse(checkSlot, merge(bundle, o));
      } else {
        if (!platformBundle) throw new Error('no platform bundle is loaded');
        preparse(checkSlot, merge(platformBundle, bundle));
      }
    },
    platform: () => platformBundle,
    overlay: (tenantId) => overlays.get(tenantId),
    stats: () => ({ hits, misses, size: cache.size }),
    clearCache: swapped,
  };
}
