// Per-second cells a replica fills in memory and adds to the store every second: the outcome
// counters and the shadow comparisons. A batch that fails to write is merged back, so counts
// wait for the store rather than being lost; one flush runs at a time.

/** One filled cell: where it counts, its second (Unix seconds), and what it holds. */
export interface SecondCell<K, C> {
  readonly key: K;
  readonly second: number;
  readonly cell: C;
}

export interface SecondCells<K, C> {
  /** The cell of `key` in `second`, made empty on first use. */
  readonly cellOf: (key: K, second: number) => C;
  /** Writes every filled cell now. */
  readonly flush: () => Promise<void>;
  /** Stops the timer and writes what is left (a failure is dropped). */
  readonly stop: () => Promise<void>;
}

export function makeSecondCells<K, C>(opts: {
  /** A string naming `key` in `second`, one per cell. */
  readonly id: (key: K, second: number) => string;
  readonly empty: () => C;
  /** Adds a batch to the store. */
  readonly write: (batch: readonly SecondCell<K, C>[]) => Promise<void>;
  /** Adds a cell that failed to write into the one filled since. */
  readonly merge: (into: C, from: C) => void;
  readonly flushMs?: number;
}): SecondCells<K, C> {
  let pending = new Map<string, SecondCell<K, C>>();
  let flushing: Promise<void> | undefined;

  function cellOf(key: K, second: number): C {
    const k = opts.id(key, second);
    let entry = pending.get(k);
    if (entry === undefined) {
      entry = { key, second, cell: opts.empty() };
      pending.set(k, entry);
    }
    return entry.cell;
  }

  const flush = async (): Promise<void> => {
    while (flushing) await flushing;
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    flushing = opts
      .write([...batch.values()])
      .catch(() => {
        // NOTE: kept for the next flush rather than lost while the store is away.
        for (const { key, second, cell } of batch.values()) opts.merge(cellOf(key, second), cell);
      })
      .finally(() => {
        flushing = undefined;
      });
    await flushing;
  };

  const timer = setInterval(() => void flush(), opts.flushMs ?? 1000);
  timer.unref();

  return {
    cellOf,
    flush,
    stop: async () => {
      clearInterval(timer);
      await flush().catch(() => undefined);
    },
  };
}
