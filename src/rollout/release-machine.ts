// The rollout state machine of one release: phases, events, the `as const` table of which
// event moves which phase where, and the pure `transition` that also computes the release's
// new position (ring, step, weight, bake start) and the effects the wiring must carry out.
// No I/O and no clock: every event carries its time `at` (ms since the epoch).
//
// Anchors: Argo Rollouts (steps with weights and pauses; abort sends traffic back to stable;
// promote skips ahead), Kayenta (NoData never passes: it pauses here).

/** Every phase a release can be in. */
export const ReleasePhases = {
  planned: 'planned',
  progressing: 'progressing',
  analysing: 'analysing',
  paused: 'paused',
  promoted: 'promoted',
  aborted: 'aborted',
  rolledBack: 'rolled_back',
} as const;
export type ReleasePhase = (typeof ReleasePhases)[keyof typeof ReleasePhases];
export const RELEASE_PHASES: readonly ReleasePhase[] = Object.values(ReleasePhases);

/** Phases in which a release holds its rings (its colour serves some traffic there). */
export const LIVE_PHASES = ['progressing', 'analysing', 'paused'] as const satisfies readonly ReleasePhase[];
/** Phases a release never leaves, except `promoted` by an explicit rollback. */
export const FINISHED_PHASES = ['promoted', 'aborted', 'rolled_back'] as const satisfies readonly ReleasePhase[];

/** Every event. Operator events carry the operator as actor; automated ones `system`. */
export const ReleaseEventKinds = {
  start: 'start',
  pause: 'pause',
  resume: 'resume',
  promote: 'promote',
  abort: 'abort',
  rollback: 'rollback',
  stepPassed: 'step_passed',
  bakeElapsed: 'bake_elapsed',
  guardFailed: 'guard_failed',
  analysisPassed: 'analysis_passed',
  analysisFailed: 'analysis_failed',
  analysisNoData: 'analysis_nodata',
} as const;
export type ReleaseEventKind = (typeof ReleaseEventKinds)[keyof typeof ReleaseEventKinds];

/** `advance` means: next step, next ring's first step, or `promoted` after the last step. */
type Target = ReleasePhase | 'advance';

/**
 * Which event applies in which phase, and where it leads. A missing entry is a refusal.
 * - pause keeps the weight (traffic stays where it is) and stops the bake clock;
 * - resume restarts the current step's bake from zero;
 * - promote is a full promotion (the candidate becomes the control in every ring);
 * - step_passed is an operator skipping the rest of the current step (bake and analysis);
 * - guard_failed and analysis_failed roll back at once, even while paused (weight > 0 there);
 * - analysis_nodata pauses (too little traffic never passes);
 * - rollback of a promoted release restores the previous control.
 */
export const RELEASE_TRANSITIONS = {
  planned: { start: 'progressing', abort: 'aborted' },
  progressing: {
    pause: 'paused',
    promote: 'promoted',
    abort: 'aborted',
    rollback: 'rolled_back',
    step_passed: 'advance',
    bake_elapsed: 'analysing',
    guard_failed: 'rolled_back',
  },
  analysing: {
    pause: 'paused',
    promote: 'promoted',
    abort: 'aborted',
    rollback: 'rolled_back',
    step_passed: 'advance',
    guard_failed: 'rolled_back',
    analysis_passed: 'advance',
    analysis_failed: 'rolled_back',
    analysis_nodata: 'paused',
  },
  paused: {
    resume: 'progressing',
    promote: 'promoted',
    abort: 'aborted',
    rollback: 'rolled_back',
    step_passed: 'advance',
    guard_failed: 'rolled_back',
    analysis_failed: 'rolled_back',
  },
  promoted: { rollback: 'rolled_back' },
  aborted: {},
  rolled_back: {},
} as const satisfies Record<ReleasePhase, Partial<Record<ReleaseEventKind, Target>>>;

/** One step of a ring: the candidate's weight in percent and how long it bakes. */
export interface PlanStep {
  readonly weight: number;
  readonly bakeSeconds: number;
}

/** One ring of the plan, in promotion order. */
export interface PlanRing {
  readonly ring: string;
  readonly steps: readonly PlanStep[];
}

