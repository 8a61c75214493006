// Shadow agreement across replicas: each replica keeps, per release, ring and second, how many
// shadow queries it compared, how many of them failed, and a bounded random sample of the
// per-query agreements (citation overlap, answer similarity, latency delta). Every second it
// adds them to `release_shadow` (migration 0013), so the end-of-bake analysis on any replica
// judges the whole fleet's shadows (the plan's `shadow` thresholds), on the embedded store as
// on PostgreSQL. Numbers only: no text, citation or tenant id leaves the tally.
import type { Clock } from '../core/clock.js';
import { platformScope, type Database, type Queryable } from '../core/db.js';
import { makeSecondCells, type SecondCell } from './second-cells.js';
import type { ShadowAgreement, ShadowKey, ShadowWindow } from './shadow-agreement.js';

/** Agreements kept per release, ring, second and replica (reservoir sampling). */
export const SHADOW_SAMPLES_PER_SECOND = 32;

export interface ShadowRecorder {
  /** Counts one compared shadow query. */
  record(key: ShadowKey, agreement: ShadowAgreement): void;
  /** Writes this replica's counts now. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

interface Cell {
  compared: number;
  errors: number;
  /** Successful shadows seen (the reservoir's population). */
  ok: number;
  overlap: number[];
  similarity: number[];
  latencyDeltaMs: number[];
}

const emptyCell = (): Cell => ({ compared: 0, errors: 0, ok: 0, overlap: [], similarity: [], latencyDeltaMs: [] });

export function makeShadowRecorder(deps: {
  db: Database;
  clock: Clock;
  replicaId: string;
  flushMs?: number;
  random?: () => number;
}): ShadowRecorder {
  const random = deps.random ?? Math.random;
  let lastPrune = 0;

  function keep(cell: Cell, overlap: number, similarity: number, delta: number): void {
    // Reservoir sampling (Algorithm R) over the second's successful shadows.
    cell.ok++;
    let i = cell.overlap.length;
    if (i >= SHADOW_SAMPLES_PER_SECOND) {
      i = Math.floor(random() * cell.ok);
      if (i >= SHADOW_SAMPLES_PER_SECOND) return;
    }
    cell.overlap[i] = overlap;
    cell.similarity[i] = similarity;
    cell.latencyDeltaMs[i] = delta;
  }

  async function writeOut(batch: readonly SecondCell<ShadowKey, Cell>[]): Promise<void> {
    const rows = batch.map(({ key, second, cell }) => ({
      release_id: key.releaseId,
      ring: key.ring,
      second: new Date(second * 1000).toISOString(),
      compared: cell.compared,
      errors: cell.errors,
      overlap: cell.overlap,
      similarity: cell.similarity,
      latency_delta_ms: cell.latencyDeltaMs,
    }));
    const now = deps.clock.now().getTime();
    const prune = now - lastPrune > 600_000;
    await deps.db.transaction(platformScope, async (tx) => {
      if (rows.length > 0) await addShadowRows(tx, deps.replicaId, rows);
      if (prune) await tx.query('delete from release_shadow where second < $1', [new Date(now - 86_400_000)]);
    });
    if (prune) lastPrune = now;
  }

  const cells = makeSecondCells<ShadowKey, Cell>({
    id: (key, second) => `${key.releaseId}\u0000${key.ring}\u0000${second}`,
    empty: emptyCell,
    write: writeOut,
    merge(into, cell) {
      into.compared += cell.compared;
      into.errors += cell.errors;
      cell.overlap.forEach((o, i) => keep(into, o, cell.similarity[i] as number, cell.latencyDeltaMs[i] as number));
    },
    ...(deps.flushMs === undefined ? {} : { flushMs: deps.flushMs }),
  });

  return {
    record(key, a) {
      const cell = cells.cellOf(key, Math.floor(deps.clock.now().getTime() / 1000));
      cell.compared++;
      if (a.error || a.overlap === null || a.similarity === null) {
        cell.errors++;
        return;
      }
      keep(cell, a.overlap, a.similarity, a.latencyDeltaMs ?? 0);
    },
    flush: cells.flush,
    stop: cells.stop,
  };
}

type ShadowRow = {
  release_id: string;
  ring: string;
  second: string;
  compared: number;
  errors: number;
  overlap: number[];
  similarity: number[];
  latency_delta_ms: number[];
};

/** Adds one replica's counts to what it wrote before; samples are appended up to the cap. */
async function addShadowRows(tx: Queryable, replica: string, rows: readonly ShadowRow[]): Promise<void> {
  const cap = SHADOW_SAMPLES_PER_SECOND;
  await tx.query(
    `insert into release_shadow as s (release_id, ring, second, replica, compared, errors, overlap, similarity, latency_delta_ms)
     select r.release_id, r.ring, r.second, $2, r.compared, r.errors, r.overlap, r.similarity, r.latency_delta_ms
       from jsonb_to_recordset($1::jsonb) as r(release_id text, ring text, second timestamptz, compared integer,
            errors integer, overlap real[], similarity real[], latency_delta_ms real[])
     on conflict (release_id, ring, second, replica) do update set
       compared = s.compared + excluded.compared,
       errors = s.errors + excluded.errors,
       overlap = (s.overlap || excluded.overlap)[1:${cap}],
       similarity = (s.similarity || excluded.similarity)[1:${cap}],
       latency_delta_ms = (s.latency_delta_ms || excluded.latency_delta_ms)[1:${cap}]`,
    [JSON.stringify(rows), replica],
  );
}

/** Every replica's shadow comparisons of a release in a ring over [from, to). */
export async function selectShadowWindow(tx: Queryable, key: ShadowKey, from: Date, to: Date): Promise<ShadowWindow> {
  const where = 'release_id = $1 and ring = $2 and second >= $3 and second < $4';
  const params = [key.releaseId, key.ring, from, to];
  const totals = await tx.query<{ compared: string | null; errors: string | null }>(
    `select sum(compared) as compared, sum(errors) as errors from release_shadow where ${where}`,
    params,
  );
  const samples = await tx.query<{ overlap: number; similarity: number; delta: number }>(
    `select u.overlap, u.similarity, u.delta
       from release_shadow, unnest(overlap, similarity, latency_delta_ms) as u(overlap, similarity, delta)
      where ${where}`,
    params,
  );
  return {
    samples: Number(totals.rows[0]?.compared ?? 0),
    errors: Number(totals.rows[0]?.errors ?? 0),
    overlap: samples.rows.map((r) => Number(r.overlap)),
    similarity: samples.rows.map((r) => Number(r.similarity)),
    latencyDeltaMs: samples.rows.map((r) => Number(r.delta)),
  };
}
