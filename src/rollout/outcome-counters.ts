// Per-colour outcome counters across replicas: each replica counts, per release, ring, colour
// and second, the requests it served, the server errors among them and a latency histogram,
// and keeps a bounded random sample of single requests (latency, error) for the end-of-bake
// Mann-Whitney judgement. Every second it adds them to `release_outcomes` (migration 0011);
// the driver on any replica sums every replica's rows, so the analysis sees the whole fleet
// and works on the embedded store as on PostgreSQL.
import type { Clock } from '../core/clock.js';
import { platformScope, type Database, type Queryable } from '../core/db.js';
import type { ColourCounters } from './fast-guard.js';
import { makeSecondCells, type SecondCell } from './second-cells.js';

/** Upper bounds (ms) of the latency buckets; a last bucket counts everything slower. */
export const OUTCOME_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

/**
 * Single requests kept per release, ring, colour, second and replica (reservoir sampling):
 * enough for a 30 s bake to hold well over the 50 samples a verdict needs at a few requests per
 * second, while a busy second costs one short array.
 */
export const SAMPLES_PER_SECOND = 64;

/** Where a served request counts: which release's comparison, in which ring, under which colour. */
export interface OutcomeKey {
  readonly releaseId: string;
  readonly ring: string;
  readonly colour: string;
}

/** Per-request samples of one colour over a window. */
export interface OutcomeSamples {
  readonly latencyMs: number[];
  /** 1 for a server error, 0 otherwise (a metric whose mean is the error ratio). */
  readonly error: number[];
}