/** Where a started release is. */
export interface ReleasePosition {
  readonly ringIndex: number;
  readonly stepIndex: number;
  /** The candidate's weight in the current ring (earlier rings keep their last step's weight). */
  readonly weight: number;
  /** When the current bake started; null while paused or finished. */
  readonly bakeStartedAt: number | null;
}

/** The state of one release as stored (one row; any replica can resume from it). */
export interface ReleaseRun {
  readonly releaseId: string;
  /** The candidate's colour. */
  readonly colour: string;
  /** The control colour it is compared with and would replace. */
  readonly control: string;
  readonly plan: readonly PlanRing[];
  readonly phase: ReleasePhase;
  /** Null until started. */
  readonly position: ReleasePosition | null;
  /** Why it is paused, aborted or rolled back (null otherwise). */
  readonly reason: string | null;
}

/** Names the step an automated event is about, so a late timer cannot move a newer step. */
export interface StepRef {
  readonly ringIndex: number;
  readonly stepIndex: number;
}

interface EventBase {
  /** When it happened, ms since the epoch (the caller's clock). */
  readonly at: number;
  readonly actor: string;
}

export type ReleaseEvent =
  | (EventBase & { readonly kind: 'start' | 'resume' | 'promote' | 'step_passed' })
  | (EventBase & { readonly kind: 'pause' | 'abort' | 'rollback'; readonly reason: string })
  | (EventBase & { readonly kind: 'guard_failed'; readonly reason: string })
  | (EventBase & { readonly kind: 'bake_elapsed' | 'analysis_passed'; readonly step: StepRef })
  | (EventBase & {
      readonly kind: 'analysis_failed' | 'analysis_nodata';
      readonly step: StepRef;
      readonly reason: string;
    });

/** What the wiring must do, in order. `set_weight` is idempotent (a retry is harmless). */
export type ReleaseEffect =
  | { readonly kind: 'set_weight'; readonly ring: string; readonly colour: string; readonly weight: number }
  | { readonly kind: 'schedule_bake'; readonly step: StepRef; readonly until: number }
  | { readonly kind: 'request_analysis'; readonly step: StepRef; readonly from: number; readonly to: number }
  | { readonly kind: 'make_control'; readonly colour: string }
  | {
      readonly kind: 'audit';
      readonly action: `release.${ReleaseEventKind}`;
      readonly from: ReleasePhase;
      readonly to: ReleasePhase;
      readonly actor: string;
      readonly reason: string | null;
    }
  | {
      readonly kind: 'alert';
      readonly name: 'IrisReleaseRolledBack';
      readonly reason: string;
      readonly runbook: string;
    }
  | { readonly kind: 'change_record'; readonly phase: ReleasePhase; readonly reason: string | null };

export type TransitionResult =
  | { readonly next: ReleaseRun; readonly effects: readonly ReleaseEffect[] }
  | { readonly refused: string; readonly code: RefusalCode };

/** Why an event was refused: `finished` and `not_applicable` are 409s; `stale` and `too_early` are dropped timers. */
export type RefusalCode = 'finished' | 'not_applicable' | 'stale' | 'too_early' | 'empty_plan' | 'bad_event';

/** Where the rollback alert's runbook lives (ops/runbooks/, linked from the alert rule). */
export const ROLLBACK_RUNBOOK = 'ops/runbooks/IrisReleaseRolledBack.md';

/** Whether the release is in a phase it never leaves on its own. */
export function isFinished(phase: ReleasePhase): boolean {
  return (FINISHED_PHASES as readonly ReleasePhase[]).includes(phase);
}

/**
 * The next state of `run` under `event`, with the effects to carry out, or a refusal that says
 * why. Never throws for a well-typed input; never half-applies (a refusal changes nothing).
 */
