// The job model: states, the Job record, and the pure rules of which operator action may move
// a job from which state. No I/O here; the queue and the worker apply these rules.
import type { Queryable } from '../core/db.js';
import type { TraceParent } from '../core/trace-parent.js';

/** Every state a job can be in. `poisoned` jobs are kept until redriven; never retried automatically. */
export const JobStates = {
  queued: 'queued',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  poisoned: 'poisoned',
  cancelled: 'cancelled',
} as const;
export type JobState = (typeof JobStates)[keyof typeof JobStates];
export const JOB_STATES: readonly JobState[] = Object.values(JobStates);

/** States a job never leaves on its own (only an operator's retry/redrive moves it on). */
export const TERMINAL_JOB_STATES = [
  'succeeded',
  'failed',
  'poisoned',
  'cancelled',
] as const satisfies readonly JobState[];
export type TerminalJobState = (typeof TERMINAL_JOB_STATES)[number];
const TERMINAL: ReadonlySet<JobState> = new Set(TERMINAL_JOB_STATES);

/** Whether `state` is one a job never leaves on its own (see TERMINAL_JOB_STATES). */
export function isTerminal(state: JobState): state is TerminalJobState {
  return TERMINAL.has(state);
}

/** What went wrong in an attempt, as stored in `last_error` and shown to users (no stacks). */
export interface JobErrorInfo {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
  readonly attempt: number;
  readonly at: string;
}

/** W3C trace context carried inside the job, so a worker's spans join the request's trace. */
export interface JobTraceContext {
  readonly traceparent?: string;
  readonly tracestate?: string;
}

/** One job as stored. Dates are the database's clock. */
export interface Job {
  readonly tenantId: string;
  readonly jobId: string;
  /** Monotonic with creation: FIFO order and the list cursor. */
  readonly seq: number;
  readonly kind: string;
  readonly payload: unknown;
  /** -100..100, higher runs first within a tenant. */
  readonly priority: number;
  readonly state: JobState;
  readonly runAt: Date;
  /** Attempts started so far (the running attempt included). */
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly leaseOwner: string | null;
  readonly leaseExpiresAt: Date | null;
  readonly dedupKey: string | null;
  readonly dedupExpiresAt: Date | null;
  readonly progress: { readonly percent: number | null; readonly message: string | null };
  readonly result: unknown;
  readonly lastError: JobErrorInfo | null;
  readonly traceContext: JobTraceContext | null;
  readonly requestId: string | null;
  readonly createdBy: string | null;
  readonly redrives: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
}

/** Identifies one attempt of one job: a worker's claim on it. */
export interface JobAttemptKey {
  readonly tenantId: string;
  readonly jobId: string;
  readonly attempts: number;
}

/** Who asked for a change, carried into the state-change hook (and so into the audit ledger). */
export interface JobActor {
  readonly actor: string;
  readonly requestId?: string;
  readonly traceparent?: string;
  readonly tracestate?: string;
  /** The caller's span (a request's): the change's transaction hangs below it. */
  readonly trace?: TraceParent;
}

/** Why a job changed state; stable names an audit ledger can use as actions. */
export const StateChangeReasons = {
  enqueue: 'enqueue',
  claim: 'claim',
  succeed: 'succeed',
  backoff: 'backoff',
  fail: 'fail',
  poison: 'poison',
  leaseExpired: 'lease-expired',
  release: 'release',
  cancel: 'cancel',
  retry: 'retry',
  redrive: 'redrive',
} as const;
export type StateChangeReason = (typeof StateChangeReasons)[keyof typeof StateChangeReasons];

/** Context of one state change. Worker-made changes name the worker as actor (`worker:<id>`). */
export interface StateChange {
  readonly actor: string;
  readonly requestId: string | null;
  readonly reason: StateChangeReason;
}

/**
 * Called inside the transaction that changes a job's state (so an audit append commits or
 * rolls back with it). `from` is null when the job is created. Runs for every job of a batch.
 */
export type JobStateChangeHook = (
  tx: Queryable,
  job: Job,
  from: JobState | null,
  to: JobState,
  change: StateChange,
) => Promise<void>;

/** One job's state change, as the hook over several at once sees it. */
export interface JobStateChangeOf {
  readonly job: Job;
  readonly from: JobState | null;
  readonly to: JobState;
  readonly change: StateChange;
}

/**
 * The hook over the state changes of one transaction at once, in order (a group commit's new
 * jobs), so an audit ledger can append them with one head write. Same contract as the hook
 * per job; a queue given both uses this one where it changes several jobs together.
 */
export type JobStateChangesHook = (tx: Queryable, changes: readonly JobStateChangeOf[]) => Promise<void>;

/** Operator actions on one job. */
export const JobActions = { cancel: 'cancel', retry: 'retry', redrive: 'redrive' } as const;
export type JobAction = (typeof JobActions)[keyof typeof JobActions];

/**
 * The state an operator action moves a job to, or null when the action does not apply to
 * the job's current state (the caller answers 409).
 * - cancel: queued or running -> cancelled (a running handler is aborted at its next heartbeat);
 * - retry: failed or cancelled -> queued, attempts reset;
 * - redrive: poisoned -> queued, attempts reset.
 */
export function actionTarget(action: JobAction, state: JobState): JobState | null {
  switch (action) {
    case 'cancel':
      return state === 'queued' || state === 'running' ? 'cancelled' : null;
    case 'retry':
      return state === 'failed' || state === 'cancelled' ? 'queued' : null;
    case 'redrive':
      return state === 'poisoned' ? 'queued' : null;
    default: {
      const never: never = action;
      throw new Error(`unknown job action ${String(never)}`);
    }
  }
}

/** Deep equality of JSON values, key order ignored (jsonb does not keep key order). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  if (ak.length !== bk.length) return false;
  return ak.every((k) => Object.hasOwn(bo, k) && sameJson(ao[k], bo[k]));
}
