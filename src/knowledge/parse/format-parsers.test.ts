// Unit tests of the text-like parsers: HTML, plain text, CSV/TSV, JSON and YAML, and format detection.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseData } from './data-parser.js';
import { parseDelimited } from './delimited-parser.js';
import { parseHtml } from './html-parser.js';
import { detectFormat, parseDocument } from './parse-document.js';
import { parsePlainText } from './plain-text-parser.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

test('HTML keeps headings, paragraphs and tables and drops scripts, styles and navigation', () => {
  const doc = parseHtml(
    'p.html',
    '<html><head><title>T</title><style>p{}</style></head><body><nav>menu</nav><h1>Title</h1><p>Hello <b>bold</b> world.<br>Next</p><script>evil()</script><table><tr><th>Name</th><th>Type</th></tr><tr><td>A</td><td>x</td></tr></table></body></html>',
  );
  assert.deepEqual(
    doc.blocks.map((b) => [b.kind, b.text]),
    [
      ['heading', 'T'],
      ['heading', 'Title'],
      ['paragraph', 'Hello bold world. Next'],
    ],
  );
  assert.deepEqual(
    doc.tables[0]?.rows.map((r) => r.cells),
    [['A', 'x']],
  );
  assert.ok(!doc.text.includes('evil') && !doc.text.includes('menu'));
});

test('plain text paragraphs keep their source offsets', () => {
  const source = '  First para\nline two.\n\n\nSecond para.\n';
  const doc = parsePlainText('t.txt', source);
  assert.deepEqual(
    doc.blocks.map((b) => b.text),
    ['First para\nline two.', 'Second para.'],
  );
  for (const b of doc.blocks) assert.equal(source.slice(b.start, b.end), b.text);
});

test('CSV honours quotes, a BOM and CRLF; ragged rows are padded; TSV keeps quote characters', () => {
  const csv = parseDelimited('c.csv', '\uFEFFname,type\r\n"Depot, North",depot\r\nShort\r\n', 'csv');
  assert.deepEqual(csv.tables[0]?.headers, ['name', 'type']);
  assert.deepEqual(
    csv.tables[0]?.rows.map((r) => r.cells),
    [
      ['Depot, North', 'depot'],
      ['Short', ''],
    ],
  );
  const tsv = parseDelimited('t.tsv', 'name\ttype\n"quoted\tx\n', 'tsv');
  assert.deepEqual(tsv.tables[0]?.rows[0]?.cells, ['"quoted', 'x']);
});

test('YAML with several documents gives one data document each; long strings are prose blocks', () => {
  const doc = parseData(
    'c.yaml',
    'a: 1\n---\nb:\n  description: This sentence is long enough to be prose here.\n',
    'yaml',
  );
  assert.equal(doc.data.length, 2);
  assert.deepEqual(
    doc.data.map((d) => d.value),
    [{ a: 1 }, { b: { description: 'This sentence is long enough to be prose here.' } }],
  );
  assert.equal(doc.blocks[0]?.text, 'This sentence is long enough to be prose here.');
});

test('JSON arrays of flat objects are tables whose rows point at their objects', () => {
  const source =
    '[{"source": "A", "relation": "uses", "target": "B"}, {"source": "C", "relation": "uses", "target": "D"}]';
  const doc = parseData('r.json', source, 'json');
  assert.deepEqual(doc.tables[0]?.headers, ['source', 'relation', 'target']);
  assert.equal(source.slice(doc.tables[0]?.rows[1]?.start), '{"source": "C", "relation": "uses", "target": "D"}]');
});

test('broken JSON is a validation error', () => {
  assert.throws(() => parseData('x.json', '{"a": [1, 2}', 'json'), { code: 'validation_failed' });
});

test('formats are detected by extension, then by content', () => {
  assert.equal(detectFormat('a.MD', bytes('')), 'markdown');
  assert.equal(detectFormat('catalog-info.yml', bytes('')), 'yaml');
  assert.equal(detectFormat('blob', bytes('%PDF-1.4')), 'pdf');
  assert.equal(detectFormat('blob', bytes('PK\u0003\u0004')), 'docx');
  assert.equal(detectFormat('blob', bytes('  {"a":1}')), 'json');
  assert.equal(detectFormat('blob', bytes('<!doctype html><p>x')), 'html');
  assert.equal(detectFormat('blob', bytes('apiVersion: backstage.io/v1alpha1\nkind: API\n')), 'yaml');
  assert.equal(detectFormat('notes', bytes('just words')), 'text');
});

test('documents over the size limit are refused before parsing', async () => {
  await assert.rejects(parseDocument('big.txt', bytes('x'.repeat(100)), { maxBytes: 10 }), {
    code: 'validation_failed',
    message: /limit is 10/,
  });
});
