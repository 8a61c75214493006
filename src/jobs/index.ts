// The jobs context's public face: the async work executor (a tenant-fair, crash-safe queue on
// PostgreSQL/PGlite), its worker runtime, the kind registry and the HTTP routes.
// Other contexts import from here only.
export { backoffDelayMs, decideAfterFailure, defaultBackoff, type BackoffPolicy, type FailureDecision } from './backoff.js';
export { abortableDelay, noopKind, registerBuiltinKinds, sleepKind } from './builtin-kinds.js';
export {
  describeFailure,
  IdempotencyKeyReusedError,
  InvalidJobPayloadError,
  JobLeaseLostError,
  JobPayloadTooLargeError,
  JobQueueFullError,
  JobStateConflictError,
  JobTimeoutError,
  NonRetryableJobError,
  UnknownJobKindError,
  WorkerShutdownError,
  type PayloadIssue,
} from './errors.js';
export { allocateClaims, type Allocation, type AllocationOptions, type TenantBacklog } from './fair-share.js';
export {
  makeJobLeases,
  type ClaimRequest,
  type JobLeases,
  type JobLeasesDeps,
  type ProgressUpdate,
  type SettledJob,
  type Settlement,
  type SettleResult,
} from './job-leases.js';
export {
  actionTarget,
  isTerminal,
  JOB_STATES,
  TERMINAL_JOB_STATES,
  JobActions,
  JobStates,
  StateChangeReasons,
  type Job,
  type JobAction,
  type JobActor,
  type JobAttemptKey,
  type JobErrorInfo,
  type JobState,
  type JobStateChangeHook,
  type JobTraceContext,
  type StateChange,
  type StateChangeReason,
} from './job-model.js';
export {
  makeJobQueue,
  type EnqueueContext,
  type EnqueueInput,
  type EnqueueResult,
  type JobListFilter,
  type JobPage,
  type JobQueue,
  type JobQueueDeps,
  type JobQueueOptions,
} from './job-queue.js';
export { JobPageSchema, JobResourceSchema, jobPath, toJobResource, traceIdOf, type JobResource } from './job-resource.js';
export {
  defineJobKind,
  JOB_KIND_PATTERN,
  makeJobKindRegistry,
  type JobContext,
  type JobKindDefinition,
  type JobKindRegistry,
  type RegisteredJobKind,
} from './kinds.js';
export { JOBS_CHANNEL, makeWorker } from './worker.js';
export type { JobLogger, JobSpanInfo, JobTracer, Worker, WorkerDeps, WorkerOptions, WorkerStats, WorkerStopResult } from './worker-ports.js';
export { selectQueueDepths, type QueueDepth } from './queue-snapshot.js';
