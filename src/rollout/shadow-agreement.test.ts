// Shadow agreement: citation Jaccard, the text similarity on fixed pairs, and the tally.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  answerSimilarity,
  citationOverlap,
  makeShadowTally,
  shadowAgreement,
  type ObservedAnswer,
} from './shadow-agreement.js';

const c = (documentId: string, chunkIndex: number) => ({ documentId, chunkIndex });
const near = (actual: number, expected: number, eps = 1e-9): void =>
  assert.ok(Math.abs(actual - expected) < eps, `${actual} is not ${expected}`);

test('citationOverlap is Jaccard over documentId#chunkIndex; both empty agree', () => {
  assert.equal(citationOverlap([], []), 1);
  assert.equal(citationOverlap([c('d1', 0)], []), 0);
  assert.equal(citationOverlap([c('d1', 0), c('d1', 1)], [c('d1', 1), c('d1', 0)]), 1);
  near(citationOverlap([c('d1', 0), c('d2', 3)], [c('d2', 3), c('d3', 0)]), 1 / 3);
  // The same document at another chunk is another citation; duplicates count once.
  assert.equal(citationOverlap([c('d1', 0), c('d1', 0)], [c('d1', 1)]), 0);
  near(citationOverlap([c('d1', 0), c('d1', 0)], [c('d1', 0), c('d2', 0)]), 1 / 2);
  // A '#' inside a document id cannot fake a match.
  assert.equal(citationOverlap([c('a#1', 2)], [c('a', 12)]), 0);
});

test('answerSimilarity: identical (case, punctuation aside) is 1, disjoint is 0', () => {
  const a = 'The invoice was paid on 3 March by ACME.';
  assert.equal(answerSimilarity(a, a), 1);
  assert.equal(answerSimilarity(a, 'the INVOICE was paid on 3 march, by acme'), 1);
  assert.equal(answerSimilarity(a, 'Nothing in common here whatsoever'), 0);
  assert.equal(answerSimilarity('', '  ...  '), 1);
  assert.equal(answerSimilarity('', 'words'), 0);
});

test('answerSimilarity: a paraphrase scores between, below a near copy; reordering costs bigrams', () => {
  const served = 'ACME paid the March invoice on the third of March.';
  const nearCopy = 'ACME paid the March invoice on the 3rd of March.';
  const paraphrase = 'The March invoice was settled by ACME on March third.';
  const reordered = 'March of third the on invoice March the paid ACME.';
  const close = answerSimilarity(served, nearCopy);
  const para = answerSimilarity(served, paraphrase);
  const shuffled = answerSimilarity(served, reordered);
  assert.ok(close > 0.8 && close < 1, `near copy ${close}`);
  assert.ok(para > 0.3 && para < close, `paraphrase ${para}`);
  assert.ok(shuffled > 0.5 && shuffled < 0.8, `same words shuffled ${shuffled}`);
  // Pinned by hand: unigrams {a:1,b:1}, {a:1,c:1}; bigrams {a b}, {a c}: dot 1, norms √3 each.
  near(answerSimilarity('a b', 'a c'), 1 / 3);
  assert.equal(answerSimilarity('x y', 'y x'), answerSimilarity('y x', 'x y'), 'symmetric');
});

const served: ObservedAnswer = { answer: 'ACME paid.', citations: [c('d1', 0)], latencyMs: 100 };

test('shadowAgreement: numbers of one comparison; an error has no overlap or similarity', () => {
  assert.deepEqual(
    shadowAgreement(served, { ok: true, answer: 'ACME paid.', citations: [c('d1', 0), c('d2', 0)], latencyMs: 130 }),
    { error: false, overlap: 0.5, similarity: 1, latencyDeltaMs: 30 },
  );
  assert.deepEqual(shadowAgreement(served, { ok: false, error: 'timeout', latencyMs: 2000 }), {
    error: true,
    overlap: null,
    similarity: null,
    latencyDeltaMs: 1900,
  });
  assert.equal(shadowAgreement(served, { ok: false, error: 'boom' }).latencyDeltaMs, null);
});

test('the tally keeps counts and means per (release, ring), and windows of per-query values', () => {
  const tally = makeShadowTally();
  const canary = { releaseId: 'rel-1', ring: 'canary' };
  const early = { releaseId: 'rel-1', ring: 'early' };
  for (let i = 0; i < 20; i++) {
    tally.record(canary, 1000 + i, { error: false, overlap: i % 2, similarity: 0.5, latencyDeltaMs: i });
  }
  tally.record(canary, 2000, { error: true, overlap: null, similarity: null, latencyDeltaMs: null });
  tally.record(early, 1500, { error: false, overlap: 1, similarity: 1, latencyDeltaMs: -5 });

  const s = tally.summary(canary);
  assert.deepEqual(
    [s.samples, s.errors, s.meanOverlap, s.meanSimilarity, s.latencyDeltaMs],
    [21, 1, 0.5, 0.5, { p50: 9, p95: 18 }],
  );
  assert.deepEqual(tally.summary({ releaseId: 'rel-2', ring: 'canary' }), {
    releaseId: 'rel-2',
    ring: 'canary',
    samples: 0,
    errors: 0,
    meanOverlap: null,
    meanSimilarity: null,
    latencyDeltaMs: null,
  });
  assert.deepEqual(
    tally.summaries().map((x) => [x.ring, x.samples]),
    [
      ['canary', 21],
      ['early', 1],
    ],
  );
  const w = tally.window(canary, 1010, 2001);
  assert.equal(w.samples, 11);
  assert.equal(w.errors, 1);
  assert.deepEqual(w.overlap, [0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
  assert.deepEqual(w.latencyDeltaMs, [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  tally.forget('rel-1');
  assert.equal(tally.summaries().length, 0);
});

test('the tally retains the latest maxSamplesPerKey values but counts every sample', () => {
  const tally = makeShadowTally({ maxSamplesPerKey: 5 });
  const key = { releaseId: 'r', ring: 'general' };
  for (let i = 0; i < 12; i++) tally.record(key, i, { error: false, overlap: 1, similarity: 1, latencyDeltaMs: i });
  const w = tally.window(key, 0, 100);
  assert.deepEqual(w.latencyDeltaMs, [7, 8, 9, 10, 11], 'oldest first, the latest five');
  assert.equal(tally.summary(key).samples, 12);
  assert.deepEqual(tally.summary(key).latencyDeltaMs, { p50: 9, p95: 11 });
});

test('the tally stores numbers only, never what the caller passed along', () => {
  const tally = makeShadowTally();
  const key = { releaseId: 'r', ring: 'canary' };
  const extra = { error: false, overlap: 1, similarity: 1, latencyDeltaMs: 0, answer: 'secret of tenant acme' };
  tally.record(key, 1, extra);
  assert.ok(!JSON.stringify([tally.summaries(), tally.window(key, 0, 10)]).includes('acme'));
});
