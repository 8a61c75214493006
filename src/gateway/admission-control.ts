// Admission control, before the policy decision: GCRA rate limits per tenant, per tenant+route
// and per service (tenant quotas from the directory), a per-tenant concurrency cap on this
// replica, and usage quotas (documents, storage, LLM tokens per day). Answers 429 with
// Retry-After and RateLimit headers, or 403 for a quota that waiting will not restore; the
// problem body says which limit or quota.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../core/clock.js';
import { IrisError, QuotaExceededError } from '../core/errors.js';
import { PLATFORM } from '../core/ids.js';
import type { LimitState, RateLimit, RateVerdict, ResolvedRoute } from '../policy/index.js';
import type { Quotas } from '../tenants/index.js';
import type { RateLimiter } from './admission-limiter.js';

export interface Admission {
  /**
   * Throws (or rejects with) a 429/403 IrisError when the request may not proceed; sets
   * RateLimit headers. Synchronous (undefined) when the limiter answers from memory: the hot
   * path allocates no promise then.
   */
  admit(req: FastifyRequest, reply: FastifyReply, route: ResolvedRoute): Promise<void> | undefined;
  release(req: FastifyRequest): void;
  /** Requests in flight per tenant on this replica (for tests and metrics). Ended replies release their slot by themselves. */
  inFlight(tenantId: string): number;
}

/** A tenant's usage of metered resources, as the contexts that meter them report it. */
export interface TenantUsage {
  readonly documents: number;
  readonly storageBytes: number;
  readonly llmTokensToday: number;
}

export interface UsageMeter {
  usage(tenantId: string): TenantUsage | undefined;
}

export const USAGE_QUOTAS = ['documents', 'storageBytes', 'llmTokensPerDay'] as const;
export type UsageQuota = (typeof USAGE_QUOTAS)[number];

/** Which usage quotas an action consumes. */
const consumes: Readonly<Record<string, readonly UsageQuota[]>> = {
  'knowledge.write': ['documents', 'storageBytes'],
  'knowledge.query': ['llmTokensPerDay'],
};

export class RateLimitedError extends IrisError {
  constructor(limit: string, retryAfterSeconds: number, detail: string) {
    super('rate_limited', 429, detail, { retryable: true, extensions: { limit, retryAfterSeconds } });
  }
}

export { QuotaExceededError } from '../core/errors.js';

export interface AdmissionDeps {
  readonly limiter: RateLimiter;
  readonly quotas: (tenantId: string) => Quotas | undefined;
  readonly usage?: UsageMeter | undefined;
  /** Share of the tenant's rate one route may use. */
  readonly routeShare: number;
  readonly serviceRps: number;
  readonly serviceBurst: number;
  readonly clock: Clock;
  /** Hears about every refusal (metrics): the tenant and the limit or quota. */
  readonly onRejected?: (tenantId: string, limit: string) => void;
}

/** The IETF RateLimit-Policy field of a set of limits (the same text for every request they apply to). */
function policyField(limits: readonly RateLimit[]): string {
  return limits.map((l) => `"${l.name}";q=${l.burst};w=${Math.max(1, Math.ceil(l.burst / l.rate))}`).join(', ');
}

/** IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers): policies, and the tightest state. */
function rateLimitHeaders(reply: FastifyReply, policy: string, limits: readonly LimitState[]): void {
  if (limits.length === 0) return;
  const tightest = limits.reduce((a, b) => (b.remaining < a.remaining ? b : a));
  void reply.header('ratelimit-policy', policy);
  void reply.header('ratelimit', `"${tightest.name}";r=${tightest.remaining};t=${Math.ceil(tightest.resetMs / 1000)}`);
}

/** A tenant's in-flight set is pruned of ended replies at this size at the least. */
const PRUNE_FLOOR = 64;

