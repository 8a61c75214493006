// Where ingest runs the parse/extract stage: worker threads (piscina) so the event loop keeps
// serving while documents are parsed, or in process (threads: 0; tests, one-shot CLI use).
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { ValidationError } from '../core/errors.js';
import { extractDocument, type DocumentExtraction, type ExtractOptions } from './extract-document.js';
import type { ExtractOutcome, ExtractTask } from './extract-worker.js';

export interface ExtractionPool {
  extract(name: string, bytes: Uint8Array, options?: ExtractOptions): Promise<DocumentExtraction>;
  close(): Promise<void>;
}

/** Default threads: every core but one (the event loop's), at least one. */
export const defaultExtractionThreads = (): number => Math.max(1, availableParallelism() - 1);

/** A pool of `threads` extraction workers; 0 runs extraction on the calling thread. */
export function makeExtractionPool(threads = defaultExtractionThreads()): ExtractionPool {
  if (threads === 0) return { extract: (name, bytes, options = {}) => extractDocument(name, bytes, options), close: async () => undefined };
  const pool = new Piscina<ExtractTask, ExtractOutcome>({
    filename: new URL('./extract-worker.js', import.meta.url).href,
    minThreads: 0,
    maxThreads: threads,
    idleTimeout: 30_000,
  });
  return {
    async extract(name, bytes, options = {}) {
      const outcome = await pool.run({ name, bytes, options });
      if (outcome.ok) return outcome.extraction;
      // Unreadable input stays a 400 (the ingest job does not retry it); anything else is a fault.
      throw outcome.code === 'validation_failed' ? new ValidationError(outcome.message) : new Error(`extraction failed: ${outcome.message}`);
    },
    close: () => pool.destroy(),
  };
}
