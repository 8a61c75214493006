// Ingest against hostile documents, through the API on the store under test, with an LLM
// provider configured (so documents also take the LLM extraction path):
// - binary data, unlisted extensions and mislabelled PDFs are refused at submission (415, reason);
// - a zip bomb or an alias bomb fails its own job once (not retried), the document lists as
//   failed with the reason, and the same worker ingests the next document, on the extraction
//   threads and in process (IRIS_EXTRACT_THREADS=0) alike.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { billionLaughs, binaryBlob, zipBombDocx } from '../support/hostile-documents.js';
import { ingestHarness as harness, ingestHelpers as helpers, PROSE, type Doc } from '../support/ingest-harness.js';
import { storeName } from '../support/test-database.js';

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

describe(`ingest of unsupported content (${storeName})`, () => {
  let h: Awaited<ReturnType<typeof harness>>;
  const { submit } = helpers(() => h.t);
  before(async () => {
    h = await harness({});
  });
  after(async () => {
    await h.t.dispose();
    await h.llm.close();
  });

  test('binary data, unlisted extensions and mislabelled files answer 415 with the reason; text without an extension is taken', async () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    const refusals: [Record<string, unknown>, RegExp][] = [
      [{ name: 'dump.txt', contentBase64: b64(binaryBlob(32 * 1024)) }, /dump\.txt is not text/],
      [{ name: 'firmware.bin', contentBase64: b64(binaryBlob(1024)) }, /'\.bin' is not a format Iris reads/],
      [
        { name: 'scan.pdf', contentBase64: b64(png) },
        /scan\.pdf is named as a PDF but does not start with %PDF- \(it looks like a PNG image\)/,
      ],
      [{ name: 'photo.md', contentBase64: b64(png) }, /photo\.md is not text \(it looks like a PNG image/],
    ];
    for (const [body, reason] of refusals) {
      const res = await submit(body);
      assert.equal(res.statusCode, 415, `${String(body.name)}: ${res.body}`);
      const problem = res.json<{ code: string; detail: string }>();
      assert.equal(problem.code, 'unsupported_document');
      assert.match(problem.detail, reason);
    }
    const listed = (await h.t.call('GET', '/v1/tenants/acme/documents')).json<{ items: Doc[] }>();
    assert.deepEqual(listed.items, [], 'nothing refused was kept');
    assert.equal(
      (await submit({ name: 'NOTES', content: 'Plain words in a file without an extension.' })).statusCode,
      202,
    );
  });
});

for (const threads of ['1', '0']) {
  describe(`hostile documents fail their own jobs (${storeName}, IRIS_EXTRACT_THREADS=${threads})`, () => {
    let h: Awaited<ReturnType<typeof harness>>;
    const { submit, doc, finished } = helpers(() => h.t);
    before(async () => {
      h = await harness({ IRIS_EXTRACT_THREADS: threads });
    });
    after(async () => {
      await h.t.dispose();
      await h.llm.close();
    });

    test('a zip bomb and an alias bomb fail once with the reason; the worker then ingests a normal document', async () => {
      const bombs: [Record<string, unknown>, RegExp][] = [
        [
          { name: 'bomb.docx', contentBase64: b64(zipBombDocx(413)) },
          /bomb\.docx expands to \d+ bytes .* the budget is/,
        ],
        [{ name: 'laughs.yaml', content: billionLaughs() }, /laughs\.yaml expands YAML aliases past the budget of 100/],
      ];
      for (const [body, reason] of bombs) {
        const res = await submit(body);
        assert.equal(res.statusCode, 202, res.body);
        const job = await finished(res.json<{ job: { jobId: string } }>().job.jobId);
        assert.equal(job.state, 'failed', JSON.stringify(job));
        assert.equal(job.attempts, 1, 'a hostile document is not retried');
        assert.match(job.lastError?.message ?? '', reason);
        const d = await doc(String(body.name));
        assert.equal(d.status, 'failed');
        assert.match(d.error ?? '', reason);
      }
      const failed = (await h.t.call('GET', '/v1/tenants/acme/documents?status=failed')).json<{ items: Doc[] }>();
      assert.deepEqual(failed.items.map((d) => d.documentId).sort(), ['bomb.docx', 'laughs.yaml']);
      const ok = await submit({ name: 'payments.txt', content: PROSE });
      assert.equal((await finished(ok.json<{ job: { jobId: string } }>().job.jobId)).state, 'succeeded');
      assert.equal((await doc('payments.txt')).status, 'ready');
    });
  });
}
