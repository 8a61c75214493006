// The rollout context's tables (migration 0011): rings, the control colour, releases with their
// state, and their history. One named query per function; every call runs inside a platform
// transaction the caller opened. Release rows are locked `for update` while a transition is
// applied, so two replicas never apply two events to one release at once.
import type { Queryable } from '../core/db.js';
import type { PlanRing, ReleasePhase, ReleasePosition, ReleaseRun } from './release-machine.js';
import type { ReleaseSpec } from './release-spec.js';
import type { RingDefinition } from './ring-membership.js';

/** A ring as stored and served. */
export interface StoredRing extends RingDefinition {
  readonly selector: Readonly<Record<string, string>>;
  readonly pins: readonly string[];
  readonly resourceVersion: string;
  readonly updatedAt: string;
}

/** The stable colour and what it serves (spec null: the built-in defaults). */
export interface ControlRow {
  readonly colour: string;
  readonly releaseId: string | null;
  readonly spec: ReleaseSpec | null;
}

/** A release as stored: its document, its state machine's run, and routing weights per ring. */
export interface StoredRelease {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly colour: string;
  readonly spec: ReleaseSpec;
  readonly specDigest: string;
  readonly control: string | null;
  readonly phase: ReleasePhase;
  readonly position: ReleasePosition | null;
  /** The candidate's weight (percent) per ring; a ring not listed is at 0. */
  readonly weights: Readonly<Record<string, number>>;
  readonly reason: string | null;
  readonly bakeUntil: string | null;
  readonly guardAt: string | null;
  /** The last guard decision per ring, with its numbers. */
  readonly lastGuard: Readonly<Record<string, unknown>> | null;
  /** The last end-of-bake analysis, with every verdict's explanation. */
  readonly lastAnalysis: Readonly<Record<string, unknown>> | null;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly resourceVersion: string;
}

/** One line of a release's history. */
export interface ReleaseHistoryEntry {
  readonly seq: number;
  readonly at: string;
  readonly event: string;
  readonly from: ReleasePhase;
  readonly to: ReleasePhase;
  readonly actor: string;
  readonly reason: string | null;
  readonly detail: Readonly<Record<string, unknown>>;
}

interface RingRow {
  name: string;
  ord: number;
  selector: Record<string, string>;
  pins: string[];
  resource_version: string;
  updated_at: Date;
}

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

function ringOfRow(r: RingRow): StoredRing {
  return {
    name: r.name,
    order: r.ord,
    selector: r.selector,
    pins: r.pins,
    resourceVersion: String(r.resource_version),
    updatedAt: r.updated_at.toISOString(),
  };
}

export async function selectRings(tx: Queryable): Promise<StoredRing[]> {
  const { rows } = await tx.query<RingRow>(
    'select name, ord, selector, pins, resource_version, updated_at from rollout_rings order by ord',
  );
  return rows.map(ringOfRow);
}

/** Inserts or replaces one ring; null when `ifMatch` is given and stale (or absent for a new ring). */
export async function upsertRing(
  tx: Queryable,
  ring: { name: string; order: number; selector: Record<string, string>; pins: readonly string[] },
  ifMatch: string | undefined,
): Promise<StoredRing | null> {
  const { rows } = await tx.query<RingRow>(
    `insert into rollout_rings as r (name, ord, selector, pins) values ($1, $2, $3, $4)
     on conflict (name) do update set ord = excluded.ord, selector = excluded.selector, pins = excluded.pins,
       resource_version = r.resource_version + 1, updated_at = now()
       where $5::bigint is null or r.resource_version = $5::bigint
     returning name, ord, selector, pins, resource_version, updated_at`,
    [ring.name, ring.order, JSON.stringify(ring.selector), [...ring.pins], ifMatch ?? null],
  );
  const row = rows[0];
  return row === undefined ? null : ringOfRow(row);
}

interface ControlDbRow {
  colour: string;
  release_id: string | null;
  spec: ReleaseSpec | null;
}

/** The control row; `fallbackColour` (the configured colour) until a release was promoted. */
export async function selectControl(tx: Queryable, fallbackColour: string): Promise<ControlRow> {
  const { rows } = await tx.query<ControlDbRow>('select colour, release_id, spec from rollout_control');
  const row = rows[0];
  return row === undefined
    ? { colour: fallbackColour, releaseId: null, spec: null }
    : { colour: row.colour, releaseId: row.release_id, spec: row.spec };
}

