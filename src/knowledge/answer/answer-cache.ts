// The per-tenant answer cache: one byte-budgeted LRU per tenant (lru-cache), so a tenant can
// neither read nor evict another's answers; identical concurrent misses share one computation;
// the graph version and release in every key make answers from an older graph unreachable.
import { LRUCache } from 'lru-cache';
import type { Tier } from '../../tenants/index.js';

const MiB = 1024 * 1024;

/** Bytes of cached answers each tier may hold (keys included). */
export const ANSWER_CACHE_BUDGET_BYTES: Readonly<Record<Tier, number>> = Object.freeze({
  free: 1 * MiB,
  standard: 8 * MiB,
  premium: 32 * MiB,
  enterprise: 128 * MiB,
});

const ZERO_WIDTH = /[\u00AD\u200B-\u200D\u2060\uFEFF]/g;

/** The cache's form of a question: NFKC, lower case, single spaces, no trailing `?!.`. */
export function normaliseQuestion(q: string): string {
  return q
    .normalize('NFKC')
    .replace(ZERO_WIDTH, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/[\s?!.]+$/, '')
    .trim();
}

export interface AnswerCacheKey {
  readonly tenantId: string;
  readonly question: string;
  readonly mode: string;
  /** The tenant's graph version: a new version makes older answers unreachable. */
  readonly graphVersion: string | number;
  /** The code release (and any answer-shaping variant): a new release starts cold. */
  readonly release: string;
}

export interface AnswerCacheStats {
  readonly entries: number;
  readonly bytes: number;
  readonly budgetBytes: number;
  readonly hits: number;
  readonly misses: number;
  readonly coalesced: number;
}

export interface AnswerCache<V> {
  /**
   * The cached value for `key`, or the result of `compute` (stored when it fits the tenant's
   * budget). Concurrent misses on one key share one compute; a rejection reaches every waiter
   * and is not cached.
   */
  getOrCompute(
    key: AnswerCacheKey,
    budgetBytes: number,
    compute: () => Promise<V>,
  ): Promise<{ value: V; hit: boolean; coalesced: boolean }>;
  /** The cached value without touching recency or statistics. */
  peek(key: AnswerCacheKey): V | undefined;
  /** Drops every answer of the tenant; computations already running will not store theirs. */
  invalidateTenant(tenantId: string): void;
  stats(tenantId: string): AnswerCacheStats;
}

export interface AnswerCacheOptions<V> {
  /** Bytes a value takes (default: UTF-8 length of its JSON). */
  readonly sizeOf?: (value: V) => number;
  /** Called on every lookup; `hit` is true only when the value came from the cache. */
  readonly onLookup?: (tenantId: string, hit: boolean) => void;
  /** Entries above this many bytes are returned but never stored (default: the budget). */
  readonly maxEntryBytes?: number;
}

interface Boxed<V> {
  readonly value: V;
  readonly bytes: number;
}

interface TenantShelf<V> {
  budgetBytes: number;
  /** Absent when the budget is below one byte: nothing is stored. */
  lru: LRUCache<string, Boxed<V>> | undefined;
  /** Bumped by invalidateTenant so computations begun before it do not store. */
  generation: number;
  readonly inflight: Map<string, Promise<V>>;
  hits: number;
  misses: number;
  coalesced: number;
}

function defaultSizeOf(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

function lruFor<V>(budgetBytes: number): LRUCache<string, Boxed<V>> | undefined {
  const maxSize = Math.floor(budgetBytes);
  return maxSize >= 1
    ? new LRUCache<string, Boxed<V>>({ maxSize, sizeCalculation: (boxed) => boxed.bytes })
    : undefined;
}

// NOTE: the tenant is not part of this string because each tenant has its own LRU.
function entryKey(key: AnswerCacheKey): string {
  return JSON.stringify([normaliseQuestion(key.question), key.mode, String(key.graphVersion), key.release]);
}

/** A per-tenant answer cache; see AnswerCache. */
export function makeAnswerCache<V>(opts: AnswerCacheOptions<V> = {}): AnswerCache<V> {
  const sizeOf = opts.sizeOf ?? defaultSizeOf;
  const maxEntryBytes = opts.maxEntryBytes ?? Number.POSITIVE_INFINITY;
  const shelves = new Map<string, TenantShelf<V>>();

  function shelfOf(tenantId: string, budgetBytes: number): TenantShelf<V> {
    let shelf = shelves.get(tenantId);
    if (shelf === undefined) {
      shelf = {
        budgetBytes,
        lru: lruFor<V>(budgetBytes),
        generation: 0,
        inflight: new Map(),
        hits: 0,
        misses: 0,
        coalesced: 0,
      };
      shelves.set(tenantId, shelf);
    } else if (shelf.budgetBytes !== budgetBytes) {
      // NOTE: a tier change starts the tenant cold rather than trimming under the old sizes.
      shelf.budgetBytes = budgetBytes;
      shelf.lru = lruFor<V>(budgetBytes);
    }
    return shelf;
  }

  function store(shelf: TenantShelf<V>, generation: number, k: string, value: V): void {
    if (shelf.generation !== generation || shelf.lru === undefined) return;
    // Entries are charged for their key too, so the budget bounds what the tenant really holds.
    const bytes = Math.max(1, Math.ceil(sizeOf(value)) + Buffer.byteLength(k, 'utf8'));
    if (bytes > shelf.budgetBytes || bytes > maxEntryBytes) return;
    shelf.lru.set(k, { value, bytes });
  }

  return {
    async getOrCompute(key, budgetBytes, compute) {
      const shelf = shelfOf(key.tenantId, budgetBytes);
      const k = entryKey(key);
      const cached = shelf.lru?.get(k);
      if (cached !== undefined) {
        shelf.hits++;
        opts.onLookup?.(key.tenantId, true);
        return { value: cached.value, hit: true, coalesced: false };
      }
      const running = shelf.inflight.get(k);
      if (running !== undefined) {
        shelf.coalesced++;
        opts.onLookup?.(key.tenantId, false);
        return { value: await running, hit: false, coalesced: true };
      }
      shelf.misses++;
      opts.onLookup?.(key.tenantId, false);
      const generation = shelf.generation;
      // compute runs in a microtask so that a synchronous throw also becomes a rejection.
      const run = Promise.resolve()
        .then(compute)
        .then((value) => {
          store(shelf, generation, k, value);
          return value;
        });
      shelf.inflight.set(k, run);
      const settle = (): void => {
        if (shelf.inflight.get(k) === run) shelf.inflight.delete(k);
      };
      void run.then(settle, settle);
      return { value: await run, hit: false, coalesced: false };
    },

    peek(key) {
      return shelves.get(key.tenantId)?.lru?.peek(entryKey(key))?.value;
    },

    invalidateTenant(tenantId) {
      const shelf = shelves.get(tenantId);
      if (shelf === undefined) return;
      shelf.generation++;
      shelf.lru?.clear();
      // Later callers must not join a computation over the old graph.
      shelf.inflight.clear();
    },

    stats(tenantId) {
      const shelf = shelves.get(tenantId);
      if (shelf === undefined) return { entries: 0, bytes: 0, budgetBytes: 0, hits: 0, misses: 0, coalesced: 0 };
      return {
        entries: shelf.lru?.size ?? 0,
        bytes: shelf.lru?.calculatedSize ?? 0,
        budgetBytes: shelf.budgetBytes,
        hits: shelf.hits,
        misses: shelf.misses,
        coalesced: shelf.coalesced,
      };
    },
  };
}
