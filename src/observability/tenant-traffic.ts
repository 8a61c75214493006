// Per-tenant request counters across replicas: each replica counts requests, server failures
// (5xx) and a latency histogram per tenant and minute in memory, and adds them to
// `tenant_traffic` (migration 0010) every few seconds. Reading sums every replica's rows, so the
// console's overview answers "how is tenant X doing" for any tenant, which Prometheus's bounded
// per-tenant labels cannot (src/observability/tenant-labels.ts).
import { platformScope, type Database, type Queryable } from '../core/db.js';
import type { Clock } from '../core/clock.js';

/** Upper bounds (ms) of the latency buckets; a last bucket counts everything slower. */
export const TRAFFIC_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

/** One tenant's traffic over a window, summed across replicas. */
export interface TenantTraffic {
  readonly tenantId: string;
  readonly requests: number;
  readonly failures: number;
  /** Requests per second over the window. */
  readonly rate: number;
  /** Share of requests that did not fail with a 5xx (1 with no requests). */
  readonly successRatio: number;
  /** 99th percentile latency (ms), interpolated within its bucket; null with no requests. */
  readonly p99Ms: number | null;
}

export interface TrafficQuery {
  /** Window length, in whole minutes back from now (the current minute included). */
  readonly minutes: number;
  /** Only this tenant. */
  readonly tenantId?: string | undefined;
  /** The busiest N tenants (ignored with tenantId). */
  readonly top: number;
}

export interface TenantTrafficCounters {
  /** Counts one answered request of a tenant. */
  record(tenantId: string, status: number, elapsedMs: number): void;
  /** Writes this replica's counts now. */
  flush(): Promise<void>;
  /** The window's traffic per tenant, busiest first (this replica's counts flushed first). */
  query(q: TrafficQuery): Promise<TenantTraffic[]>;
  stop(): Promise<void>;
}

interface Cell {
  requests: number;
  failures: number;
  buckets: number[];
}

const MINUTE_MS = 60_000;

function bucketOf(ms: number): number {
  let i = 0;
  // NOTE: 11 bounds: a linear scan beats a binary search at this size.
  while (i < TRAFFIC_BUCKETS_MS.length && ms > (TRAFFIC_BUCKETS_MS[i] as number)) i++;
  return i;
}

/**
 * The q-quantile (0..1) of a bucketed histogram, linear within the bucket it falls in, as
 * Prometheus's histogram_quantile does; the open last bucket answers its lower bound.
 */
export function quantileOf(buckets: readonly number[], q: number): number | null {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    const n = buckets[i] as number;
    if (seen + n >= rank && n > 0) {
      const lower = i === 0 ? 0 : (TRAFFIC_BUCKETS_MS[i - 1] as number);
      const upper = TRAFFIC_BUCKETS_MS[i];
      if (upper === undefined) return lower;
      return lower + ((upper - lower) * (rank - seen)) / n;
    }
    seen += n;
  }
  return TRAFFIC_BUCKETS_MS[TRAFFIC_BUCKETS_MS.length - 1] as number;
}

