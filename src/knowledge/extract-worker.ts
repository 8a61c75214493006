// The parse/extract stage in a worker thread (run by extraction-pool.ts through piscina):
// prose tagging (compromise) and PDF parsing are CPU-bound, and on the serving thread they would
// stall every request of every tenant while a large document is ingested.
import { IrisError } from '../core/errors.js';
import { extractDocument, type DocumentExtraction, type ExtractOptions } from './extract-document.js';

export interface ExtractTask {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly options: ExtractOptions;
}

/** The outcome as data: errors lose their class crossing threads, so Iris errors travel as fields. */
export type ExtractOutcome =
  | { readonly ok: true; readonly extraction: DocumentExtraction }
  | { readonly ok: false; readonly code: string | null; readonly message: string };

export default async function extract(task: ExtractTask): Promise<ExtractOutcome> {
  try {
    return { ok: true, extraction: await extractDocument(task.name, task.bytes, task.options) };
  } catch (err) {
    return { ok: false, code: err instanceof IrisError ? err.code : null, message: err instanceof Error ? err.message : String(err) };
  }
}
