// The GraphRAG benchmark's generated corpus: the same seed gives the same bytes and questions,
// another seed different ones, and every question's gold chunk exists exactly once.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { CORPUS_SIZES, generateCorpus, QUESTION_KINDS, type Corpus } from '../../bench/graphrag/corpus.js';
import { resolveGold } from '../../bench/graphrag/gold.js';

const digest = (c: Corpus): string => {
  const h = createHash('sha256');
  for (const d of c.documents) h.update(d.documentId).update(d.bytes);
  for (const q of c.questions) h.update(JSON.stringify(q));
  return h.digest('hex');
};

test('the generator is deterministic for a seed and differs across seeds', () => {
  const a = generateCorpus('acme', CORPUS_SIZES.quick, 1);
  const b = generateCorpus('acme', CORPUS_SIZES.quick, 1);
  assert.equal(digest(a), digest(b));
  assert.notEqual(digest(generateCorpus('acme', CORPUS_SIZES.quick, 2)), digest(a));
  assert.equal(new Set(a.documents.map((d) => d.documentId)).size, a.documents.length);
  assert.deepEqual([...new Set(a.documents.map((d) => d.kind))].sort(), [
    'catalog',
    'postmortem',
    'runbook',
    'system',
    'team',
  ]);
});

test('every question of the quick and full sets has exactly one gold chunk', async () => {
  for (const size of [CORPUS_SIZES.quick, CORPUS_SIZES.full]) {
    const corpus = generateCorpus('acme', size, 1);
    assert.ok(corpus.questions.length >= 100, `${corpus.questions.length} questions`);
    assert.deepEqual([...new Set(corpus.questions.map((q) => q.kind))].sort(), [...QUESTION_KINDS].sort());
    const gold = await resolveGold(corpus);
    assert.equal(gold.length, corpus.questions.length);
    for (const g of gold) assert.ok(g.chunkIndex >= 0);
    assert.equal(new Set(corpus.questions.map((q) => q.question)).size, corpus.questions.length);
  }
});

test('a second tenant with an id prefix keeps its documents apart', () => {
  const globex = generateCorpus('globex', CORPUS_SIZES.tiny, 7, 'globex/');
  assert.ok(globex.documents.every((d) => d.documentId.startsWith('globex/')));
  assert.ok(globex.questions.every((q) => q.documentId.startsWith('globex/')));
});