export function transition(run: ReleaseRun, event: ReleaseEvent): TransitionResult {
  const row: Partial<Record<ReleaseEventKind, Target>> = RELEASE_TRANSITIONS[run.phase];
  const target = row[event.kind];
  if (target === undefined) return refuse(run, event);
  if (!Number.isFinite(event.at))
    return { code: 'bad_event', refused: `${event.kind} has no valid time (at = ${event.at})` };

  if ('step' in event) {
    const pos = run.position;
    if (pos === null || pos.ringIndex !== event.step.ringIndex || pos.stepIndex !== event.step.stepIndex) {
      return {
        code: 'stale',
        refused: `${event.kind} is for ring ${event.step.ringIndex} step ${event.step.stepIndex}, but the release is at ${where(run)}`,
      };
    }
  }

  switch (event.kind) {
    case 'start': {
      const first = run.plan.findIndex((r) => r.steps.length > 0);
      if (first < 0) return { code: 'empty_plan', refused: 'the plan has no ring with a step' };
      return enterStep(run, event, { ringIndex: first, stepIndex: 0 }, 'progressing');
    }
    case 'resume': {
      const pos = run.position;
      if (pos === null) return refuse(run, event);
      return enterStep(run, event, pos, 'progressing');
    }
    case 'pause': {
      return moved(run, event, pausedFor(run, event.reason), []);
    }
    case 'bake_elapsed': {
      const pos = run.position;
      const step = currentStep(run);
      if (pos === null || step === undefined) return refuse(run, event);
      const started = pos.bakeStartedAt ?? event.at;
      const due = started + step.bakeSeconds * 1000;
      if (event.at < due) {
        return {
          code: 'too_early',
          refused: `the bake of ${where(run)} has ${Math.ceil((due - event.at) / 1000)} s left`,
        };
      }
      const analysis: ReleaseEffect = { kind: 'request_analysis', step: event.step, from: started, to: event.at };
      return moved(run, event, { ...run, phase: 'analysing', reason: null }, [analysis]);
    }
    case 'analysis_passed':
    case 'step_passed':
      return advance(run, event);
    case 'promote':
      return promote(run, event);
    case 'analysis_nodata':
      return moved(run, event, pausedFor(run, `no data: ${event.reason}`), []);
    case 'abort':
      return stop(run, event, 'aborted', event.reason, false);
    case 'rollback':
      return stop(run, event, 'rolled_back', event.reason, false);
    case 'guard_failed':
      return stop(run, event, 'rolled_back', `guard: ${event.reason}`, true);
    case 'analysis_failed':
      return stop(run, event, 'rolled_back', `analysis: ${event.reason}`, true);
    default: {
      const never: never = event;
      throw new Error(`unknown release event ${JSON.stringify(never)}`);
    }
  }
}

function currentStep(run: ReleaseRun): PlanStep | undefined {
  const pos = run.position;
  return pos === null ? undefined : run.plan[pos.ringIndex]?.steps[pos.stepIndex];
}

function pausedFor(run: ReleaseRun, reason: string): ReleaseRun {
  const position = run.position === null ? null : { ...run.position, bakeStartedAt: null };
  return { ...run, phase: 'paused', position, reason };
}

/** Sets the step's weight and starts its bake. */
function enterStep(run: ReleaseRun, event: ReleaseEvent, at: StepRef, phase: 'progressing'): TransitionResult {
  const ring = run.plan[at.ringIndex];
  const step = ring?.steps[at.stepIndex];
  if (ring === undefined || step === undefined) return refuse(run, event);
  // NOTE: copy the two indices only; `at` may be a whole stored position (resume).
  const ref: StepRef = { ringIndex: at.ringIndex, stepIndex: at.stepIndex };
  const position: ReleasePosition = { ...ref, weight: step.weight, bakeStartedAt: event.at };
  const effects: ReleaseEffect[] = [
    { kind: 'set_weight', ring: ring.ring, colour: run.colour, weight: step.weight },
    { kind: 'schedule_bake', step: ref, until: event.at + step.bakeSeconds * 1000 },
  ];
  return moved(run, event, { ...run, phase, position, reason: null }, effects);
}

/** Next step, or the next ring's first step, or promotion after the last step of the last ring. */
function advance(run: ReleaseRun, event: ReleaseEvent): TransitionResult {
  const pos = run.position;
  if (pos === null) return refuse(run, event);
  const ring = run.plan[pos.ringIndex];
  // NOTE: skip rings without steps (the spec refuses them; a stored plan might still hold one).
  if (ring !== undefined && pos.stepIndex + 1 < ring.steps.length) {
    return enterStep(run, event, { ringIndex: pos.ringIndex, stepIndex: pos.stepIndex + 1 }, 'progressing');
  }
  for (let r = pos.ringIndex + 1; r < run.plan.length; r++) {
    if ((run.plan[r]?.steps.length ?? 0) > 0)
      return enterStep(run, event, { ringIndex: r, stepIndex: 0 }, 'progressing');
  }
  return promote(run, event);
}

