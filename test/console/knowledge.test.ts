// The console's Knowledge pages in Chromium, as a person uses them: a file uploaded in the page
// (progress, then its ingest job) is answered with its citation marked in the chunk; a 5,000-entity
// graph (ingested from a generated inventory through the product's own pipeline) is drawn by
// the graph explorer, and its time to first render printed; unsupported and oversized files are
// refused in words; a read-only role sees no upload or delete controls and its forged upload is
// refused; axe finds no serious or critical violation on any view.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { axeViolations, browserSkip, startConsole, type ConsoleHarness } from '../support/console-browser.js';
import { ADMIN_TOKEN } from '../support/test-app.js';

const NOTE = `# Payments

The Payments Gateway is run by the Payments Team. Every night it hands settled batches to the Quantum Ledger.

The Fraud Scoring API is owned by the Risk Team and scores every card payment.
`;
/** Every document is at most this many bytes here, so an oversized one is cheap to make. */
const MAX_DOCUMENT_BYTES = 200_000;
const ENTITIES = 5000;

/**
 * A service inventory of `n` services in teams of 100: each depends on another of its team and
 * is owned by its team. Ingested as a CSV it is `n` services plus their teams in the graph,
 * with relations and communities, exactly as the product stores any document.
 */
function inventory(n: number): string {
  const id = (i: number) => `svc-${String(i).padStart(4, '0')}`;
  const rows = ['name,type,depends_on,owner'];
  for (let i = 0; i < n; i++) {
    const team = Math.floor(i / 100);
    rows.push(`${id(i)},service,${id(team * 100 + ((i * 7 + 3) % 100))},team-${String(team).padStart(2, '0')}`);
  }
  return rows.join('\n');
}