export interface OutcomeCounters {
  /** Counts one answered request. */
  record(key: OutcomeKey, status: number, elapsedMs: number): void;
  /** Writes this replica's counts now. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

interface Cell {
  requests: number;
  errors: number;
  buckets: number[];
  sampleMs: number[];
  sampleError: boolean[];
}

function bucketIndex(ms: number): number {
  let i = 0;
  // NOTE: 11 bounds: a linear scan beats a binary search at this size.
  while (i < OUTCOME_BUCKETS_MS.length && ms > (OUTCOME_BUCKETS_MS[i] as number)) i++;
  return i;
}

const keyString = (k: OutcomeKey, second: number): string =>
  `${k.releaseId}\u0000${k.ring}\u0000${k.colour}\u0000${second}`;

export function makeOutcomeCounters(deps: {
  db: Database;
  clock: Clock;
  replicaId: string;
  flushMs?: number;
  random?: () => number;
}): OutcomeCounters {
  const random = deps.random ?? Math.random;
  let lastPrune = 0;

  async function writeOut(batch: readonly SecondCell<OutcomeKey, Cell>[]): Promise<void> {
    const rows = batch.map(({ key, second, cell }) => ({
      release_id: key.releaseId,
      ring: key.ring,
      colour: key.colour,
      second: new Date(second * 1000).toISOString(),
      requests: cell.requests,
      errors: cell.errors,
      buckets: cell.buckets,
      sample_ms: cell.sampleMs,
      sample_error: cell.sampleError,
    }));
    const now = deps.clock.now().getTime();
    const prune = now - lastPrune > 600_000;
    await deps.db.transaction(platformScope, async (tx) => {
      if (rows.length > 0) await addOutcomes(tx, deps.replicaId, rows);
      if (prune) await tx.query('delete from release_outcomes where second < $1', [new Date(now - 86_400_000)]);
    });
    if (prune) lastPrune = now;
  }

  const cells = makeSecondCells<OutcomeKey, Cell>({
    id: keyString,
    empty: () => ({
      requests: 0,
      errors: 0,
      buckets: new Array<number>(OUTCOME_BUCKETS_MS.length + 1).fill(0),
      sampleMs: [],
      sampleError: [],
    }),
    write: writeOut,
    merge(into, cell) {
      into.requests += cell.requests;
      into.errors += cell.errors;
      for (let i = 0; i < cell.buckets.length; i++)
        into.buckets[i] = (into.buckets[i] as number) + (cell.buckets[i] as number);
      for (let i = 0; i < cell.sampleMs.length && into.sampleMs.length < SAMPLES_PER_SECOND; i++) {
        into.sampleMs.push(cell.sampleMs[i] as number);
        into.sampleError.push(cell.sampleError[i] as boolean);
      }
    },
    ...(deps.flushMs === undefined ? {} : { flushMs: deps.flushMs }),
  });

  return {
    record(key, status, elapsedMs) {
      const cell = cells.cellOf(key, Math.floor(deps.clock.now().getTime() / 1000));
      cell.requests++;
      const error = status >= 500;
      if (error) cell.errors++;
      const b = bucketIndex(elapsedMs);
      cell.buckets[b] = (cell.buckets[b] as number) + 1;
      // Reservoir sampling (Algorithm R): every request of the second is kept with equal chance.
      if (cell.sampleMs.length < SAMPLES_PER_SECOND) {
        cell.sampleMs.push(elapsedMs);
        cell.sampleError.push(error);
      } else {
        const j = Math.floor(random() * cell.requests);
        if (j < SAMPLES_PER_SECOND) {
          cell.sampleMs[j] = elapsedMs;
          cell.sampleError[j] = error;
        }
      }
    },
    flush: cells.flush,
    stop: cells.stop,
  };
}

type OutcomeRow = {
  release_id: string;
  ring: string;
  colour: string;
  second: string;
  requests: number;
  errors: number;
  buckets: number[];
  sample_ms: number[];
  sample_error: boolean[];
};

/** Adds one replica's counts to what it wrote before; samples are appended up to the cap. */
async function addOutcomes(tx: Queryable, replica: string, rows: readonly OutcomeRow[]): Promise<void> {
  await tx.query(
    `insert into release_outcomes as o (release_id, ring, colour, second, replica, requests, errors, latency_buckets, sample_ms, sample_error)
     select r.release_id, r.ring, r.colour, r.second, $2, r.requests, r.errors, r.buckets, r.sample_ms, r.sample_error
       from jsonb_to_recordset($1::jsonb) as r(release_id text, ring text, colour text, second timestamptz,
            requests integer, errors integer, buckets integer[], sample_ms real[], sample_error boolean[])
     on conflict (release_id, ring, colour, second, replica) do update set
       requests = o.requests + excluded.requests,
       errors = o.errors + excluded.errors,
       latency_buckets = array(
         select coalesce(a, 0) + coalesce(b, 0)
           from unnest(o.latency_buckets, excluded.latency_buckets) with ordinality as u(a, b, i)
          order by i),
       sample_ms = (o.sample_ms || excluded.sample_ms)[1:${SAMPLES_PER_SECOND}],
       sample_error = (o.sample_error || excluded.sample_error)[1:${SAMPLES_PER_SECOND}]`,
    [JSON.stringify(rows), replica],
  );
}

/** One colour's counters in a ring over [from, to), summed over every replica. */
export async function selectColourCounters(
  tx: Queryable,
  key: OutcomeKey,
  from: Date,
  to: Date,
): Promise<ColourCounters> {
  const { rows } = await tx.query<{ requests: string | null; errors: string | null; buckets: number[] | null }>(
    `select sum(requests) as requests, sum(errors) as errors,
            array(select sum(b)::integer from release_outcomes o2, unnest(o2.latency_buckets) with ordinality as u(b, i)
                   where o2.release_id = $1 and o2.ring = $2 and o2.colour = $3 and o2.second >= $4 and o2.second < $5
                   group by i order by i) as buckets
       from release_outcomes
      where release_id = $1 and ring = $2 and colour = $3 and second >= $4 and second < $5`,
    [key.releaseId, key.ring, key.colour, from, to],
  );
  const row = rows[0];
  const counts = row?.buckets ?? [];
  return {
    requests: Number(row?.requests ?? 0),
    errors: Number(row?.errors ?? 0),
    latency: {
      bounds: [...OUTCOME_BUCKETS_MS, Number.POSITIVE_INFINITY],
      counts:
        counts.length === OUTCOME_BUCKETS_MS.length + 1
          ? counts
          : new Array<number>(OUTCOME_BUCKETS_MS.length + 1).fill(0),
    },
  };
}

/** One sampled request: the second it was served in, its latency, whether it failed. */
export interface TimedSample {
  readonly second: number;
  readonly ms: number;
  readonly error: boolean;
}

/** Every sampled request of one colour in a ring over [from, to), across replicas. */
export async function selectOutcomeSamples(
  tx: Queryable,
  key: OutcomeKey,
  from: Date,
  to: Date,
): Promise<TimedSample[]> {
  const { rows } = await tx.query<{ second: Date; ms: number; error: boolean }>(
    `select o.second, u.ms, u.error from release_outcomes o, unnest(o.sample_ms, o.sample_error) as u(ms, error)
      where o.release_id = $1 and o.ring = $2 and o.colour = $3 and o.second >= $4 and o.second < $5`,
    [key.releaseId, key.ring, key.colour, from, to],
  );
  return rows.map((r) => ({ second: r.second.getTime() / 1000, ms: Number(r.ms), error: r.error }));
}

/**
 * Samples of two colours matched by time: for every second both colours were sampled in, the
 * same number from each (the smaller count; a random subset of the larger). Load varies over a
 * bake (a busy minute, a probe, a deploy of something else) and both colours see it alike, but
 * per-second sampling caps keep different shares of each colour's seconds: unmatched, a slow
 * second weighs more for one colour than for the other and a healthy candidate looks slower.
 * Matched, both samples have the same time profile and only the colour differs.
 */
export function matchedByTime(
  candidate: readonly TimedSample[],
  control: readonly TimedSample[],
  random: () => number = Math.random,
): { candidate: OutcomeSamples; control: OutcomeSamples } {
  const bySecond = (xs: readonly TimedSample[]): Map<number, TimedSample[]> => {
    const m = new Map<number, TimedSample[]>();
    for (const x of xs) {
      const list = m.get(x.second);
      if (list === undefined) m.set(x.second, [x]);
      else list.push(x);
    }
    return m;
  };
  const a = bySecond(candidate);
  const b = bySecond(control);
  const out = {
    candidate: { latencyMs: [] as number[], error: [] as number[] },
    control: { latencyMs: [] as number[], error: [] as number[] },
  };
  const take = (from: TimedSample[], k: number, into: { latencyMs: number[]; error: number[] }): void => {
    // Partial Fisher-Yates: the first k of a random permutation.
    const xs = [...from];
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(random() * (xs.length - i));
      const pick = xs[j] as TimedSample;
      xs[j] = xs[i] as TimedSample;
      xs[i] = pick;
      into.latencyMs.push(pick.ms);
      into.error.push(pick.error ? 1 : 0);
    }
  };
  for (const [second, xs] of a) {
    const ys = b.get(second);
    if (ys === undefined) continue;
    const k = Math.min(xs.length, ys.length);
    take(xs, k, out.candidate);
    take(ys, k, out.control);
  }
  return out;
}
