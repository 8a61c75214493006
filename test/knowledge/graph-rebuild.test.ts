// A change to a large graph component updates its finest communities at once and leaves the
// coarser levels to a graph build: ingest schedules that build (one per 10-minute window, run
// after the window), and a scheduled build that a newer whole build made redundant skips.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { REBUILD_DELAY_MS } from '../../src/knowledge/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

/** A chain of `n` services calling each other: one component of n + 1 nodes. */
const chain = (n: number): string =>
  [
    '| source | relation | target |',
    '|---|---|---|',
    ...Array.from({ length: n }, (_, i) => `| Node ${i} | calls | Node ${i + 1} |`),
  ].join('\n');

interface JobView {
  jobId: string;
  kind: string;
  state: string;
  runAt: string;
  payload: Record<string, unknown>;
  idempotencyKey: string | null;
  result: unknown;
}

describe(`communities of large components are rebuilt after ingest (${storeName})`, () => {
  let t: TestApp;
  const ingest = async (
    documentId: string,
    content: string,
    tenant = 'bigco',
  ): Promise<{ communities: { bounded: boolean } }> => {
    const res = await t.call('POST', `/v1/tenants/${tenant}/documents`, {
      body: { documentId, name: documentId, content },
    });
    assert.equal(res.statusCode, 202, res.body);
    const { jobId } = res.json<{ job: { jobId: string } }>().job;
    for (let i = 0; i < 1200; i++) {
      const j = (await t.call('GET', `/v1/tenants/${tenant}/jobs/${jobId}`)).json<JobView>();
      if (j.state === 'succeeded') return j.result as { communities: { bounded: boolean } };
      assert.ok(!['failed', 'poisoned', 'cancelled'].includes(j.state), `ingest job ${j.state}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('ingest did not finish');
  };
  const builds = async (tenant = 'bigco'): Promise<JobView[]> =>
    (await t.call('GET', `/v1/tenants/${tenant}/jobs?kind=knowledge.graph-build`)).json<{ items: JobView[] }>().items;

  before(async () => {
    t = await createTestApp();
    for (const id of ['bigco', 'bigco-2'])
      assert.equal((await t.call('POST', '/v1/tenants', { body: { id, displayName: id } })).statusCode, 201);
    await t.app.directory.resync();
    await t.app.startWorker({ concurrency: 2 });
  });
  after(async () => t.dispose());

  test('a change to a component too large to recompute schedules one build after its window', async () => {
    assert.equal(
      (await ingest('chain.md', chain(260))).communities.bounded,
      false,
      'the first document recomputes its component whole',
    );
    assert.deepEqual(await builds(), []);

    const windowBefore = Math.floor(Date.now() / REBUILD_DELAY_MS);
    assert.equal(
      (await ingest('extra-1.md', `${chain(0)}\n| Node 5 | calls | Audit Sink |`)).communities.bounded,
      true,
    );
    assert.equal(
      (await ingest('extra-2.md', `${chain(0)}\n| Node 150 | calls | Metrics Sink |`)).communities.bounded,
      true,
    );
    const windowAfter = Math.floor(Date.now() / REBUILD_DELAY_MS);

    const scheduled = await builds();
    assert.equal(scheduled.length, windowAfter - windowBefore + 1, 'ingests of one window share one build');
    const build = (await t.call('GET', `/v1/tenants/bigco/jobs/${scheduled[0]?.jobId}`)).json<JobView>();
    assert.equal(build.state, 'queued');
    assert.match(build.idempotencyKey ?? '', /^graph-build-window-\d+$/);
    const changedBefore = new Date(build.payload.changedBefore as string).getTime();
    assert.equal(changedBefore % REBUILD_DELAY_MS, 0, 'the window ends on a multiple of the delay');
    assert.ok(changedBefore > Date.now() - REBUILD_DELAY_MS && changedBefore <= Date.now() + REBUILD_DELAY_MS);
    assert.ok(new Date(build.runAt ?? 0).getTime() >= changedBefore, 'the build runs after every change of its window');
  });

  test('a scheduled build skips when the graph was built whole after its window; otherwise it builds', async () => {
    const manual = await t.call('POST', '/v1/tenants/bigco/graph/build');
    assert.equal(manual.statusCode, 202, manual.body);
    const manualId = manual.json<{ jobId: string }>().jobId;
    for (
      let i = 0;
      i < 1200 && (await t.call('GET', `/v1/tenants/bigco/jobs/${manualId}`)).json<JobView>().state !== 'succeeded';
      i++
    )
      await new Promise((r) => setTimeout(r, 50));
    const builtAt = await t.app.knowledge.builtAt('bigco');
    assert.ok(builtAt !== null);

    const kind = t.app.jobKinds.require('knowledge.graph-build').definition;
    const ctx = {
      tenantId: 'bigco',
      jobId: 'direct',
      kind: kind.kind,
      attempt: 1,
      maxAttempts: 1,
      signal: new AbortController().signal,
      progress: () => undefined,
      traceparent: undefined,
      tracestate: undefined,
      requestId: undefined,
      createdBy: undefined,
      workerId: 'test',
      trace: undefined,
    };
    const past = new Date(builtAt.getTime() - 1000).toISOString();
    assert.deepEqual(await kind.handler({ changedBefore: past }, ctx), {
      skipped: 'built',
      builtAt: builtAt.toISOString(),
    });
    const future = new Date(builtAt.getTime() + 60_000).toISOString();
    const rebuilt = (await kind.handler({ changedBefore: future }, ctx)) as {
      communities: { bounded: boolean };
      graphVersion: number;
    };
    assert.equal(rebuilt.communities.bounded, false, 'a build recomputes whole components');
    assert.ok((await t.app.knowledge.builtAt('bigco'))! > builtAt);
  });

  test('deleting a document from a large component schedules the build too', async () => {
    // Small first, then the chain through it: both recompute whole components.
    assert.equal(
      (await ingest('extra.md', `${chain(0)}\n| Node 5 | calls | Audit Sink |`, 'bigco-2')).communities.bounded,
      false,
    );
    assert.equal((await ingest('chain.md', chain(260), 'bigco-2')).communities.bounded, false);
    assert.deepEqual(await builds('bigco-2'), []);
    const del = await t.call('DELETE', '/v1/tenants/bigco-2/documents/extra.md');
    assert.equal(del.statusCode, 200, del.body);
    assert.equal(del.json<{ communities: { bounded: boolean } }>().communities.bounded, true);
    const [build] = await builds('bigco-2');
    assert.match(build?.idempotencyKey ?? '', /^graph-build-window-\d+$/);
    assert.equal(build?.state, 'queued');
  });
});
