// The worker runtime: claims jobs fairly in batches as slots free up, runs their handlers with a
// timeout and an AbortSignal, settles outcomes in batches, heartbeats its leases, sweeps expired
// leases of dead workers, wakes on LISTEN/NOTIFY (polling as the fallback), and shuts down
// gracefully: in-flight work finishes within a grace period or is released to the queue.
import { newId } from '../core/ids.js';
import { decideAfterFailure, defaultBackoff } from './backoff.js';
import { describeFailure, JobLeaseLostError, NonRetryableJobError, WorkerShutdownError } from './errors.js';
import { attemptLogFields, boundResult, runAttempt, workerLogFields, type InFlight } from './job-attempt.js';
import {
  makeJobLeases,
  type ClaimRequest,
  type JobLeases,
  type SettledJob,
  type SettleResult,
  type Settlement,
} from './job-leases.js';
import type { Job } from './job-model.js';
import { jobKey } from './job-rows.js';
import type { RegisteredJobKind } from './kinds.js';
import type { JobLogger, Worker, WorkerDeps, WorkerOptions, WorkerStats, WorkerStopResult } from './worker-ports.js';

/** NOTIFY channel raised (by a trigger) when ready work appears. */
const JOBS_CHANNEL = 'iris_jobs';

const silentLogger: JobLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Creates a worker; call start(). */
export function makeWorker(deps: WorkerDeps, options: WorkerOptions = {}): Worker {
  return new WorkerRuntime(deps, options);
}

class WorkerRuntime implements Worker {
  readonly id: string;
  private readonly leases: JobLeases;
  private readonly log: JobLogger;
  private readonly concurrency: number;
  private readonly maxBatch: number;
  private readonly leaseMs: number;
  private readonly heartbeatMs: number;
  private readonly random: () => number;
  private readonly maxResultBytes: number;
  private readonly settleLingerMs: number;

