// "Two releases fighting over one ring": a ring has at most one candidate colour at a time,
// so routing (sticky-hash.ts) never has to choose between two candidates. Pure checks the
// wiring runs before `start` (409 with the conflicts) and a health check runs on stored state.
import { LIVE_PHASES, type ReleasePhase } from './release-machine.js';

/** What the check needs of a release. */
export interface RingClaim {
  readonly releaseId: string;
  readonly phase: ReleasePhase;
  /** The rings of its plan. */
  readonly rings: readonly string[];
}

/** One ring held by more than one live release. */
export interface RingConflict {
  readonly ring: string;
  /** Sorted, so the answer does not depend on the input order. */
  readonly releaseIds: readonly string[];
}

const LIVE: ReadonlySet<ReleasePhase> = new Set(LIVE_PHASES);

/**
 * Rings claimed by two or more live releases (progressing, analysing, paused), sorted by
 * ring. A live release claims every ring of its plan, not only those it has reached: a
 * release must be able to finish without meeting another candidate on its way.
 */
export function ringConflicts(releases: readonly RingClaim[]): RingConflict[] {
  const holders = new Map<string, Set<string>>();
  // Group live releases by ring; a ring listed twice in one plan counts once.
  for (const release of releases) {
    if (!LIVE.has(release.phase)) continue;
    for (const ring of release.rings) {
      const set = holders.get(ring) ?? new Set<string>();
      set.add(release.releaseId);
      holders.set(ring, set);
    }
  }
  return [...holders]
    .filter(([, ids]) => ids.size > 1)
    .map(([ring, ids]) => ({ ring, releaseIds: [...ids].sort() }))
    .sort((a, b) => (a.ring < b.ring ? -1 : a.ring > b.ring ? 1 : 0));
}

/**
 * The conflicts starting `candidate` would create with `others` (its own stored row among
 * them is ignored): the rings it shares with a live release. Empty means it may start.
 */
export function conflictsForStart(candidate: RingClaim, others: readonly RingClaim[]): RingConflict[] {
  const rest = others.filter((o) => o.releaseId !== candidate.releaseId);
  const mine = new Set(candidate.rings);
  return ringConflicts([...rest, { ...candidate, phase: 'progressing' }]).filter(
    (c) => mine.has(c.ring) && c.releaseIds.includes(candidate.releaseId),
  );
}