export async function upsertControl(tx: Queryable, control: ControlRow): Promise<void> {
  await tx.query(
    `insert into rollout_control (singleton, colour, release_id, spec) values (true, $1, $2, $3)
     on conflict (singleton) do update set colour = excluded.colour, release_id = excluded.release_id,
       spec = excluded.spec, updated_at = now()`,
    [control.colour, control.releaseId, control.spec === null ? null : JSON.stringify(control.spec)],
  );
}

/** The newest promoted release of `colour` (what a rollback of a later promotion restores). */
export async function selectPromotedOfColour(
  tx: Queryable,
  colour: string,
  except: string,
): Promise<{ id: string; spec: ReleaseSpec } | undefined> {
  const { rows } = await tx.query<{ release_id: string; spec: ReleaseSpec }>(
    `select release_id, spec from releases where colour = $1 and phase = 'promoted' and release_id <> $2
      order by updated_at desc limit 1`,
    [colour, except],
  );
  const row = rows[0];
  return row === undefined ? undefined : { id: row.release_id, spec: row.spec };
}

interface ReleaseRow {
  release_id: string;
  name: string;
  version: string;
  colour: string;
  spec: ReleaseSpec;
  spec_digest: string;
  control_colour: string | null;
  phase: ReleasePhase;
  position: ReleasePosition | null;
  weights: Record<string, number>;
  reason: string | null;
  bake_until: Date | null;
  guard_at: Date | null;
  last_guard: Record<string, unknown> | null;
  last_analysis: Record<string, unknown> | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  resource_version: string;
}

const RELEASE_COLUMNS =
  'release_id, name, version, colour, spec, spec_digest, control_colour, phase, position, weights, reason, bake_until, guard_at, last_guard, last_analysis, created_by, created_at, updated_at, resource_version';

function releaseOfRow(r: ReleaseRow): StoredRelease {
  return {
    id: r.release_id,
    name: r.name,
    version: r.version,
    colour: r.colour,
    spec: r.spec,
    specDigest: r.spec_digest,
    control: r.control_colour,
    phase: r.phase,
    position: r.position,
    weights: r.weights,
    reason: r.reason,
    bakeUntil: iso(r.bake_until),
    guardAt: iso(r.guard_at),
    lastGuard: r.last_guard,
    lastAnalysis: r.last_analysis,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    resourceVersion: String(r.resource_version),
  };
}

/** Inserts a planned release; false when one of that name and version exists. */
export async function insertRelease(
  tx: Queryable,
  r: { id: string; spec: ReleaseSpec; specDigest: string; createdBy: string },
): Promise<StoredRelease | undefined> {
  const { rows } = await tx.query<ReleaseRow>(
    `insert into releases (release_id, name, version, colour, spec, spec_digest, phase, created_by)
     values ($1, $2, $3, $4, $5, $6, 'planned', $7)
     on conflict do nothing
     returning ${RELEASE_COLUMNS}`,
    [r.id, r.spec.name, r.spec.version, r.spec.colour, JSON.stringify(r.spec), r.specDigest, r.createdBy],
  );
  const row = rows[0];
  return row === undefined ? undefined : releaseOfRow(row);
}

/** One release; `lock` takes its row lock for the rest of the transaction. */
export async function selectRelease(tx: Queryable, id: string, lock = false): Promise<StoredRelease | undefined> {
  const { rows } = await tx.query<ReleaseRow>(
    `select ${RELEASE_COLUMNS} from releases where release_id = $1${lock ? ' for update' : ''}`,
    [id],
  );
  const row = rows[0];
  return row === undefined ? undefined : releaseOfRow(row);
}

/** Releases, newest first; `live` only those holding rings. */
export async function selectReleases(
  tx: Queryable,
  opts: { live?: boolean; limit: number; before?: string | undefined },
): Promise<StoredRelease[]> {
  const { rows } = await tx.query<ReleaseRow>(
    `select ${RELEASE_COLUMNS} from releases
      where ($1::boolean is not true or phase in ('progressing', 'analysing', 'paused'))
        and ($3::timestamptz is null or created_at < $3::timestamptz)
      order by created_at desc, release_id limit $2`,
    [opts.live ?? false, opts.limit, opts.before ?? null],
  );
  return rows.map(releaseOfRow);
}

