// An app on the store under test with an LLM provider (a fake over loopback) that may serve the
// tenant `acme`, a worker running one job at a time, and request helpers for ingest tests.
import assert from 'node:assert/strict';
import type { Worker } from '../../src/jobs/index.js';
import { startFakeOpenAi, type FakeOpenAi } from './fake-openai.js';
import { createTestApp, type TestApp } from './test-app.js';

export interface Doc {
  documentId: string;
  status: string;
  error: string | null;
  chunks: number;
  jobId: string | null;
}
export interface Job {
  state: string;
  attempts: number;
  lastError: { code: string; message: string; retryable: boolean } | null;
}

export const PROSE =
  'The Payments Gateway is run by the Payments Team. Every night it hands settled batches to the Quantum Ledger.';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The app, its fake LLM and its worker; `env` adds configuration. */
export async function ingestHarness(
  env: Record<string, string>,
): Promise<{ t: TestApp; llm: FakeOpenAi; worker: Worker }> {
  const llm = await startFakeOpenAi();
  const providers = [
    { name: 'home', baseUrl: llm.baseUrl, model: 'm', region: 'eu-west', priority: 1, timeoutMs: 20_000 },
  ];
  const t = await createTestApp({ IRIS_LLM_PROVIDERS: JSON.stringify(providers), ...env });
  assert.equal(
    (await t.call('POST', '/v1/tenants', { body: { id: 'acme', displayName: 'Acme', homeRegion: 'eu-west' } }))
      .statusCode,
    201,
  );
  await t.app.directory.resync();
  const worker = await t.app.startWorker({ concurrency: 1 });
  return { t, llm, worker };
}

/** Submit, read documents and jobs of `acme`, and wait for a condition or a job's end. */
export function ingestHelpers(get: () => TestApp) {
  const submit = (body: Record<string, unknown>) => get().call('POST', '/v1/tenants/acme/documents', { body });
  const doc = async (id: string): Promise<Doc> =>
    get()
      .call('GET', `/v1/tenants/acme/documents/${encodeURIComponent(id)}`)
      .then((r) => r.json<Doc>());
  const job = async (id: string): Promise<Job> =>
    get()
      .call('GET', `/v1/tenants/acme/jobs/${id}`)
      .then((r) => r.json<Job>());
  const until = async <T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, ms = 60_000): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await read();
      if (done(v)) return v;
      if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(v)}`);
      await sleep(50);
    }
  };
  const finished = (id: string): Promise<Job> =>
    until(
      `job ${id}`,
      () => job(id),
      (j) => ['succeeded', 'failed', 'poisoned', 'cancelled'].includes(j.state),
    );
  return { submit, doc, job, until, finished };
}