export function makeAdmission(deps: AdmissionDeps): Admission {
  // In-flight requests per tenant, as their replies: a reply that has ended (sent, failed or
  // aborted) no longer counts. Pruned when a tenant reaches its cap, or when its set has
  // doubled since the last prune (so ended replies never pile up to a large cap: they would
  // be kept alive and slow garbage collection), so the hot path needs no per-request
  // completion hook and a lost hook can never leak a slot.
  const inflight = new Map<string, Set<FastifyReply> & { pruneAt?: number }>();
  const held = new WeakMap<FastifyRequest, FastifyReply>();
  const ended = (r: FastifyReply): boolean => r.sent || r.raw.writableEnded || r.raw.destroyed;

  /** The limits a request of `tenantId` on `route` counts against (cached: the same objects every time). */
  interface Limits {
    readonly quotas: Quotas | undefined;
    readonly limits: RateLimit[];
    /** Their RateLimit-Policy field. */
    readonly policy: string;
  }
  const limitsCache = new Map<string, Limits>();
  function limitsOf(tenantId: string, quotas: Quotas | undefined, route: ResolvedRoute): Limits {
    const cacheKey = `${tenantId}\u0000${route.route}`;
    const hit = limitsCache.get(cacheKey);
    if (hit !== undefined && hit.quotas === quotas) return hit;
    const limits: RateLimit[] = [];
    if (quotas) {
      limits.push({ name: 'tenant', key: `t:${tenantId}`, rate: quotas.requestsPerSecond, burst: quotas.burst });
      limits.push({
        name: 'route',
        key: `r:${tenantId}:${route.route}`,
        rate: Math.max(1, quotas.requestsPerSecond * deps.routeShare),
        burst: Math.max(1, Math.ceil(quotas.burst * deps.routeShare)),
      });
    }
    limits.push({ name: 'service', key: `s:${route.rule.service}`, rate: deps.serviceRps, burst: deps.serviceBurst });
    if (limitsCache.size >= 10_000) limitsCache.clear();
    const entry = { quotas, limits, policy: policyField(limits) };
    limitsCache.set(cacheKey, entry);
    return entry;
  }

  function admitOrThrow(req: FastifyRequest, reply: FastifyReply, route: ResolvedRoute): Promise<void> | undefined {
    const tenantId = req.ctx.principal.tenantId;
    const quotas = tenantId === PLATFORM ? undefined : deps.quotas(tenantId);
    const limits = limitsOf(tenantId, quotas, route);
    const verdict = deps.limiter.check(limits.limits);
    if (verdict instanceof Promise) return verdict.then((v) => admitVerdict(req, reply, route, limits, v));
    admitVerdict(req, reply, route, limits, verdict);
    return undefined;
  }

  function admitVerdict(
    req: FastifyRequest,
    reply: FastifyReply,
    route: ResolvedRoute,
    { quotas, policy }: Limits,
    verdict: RateVerdict,
  ): void {
    const tenantId = req.ctx.principal.tenantId;
    rateLimitHeaders(reply, policy, verdict.limits);
    if (!verdict.allowed) {
      const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
      const limit = verdict.limitedBy ?? 'tenant';
      throw new RateLimitedError(
        limit,
        seconds,
        `Too many requests: the ${limit} rate limit is exhausted; retry in ${seconds} s.`,
      );
    }
    if (quotas) {
      let set = inflight.get(tenantId);
      if (!set) inflight.set(tenantId, (set = new Set()));
      if (set.size >= Math.min(quotas.concurrentRequests, set.pruneAt ?? PRUNE_FLOOR)) {
        for (const r of set) if (ended(r)) set.delete(r);
        set.pruneAt = Math.max(PRUNE_FLOOR, set.size * 2);
      }
      if (set.size >= quotas.concurrentRequests) {
        throw new RateLimitedError(
          'concurrency',
          1,
          `Too many concurrent requests: the tenant's cap is ${quotas.concurrentRequests} in flight.`,
        );
      }
      set.add(reply);
      held.set(req, reply);
      const usage = deps.usage?.usage(tenantId);
      for (const quota of consumes[route.rule.action] ?? []) {
        if (!usage) break;
        const used = quota === 'llmTokensPerDay' ? usage.llmTokensToday : usage[quota];
        if (used >= quotas[quota]) {
          const d = deps.clock.now();
          const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
          throw new QuotaExceededError(
            quota,
            quotas[quota],
            used,
            quota === 'llmTokensPerDay' ? Math.ceil((midnight - d.getTime()) / 1000) : undefined,
          );
        }
      }
    }
  }

  return {
    admit(req, reply, route) {
      const rejected = (err: unknown): never => {
        if (err instanceof IrisError)
          deps.onRejected?.(
            req.ctx.principal.tenantId,
            typeof err.extensions.limit === 'string'
              ? err.extensions.limit
              : typeof err.extensions.quota === 'string'
                ? err.extensions.quota
                : err.code,
          );
        throw err;
      };
      try {
        return admitOrThrow(req, reply, route)?.catch(rejected);
      } catch (err) {
        return rejected(err);
      }
    },
    release(req) {
      const reply = held.get(req);
      if (reply === undefined) return;
      held.delete(req);
      inflight.get(req.ctx.principal.tenantId)?.delete(reply);
    },
    inFlight(tenantId) {
      const set = inflight.get(tenantId);
      if (!set) return 0;
      for (const r of set) if (ended(r)) set.delete(r);
      return set.size;
    },
  };
}
