// Cancelling ingest jobs, through the API on the store under test: a job cancelled while
// queued or while running leaves its document failed with a reason starting 'cancelled:',
// never pending or ingesting; nothing of the cancelled attempt lands in the graph; retrying
// the job makes the document pending and ingests it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ingestHarness as harness, ingestHelpers as helpers, PROSE } from '../support/ingest-harness.js';
import { storeName } from '../support/test-database.js';

describe(`cancelled ingest jobs (${storeName})`, () => {
  let h: Awaited<ReturnType<typeof harness>>;
  const { submit, doc, job, until, finished } = helpers(() => h.t);
  before(async () => {
    h = await harness({});
  });
  after(async () => {
    await h.t.dispose();
    await h.llm.close();
  });

  test('a job cancelled while running or while queued leaves its document failed, not ingesting; a retry ingests it', async () => {
    // The LLM answers slowly, so the first ingest is running (in LLM extraction) when it is
    // cancelled, and the second waits queued behind it (one job at a time).
    h.llm.behave({ kind: 'slow', ms: 1500 });
    const running = await submit({ documentId: 'running.txt', name: 'running.txt', content: PROSE });
    const runningJob = running.json<{ job: { jobId: string } }>().job.jobId;
    await until(
      'running document ingesting',
      () => doc('running.txt'),
      (d) => d.status === 'ingesting',
    );
    await until(
      'LLM called',
      async () => h.llm.count,
      (n) => n >= 1,
    );
    const queued = await submit({ documentId: 'queued.txt', name: 'queued.txt', content: `${PROSE} Queued.` });
    const queuedJob = queued.json<{ job: { jobId: string } }>().job.jobId;
    assert.equal((await job(queuedJob)).state, 'queued');

    for (const jobId of [runningJob, queuedJob])
      assert.equal((await h.t.call('POST', `/v1/tenants/acme/jobs/${jobId}/cancel`)).statusCode, 200);
    for (const id of ['running.txt', 'queued.txt']) {
      const d = await doc(id);
      assert.equal(d.status, 'failed', `${id}: ${JSON.stringify(d)}`);
      assert.match(d.error ?? '', /^cancelled: ingest job \S+ was cancelled/);
    }

    // The running attempt finishes its LLM call and finds its document no longer ingesting:
    // it writes nothing, and the document stays failed.
    await until(
      'cancelled handler finished',
      async () => h.worker.stats().inFlight,
      (n) => n === 0,
    );
    const after = await doc('running.txt');
    assert.deepEqual([after.status, after.chunks], ['failed', 0]);
    const entities = (await h.t.call('GET', '/v1/tenants/acme/graph/entities')).json<{ items: unknown[] }>();
    assert.deepEqual(entities.items, [], 'nothing of a cancelled ingest lands in the graph');

    h.llm.behave({ kind: 'ok' });
    for (const [id, jobId] of [
      ['running.txt', runningJob],
      ['queued.txt', queuedJob],
    ] as const) {
      assert.equal((await h.t.call('POST', `/v1/tenants/acme/jobs/${jobId}/retry`)).statusCode, 202);
      assert.equal((await doc(id)).status, 'pending');
      assert.equal((await finished(jobId)).state, 'succeeded');
      const d = await doc(id);
      assert.deepEqual([d.status, d.error], ['ready', null]);
      assert.ok(d.chunks > 0);
    }
  });
});
