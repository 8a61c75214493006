// The preflight tables (migration 0012): silence reviews and every gate result of every run.
// One named query per function; every call runs inside a platform transaction the caller opened.
import type { Queryable } from '../core/db.js';
import type { PreflightResult } from './change-record.js';
import type { PreflightStage, SilenceReview } from './preflight.js';

/** One recorded preflight run: its stage, its number within the release, and its results. */
export interface PreflightRun {
  readonly releaseId: string;
  readonly runSeq: number;
  readonly stage: PreflightStage;
  readonly actor: string;
  readonly ok: boolean;
  readonly results: readonly PreflightResult[];
}

export async function insertSilenceReview(tx: Queryable, r: SilenceReview): Promise<void> {
  await tx.query(
    'insert into release_silence_reviews (release_id, silence_id, reviewer, note, at) values ($1, $2, $3, $4, $5)',
    [r.releaseId, r.silenceId, r.reviewer, r.note, r.at],
  );
}

export async function selectSilenceReviews(tx: Queryable, releaseId: string): Promise<SilenceReview[]> {
  const { rows } = await tx.query<{ silence_id: string; reviewer: string; note: string; at: Date }>(
    'select silence_id, reviewer, note, at from release_silence_reviews where release_id = $1 order by at',
    [releaseId],
  );
  return rows.map((r) => ({
    releaseId,
    silenceId: r.silence_id,
    reviewer: r.reviewer,
    note: r.note,
    at: new Date(r.at).toISOString(),
  }));
}

/** Records one run's results under the release's next run number; returns that number. */
export async function insertPreflightRun(
  tx: Queryable,
  releaseId: string,
  stage: PreflightStage,
  actor: string,
  results: readonly PreflightResult[],
): Promise<number> {
  const { rows } = await tx.query<{ n: number }>(
    'select coalesce(max(run_seq), 0) + 1 as n from release_preflight where release_id = $1',
    [releaseId],
  );
  const runSeq = Number(rows[0]?.n ?? 1);
  // One row per gate, in the order the gates ran.
  for (const [i, r] of results.entries())
    await tx.query(
      `insert into release_preflight (release_id, run_seq, seq, stage, gate, ok, detail, at, actor)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [releaseId, runSeq, i + 1, stage, r.gate, r.ok, r.detail, new Date(r.at).toISOString(), actor],
    );
  return runSeq;
}

/** The newest run of a release (of one stage when given); undefined before any. */
export async function selectLatestPreflight(
  tx: Queryable,
  releaseId: string,
  stage?: PreflightStage,
): Promise<PreflightRun | undefined> {
  const { rows } = await tx.query<{
    run_seq: number;
    stage: PreflightStage;
    gate: string;
    ok: boolean;
    detail: string;
    at: Date;
    actor: string;
  }>(
    `select run_seq, stage, gate, ok, detail, at, actor from release_preflight
     where release_id = $1 and run_seq = (
       select max(run_seq) from release_preflight where release_id = $1 and ($2::text is null or stage = $2))
     order by seq`,
    [releaseId, stage ?? null],
  );
  const first = rows[0];
  if (first === undefined) return undefined;
  const results = rows.map((r) => ({ gate: r.gate, ok: r.ok, detail: r.detail, at: new Date(r.at).getTime() }));
  return {
    releaseId,
    runSeq: Number(first.run_seq),
    stage: first.stage,
    actor: first.actor,
    ok: results.every((r) => r.ok),
    results,
  };
}
