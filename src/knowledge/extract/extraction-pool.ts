// Where ingest runs the parse/extract stage: worker threads (piscina) so the event loop keeps
// serving while documents are parsed, or in process (threads: 0; tests, one-shot CLI use).
// Each thread has a heap limit (resourceLimits) and each task a time limit: a document that
// exhausts either fails alone with a ParseBudgetError ('memoryMb' or 'timeMs'), its thread is
// replaced, and the pool goes on serving every other task. In process, the parse budget's checks
// before parsing and its deadline between units of work are the protection.
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { ParsedDocument } from '../parse/document-model.js';
import { extractDocument, type DocumentExtraction, type ExtractOptions } from './extract-document.js';
import type { ExtractOutcome, ExtractTask, TaskStarted } from './extract-worker.js';
import { DEFAULT_PARSE_BUDGET, documentFaultFrom, ParseBudgetError, type ParseBudget } from '../parse/parse-budget.js';
import { parseDocument, type ParseOptions } from '../parse/parse-document.js';

export interface ExtractionPool {
  /** Parses and extracts one document. `signal` (a job's) stops it; a running thread is terminated. */
  extract(name: string, bytes: Uint8Array, options?: ExtractOptions, signal?: AbortSignal): Promise<DocumentExtraction>;
  /** Parses one document only (the LLM extraction path), under the same limits. */
  parse(name: string, bytes: Uint8Array, options?: ParseOptions, signal?: AbortSignal): Promise<ParsedDocument>;
  close(): Promise<void>;
}

export interface ExtractionPoolOptions {
  /** Worker threads; 0 runs on the calling thread. Default: every core but one. */
  readonly threads?: number;
  /** Budgets of every parse, the time and heap limits of every task (default DEFAULT_PARSE_BUDGET). */
  readonly budget?: ParseBudget;
}

/** Default threads: every core but one (the event loop's), at least one. */
export const defaultExtractionThreads = (): number => Math.max(1, availableParallelism() - 1);

/** How long a thread may take to start (load its modules) before its task counts as failed (retryable). */
const START_MS = 60_000;

/** Why piscina rejected a task whose thread ran out of heap. */
const isOutOfMemory = (err: unknown): boolean =>
  (err as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';

/** Runs at most `slots` tasks at once, in arrival order. */
function makeSlots(slots: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (fn) => {
    if (running >= slots) await new Promise<void>((resume) => waiting.push(resume));
    running++;
    try {
      return await fn();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

/** In process: the parse budget's checks and deadline apply; there is no thread to terminate. */
function inProcessPool(budget: ParseBudget): ExtractionPool {
  const withBudget = <T extends { parse?: ParseOptions }>(options: T): T => ({
    ...options,
    parse: { budget, ...options.parse },
  });
  return {
    async extract(name, bytes, options = {}, signal) {
      signal?.throwIfAborted();
      return extractDocument(name, bytes, withBudget(options));
    },
    async parse(name, bytes, options = {}, signal) {
      signal?.throwIfAborted();
      return parseDocument(name, bytes, { budget, ...options });
    },
    close: async () => undefined,
  };
}

/**
 * A pool of extraction workers (0 threads: in process). Rejects a task with the document's own
 * error (ValidationError, UnsupportedDocumentError, ParseBudgetError), with ParseBudgetError
 * 'timeMs' or 'memoryMb' when its thread had to be stopped, with `signal.reason` when the caller
 * aborted it, and with a plain Error for anything else (a fault, worth a retry).
 */
export function makeExtractionPool(options: ExtractionPoolOptions | number = {}): ExtractionPool {
  const { threads = defaultExtractionThreads(), budget = DEFAULT_PARSE_BUDGET } =
    typeof options === 'number' ? { threads: options } : options;
  if (threads === 0) return inProcessPool(budget);
  const pool = new Piscina<ExtractTask, ExtractOutcome>({
    filename: new URL('./extract-worker.js', import.meta.url).href,
    minThreads: 0,
    maxThreads: threads,
    idleTimeout: 30_000,
    // NOTE: the young generation and stack keep Node's defaults; the old generation is where a
    // document's tree lives. Buffers (external memory) are bounded by the archive checks.
    resourceLimits: { maxOldGenerationSizeMb: budget.memoryMb },
  });
  // NOTE: a thread that fails while it holds no task has nothing to fail (piscina rejects the
  // tasks of a thread that dies with them); without a listener piscina's 'error' event would
  // throw in the process. The next task gets a fresh thread.
  pool.on('error', () => undefined);
  // A task's time budget starts when its thread says it started it (not while the thread loads).
  const started = new Map<number, () => void>();
  pool.on('message', (m: Partial<TaskStarted> | undefined) => {
    if (typeof m?.extractTaskStarted === 'number') started.get(m.extractTaskStarted)?.();
  });
  let nextId = 0;
  // NOTE: tasks wait here rather than in piscina's queue, so a task's time limit starts when a
  // thread takes it, not while it queues behind other tenants' documents.
  const slot = makeSlots(threads);

  async function run(work: Omit<ExtractTask, 'id'>, signal: AbortSignal | undefined): Promise<ExtractOutcome> {
    return slot(async () => {
      signal?.throwIfAborted();
      const task: ExtractTask = { ...work, id: nextId++ };
      const stop = new AbortController();
      let outcome: 'timeout' | 'no-start' | undefined;
      let timer = setTimeout(() => {
        outcome = 'no-start';
        stop.abort();
      }, START_MS);
      started.set(task.id, () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          outcome = 'timeout';
          stop.abort();
        }, budget.timeMs);
      });
      const onAbort = (): void => stop.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        return await pool.run(task, { signal: stop.signal });
      } catch (err) {
        if (outcome === 'timeout')
          throw new ParseBudgetError(
            'timeMs',
            `${task.name} took longer than the ${budget.timeMs} ms extraction budget; its thread was stopped`,
            { budget: budget.timeMs },
          );
        if (outcome === 'no-start')
          throw new Error(`extraction thread did not start ${task.name} within ${START_MS} ms`, { cause: err });
        if (signal?.aborted) throw signal.reason;
        if (isOutOfMemory(err))
          throw new ParseBudgetError(
            'memoryMb',
            `${task.name} needed more than the ${budget.memoryMb} MiB heap of an extraction thread; its thread was stopped`,
            { budget: budget.memoryMb },
          );
        throw err;
      } finally {
        clearTimeout(timer);
        started.delete(task.id);
        signal?.removeEventListener('abort', onAbort);
      }
    });
  }

  const withBudget = <T extends { parse?: ParseOptions }>(options: T): T => ({
    ...options,
    parse: { budget, ...options.parse },
  });
  return {
    async extract(name, bytes, options = {}, signal) {
      const outcome = await run({ op: 'extract', name, bytes, options: withBudget(options) }, signal);
      if (!outcome.ok) throw documentFaultFrom(outcome.code, outcome.message, outcome.extensions);
      if (!('extraction' in outcome)) throw new Error('extraction worker answered a parse');
      return outcome.extraction;
    },
    async parse(name, bytes, options = {}, signal) {
      const outcome = await run({ op: 'parse', name, bytes, options: withBudget({ parse: options }) }, signal);
      if (!outcome.ok) throw documentFaultFrom(outcome.code, outcome.message, outcome.extensions);
      if (!('document' in outcome)) throw new Error('extraction worker answered an extraction');
      return outcome.document;
    },
    close: () => pool.destroy(),
  };
}