/**
 * Live releases whose bake or guard is due at `now`, each locked; rows another replica holds
 * are skipped (it is acting on them).
 */
export async function lockDueReleases(tx: Queryable, now: Date, id?: string): Promise<StoredRelease[]> {
  const { rows } = await tx.query<ReleaseRow>(
    `select ${RELEASE_COLUMNS} from releases
      where phase in ('progressing', 'analysing', 'paused') and ($2::text is null or release_id = $2)
        and ((phase = 'progressing' and bake_until <= $1) or phase = 'analysing' or guard_at is null
             or guard_at <= $1::timestamptz - make_interval(secs => case
                  when spec->'plan'->>'guardIntervalSeconds' ~ '^[0-9]{1,6}$'
                  then (spec->'plan'->>'guardIntervalSeconds')::float8 else 5 end))
      order by release_id
      for update skip locked`,
    [now, id ?? null],
  );
  return rows.map(releaseOfRow);
}

/** Writes a release's new run state (the caller holds its row lock). */
export async function updateReleaseRun(
  tx: Queryable,
  id: string,
  run: Pick<ReleaseRun, 'phase' | 'position' | 'reason' | 'control'>,
  weights: Readonly<Record<string, number>>,
  bakeUntil: Date | null,
): Promise<void> {
  await tx.query(
    `update releases set phase = $2, position = $3, reason = $4, control_colour = $5, weights = $6, bake_until = $7,
       updated_at = now(), resource_version = resource_version + 1
     where release_id = $1`,
    [id, run.phase, JSON.stringify(run.position), run.reason, run.control, JSON.stringify(weights), bakeUntil],
  );
}

/** Marks a guard run at `at` (the next one is due an interval later). */
export async function updateGuard(tx: Queryable, id: string, at: Date, decision: object): Promise<void> {
  await tx.query('update releases set guard_at = $2, last_guard = $3 where release_id = $1', [
    id,
    at,
    JSON.stringify(decision),
  ]);
}

/** Keeps the last end-of-bake analysis for status. */
export async function updateAnalysis(tx: Queryable, id: string, analysis: object): Promise<void> {
  await tx.query('update releases set last_analysis = $2 where release_id = $1', [id, JSON.stringify(analysis)]);
}

/** Appends one history line (next sequence number of the release). */
export async function insertReleaseEvent(
  tx: Queryable,
  id: string,
  e: { event: string; from: ReleasePhase; to: ReleasePhase; actor: string; reason: string | null; detail: object },
): Promise<number> {
  const { rows } = await tx.query<{ seq: number }>(
    `insert into release_events (release_id, seq, event, from_phase, to_phase, actor, reason, detail)
     select $1, coalesce(max(seq), 0) + 1, $2, $3, $4, $5, $6, $7 from release_events where release_id = $1
     returning seq`,
    [id, e.event, e.from, e.to, e.actor, e.reason, JSON.stringify(e.detail)],
  );
  return rows[0]?.seq ?? 0;
}

export async function selectReleaseEvents(tx: Queryable, id: string, limit: number): Promise<ReleaseHistoryEntry[]> {
  const { rows } = await tx.query<{
    seq: number;
    at: Date;
    event: string;
    from_phase: ReleasePhase;
    to_phase: ReleasePhase;
    actor: string;
    reason: string | null;
    detail: Record<string, unknown>;
  }>(
    `select seq, at, event, from_phase, to_phase, actor, reason, detail from release_events
      where release_id = $1 order by seq desc limit $2`,
    [id, limit],
  );
  return rows
    .map((r) => ({
      seq: r.seq,
      at: r.at.toISOString(),
      event: r.event,
      from: r.from_phase,
      to: r.to_phase,
      actor: r.actor,
      reason: r.reason,
      detail: r.detail,
    }))
    .reverse();
}

/** The run the state machine takes, from a stored release and its plan. */
export function runOf(r: StoredRelease, control: string): ReleaseRun {
  const plan: PlanRing[] = r.spec.plan.rings.map((ring) => ({ ring: ring.ring, steps: ring.steps }));
  return {
    releaseId: r.id,
    colour: r.colour,
    control: r.control ?? control,
    plan,
    phase: r.phase,
    position: r.position,
    reason: r.reason,
  };
}