describe('console knowledge pages in a browser', { skip: browserSkip }, () => {
  let h: ConsoleHarness;
  let curator: string;
  let analyst: string;
  let bigIngest: Promise<string>;
  const finished = async (tenant: string, jobId: string): Promise<string> => {
    for (let i = 0; i < 1200; i++) {
      const j = (await h.t.call('GET', `/v1/tenants/${tenant}/jobs/${jobId}`)).json<{ state: string }>();
      if (['succeeded', 'failed', 'poisoned', 'cancelled'].includes(j.state)) return j.state;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`job ${jobId} did not finish`);
  };
  const axe = async (page: Page, view: string) => assert.deepEqual(await axeViolations(page), [], `axe on ${view}`);

  before(async () => {
    h = await startConsole({ IRIS_MAX_DOCUMENT_BYTES: String(MAX_DOCUMENT_BYTES) });
    for (const id of ['acme', 'big'])
      assert.equal((await h.t.call('POST', '/v1/tenants', { body: { id, displayName: id } })).statusCode, 201);
    await h.t.app.directory.resync();
    await h.t.app.startWorker({ concurrency: 2 });
    curator = await h.t.keyFor('acme', 'knowledge-curator');
    analyst = await h.t.keyFor('acme', 'analyst');
    const res = await h.t.call('POST', '/v1/tenants/big/documents', {
      body: { name: 'inventory.csv', content: inventory(ENTITIES) },
    });
    assert.equal(res.statusCode, 202, res.body);
    // The big graph ingests while the first tests run.
    bigIngest = finished('big', res.json<{ job: { jobId: string } }>().job.jobId);
  });
  after(async () => h?.dispose());

  test('an uploaded file is ingested, then a question is answered with its citation marked in the chunk', async () => {
    const page = await h.signedIn(curator);
    await page.getByRole('link', { name: 'Knowledge' }).click();
    await page.getByRole('heading', { name: 'Knowledge · acme' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/console/knowledge/acme');
    const explorerLoads: string[] = [];
    page.on('request', (r) => {
      if (/graph-explorer/.test(r.url())) explorerLoads.push(r.url());
    });
    await page.getByLabel('Files to upload').setInputFiles({
      name: 'payments.md',
      mimeType: 'text/markdown',
      buffer: Buffer.from(NOTE),
    });
    const uploads = page.getByRole('list', { name: 'Uploads' });
    await uploads.getByText(/Ingested: \d+ chunk/).waitFor({ timeout: 30_000 });
    const row = page.getByRole('row').filter({ hasText: 'payments.md' });
    await row.getByText('ready').waitFor();
    await axe(page, 'documents');
    await h.shot(page, 'knowledge-documents');
    assert.deepEqual(explorerLoads, [], 'the graph explorer (sigma) is not loaded before the graph view');

    await page.getByRole('link', { name: 'Query' }).click();
    await page.getByLabel('Question').fill('Who runs the Payments Gateway?');
    assert.deepEqual(await page.getByLabel('Mode').locator('option').allTextContents(), [
      'Hybrid',
      'Local',
      'Global',
      'Naive',
    ]);
    await page.getByRole('button', { name: 'Ask' }).click();
    const first = page.locator('#citation-1');
    await first.locator('mark').first().waitFor();
    assert.match(await first.locator('.citation-head').innerText(), /\[1\] payments\.md, chunk 0/);
    assert.equal(
      (await first.locator('mark').first().innerText()).replace(/\s+/g, ' '),
      'The Payments Gateway is run by the Payments Team.',
    );
    assert.match(
      await page.locator('.answer-text').innerText(),
      /The Payments Gateway is run by the Payments Team\. \[1\]/,
    );
    assert.match(await page.locator('.sources').innerText(), /payments\.md: \[1\]/);
    // The citation number in the answer leads to its chunk.
    await page.locator('.answer-text').getByRole('link', { name: 'citation 1' }).first().click();
    assert.equal(new URL(page.url()).hash, '#citation-1');
    await axe(page, 'query');
    await h.shot(page, 'knowledge-query');
  });

  test('unsupported and oversized files are refused in words, dropped or chosen', async () => {
    const page = await h.signedIn(curator);
    await page.goto('/console/knowledge/acme/documents');
    // Dropped onto the area, as a person drags a file from the desktop.
    // (A string: this file is compiled without the DOM's types.)
    const png = await page.evaluateHandle(`(() => {
      const dt = new DataTransfer();
      const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
      dt.items.add(new File([bytes], 'diagram.png', { type: 'image/png' }));
      return dt;
    })()`);
    await page.locator('.dropzone').dispatchEvent('drop', { dataTransfer: png });
    const refusedPng = page.getByRole('listitem').filter({ hasText: 'diagram.png' });
    await refusedPng.getByText(/Not uploaded/).waitFor();
    assert.match(await refusedPng.innerText(), /Not uploaded: .*(not supported|unsupported|\.png)/i);

    await page.getByLabel('Files to upload').setInputFiles({
      name: 'huge.txt',
      mimeType: 'text/plain',
      buffer: Buffer.alloc(MAX_DOCUMENT_BYTES + 100_000, 'all work and no play. '),
    });
    const refusedHuge = page.getByRole('listitem').filter({ hasText: 'huge.txt' });
    await refusedHuge.getByText(/Not uploaded/).waitFor();
    assert.match(await refusedHuge.innerText(), /Not uploaded: .*larger than this server accepts/);
    // The page is still the page: the documents are listed, nothing went blank.
    await page.getByRole('heading', { name: 'Documents', exact: true }).waitFor();
    assert.equal((await h.t.call('GET', '/v1/tenants/acme/documents/huge.txt')).statusCode, 404);
    await axe(page, 'documents with refusals');
  });

  test('a role without knowledge.write sees no upload or delete, and its forged upload is refused', async () => {
    const page = await h.signedIn(analyst);
    await page.goto('/console/knowledge/acme/documents');
    await page.getByRole('row').filter({ hasText: 'payments.md' }).waitFor();
    assert.equal(await page.getByLabel('Files to upload').count(), 0);
    assert.equal(await page.getByRole('button', { name: /Delete/ }).count(), 0);
    const forged = await page.evaluate(async () => {
      const post = (headers: Record<string, string>) =>
        fetch('/v1/tenants/acme/documents', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ name: 'forged.md', content: '# forged' }),
        }).then(async (r) => ({ status: r.status, body: await r.text() }));
      const session = (await (await fetch('/v1/console/session')).json()) as { csrfToken: string };
      return { withoutCsrf: await post({}), withCsrf: await post({ 'x-iris-csrf': session.csrfToken }) };
    });
    assert.equal(forged.withoutCsrf.status, 403, forged.withoutCsrf.body);
    assert.match(forged.withoutCsrf.body, /CSRF/);
    assert.equal(forged.withCsrf.status, 403, forged.withCsrf.body);
    assert.match(forged.withCsrf.body, /knowledge\.write/);
    assert.equal((await h.t.call('GET', '/v1/tenants/acme/documents/forged.md')).statusCode, 404);
    await axe(page, 'documents, read-only');
  });

  test('a curator deletes a document from the list after confirming', async () => {
    const page = await h.signedIn(curator);
    await page.goto('/console/knowledge/acme/documents');
    await page.getByRole('button', { name: 'Delete payments.md' }).click();
    await page.getByRole('button', { name: 'Delete payments.md and its facts' }).click();
    await page.getByText('No documents yet.').waitFor();
    assert.equal((await h.t.call('GET', '/v1/tenants/acme/documents/payments.md')).statusCode, 404);
  });

  test('the graph explorer draws a 5,000-entity graph, finds an entity and shows where its facts were read', async () => {
    assert.equal(await bigIngest, 'succeeded');
    const page = await h.signedIn(ADMIN_TOKEN);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    // A fresh navigation: performance.now() in the page counts from it.
    await page.goto('/console/knowledge/big/graph');
    const canvas = page.locator('.graph-canvas[data-first-render-ms]');
    await canvas.waitFor({ timeout: 30_000 }).catch(async (err: unknown) => {
      await h.shot(page, 'knowledge-graph-failed');
      throw new Error(`no first render; page errors: ${errors.join(' | ') || 'none'}`, { cause: err });
    });
    assert.deepEqual(errors, []);
    const ms = Number(await canvas.getAttribute('data-first-render-ms'));
    console.log(`console graph ${ENTITIES} entities first render ${ms} ms`);
    // Where the time went: the export's and the explorer chunk's loads, from the page's own timings.
    const loads = await page.evaluate<string>(`performance.getEntriesByType('resource')
      .filter((e) => /graph\\/export|graph-explorer/.test(e.name))
      .map((e) => new URL(e.name).pathname.split('/').pop() + ' ' + Math.round(e.startTime) + '-' + Math.round(e.responseEnd) + ' ms, ' + e.encodedBodySize + ' B')
      .concat(performance.getEntriesByType('mark').filter((m) => m.name.startsWith('iris:graph'))
        .map((m) => m.name + ' ' + Math.round(m.startTime) + ' ms'))
      .join('; ')`);
    console.log(`console graph loads: ${loads}`);
    assert.ok(ms > 0 && ms < 20_000, `first render after ${ms} ms`);
    const status = await page.locator('.graph-status').innerText();
    const drawn = Number(/([\d,]+) entities/.exec(status)?.[1]?.replace(/,/g, ''));
    assert.ok(drawn >= ENTITIES, status);
    assert.equal((await page.locator('.graph-canvas canvas').count()) > 0, true, 'sigma drew into canvases');

    await page.getByText('layout settled').waitFor({ timeout: 15_000 });
    await h.shot(page, 'knowledge-graph-overview');

    await page.getByLabel('Find an entity').fill('svc-0042');
    await page.getByLabel('Find an entity').press('Enter');
    const panel = page.getByRole('complementary', { name: 'svc-0042' });
    await panel.waitFor();
    const text = await panel.innerText();
    assert.match(text, /service/);
    assert.match(text, /depends on\s+svc-0097/);
    assert.match(text, /owned by\s+team-00/);
    assert.match(text, /read 1 time in inventory\.csv/);
    // Following a relation focuses its other end.
    await panel.getByRole('button', { name: 'team-00' }).click();
    await page.getByRole('complementary', { name: 'team-00' }).waitFor();
    await axe(page, 'graph');
    await h.shot(page, 'knowledge-graph');
  });
});
