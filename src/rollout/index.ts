// The rollout context's public face: rainbow releases of the data plane's configuration over
// tenant rings. For now its pure core only: the release document, sticky colour routing, the
// fast guard, the Mann-Whitney judgement and the release state machine (see README.md).
// Other contexts import from here only.
export {
  DEFAULT_GUARD_THRESHOLDS,
  guardInterval,
  type ColourCounters,
  type GuardCheck,
  type GuardDecision,
  type GuardThresholds,
  type LatencyHistogram,
} from './fast-guard.js';
export {
  judgeMetric,
  mannWhitneyU,
  Verdicts,
  type MannWhitneyResult,
  type MetricDirection,
  type MetricJudgement,
  type MetricVerdict,
  type Verdict,
  type VerdictExplanation,
} from './mann-whitney.js';
export {
  FINISHED_PHASES,
  isFinished,
  LIVE_PHASES,
  RELEASE_PHASES,
  RELEASE_TRANSITIONS,
  ReleaseEventKinds,
  ReleasePhases,
  ROLLBACK_RUNBOOK,
  transition,
  type PlanRing,
  type PlanStep,
  type RefusalCode,
  type ReleaseEffect,
  type ReleaseEvent,
  type ReleaseEventKind,
  type ReleasePhase,
  type ReleasePosition,
  type ReleaseRun,
  type StepRef,
  type TransitionResult,
} from './release-machine.js';
export {
  parseReleaseSpec,
  ReleaseSpecSchema,
  type ParseResult,
  type ReleaseSpec,
  type SpecProblem,
} from './release-spec.js';
export {
  promotionOrder,
  ringOf,
  ringProblems,
  type RingDefinition,
  type RingPlacement,
  type TenantRingFacts,
} from './ring-membership.js';
export { conflictsForStart, ringConflicts, type RingClaim, type RingConflict } from './ring-conflicts.js';
export {
  analyseStep,
  DEFAULT_METRICS,
  ROLLOUT_INTERVALS,
  type AnalysisSettings,
  type MetricSamples,
  type StepAnalysis,
} from './step-analysis.js';
export {
  BUCKETS,
  bucketOf,
  colourFor,
  type ColourChoice,
  type ColourOptions,
  type ColourWeights,
  type RingCandidate,
} from './sticky-hash.js';

// The wiring: storage, the routing snapshot, per-colour outcome counters and the service.
export {
  makeOutcomeCounters,
  OUTCOME_BUCKETS_MS,
  SAMPLES_PER_SECOND,
  type OutcomeCounters,
  type OutcomeKey,
} from './outcome-counters.js';
export { makeRolloutState, ROLLOUT_CHANNEL, type Placement, type RolloutState } from './rollout-state.js';
export {
  makeReleaseService,
  OPERATOR_ACTIONS,
  releaseIdOf,
  type OperatorAction,
  type ReleasePlanView,
  type ReleaseService,
  type TickOutcome,
} from './release-service.js';
export type { ControlRow, ReleaseHistoryEntry, StoredRelease, StoredRing } from './release-store.js';