/** The candidate takes every ring, then becomes the control. */
function promote(run: ReleaseRun, event: ReleaseEvent): TransitionResult {
  const effects: ReleaseEffect[] = run.plan.map((r) => ({
    kind: 'set_weight',
    ring: r.ring,
    colour: run.colour,
    weight: 100,
  }));
  effects.push({ kind: 'make_control', colour: run.colour });
  const last = Math.max(0, run.plan.length - 1);
  const position: ReleasePosition = {
    ringIndex: last,
    stepIndex: Math.max(0, (run.plan[last]?.steps.length ?? 1) - 1),
    weight: 100,
    bakeStartedAt: null,
  };
  return moved(run, event, { ...run, phase: 'promoted', position, reason: null }, effects, true);
}

/**
 * Abort or roll back: weight 0 in every ring the release reached (all of them once promoted,
 * where the previous control is restored). Automatic stops fire the alert with its runbook.
 */
function stop(
  run: ReleaseRun,
  event: ReleaseEvent,
  phase: 'aborted' | 'rolled_back',
  reason: string,
  automatic: boolean,
): TransitionResult {
  const reached = run.phase === 'promoted' ? run.plan.length : run.position === null ? 0 : run.position.ringIndex + 1;
  const effects: ReleaseEffect[] = run.plan
    .slice(0, reached)
    .map((r) => ({ kind: 'set_weight', ring: r.ring, colour: run.colour, weight: 0 }));
  if (run.phase === 'promoted') effects.push({ kind: 'make_control', colour: run.control });
  if (automatic) effects.push({ kind: 'alert', name: 'IrisReleaseRolledBack', reason, runbook: ROLLBACK_RUNBOOK });
  const position = run.position === null ? null : { ...run.position, weight: 0, bakeStartedAt: null };
  return moved(run, event, { ...run, phase, position, reason }, effects, true);
}

/** Appends the audit effect (every transition) and, when asked, the change-record update. */
function moved(
  run: ReleaseRun,
  event: ReleaseEvent,
  next: ReleaseRun,
  effects: ReleaseEffect[],
  changeRecord = next.phase === 'paused',
): TransitionResult {
  effects.push({
    kind: 'audit',
    action: `release.${event.kind}`,
    from: run.phase,
    to: next.phase,
    actor: event.actor,
    reason: next.reason,
  });
  if (changeRecord) effects.push({ kind: 'change_record', phase: next.phase, reason: next.reason });
  return { next, effects };
}

function refuse(run: ReleaseRun, event: ReleaseEvent): TransitionResult {
  const e = event.kind;
  const refusal = (code: RefusalCode, refused: string): TransitionResult => ({ code, refused });
  switch (run.phase) {
    case 'promoted':
      return refusal('finished', `the release is promoted; only rollback applies to it, not ${e}`);
    case 'aborted':
    case 'rolled_back':
      return refusal(
        'finished',
        `the release is ${run.phase === 'aborted' ? 'aborted' : 'rolled back'}${run.reason === null ? '' : ` (${run.reason})`}; a finished release does not ${e}: create a new release`,
      );
    case 'planned':
      return refusal('not_applicable', `the release has not started; ${e} needs a started release`);
    case 'paused':
      return refusal(
        'not_applicable',
        e === 'pause' ? 'the release is already paused' : `the release is paused; resume it before ${e}`,
      );
    case 'progressing':
    case 'analysing':
      return refusal(
        'not_applicable',
        e === 'start' || e === 'resume'
          ? `the release is already running (${run.phase} at ${where(run)})`
          : `${e} does not apply while ${run.phase}`,
      );
    default: {
      const never: never = run.phase;
      throw new Error(`unknown release phase ${String(never)}`);
    }
  }
}

function where(run: ReleaseRun): string {
  const pos = run.position;
  if (pos === null) return 'no step';
  return `ring ${pos.ringIndex} (${run.plan[pos.ringIndex]?.ring ?? '?'}) step ${pos.stepIndex}`;
}
