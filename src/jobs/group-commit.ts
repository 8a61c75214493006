// Group commit per key: submissions for one key (a tenant's queue) that arrive while that key's
// transaction is running wait, and the next transaction takes all of them at once. A lone
// submission starts at once (no added latency when idle); under load one transaction, with its
// row locks, round trips and commit, serves many callers instead of each taking its turn.
// Each caller still gets its own outcome: a run returns one per submission, so one caller's
// refusal (a full queue, a reused idempotency key) is not another's.

/** What a run gives each submission: its result or the error meant for that caller alone. */
export type Outcome<R> = { readonly ok: R } | { readonly error: unknown };

/** Runs `items` (one key's, in arrival order) in one transaction; one outcome per item, in order. */
export type GroupRun<S, R> = (key: string, items: readonly S[]) => Promise<readonly Outcome<R>[]>;

export interface GroupCommit<S, R> {
  /** Runs `item` in the next transaction of `key`, with whatever else is waiting for it. */
  submit(key: string, item: S): Promise<R>;
}

export interface GroupCommitOptions<S> {
  /** Size of an item (jobs in it); a transaction takes items up to `maxSize` in all, and at least one. */
  readonly sizeOf: (item: S) => number;
  readonly maxSize: number;
  /** An error that every item of a failed run shares (the store is down): not worth running each alone. */
  readonly shared?: (err: unknown) => boolean;
}

interface Waiting<S, R> {
  readonly item: S;
  readonly resolve: (r: R) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Makes a group committer over `run`.
 * NOTE: when a run fails as a whole (its transaction threw) and it served several items, each
 * item is run again alone, so an error that belongs to one caller (a hook that refuses one job)
 * reaches that caller only; the others commit as they would have on their own. An error all of
 * them share (`shared`: the store is down) goes to each at once instead.
 */
export function makeGroupCommit<S, R>(run: GroupRun<S, R>, options: GroupCommitOptions<S>): GroupCommit<S, R> {
  const waitingOf = new Map<string, Waiting<S, R>[]>();
  const running = new Set<string>();

  /** The longest prefix of `waiting` within maxSize, and at least its first item. */
  function takeBatch(waiting: Waiting<S, R>[]): Waiting<S, R>[] {
    let size = 0;
    let n = 0;
    while (n < waiting.length) {
      const next = options.sizeOf((waiting[n] as Waiting<S, R>).item);
      if (n > 0 && size + next > options.maxSize) break;
      size += next;
      n += 1;
    }
    return waiting.splice(0, n);
  }

  async function settle(key: string, batch: readonly Waiting<S, R>[]): Promise<void> {
    let outcomes: readonly Outcome<R>[];
    try {
      outcomes = await run(
        key,
        batch.map((w) => w.item),
      );
    } catch (err) {
      if (batch.length === 1 || options.shared?.(err) === true) {
        for (const w of batch) w.reject(err);
        return;
      }
      // Each alone, in order: see the NOTE above.
      for (const w of batch) await settle(key, [w]);
      return;
    }
    batch.forEach((w, i) => {
      const outcome = outcomes[i];
      if (outcome === undefined) w.reject(new Error('group commit: the run returned no outcome for this submission'));
      else if ('ok' in outcome) w.resolve(outcome.ok);
      else w.reject(outcome.error);
    });
  }

  async function drain(key: string): Promise<void> {
    running.add(key);
    try {
      // Loop while callers arrived during the last run; each turn is one transaction.
      for (;;) {
        const waiting = waitingOf.get(key);
        if (waiting === undefined || waiting.length === 0) break;
        await settle(key, takeBatch(waiting));
      }
    } catch (err) {
      // Only a broken sizeOf gets here: no caller may be left waiting for a run that will not come.
      for (const w of waitingOf.get(key) ?? []) w.reject(err);
    } finally {
      // NOTE: no await between the empty check above and here, so no caller can slip in unserved.
      waitingOf.delete(key);
      running.delete(key);
    }
  }

  return {
    submit(key, item) {
      return new Promise<R>((resolve, reject) => {
        const waiting = waitingOf.get(key);
        if (waiting === undefined) waitingOf.set(key, [{ item, resolve, reject }]);
        else waiting.push({ item, resolve, reject });
        if (!running.has(key)) void drain(key);
      });
    },
  };
}
