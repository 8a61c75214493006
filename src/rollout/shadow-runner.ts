// Runs shadow work (the candidate colour's pipeline on a copy of a served query) off the
// request path: bounded concurrency, a bounded queue that drops rather than grows, and counts
// that say how much of the traffic the shadow actually covered. The request never waits for,
// and never sees an error from, a shadow task.
//
// Anchor: a fixed-size worker pool with a bounded queue and a drop policy (the shape of
// graphile-worker's concurrency setting, minus persistence: a dropped shadow is just a sample
// not taken).

/** One shadow task; it carries its tenant, so queue limits and errors stay per tenant. */
export interface ShadowTask {
  readonly tenantId: string;
  run(): Promise<void>;
}

export interface ShadowRunnerOptions {
  /** Tasks running at once (at least 1). */
  readonly concurrency: number;
  /** Tasks waiting to start; a task submitted beyond it is dropped (0: only free slots accept). */
  readonly maxQueued: number;
  /**
   * Tasks of one tenant submitted and not yet started (default `concurrency + maxQueued`, no
   * extra limit), so one busy tenant cannot take the whole queue.
   */
  readonly maxQueuedPerTenant?: number;
  /** Told of each failed task (to log it); its own throw is swallowed too. */
  readonly onError?: (tenantId: string, error: unknown) => void;
}

export interface ShadowRunner {
  /** Queues a task; false when it was dropped. Never throws, never blocks. */
  submit(task: ShadowTask): boolean;
  readonly submitted: number;
  readonly started: number;
  readonly dropped: number;
  readonly completed: number;
  readonly failed: number;
  /** Tasks waiting and running now. */
  readonly queued: number;
  readonly running: number;
  /** The share of submitted tasks not dropped, 0..1 (1 before any submission). */
  coverage(): number;
  /** Resolves once nothing is waiting or running (tests; graceful shutdown). */
  drain(): Promise<void>;
}

/**
 * A shadow runner. Tasks start on a later turn of the event loop (`setImmediate`), never on the
 * submitter's stack, in submission order, at most `concurrency` at once.
 */
export function makeShadowRunner(options: ShadowRunnerOptions): ShadowRunner {
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const maxQueued = Math.max(0, Math.floor(options.maxQueued));
  const perTenant = Math.max(1, Math.floor(options.maxQueuedPerTenant ?? concurrency + maxQueued));
  const waiting: ShadowTask[] = [];
  const waitingByTenant = new Map<string, number>();
  let running = 0;
  let scheduled = false;
  let submitted = 0;
  let started = 0;
  let dropped = 0;
  let completed = 0;
  let failed = 0;
  let idle: (() => void)[] = [];

  const settleIdle = (): void => {
    if (running > 0 || waiting.length > 0) return;
    const waiters = idle;
    idle = [];
    for (const w of waiters) w();
  };

  function report(tenantId: string, error: unknown): void {
    try {
      options.onError?.(tenantId, error);
    } catch {
      // NOTE: a failing logger must not stop the pool.
    }
  }

  async function execute(task: ShadowTask): Promise<void> {
    try {
      await task.run();
      completed += 1;
    } catch (error) {
      failed += 1;
      report(task.tenantId, error);
    } finally {
      running -= 1;
      pump();
    }
  }

  /** Starts waiting tasks while slots are free. */
  function pump(): void {
    scheduled = false;
    while (running < concurrency && waiting.length > 0) {
      const task = waiting.shift();
      if (task === undefined) break;
      const left = (waitingByTenant.get(task.tenantId) ?? 1) - 1;
      if (left === 0) waitingByTenant.delete(task.tenantId);
      else waitingByTenant.set(task.tenantId, left);
      running += 1;
      started += 1;
      void execute(task);
    }
    settleIdle();
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(pump);
  }

  return {
    submit(task) {
      submitted += 1;
      // Slots free now count as room too: they will take waiting tasks on the next turn.
      const room = concurrency - running + maxQueued - waiting.length;
      const mine = waitingByTenant.get(task.tenantId) ?? 0;
      if (room <= 0 || mine >= perTenant) {
        dropped += 1;
        return false;
      }
      waiting.push(task);
      waitingByTenant.set(task.tenantId, mine + 1);
      schedule();
      return true;
    },
    get submitted() {
      return submitted;
    },
    get started() {
      return started;
    },
    get dropped() {
      return dropped;
    },
    get completed() {
      return completed;
    },
    get failed() {
      return failed;
    },
    get queued() {
      return waiting.length;
    },
    get running() {
      return running;
    },
    coverage: () => (submitted === 0 ? 1 : (submitted - dropped) / submitted),
    drain() {
      if (running === 0 && waiting.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        idle.push(resolve);
      });
    },
  };
}
