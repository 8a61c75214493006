// The jobs context's public face: the async work executor (a tenant-fair, crash-safe queue on
// PostgreSQL/PGlite), its worker runtime and the kind registry (its HTTP routes are the gateway's).
// Other contexts import from here only.
export { abortableDelay, registerBuiltinKinds } from './builtin-kinds.js';
export { NonRetryableJobError } from './errors.js';
export { makeJobLeases, type JobLeases, type Settlement } from './job-leases.js';
export {
  isTerminal,
  JOB_STATES,
  TERMINAL_JOB_STATES,
  type Job,
  type JobActor,
  type JobAttemptKey,
  type JobState,
  type JobStateChangeHook,
  type JobStateChangeOf,
  type JobStateChangesHook,
  type StateChange,
} from './job-model.js';
export { makeJobQueue, type EnqueueInput, type JobPage, type JobQueue, type JobQueueOptions } from './job-queue.js';
export { JobPageSchema, JobResourceSchema, jobPath, toJobResource } from './job-resource.js';
export { defineJobKind, JOB_KIND_PATTERN, makeJobKindRegistry, type JobKindRegistry } from './kinds.js';
export { makeWorker } from './worker.js';
export type { JobSpanInfo, Worker, WorkerOptions } from './worker-ports.js';
export { selectQueueDepths, type QueueDepth } from './queue-snapshot.js';
