// Rate-limit storage for admission: TATs in this process's memory (the default), or in Redis
// shared by every replica, checked and updated by one atomic Lua script (the same GCRA as
// policy/gcra.ts, on Redis's clock so replicas' clock skew does not matter). If Redis cannot
// answer in time, the replica falls back to its in-memory limiter rather than to no limit.
import { Redis } from 'ioredis';
import type { Clock } from '../core/clock.js';
import { checkLimits, type RateLimit, type RateVerdict } from '../policy/index.js';

export interface RateLimiter {
  readonly backend: 'memory' | 'redis';
  /** The verdict; synchronous when answered from memory (no promise on the hot path). */
  check(limits: readonly RateLimit[]): RateVerdict | Promise<RateVerdict>;
  close(): Promise<void>;
}

/** TATs in a Map, pruned of idle keys now and then. */
export function makeMemoryLimiter(clock: Clock): RateLimiter {
  const tats = new Map<string, number>();
  let checks = 0;
  return {
    backend: 'memory',
    check(limits) {
      const now = clock.now().getTime();
      const { verdict, newTats } = checkLimits(
        limits,
        limits.map((l) => tats.get(l.key)),
        now,
      );
      if (newTats) limits.forEach((l, i) => tats.set(l.key, newTats[i] ?? now));
      if (++checks % 10_000 === 0) for (const [k, tat] of tats) if (tat < now) tats.delete(k);
      return verdict;
    },
    async close() {
      tats.clear();
    },
  };
}

// KEYS: one TAT key per limit. ARGV: interval ms and burst per limit.
// Returns {allowed, worst (1-based, 0 = none), retryMs, remaining1, reset1, ...} as strings.
const GCRA_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local n = #KEYS
local newtats = {}
local out = {}
local worst = 0
local wait = 0
for i = 1, n do
  local iv = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', KEYS[i]) or now)
  if tat < now then tat = now end
  local newtat = tat + iv
  local allowat = newtat - iv * burst
  if now < allowat and allowat - now > wait then
    worst = i
    wait = allowat - now
  end
  newtats[i] = newtat
  local rem = math.floor((now - allowat) / iv)
  if rem < 0 then rem = 0 end
  out[2 * i - 1] = tostring(rem)
  out[2 * i] = tostring(newtat - now)
end
if worst == 0 then
  for i = 1, n do
    redis.call('SET', KEYS[i], tostring(newtats[i]), 'PX', math.ceil(newtats[i] - now) + 1000)
  end
end
local res = { worst == 0 and '1' or '0', tostring(worst), tostring(wait) }
for i = 1, #out do res[#res + 1] = out[i] end
return res
`;

type GcraRedis = Redis & { irisGcra(numKeys: number, ...args: (string | number)[]): Promise<string[]> };

/**
 * A limiter on Redis: every replica pointing at the same Redis (and prefix) shares the limits.
 * `onError` hears about Redis failures (then the in-memory `fallback` answers).
 */
export function makeRedisLimiter(opts: {
  url: string;
  prefix: string;
  fallback: RateLimiter;
  timeoutMs?: number;
  onError?: (err: unknown) => void;
}): RateLimiter {
  const redis = new Redis(opts.url, {
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    commandTimeout: opts.timeoutMs ?? 250,
    lazyConnect: false,
  }) as GcraRedis;
  redis.on('error', (err: unknown) => opts.onError?.(err));
  redis.defineCommand('irisGcra', { lua: GCRA_LUA });
  return {
    backend: 'redis',
    async check(limits) {
      try {
        const args: (string | number)[] = [...limits.map((l) => `${opts.prefix}${l.key}`)];
        for (const l of limits) args.push(1000 / l.rate, l.burst);
        const r = await redis.irisGcra(limits.length, ...args);
        const worst = Number(r[1]);
        const limitedBy = worst > 0 ? limits[worst - 1]?.name : undefined;
        return {
          allowed: r[0] === '1',
          ...(limitedBy !== undefined ? { limitedBy } : {}),
          retryAfterMs: Number(r[2]),
          limits: limits.map((l, i) => ({
            name: l.name,
            remaining: i === worst - 1 ? 0 : Number(r[3 + 2 * i]),
            resetMs: Number(r[4 + 2 * i]),
            rate: l.rate,
            burst: l.burst,
          })),
        };
      } catch (err) {
        opts.onError?.(err);
        return opts.fallback.check(limits);
      }
    },
    async close() {
      redis.disconnect();
      await opts.fallback.close();
    },
  };
}
