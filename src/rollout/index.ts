// The rollout context's public face: rainbow releases of the data plane's configuration over
// tenant rings. For now its pure core only: the release document, sticky colour routing, the
// fast guard, the Mann-Whitney judgement, the release state machine, the OpenFeature flag
// provider, the change record and shadow agreement (see README.md).
// Other contexts import from here only.
export {
  assessRisk,
  changeRecord,
  configDiff,
  RISK_POINTS,
  safetyLoosened,
  type ChangeRecordInput,
  type ConfigChange,
  type ControlRelease,
  type PreflightResult,
  type ReleaseConfig,
  type RiskAssessment,
  type RiskReason,
} from './change-record.js';
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
  explainFlags,
  FLAG_PROVIDER_NAME,
  makeFlagProvider,
  renderFlagExplanation,
  snapshotFlagSource,
  targetOf,
  type CandidateFlags,
  type FlagExplanation,
  type FlagLine,
  type FlagOrigin,
  type FlagSnapshot,
  type FlagSource,
  type FlagTarget,
  type FlagValue,
  type TenantFlags,
} from './flag-provider.js';
export {
  judgeBound,
  judgeMetric,
  mannWhitneyU,
  type BoundJudgement,
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
  BUILTIN_EXTRACTION_VERSION,
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
  answerSimilarity,
  citationOverlap,
  makeShadowTally,
  shadowAgreement,
  type CitationRef,
  type ObservedAnswer,
  type ShadowAgreement,
  type ShadowKey,
  type ShadowOutcome,
  type ShadowSummary,
  type ShadowTally,
  type ShadowWindow,
} from './shadow-agreement.js';
export { makeShadowRunner, type ShadowRunner, type ShadowRunnerOptions, type ShadowTask } from './shadow-runner.js';
export {
  analyseStep,
  DEFAULT_LATENCY_FLOOR_MS,
  unavailableAnalysis,
  DEFAULT_METRICS,
  judgeShadow,
  ROLLOUT_INTERVALS,
  type ShadowBounds,
  type AnalysisSettings,
  type MetricSamples,
  type StepAnalysis,
} from './step-analysis.js';
export {
  BUCKETS,
  bucketOf,
  colourFor,
  inCandidate,
  thresholdOf,
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
export {
  AnalysisSources,
  irisOutcomeSource,
  type AnalysisSource,
  type BakeMetrics,
  type ColourPair,
  type OutcomeSource,
} from './outcome-source.js';
export {
  bucketsQuery,
  countersFromAnswers,
  medianLatencyQuery,
  MIN_PROMETHEUS_STEPS,
  parsePromAnswer,
  PROMETHEUS_SERIES,
  promString,
  requestsQuery,
  selectorOf,
  stepMetrics,
  stepSeriesFromAnswers,
  type PromSeries,
  type Reading,
  type StepMetrics,
  type StepSeries,
} from './prometheus-source.js';
export { makeRolloutState, ROLLOUT_CHANNEL, type Placement, type RolloutState } from './rollout-state.js';
export {
  makeReleaseService,
  OPERATOR_ACTIONS,
  releaseDocumentError,
  releaseIdOf,
  type OperatorAction,
  type ReleasePlanView,
  type ReleasePreflight,
  type ReleaseService,
  type TickOutcome,
} from './release-service.js';
export type { ControlRow, ReleaseHistoryEntry, StoredRelease, StoredRing } from './release-store.js';

// HAProxy in front of colour pools: the maps Iris keeps current over the runtime API.
export { backendOf, MapNames, type DesiredRouting } from './haproxy-map.js';
export {
  HaproxyRuntimeError,
  makeHaproxyMapSync,
  makeHaproxyRuntime,
  syncMaps,
  type HaproxyMapSync,
  type MapFiles,
  type RuntimeAddress,
  type SyncResult,
} from './haproxy-runtime.js';

export {
  dashboardsGate,
  labelledAccuracy,
  LOAD_PROBE_THRESHOLDS,
  loadProbeGate,
  matcherMatches,
  policyGate,
  silenceConcerns,
  silencesGate,
  type LabelledObservation,
  type LabelledSet,
  type LoadProbeResult,
  type PolicyBundleFacts,
  type PreflightStage,
  type Silence,
  type SilenceMatcher,
  type SilenceReview,
} from './preflight.js';
export { makePreflightService, type PreflightService, type PreflightServiceDeps } from './preflight-service.js';
export type { PreflightRun } from './preflight-store.js';
export {
  AlertmanagerError,
  makeAlertmanagerClient,
  parseSilences,
  type AlertmanagerClient,
} from './alertmanager-client.js';
export {
  makeShadowRecorder,
  selectShadowWindow,
  SHADOW_SAMPLES_PER_SECOND,
  type ShadowRecorder,
} from './shadow-samples.js';
export {
  DEFAULT_GRAPH_PROBE,
  judgeGraphs,
  planGraphWork,
  probeFigures,
  type GraphAction,
  type GraphPlanInput,
  type GraphProbeBounds,
  type GraphProbeFigures,
  type GraphRelease,
  type ProbePair,
  type TenantGraphView,
} from './graph-rollout.js';
