// A citation's chunk through the API: its text and offsets, personal data redacted as answers
// redact it, 404 for a chunk or document that is not there, and no chunk of another tenant.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

const NOTE = `The Payments Team is reachable at payments-oncall@acme.example.
The Payments Gateway settles card payments every night.`;

interface Chunk {
  documentId: string;
  documentName: string;
  chunkIndex: number;
  start: number;
  end: number;
  text: string;
}

describe(`a cited chunk's text (${storeName})`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    for (const id of ['acme', 'globex'])
      assert.equal((await t.call('POST', '/v1/tenants', { body: { id, displayName: id } })).statusCode, 201);
    await t.app.directory.resync();
    await t.app.startWorker({ concurrency: 1 });
    const res = await t.call('POST', '/v1/tenants/acme/documents', {
      body: { documentId: 'notes/pay.md', name: 'pay.md', content: NOTE },
    });
    assert.equal(res.statusCode, 202, res.body);
    const jobId = res.json<{ job: { jobId: string } }>().job.jobId;
    for (let i = 0; i < 600; i++) {
      const j = (await t.call('GET', `/v1/tenants/acme/jobs/${jobId}`)).json<{ state: string }>();
      if (j.state === 'succeeded') return;
      assert.ok(!['failed', 'poisoned', 'cancelled'].includes(j.state), j.state);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('ingest did not finish');
  });
  after(async () => t?.dispose());

  test('the chunk an answer cites reads back whole, redacted as the answer is', async () => {
    const answer = (
      await t.call('POST', '/v1/tenants/acme/query', { body: { question: 'When does the Payments Gateway settle?' } })
    ).json<{ citations: { documentId: string; chunkIndex: number; start: number; end: number }[] }>();
    const cited = answer.citations[0];
    assert.ok(cited, 'a citation');
    const res = await t.call(
      'GET',
      `/v1/tenants/acme/documents/${encodeURIComponent(cited.documentId)}/chunks/${cited.chunkIndex}`,
    );
    assert.equal(res.statusCode, 200, res.body);
    const chunk = res.json<Chunk>();
    assert.equal(chunk.documentId, 'notes/pay.md');
    assert.equal(chunk.documentName, 'pay.md');
    assert.deepEqual([chunk.start, chunk.end], [cited.start, cited.end]);
    assert.match(chunk.text, /settles card payments every night/);
    assert.doesNotMatch(chunk.text, /payments-oncall@acme\.example/);
    assert.match(chunk.text, /\[REDACTED:email\]/);
  });

  test("a missing chunk or document is 404, and so is another tenant's; a bad index is 400", async () => {
    const missing = await t.call('GET', '/v1/tenants/acme/documents/notes%2Fpay.md/chunks/99');
    assert.equal(missing.statusCode, 404, missing.body);
    assert.equal((await t.call('GET', '/v1/tenants/acme/documents/nope.md/chunks/0')).statusCode, 404);
    assert.equal((await t.call('GET', '/v1/tenants/globex/documents/notes%2Fpay.md/chunks/0')).statusCode, 404);
    assert.equal((await t.call('GET', '/v1/tenants/acme/documents/notes%2Fpay.md/chunks/-1')).statusCode, 400);
    const analyst = await t.keyFor('globex', 'analyst');
    const crossed = await t.call('GET', '/v1/tenants/acme/documents/notes%2Fpay.md/chunks/0', { token: analyst });
    // Another tenant's objects are not there for this key (the policy answers 404, not 403).
    assert.equal(crossed.statusCode, 404, crossed.body);
    assert.doesNotMatch(crossed.body, /settles/);
  });
});