export function makeTenantTrafficCounters(deps: {
  db: Database;
  clock: Clock;
  replicaId: string;
  flushMs?: number;
  retentionHours?: number;
}): TenantTrafficCounters {
  // minute (ms) -> tenant -> counts not yet written
  let pending = new Map<number, Map<string, Cell>>();
  let flushing: Promise<void> | undefined;
  let lastPrune = 0;
  const retentionMs = (deps.retentionHours ?? 48) * 3_600_000;

  async function writeOut(batch: Map<number, Map<string, Cell>>): Promise<void> {
    const rows: { tenant_id: string; minute: string; requests: number; failures: number; buckets: number[] }[] = [];
    for (const [minute, tenants] of batch)
      for (const [tenantId, c] of tenants)
        rows.push({
          tenant_id: tenantId,
          minute: new Date(minute).toISOString(),
          requests: c.requests,
          failures: c.failures,
          buckets: c.buckets,
        });
    const now = deps.clock.now().getTime();
    const prune = now - lastPrune > 10 * MINUTE_MS;
    await deps.db.transaction(platformScope, async (tx) => {
      if (rows.length > 0) await addTraffic(tx, deps.replicaId, rows);
      if (prune) await tx.query('delete from tenant_traffic where minute < $1', [new Date(now - retentionMs)]);
    });
    if (prune) lastPrune = now;
  }

  const flush = async (): Promise<void> => {
    while (flushing) await flushing;
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    flushing = writeOut(batch)
      .catch(() => {
        // NOTE: counts are kept for the next flush rather than lost while the store is away.
        for (const [minute, tenants] of batch) for (const [tenantId, c] of tenants) merge(minute, tenantId, c);
      })
      .finally(() => {
        flushing = undefined;
      });
    await flushing;
  };

  function cellOf(minute: number, tenantId: string): Cell {
    let tenants = pending.get(minute);
    if (tenants === undefined) pending.set(minute, (tenants = new Map()));
    let cell = tenants.get(tenantId);
    if (cell === undefined) {
      cell = { requests: 0, failures: 0, buckets: new Array<number>(TRAFFIC_BUCKETS_MS.length + 1).fill(0) };
      tenants.set(tenantId, cell);
    }
    return cell;
  }

  function merge(minute: number, tenantId: string, from: Cell): void {
    const cell = cellOf(minute, tenantId);
    cell.requests += from.requests;
    cell.failures += from.failures;
    for (let i = 0; i < from.buckets.length; i++)
      cell.buckets[i] = (cell.buckets[i] as number) + (from.buckets[i] as number);
  }

  const timer = setInterval(() => void flush(), deps.flushMs ?? 5000);
  timer.unref();

  return {
    record(tenantId, status, elapsedMs) {
      const cell = cellOf(Math.floor(deps.clock.now().getTime() / MINUTE_MS) * MINUTE_MS, tenantId);
      cell.requests++;
      if (status >= 500) cell.failures++;
      const b = bucketOf(elapsedMs);
      cell.buckets[b] = (cell.buckets[b] as number) + 1;
    },
    flush,
    async query(q) {
      await flush();
      const now = deps.clock.now().getTime();
      const since = new Date(Math.floor(now / MINUTE_MS) * MINUTE_MS - (q.minutes - 1) * MINUTE_MS);
      const rows = await deps.db.transaction(platformScope, (tx) => selectTraffic(tx, since, q), { readOnly: true });
      // The window's seconds so far: whole past minutes plus the current one's elapsed part.
      const seconds = Math.max(1, ((q.minutes - 1) * MINUTE_MS + (now % MINUTE_MS)) / 1000);
      return rows.map((r) => ({
        tenantId: r.tenantId,
        requests: r.requests,
        failures: r.failures,
        rate: r.requests / seconds,
        successRatio: r.requests === 0 ? 1 : (r.requests - r.failures) / r.requests,
        p99Ms: quantileOf(r.buckets, 0.99),
      }));
    },
    async stop() {
      clearInterval(timer);
      await flush().catch(() => undefined);
    },
  };
}

/** Adds one replica's counts (one row per tenant and minute) to what it wrote before. */
async function addTraffic(
  tx: Queryable,
  replica: string,
  rows: readonly { tenant_id: string; minute: string; requests: number; failures: number; buckets: number[] }[],
): Promise<void> {
  await tx.query(
    `insert into tenant_traffic (tenant_id, minute, replica, requests, failures, latency_buckets)
     select r.tenant_id, r.minute, $2, r.requests, r.failures, r.buckets
       from jsonb_to_recordset($1::jsonb) as r(tenant_id text, minute timestamptz, requests integer, failures integer, buckets integer[])
     on conflict (tenant_id, minute, replica) do update set
       requests = tenant_traffic.requests + excluded.requests,
       failures = tenant_traffic.failures + excluded.failures,
       latency_buckets = array(
         select coalesce(a, 0) + coalesce(b, 0)
           from unnest(tenant_traffic.latency_buckets, excluded.latency_buckets) with ordinality as u(a, b, i)
          order by i)`,
    [JSON.stringify(rows), replica],
  );
}

/** Each tenant's summed counts and histogram since `since`, busiest first. */
async function selectTraffic(
  tx: Queryable,
  since: Date,
  q: TrafficQuery,
): Promise<{ tenantId: string; requests: number; failures: number; buckets: number[] }[]> {
  const res = await tx.query<{ tenant_id: string; requests: string; failures: string; buckets: string[] | number[] }>(
    `with chosen as (
       select tenant_id, sum(requests) as requests, sum(failures) as failures
         from tenant_traffic
        where minute >= $1 and ($2::text is null or tenant_id = $2)
        group by tenant_id
        order by sum(requests) desc, tenant_id
        limit $3)
     select c.tenant_id, c.requests, c.failures,
            array(select sum(b) from tenant_traffic t, unnest(t.latency_buckets) with ordinality as u(b, i)
                   where t.tenant_id = c.tenant_id and t.minute >= $1
                   group by i order by i) as buckets
       from chosen c
      order by c.requests desc, c.tenant_id`,
    [since, q.tenantId ?? null, q.tenantId === undefined ? q.top : 1],
  );
  return res.rows.map((r) => ({
    tenantId: r.tenant_id,
    requests: Number(r.requests),
    failures: Number(r.failures),
    buckets: r.buckets.map(Number),
  }));
}
