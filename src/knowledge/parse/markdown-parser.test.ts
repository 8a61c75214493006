// Unit tests of the Markdown parser: blocks with offsets, GFM tables, front matter as data.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMarkdown } from './markdown-parser.js';

const source = `---
title: Handbook
entities:
  - name: Checkout Squad
    type: team
---
# The *Checkout* squad

We own [checkout](https://example.com).

- first item
- second item

| Name | Type |
|------|------|
| Cart Service | service |
`;

test('blocks and tables point into the extracted text', () => {
  const doc = parseMarkdown('h.md', source);
  assert.equal(doc.format, 'markdown');
  for (const b of doc.blocks) assert.equal(doc.text.slice(b.start, b.end), b.text);
  assert.deepEqual(
    doc.blocks.filter((b) => b.kind !== 'code').map((b) => [b.kind, b.text]),
    [
      ['heading', 'The Checkout squad'],
      ['paragraph', 'We own checkout.'],
      ['list-item', 'first item'],
      ['list-item', 'second item'],
    ],
  );
  const [table] = doc.tables;
  assert.deepEqual(table?.headers, ['Name', 'Type']);
  assert.deepEqual(
    table?.rows.map((r) => r.cells),
    [['Cart Service', 'service']],
  );
  const row = table?.rows[0];
  assert.ok(row !== undefined);
  assert.equal(doc.text.slice(row.start, row.end), 'Cart Service | service');
});

test('front matter becomes a data document with the positions of its objects', () => {
  const doc = parseMarkdown('h.md', source);
  const [fm] = doc.data;
  assert.equal(fm?.role, 'front-matter');
  const value = fm?.value as { title: string; entities: { name: string }[] };
  assert.equal(value.title, 'Handbook');
  const entity = value.entities[0];
  assert.ok(entity !== undefined && fm !== undefined);
  const at = fm.positions.get(entity);
  assert.ok(at !== undefined);
  assert.ok(doc.text.slice(at).startsWith('name: Checkout Squad'));
});

test('malformed front matter is a validation error naming the document', () => {
  assert.throws(() => parseMarkdown('bad.md', '---\nentities: [a, b\n---\n# x\n'), {
    code: 'validation_failed',
    message: /front matter of bad\.md/,
  });
});
