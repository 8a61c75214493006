// Unit tests of chunking: bounded chunks, spans that point into the text, preferred boundaries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkAt, chunkText } from './chunker.js';

const paragraphs = Array.from(
  { length: 12 },
  (_, i) => `Paragraph ${i} says something about service ${i}. It has two sentences.`,
).join('\n\n');

test('every chunk is a bounded, trimmed span of the text, in order, covering all words', () => {
  const chunks = chunkText(paragraphs, { maxChars: 200 });
  assert.ok(chunks.length > 3);
  for (const [i, c] of chunks.entries()) {
    assert.equal(c.index, i);
    assert.equal(paragraphs.slice(c.start, c.end), c.text);
    assert.ok(c.text.length <= 200, `chunk ${i} is ${c.text.length} chars`);
    assert.equal(c.text, c.text.trim());
  }
  const words = (s: string): string[] => s.split(/\s+/).filter(Boolean);
  assert.deepEqual(
    chunks.flatMap((c) => words(c.text)),
    words(paragraphs),
  );
});

test('chunks end at paragraph boundaries when one is available', () => {
  for (const c of chunkText(paragraphs, { maxChars: 200 })) assert.match(c.text, /two sentences\.$/);
});

test('a text without boundaries is cut at the limit', () => {
  const chunks = chunkText('x'.repeat(1000), { maxChars: 300 });
  assert.deepEqual(
    chunks.map((c) => c.text.length),
    [300, 300, 300, 100],
  );
});

test('overlap repeats the end of a chunk at the start of the next', () => {
  const [a, b] = chunkText(paragraphs, { maxChars: 200, overlap: 40 });
  assert.ok(a !== undefined && b !== undefined);
  assert.ok(b.start < a.end);
});

test('chunkAt finds the chunk holding an offset', () => {
  const chunks = chunkText(paragraphs, { maxChars: 200 });
  for (const c of chunks) {
    assert.equal(chunkAt(chunks, c.start), c.index);
    assert.equal(chunkAt(chunks, c.end - 1), c.index);
  }
  assert.equal(chunkAt(chunks, 0), 0);
});
