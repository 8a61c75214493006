// PDF and DOCX end to end: documents generated from text by the benchmark's writers are parsed
// back into headings, paragraphs and tables (a table crossing a page break included), and
// extraction reads their tables. Unreadable bytes are validation errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeDocx } from '../../bench/parse/docx-writer.js';
import { writePdf } from '../../bench/parse/pdf-writer.js';
import { extractDocument, parseDocument } from '../../src/knowledge/index.js';

const MARKUP = `# Fleet report

Assignments for the quarter are provisional until the audit closes.

name | type | location
Truck 17 | vehicle | Tacoma
Van 4 | vehicle | Portland

source | relation | target
Mei Chen | drives | Truck 17
`;

test('a generated PDF parses into a heading, a paragraph and two tables, with offsets into the text', async () => {
  const doc = await parseDocument('report.pdf', writePdf(MARKUP));
  assert.equal(doc.format, 'pdf');
  assert.deepEqual(
    doc.blocks.map((b) => [b.kind, b.text]),
    [
      ['heading', 'Fleet report'],
      ['paragraph', 'Assignments for the quarter are provisional until the audit closes.'],
    ],
  );
  assert.deepEqual(
    doc.tables.map((t) => t.headers),
    [
      ['name', 'type', 'location'],
      ['source', 'relation', 'target'],
    ],
  );
  assert.deepEqual(
    doc.tables[0]?.rows.map((r) => r.cells),
    [
      ['Truck 17', 'vehicle', 'Tacoma'],
      ['Van 4', 'vehicle', 'Portland'],
    ],
  );
  for (const t of doc.tables) for (const r of t.rows) assert.equal(doc.text.slice(r.start, r.end), r.cells.join(' | '));
});

test('a PDF table that crosses a page break stays one table', async () => {
  const filler = Array.from(
    { length: 48 },
    (_, i) => `line ${i} of the procedure text that fills the first page.`,
  ).join('\n');
  const rows = Array.from({ length: 12 }, (_, i) => `Item ${i} | equipment | Room ${i}`).join('\n');
  const doc = await parseDocument('long.pdf', writePdf(`${filler}\n\nname | type | located in\n${rows}\n`));
  assert.equal(doc.tables.length, 1);
  assert.equal(doc.tables[0]?.rows.length, 12);
  assert.deepEqual(doc.tables[0]?.rows.at(-1)?.cells, ['Item 11', 'equipment', 'Room 11']);
});

test('a generated DOCX parses through mammoth into headings, list items and tables', async () => {
  const doc = await parseDocument('report.docx', writeDocx(`${MARKUP}\n- first step\n- second step\n`));
  assert.equal(doc.format, 'docx');
  assert.deepEqual(
    doc.blocks.filter((b) => b.kind === 'heading').map((b) => b.text),
    ['Fleet report'],
  );
  assert.ok(doc.blocks.some((b) => b.text === 'first step'));
  assert.deepEqual(
    doc.tables[1]?.rows.map((r) => r.cells),
    [['Mei Chen', 'drives', 'Truck 17']],
  );
});

test('extraction reads the tables of both binary formats the same way', async () => {
  for (const [name, bytes] of [
    ['r.pdf', writePdf(MARKUP)],
    ['r.docx', writeDocx(MARKUP)],
  ] as const) {
    const x = await extractDocument(name, bytes);
    assert.deepEqual(
      x.entities.map((e) => `${e.type}:${e.name}`).sort(),
      // Every reference is an entity: the driver is a person by name.
      ['location:Portland', 'location:Tacoma', 'person:Mei Chen', 'vehicle:Truck 17', 'vehicle:Van 4'],
      name,
    );
    assert.deepEqual(
      x.relations.map((r) => `${r.source} -${r.type}-> ${r.target}`).sort(),
      ['Mei Chen -drives-> Truck 17', 'Truck 17 -located_in-> Tacoma', 'Van 4 -located_in-> Portland'],
      name,
    );
    // Provenance: each relation names the chunk it came from, and that chunk holds its row.
    for (const r of x.relations)
      for (const p of r.provenance) assert.ok(x.chunks[p.chunk]?.text.includes(r.target), name);
  }
});

test('bytes that are not a PDF or a DOCX are refused: damaged ones as validation errors, others as unsupported', async () => {
  await assert.rejects(parseDocument('broken.pdf', new TextEncoder().encode('%PDF-1.4 nonsense')), {
    code: 'validation_failed',
    message: /broken\.pdf is not a readable PDF/,
  });
  await assert.rejects(parseDocument('broken.docx', new TextEncoder().encode('PK\u0003\u0004 a damaged zip')), {
    code: 'validation_failed',
    message: /broken\.docx is not a readable DOCX/,
  });
  await assert.rejects(parseDocument('broken.docx', new TextEncoder().encode('PK not a zip')), {
    code: 'unsupported_document',
    message: /broken\.docx is named as a DOCX but is not a ZIP package/,
  });
});