  private readonly inflight = new Map<string, InFlight>();
  private readonly pending: Settlement[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly lateTimers: NodeJS.Timeout[] = [];
  private waiters: Array<() => void> = [];
  private unlisten: (() => Promise<void>) | undefined;
  private started = false;
  private stopping = false;
  /** Handlers running now (slots in use); settling jobs no longer hold a slot. */
  private running = 0;
  private claiming: Promise<void> | null = null;
  /**
   * A claim failed (typically a lost connection), so it may have committed leases this worker
   * never heard of; the next claim pass gives such jobs back first (releaseUnheld).
   */
  private leasesInDoubt = false;
  private claimAgain = false;
  private kickScheduled = false;
  private flushing: Promise<void> | null = null;
  private flushTimer: NodeJS.Timeout | undefined;
  private settledSinceMaintenance = 0;
  private counters = { claimed: 0, succeeded: 0, retried: 0, failed: 0, poisoned: 0, lost: 0, released: 0, swept: 0 };

  constructor(
    private readonly deps: WorkerDeps,
    private readonly options: WorkerOptions,
  ) {
    this.id = options.workerId ?? newId('wkr', 9);
    this.leases = makeJobLeases({ db: deps.db, onStateChange: deps.onStateChange });
    this.log = deps.logger ?? silentLogger;
    this.concurrency = Math.max(1, options.concurrency ?? 10);
    this.maxBatch = Math.max(1, Math.min(options.maxBatch ?? Math.min(this.concurrency, 100), 1000));
    this.leaseMs = options.leaseMs ?? 30_000;
    this.heartbeatMs = options.heartbeatMs ?? Math.max(50, Math.floor(this.leaseMs / 3));
    this.random = options.random ?? Math.random;
    this.maxResultBytes = options.maxResultBytes ?? 64 * 1024;
    this.settleLingerMs = options.settleLingerMs ?? 5;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error(`worker ${this.id} was already started`);
    this.started = true;
    if (this.options.listen !== false) {
      try {
        // A reconnected LISTEN may have missed wake-ups: claim at once.
        this.unlisten = await this.deps.db.listen(
          JOBS_CHANNEL,
          () => this.kick(),
          () => this.kick(),
        );
      } catch (err) {
        this.log.warn({ ...workerLogFields(this.id), err }, 'LISTEN failed; falling back to polling');
      }
    }
    this.every(this.timers, this.options.pollIntervalMs ?? 2000, 'poll', async () => this.kick());
    this.every(this.timers, this.options.sweepIntervalMs ?? 5000, 'sweep', () => this.sweep());
    const pruneAfterMs = this.options.pruneAfterMs ?? 7 * 24 * 3600_000;
    if (pruneAfterMs > 0)
      this.every(this.timers, 10 * 60_000, 'prune', async () => void (await this.leases.prune(pruneAfterMs)));
    const maintenanceMs = this.options.maintenanceIntervalMs ?? 60_000;
    if (this.deps.db.dialect === 'pglite' && maintenanceMs > 0)
      this.every(this.timers, maintenanceMs, 'maintenance', () => this.maintain());
    this.every(this.lateTimers, this.heartbeatMs, 'heartbeat', () => this.heartbeat());
    this.every(this.lateTimers, this.options.progressIntervalMs ?? 500, 'progress', () => this.flushProgress());
    await this.sweep().catch((err: unknown) =>
      this.log.warn({ ...workerLogFields(this.id), err }, 'initial sweep failed'),
    );
    this.kick();
  }

  async stop(options: { graceMs?: number } = {}): Promise<WorkerStopResult> {
    if (!this.started || this.stopping) return { finished: 0, released: 0 };
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    if (this.unlisten !== undefined) await this.unlisten().catch(() => undefined);
    if (this.claiming !== null) await this.claiming;
    const inFlightAtStop = this.inflight.size;
    const deadline = Date.now() + (options.graceMs ?? this.options.shutdownGraceMs ?? 10_000);
    while (this.hasRunning() && Date.now() < deadline) await this.waitChange(deadline - Date.now());
    const rest = [...this.inflight.values()].filter((e) => e.state === 'running');
    for (const e of rest) this.abandon(e, new WorkerShutdownError(), false);
    let released = 0;
    if (rest.length > 0) {
      try {
        released = (
          await this.leases.release(
            this.id,
            rest.map((e) => e.job),
          )
        ).length;
        this.counters.released += released;
      } catch (err) {
        this.log.error(
          { ...workerLogFields(this.id), err },
          'releasing in-flight jobs failed; their leases will expire and the sweep will requeue them',
        );
      }
    }
    while (this.pending.length > 0 || this.flushing !== null || this.flushTimer !== undefined)
      await this.waitChange(1000);
    await this.flushProgress().catch(() => undefined);
    for (const t of this.lateTimers) clearInterval(t);
    return { finished: inFlightAtStop - rest.length, released };
  }

  stats(): WorkerStats {
    return { ...this.counters, inFlight: this.running };
  }

  // --- claiming ---------------------------------------------------------------------------

  /** Asks for a claim; calls within one event-loop turn collapse into one claim. */
  private kick(): void {
    if (!this.started || this.stopping || this.kickScheduled) return;
    this.kickScheduled = true;
    setImmediate(() => {
      this.kickScheduled = false;
      this.claimNow();
    });
  }

  private claimNow(): void {
    if (this.stopping) return;
    // NOTE: a settle is about to run; it claims in the same transaction, or kicks again after.
    if (this.pending.length > 0 && (this.flushTimer !== undefined || this.flushing !== null)) return;
    if (this.claiming !== null) {
      this.claimAgain = true;
      return;
    }
    this.claiming = this.claimLoop().finally(() => {
      this.claiming = null;
      if (this.claimAgain && !this.stopping) {
        this.claimAgain = false;
        this.kick();
      }
    });
  }

  private claimRequest(limit: number): ClaimRequest {
    return {
      workerId: this.id,
      limit,
      leaseMs: this.leaseMs,
      kinds: this.options.kinds ?? this.deps.registry.kinds(),
      weightOf: this.options.weightOf,
      quantum: this.options.quantum,
      maxRunningOf: this.options.maxRunningOf,
    };
  }

  private async launchClaimed(jobs: readonly Job[]): Promise<void> {
    this.counters.claimed += jobs.length;
    if (this.stopping) {
      await this.leases
        .release(this.id, jobs)
        .catch((err: unknown) => this.log.error({ ...workerLogFields(this.id), err }, 'releasing claimed jobs failed'));
      return;
    }
    for (const job of jobs) this.launch(job);
  }

  private async claimLoop(): Promise<void> {
    if (this.leasesInDoubt && !(await this.releaseUnheld())) return;
    for (;;) {
      this.claimAgain = false;
      const free = this.concurrency - this.running;
      if (free <= 0 || this.stopping) return;
      let jobs: Job[];
      try {
        jobs = await this.leases.claim(this.claimRequest(Math.min(free, this.maxBatch)));
      } catch (err) {
        this.leasesInDoubt = true;
        this.log.error({ ...workerLogFields(this.id), err }, 'claiming jobs failed');
        return;
      }
      await this.launchClaimed(jobs);
      // NOTE: a short batch does not mean the queue is drained (some allocated tenants had
      // fewer ready jobs than counted); only an empty claim does.
      if (jobs.length === 0 || this.stopping) return;
    }
  }

  /**
   * Gives back jobs leased to this worker that it does not hold (leased by a claim whose
   * commit was lost), so they run again now rather than when their lease expires. Runs while
   * this worker has no claim under way (inside the claim loop): nothing else leases to it then.
   * Resolves false when it failed (the doubt stays; the next claim pass tries again).
   */
  private async releaseUnheld(): Promise<boolean> {
    try {
      const released = await this.leases.releaseUnheld(
        this.id,
        [...this.inflight.values()].map((e) => e.job),
      );
      this.leasesInDoubt = false;
      if (released.length > 0) {
        this.counters.released += released.length;
        this.log.warn(
          { ...workerLogFields(this.id), jobs: released.map((j) => ({ tenantId: j.tenantId, jobId: j.jobId })) },
          'gave back jobs leased by a claim whose commit was lost',
        );
      }
      return true;
    } catch (err) {
      this.log.error({ ...workerLogFields(this.id), err }, 'giving back jobs of a lost claim failed');
      return false;
    }
  }

  // --- running ----------------------------------------------------------------------------

  private launch(job: Job): void {
    const entry: InFlight = {
      job,
      controller: new AbortController(),
      state: 'running',
      progress: null,
      progressDirty: false,
    };
    this.inflight.set(jobKey(job), entry);
    this.running += 1;
    void this.execute(entry, this.deps.registry.get(job.kind));
  }

  private async execute(entry: InFlight, kind: RegisteredJobKind | undefined): Promise<void> {
    const { job } = entry;
    let settlement: Settlement;
    try {
      if (kind === undefined)
        throw new NonRetryableJobError(`No handler for job kind '${job.kind}' on this worker.`, {
          code: 'unknown_job_kind',
        });
      const issues = kind.check(job.payload);
      if (issues.length > 0) {
        throw new NonRetryableJobError(
          `The payload no longer matches the schema of '${job.kind}': ${issues[0]?.path ?? ''} ${issues[0]?.message ?? ''}`,
          {
            code: 'invalid_job_payload',
          },
        );
      }
      const result = await runAttempt(entry, kind, this.id, this.deps.tracer);
      settlement = { job, to: 'succeeded', result: boundResult(result, this.maxResultBytes) };
    } catch (err) {
      if (entry.state === 'abandoned') return;
      const info = describeFailure(err, job.attempts, new Date());
      const decision = decideAfterFailure(
        job.attempts,
        job.maxAttempts,
        info.retryable,
        kind?.backoff ?? defaultBackoff,
        this.random,
      );
      settlement =
        decision.to === 'queued'
          ? { job, to: 'queued', delayMs: decision.delayMs, error: info }
          : { job, to: decision.to, error: info };
      if (decision.to !== 'queued')
        this.log.warn({ ...attemptLogFields(entry, this.id), error: info }, `job ${decision.to}`);
      else
        this.log.info(
          { ...attemptLogFields(entry, this.id), error: info, retry_in_ms: decision.delayMs },
          'job attempt failed; retrying',
        );
    }
    if (entry.state === 'abandoned') return;
    // NOTE: the slot frees now, not when the outcome is written: the next claim overlaps the
    // settle. Until then the entry stays in `inflight` and its lease keeps being renewed.
    entry.state = 'settling';
    this.running -= 1;
    this.pending.push(settlement);
    this.scheduleFlush();
    this.kick();
  }

  private abandon(entry: InFlight, reason: Error, lost: boolean): void {
    if (entry.state === 'abandoned') return;
    if (entry.state === 'running') this.running -= 1;
    entry.state = 'abandoned';
    this.inflight.delete(jobKey(entry.job));
    entry.controller.abort(reason);
    if (lost) this.counters.lost += 1;
    this.changed();
    this.kick();
  }

  private hasRunning(): boolean {
    return this.inflight.size > 0;
  }

  // --- settling ---------------------------------------------------------------------------

  private scheduleFlush(): void {
    if (this.flushing !== null) return; // the running flush loop picks new settlements up
    // NOTE: while other handlers still run, a short linger lets those finishing close together
    // share one transaction; it delays only the write (their slots are already free). Fewer
    // transactions leave the database to claims (on PGlite, one statement at a time, above all).
    const now = this.pending.length >= 100 || this.running === 0;
    if (this.flushTimer !== undefined) {
      if (!now) return;
      clearTimeout(this.flushTimer);
    }
    this.flushTimer = setTimeout(
      () => {
        this.flushTimer = undefined;
        this.flushing = this.flushLoop().finally(() => {
          this.flushing = null;
          if (this.pending.length > 0) this.scheduleFlush();
          this.changed();
        });
      },
      now ? 0 : this.settleLingerMs,
    );
  }

  private async flushLoop(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, 500);
      let stale = batch.map((s) => s.job);
      const free = this.concurrency - this.running;
      // Settle and claim the next batch in one transaction when no other claim is under way.
      const combine = !this.stopping && free > 0 && this.claiming === null;
      let done: (() => void) | undefined;
      if (combine) this.claiming = new Promise<void>((resolve) => (done = resolve));
      try {
        for (let attempt = 0; attempt < 5; attempt++) {
          try {
            let claimed: Job[] = [];
            let result: SettleResult;
            if (combine)
              ({ claimed, ...result } = await this.leases.settleAndClaim(
                this.id,
                batch,
                this.claimRequest(Math.min(free, this.maxBatch)),
              ));
            else result = await this.leases.settle(this.id, batch);
            stale = result.stale;
            this.settledSinceMaintenance += result.settled.length;
            for (const job of result.settled) this.count(job);
            await this.launchClaimed(claimed);
            break;
          } catch (err) {
            if (combine) this.leasesInDoubt = true;
            this.log.error({ ...workerLogFields(this.id), err, jobs: batch.length }, 'settling jobs failed; retrying');
            if (attempt === 4)
              this.log.error(
                workerLogFields(this.id),
                'giving up settling; the leases will expire and the sweep will requeue the jobs',
              );
            else await delay(100 * 2 ** attempt);
          }
        }
      } finally {
        if (combine) {
          this.claiming = null;
          done?.();
        }
      }
      this.counters.lost += stale.length;
      for (const s of batch) {
        const e = this.inflight.get(jobKey(s.job));
        if (e !== undefined && e.job.attempts === s.job.attempts) this.inflight.delete(jobKey(s.job));
      }
      this.changed();
      if (!this.stopping && this.concurrency - this.running > 0) this.kick();
    }
  }

  private count(job: SettledJob): void {
    switch (job.state) {
      case 'succeeded':
        this.counters.succeeded += 1;
        break;
      case 'queued':
        this.counters.retried += 1;
        break;
      case 'failed':
        this.counters.failed += 1;
        break;
      case 'poisoned':
        this.counters.poisoned += 1;
        break;
      case 'running':
      case 'cancelled':
        break;
      default: {
        const never: never = job.state;
        throw new Error(`unknown state ${String(never)}`);
      }
    }
  }

  // --- leases, progress, sweep ------------------------------------------------------------

  private async heartbeat(): Promise<void> {
    const held = [...this.inflight.values()].filter((e) => e.state !== 'abandoned').map((e) => e.job);
    if (held.length === 0) return;
    const lost = await this.leases.heartbeat(this.id, held, this.leaseMs);
    for (const k of lost) {
      const e = this.inflight.get(jobKey(k));
      // A settling entry's outcome is already on its way; its settle reports it stale if so.
      if (e !== undefined && e.job.attempts === k.attempts && e.state === 'running') {
        this.log.warn(
          attemptLogFields(e, this.id),
          'job taken from this worker (cancelled or lease lost); aborting its handler',
        );
        this.abandon(e, new JobLeaseLostError(), true);
      }
    }
  }

  private async flushProgress(): Promise<void> {
    const dirty = [...this.inflight.values()].filter(
      (e) => e.progressDirty && e.progress !== null && e.state === 'running',
    );
    if (dirty.length === 0) return;
    for (const e of dirty) e.progressDirty = false;
    await this.leases.reportProgress(
      this.id,
      dirty.map((e) => ({ job: e.job, percent: e.progress?.percent ?? 0, message: e.progress?.message ?? null })),
    );
  }

  private async sweep(): Promise<void> {
    const swept = await this.leases.sweep();
    if (swept.length === 0) return;
    this.counters.swept += swept.length;
    this.log.warn(
      {
        ...workerLogFields(this.id),
        jobs: swept.map((j) => ({ tenantId: j.tenantId, jobId: j.jobId, state: j.state })),
      },
      'returned jobs with expired leases',
    );
    this.kick();
  }

  private async maintain(): Promise<void> {
    if (this.settledSinceMaintenance === 0) return;
    this.settledSinceMaintenance = 0;
    // NOTE: outside any transaction, as the owner: VACUUM cannot run in a transaction block.
    await this.deps.db.asOwner((s) => s.exec('vacuum analyze jobs, job_tenants'));
  }

  // --- plumbing ---------------------------------------------------------------------------

  private every(bucket: NodeJS.Timeout[], ms: number, name: string, fn: () => Promise<void>): void {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      void fn()
        .catch((err: unknown) => this.log.error({ ...workerLogFields(this.id), err }, `worker ${name} failed`))
        .finally(() => {
          busy = false;
        });
    }, ms);
    bucket.push(timer);
  }

  private changed(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private waitChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(1, ms));
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.push(done);
    });
  }
}
