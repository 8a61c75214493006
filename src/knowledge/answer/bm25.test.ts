// Unit tests of BM25 ranking and the pure answer helpers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertOwnChunks, bestSentences, candidateKeys, longestMatches } from './answer-builder.js';
import { bm25, CorpusStatsCache, rank, rankTokens, statsOf } from './bm25.js';
import { termsOf } from '../graph/vocabulary.js';

test("rank matches a question's verb to a relation written in another form", () => {
  const facts = ['billing reads_from ledger-db', 'billing writes_to billing-db', 'billing depends_on auth'];
  assert.equal(
    rank('Which datastore does billing write to?', facts, (f) => f)[0]?.item,
    'billing writes_to billing-db',
  );
});

test('rarer terms weigh more, and longer passages are normalised', () => {
  const passages = [
    ['ledger', 'payments'],
    ['payments', 'payments', 'cart'],
    ['cart', 'search', 'index', 'pricing', 'payments', 'ledger', 'x', 'y'],
  ].map((p) => p);
  const stats = statsOf(passages, ['ledger', 'payments']);
  const [short, , long] = passages.map((p) => bm25(['ledger'], p, stats));
  assert.ok((short ?? 0) > (long ?? 0));
  assert.ok(bm25(['ledger'], ['ledger'], stats) > bm25(['payments'], ['payments'], stats));
});

test('rank orders by score, drops non-matches and keeps input order on ties', () => {
  const docs = [
    'the cart service',
    'ledger of payments',
    'payments ledger ledger',
    'unrelated words',
    'ledger of payments',
  ];
  assert.deepEqual(
    rank('ledger', docs, (d) => d).map((r) => r.item),
    ['payments ledger ledger', 'ledger of payments', 'ledger of payments'],
  );
  assert.equal(rank('ledger', docs, (d) => d).length, 3);
});

test("a passage holding the question's terms side by side outranks one holding them apart", () => {
  const docs = ['the payments team reviewed the ledger', 'the ledger of payments was reviewed'];
  assert.deepEqual(
    rank('ledger payments', docs, (d) => d).map((r) => r.item),
    ['the ledger of payments was reviewed', 'the payments team reviewed the ledger'],
  );
  const apart = rank('ledger payments', docs, (d) => d);
  assert.ok((apart[0]?.score ?? 0) > (apart[1]?.score ?? 0), 'not a tie broken by order');
});

test('rankTokens over pre-tokenized passages ranks as rank does', () => {
  const docs = ['the cart service', 'ledger of payments', 'payments ledger ledger', 'unrelated words'];
  const stats = {
    count: 100,
    averageLength: 3,
    documentFrequency: new Map([
      ['ledger', 2],
      ['payment', 40],
    ]),
  };
  const viaText = rank('ledger payments', docs, (d) => d, stats);
  const viaTokens = rankTokens(
    termsOf('ledger payments'),
    docs,
    docs.map((d) => termsOf(d)),
    stats,
  );
  assert.deepEqual(viaTokens, viaText);
  assert.equal(viaTokens[0]?.item, 'ledger of payments', 'the adjacent pair wins over a repeated term');
});

test('the stats cache answers only for the version it was filled at, and forgets the least recently used tenant', () => {
  const cache = new CorpusStatsCache(2);
  const acme = cache.set('acme', 3, { count: 10, averageChars: 500 });
  acme.documentFrequency.set('ledger', 4);
  assert.equal(cache.get('acme', 3)?.documentFrequency.get('ledger'), 4);
  assert.equal(cache.get('acme', 4), undefined);
  cache.set('globex', 1, { count: 1, averageChars: 1 });
  assert.equal(cache.get('acme', 3)?.count, 10);
  cache.set('initech', 1, { count: 2, averageChars: 2 });
  assert.equal(cache.get('globex', 1), undefined);
  assert.equal(cache.get('acme', 3)?.count, 10);
  assert.equal(cache.set('acme', 4, { count: 11, averageChars: 400 }).documentFrequency.size, 0);
  assert.equal(cache.get('acme', 3), undefined);
});

test('candidate keys are word runs of the question; overlapping matches keep the longest', () => {
  const keys = candidateKeys('What does the Payments Gateway call?');
  assert.ok(keys.includes('payments gateway') && keys.includes('payments') && keys.includes('gateway call'));
  assert.deepEqual(longestMatches(['payments', 'payments gateway', 'ledger']), ['payments gateway', 'ledger']);
});

test('best sentences carry their citation numbers', () => {
  const s = bestSentences('who owns the ledger', [
    { text: 'The cart is fast. The payments team owns the ledger database.', citation: 2 },
  ]);
  assert.deepEqual(s, ['The payments team owns the ledger database. [2]']);
});

test('a chunk of another tenant is refused', () => {
  assert.doesNotThrow(() => assertOwnChunks('acme', [{ tenantId: 'acme' }]));
  assert.throws(() => assertOwnChunks('acme', [{ tenantId: 'acme' }, { tenantId: 'globex' }]), {
    code: 'cross_tenant_citation',
  });
});

test('best sentences keep a sentence wrapped over two lines whole; list items stay apart', () => {
  const best = bestSentences('What does the Payments Gateway depend on?', [
    {
      text: 'The Payments Gateway depends on\nthe Fraud Scoring API, which the Risk Team runs.\n- Payments Gateway owned by Payments Team\n- Ledger stores settlements',
      citation: 1,
    },
  ]);
  assert.ok(
    best.includes('The Payments Gateway depends on the Fraud Scoring API, which the Risk Team runs. [1]'),
    best.join(' | '),
  );
  assert.ok(best.includes('- Payments Gateway owned by Payments Team [1]'), best.join(' | '));
});
