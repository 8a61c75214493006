// What the prose extractor's unit tests share (prose-extractor, prose-typing, prose-relations
// tests): one paragraph in, records out as sorted `type:name` and `source -type-> target` strings.
import assert from 'node:assert/strict';
import type { TextBlock } from '../parse/document-model.js';
import { proseRecords } from './prose-extractor.js';

/** One paragraph block of `text`, as the parser gives it, starting at `start`. */
export const block = (text: string, start = 0): TextBlock => ({
  kind: 'paragraph',
  text,
  start,
  end: start + text.length,
});

/** The records extracted from one paragraph of `text`: entities unique and sorted, relations sorted. */
export function extract(text: string): { entities: string[]; relations: string[] } {
  const r = proseRecords([block(text)]);
  return {
    entities: [...new Set(r.entities.map((e) => `${e.type}:${e.name}`))].sort(),
    relations: r.relations.map((x) => `${x.source} -${x.type}-> ${x.target}`).sort(),
  };
}

/** Asserts that every expected record is among the found ones, naming the first one missing. */
export function includesEach(found: readonly string[], expected: readonly string[]): void {
  for (const x of expected) assert.ok(found.includes(x), `${x} not in ${found.join(', ')}`);
}
