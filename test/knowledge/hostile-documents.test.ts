// A hostile document per format, generated here: each is refused with the budget it broke named
// in the reason, without the parser running away (the bounds below only catch a hang; speed is
// the benchmark's business), and the same process then parses a normal document of that format.
// This is the path every caller shares: the worker threads, in-process extraction and `iris extract`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDocument, type ParsedDocument } from '../../src/knowledge/index.js';
import {
  billionLaughs,
  binaryBlob,
  manyPagesPdf,
  nestedDivs,
  nestedLists,
  nestedQuotes,
  normalDocx,
  repeatTo,
  zipBombDocx,
} from '../support/hostile-documents.js';
import { writePdf } from '../../bench/parse/pdf-writer.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
/** Generous: a refusal takes milliseconds; only a parser that runs away takes longer. */
const HANG_MS = 10_000;

async function refused(
  name: string,
  bytes: Uint8Array,
  expected: { code: string; limit?: string; message: RegExp },
): Promise<void> {
  const started = performance.now();
  await assert.rejects(parseDocument(name, bytes), (err: Error & { code?: string; limit?: string }) => {
    assert.equal(err.code, expected.code, err.message);
    if (expected.limit !== undefined) assert.equal(err.limit, expected.limit, err.message);
    assert.match(err.message, expected.message);
    return true;
  });
  assert.ok(
    performance.now() - started < HANG_MS,
    `${name} took ${Math.round(performance.now() - started)} ms to refuse`,
  );
}

const blocks = (doc: ParsedDocument): string[] => doc.blocks.map((b) => b.text);

test('DOCX: a 966 KB-class zip bomb (413 MB of XML) is refused from its directory, a lying one when inflated', async () => {
  const bomb = zipBombDocx(413);
  assert.ok(bomb.byteLength < 2 * 1024 * 1024, `bomb is ${bomb.byteLength} bytes`);
  await refused('bomb.docx', bomb, {
    code: 'document_over_budget',
    limit: 'expandedBytes',
    message: /bomb\.docx expands to \d+ bytes \(\d+ compressed\); the budget is 134217728/,
  });
  await refused('liar.docx', zipBombDocx(200, { lie: true }), {
    code: 'document_over_budget',
    limit: 'expandedBytes',
    message: /ZIP entry word\/document\.xml inflates past the 1024 bytes it declares/,
  });
  assert.deepEqual(blocks(await parseDocument('normal.docx', normalDocx())), ['Fleet report']);
});

test('YAML: the billion laughs is refused by the alias budget; ordinary aliases still resolve', async () => {
  const bomb = billionLaughs();
  assert.ok(bomb.length < 400);
  await refused('laughs.yaml', text(bomb), {
    code: 'document_over_budget',
    limit: 'aliases',
    message: /laughs\.yaml expands YAML aliases past the budget of 100/,
  });
  const doc = await parseDocument(
    'compose.yaml',
    text(
      'defaults: &d {owner: payments, tier: gold}\nservices:\n  - {name: ledger, settings: *d}\n  - {name: gateway, settings: *d}\n',
    ),
  );
  const value = doc.data[0]?.value as { defaults: object; services: { settings: object }[] };
  assert.deepEqual(
    value.services.map((s) => s.settings),
    [
      { owner: 'payments', tier: 'gold' },
      { owner: 'payments', tier: 'gold' },
    ],
  );
  assert.equal(doc.data[0]?.positions.get(value.services[0]?.settings ?? {}), doc.text.indexOf('{owner'));
  await assert.rejects(parseDocument('loop.yaml', text('a: &x\n  b: *x\n')), {
    code: 'validation_failed',
    message: /alias inside its own anchor/,
  });
});

test('YAML and JSON: nesting thousands deep is refused before the parser recurses', async () => {
  await refused('deep.json', text(`${'['.repeat(500_000)}${']'.repeat(500_000)}`), {
    code: 'document_over_budget',
    limit: 'depth',
    message: /deep\.json nests JSON arrays and objects more than 64 deep/,
  });
  await refused('deep.yaml', text(`a: ${'['.repeat(500_000)}`), {
    code: 'document_over_budget',
    limit: 'depth',
    message: /deep\.yaml nests YAML\/JSON collections more than 64 deep/,
  });
  await refused('deep-block.yaml', text(Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')), {
    code: 'document_over_budget',
    limit: 'depth',
    message: /nested more than 64 levels deep/,
  });
  assert.equal((await parseDocument('ok.json', text('{"a": [[1, 2], {"b": "c"}]}'))).data.length, 1);
});

test('Markdown: 210 KB of nested quotes or lists, and quadratic paragraphs, are refused; a normal file parses', async () => {
  await refused('quotes.md', text(nestedQuotes(210)), {
    code: 'document_over_budget',
    limit: 'depth',
    message: /quotes\.md nests Markdown block quotes and lists more than 64 deep/,
  });
  await refused('lists.md', text(nestedLists(210)), {
    code: 'document_over_budget',
    limit: 'depth',
    message: /more than 64 deep/,
  });
  await refused('brackets.md', text(repeatTo('[a]', 200)), {
    code: 'document_over_budget',
    limit: 'inlineWork',
    message: /brackets\.md has paragraphs whose length times markup delimiters/,
  });
  await refused('stars.md', text(repeatTo('a*', 100)), {
    code: 'document_over_budget',
    limit: 'inlineWork',
    message: /inlineWork budget/,
  });
  assert.deepEqual(
    blocks(await parseDocument('ok.md', text('# Title\n\n> quoted *text*\n\n- [a link](http://x.y)\n'))),
    ['Title', 'quoted text', 'a link'],
  );
});

test('HTML: 1.1 MB of nested divs is refused before parse5 builds it; a normal page parses', async () => {
  await refused('deep.html', text(nestedDivs(1100)), {
    code: 'document_over_budget',
    limit: 'htmlDepth',
    message: /deep\.html nests HTML elements more than 256 deep/,
  });
  assert.deepEqual(
    blocks(
      await parseDocument(
        'ok.html',
        text('<html><body><h1>Title</h1><div><div><p>Deep enough</p></div></div></body></html>'),
      ),
    ),
    ['Title', 'Deep enough'],
  );
});

test('PDF: a page tree claiming 100,000 pages is refused; a normal PDF parses', async () => {
  await refused('pages.pdf', manyPagesPdf(100_000), {
    code: 'document_over_budget',
    limit: 'pages',
    message: /the page count of pages\.pdf \(100000\) is over the pages budget of 5000/,
  });
  assert.deepEqual(
    blocks(await parseDocument('ok.pdf', writePdf('# Fleet report\n\nAssignments are provisional.\n'))),
    ['Fleet report', 'Assignments are provisional.'],
  );
});

test('binary data and unlisted extensions are refused as unsupported, not read as text', async () => {
  await refused('dump.txt', binaryBlob(64 * 1024), { code: 'unsupported_document', message: /dump\.txt is not text/ });
  await refused('blob', binaryBlob(64 * 1024), { code: 'unsupported_document', message: /blob is not text/ });
  await refused('tool.exe', text('MZ'), {
    code: 'unsupported_document',
    message: /'\.exe' is not a format Iris reads/,
  });
  assert.equal((await parseDocument('notes', text('plain words'))).format, 'text');
});
