// The parse/extract stage in a worker thread (run by extraction-pool.ts through piscina):
// prose tagging (compromise) and PDF parsing are CPU-bound, and on the serving thread they would
// stall every request of every tenant while a large document is ingested. The thread runs with a
// heap limit and its task with a time limit (see extraction-pool.ts), so a document that gets
// past the parse budget's checks still only costs its own task.
import { parentPort } from 'node:worker_threads';
import { errorMessage, IrisError } from '../../core/errors.js';
import type { ParsedDocument } from '../parse/document-model.js';
import { extractDocument, type DocumentExtraction, type ExtractOptions } from './extract-document.js';
import { parseDocument } from '../parse/parse-document.js';

export interface ExtractTask {
  /** Said back when the thread starts the task (its time budget starts then, not at start-up). */
  readonly id: number;
  /** parse: the document model only (the LLM path); extract: the whole stage. */
  readonly op: 'parse' | 'extract';
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly options: ExtractOptions;
}

/** The outcome as data: errors lose their class crossing threads, so Iris errors travel as fields. */
export type ExtractOutcome =
  | { readonly ok: true; readonly extraction: DocumentExtraction }
  | { readonly ok: true; readonly document: ParsedDocument }
  | {
      readonly ok: false;
      readonly code: string | null;
      readonly message: string;
      readonly extensions: Record<string, unknown>;
    };

/** Posted to the pool when a task starts. */
export interface TaskStarted {
  readonly extractTaskStarted: number;
}

export default async function extract(task: ExtractTask): Promise<ExtractOutcome> {
  parentPort?.postMessage({ extractTaskStarted: task.id } satisfies TaskStarted);
  try {
    if (task.op === 'parse')
      return { ok: true, document: await parseDocument(task.name, task.bytes, task.options.parse) };
    return { ok: true, extraction: await extractDocument(task.name, task.bytes, task.options) };
  } catch (err) {
    const iris = err instanceof IrisError;
    return {
      ok: false,
      code: iris ? err.code : null,
      message: errorMessage(err),
      extensions: iris ? { ...err.extensions } : {},
    };
  }
}
