// How bench:graphrag scores: answer facts matched format-insensitively, hit@5 and all@5 of a
// file-kept question set with alternative sources, and the plain paragraph BM25 baseline.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { factFound, factsFound, isoDates } from '../../bench/graphrag/answer-facts.js';
import { ParagraphIndex, paragraphsOf } from '../../bench/graphrag/paragraph-bm25.js';
import { allSourcesHit, anySourceHit, scoreSet, type SetQuestion } from '../../bench/graphrag/question-set.js';

test('dates in the usual forms read as one ISO date; a different day does not', () => {
  assert.equal(isoDates('started 2025-03-03T18:02:00Z'), 'started 2025-03-03');
  for (const text of ['on 3 Mar 2025', 'on 3 March 2025', 'March 3, 2025', 'on 03/03/2025', '2025-03-03'])
    assert.ok(factFound('2025-03-03', text), text);
  assert.ok(!factFound('2025-03-03', 'on 4 March 2025'));
  assert.ok(!factFound('2025-03-03', '2025-03-30'));
});

test('slugs, case, punctuation and digit groups do not matter; whole words in order do', () => {
  assert.ok(factFound('Metering Platform', 'owner: metering-platform'));
  assert.ok(factFound('1,832', '1832 customers'));
  assert.ok(factFound('#team-payco', 'Slack: #team-payco'));
  assert.ok(factFound('tier 1', 'tier: 1'));
  assert.ok(!factFound('tier 1', 'tier: 12'));
  assert.ok(!factFound('Platform Metering', 'metering-platform'));
  assert.ok(!factFound('', 'anything'));
  assert.equal(factsFound(['Yusuf Demir', '2024-11-20', 'absent'], 'Yusuf Demir signed on 20 November 2024'), 2);
});

const Q: SetQuestion = {
  id: 'q1',
  question: 'Who leads the team that owns X?',
  answerFacts: ['Ana'],
  sources: ['services.yaml', 'teams.md'],
  hops: 2,
  kind: 'who',
  altSources: { 'teams.md': ['people.csv'] },
};

test('hit@5 needs one source (or its alternative) in the first 5 citations, all@5 every source', () => {
  assert.ok(anySourceHit(Q, ['a', 'b', 'people.csv']));
  assert.ok(!anySourceHit(Q, ['a', 'b', 'c', 'd', 'e', 'teams.md']), 'the sixth citation does not count');
  assert.ok(allSourcesHit(Q, ['services.yaml', 'people.csv']));
  assert.ok(!allSourcesHit(Q, ['services.yaml', 'x']));
  const s = scoreSet(
    [Q, { ...Q, id: 'q2', hops: 1, sources: ['x.md'], altSources: undefined }],
    [
      { citations: [{ documentId: 'services.yaml' }, { documentId: 'teams.md' }], answer: 'Ana leads it' },
      { citations: [{ documentId: 'y.md' }], answer: 'nothing' },
    ],
  );
  assert.deepEqual(
    [s.hit5, s.all5, s.multiHit5, s.multiAll5, s.factRecall, s.factComplete, s.missed],
    [0.5, 0.5, 1, 1, 0.5, 0.5, ['q2']],
  );
  assert.equal(scoreSet([Q], [{ citations: [] }]).factRecall, undefined, 'a baseline without text has no fact recall');
});

test('paragraphs remember their chunk; plain BM25 ranks the paragraph with the rare terms first', async () => {
  const long = `${'Filler words about nothing in particular. '.repeat(40)}\n\nThe ledger is owned by the treasury team.`;
  const ps = paragraphsOf('d1', long);
  assert.equal(ps.length, 2);
  assert.equal(ps[0]?.chunkIndex, 0);
  assert.equal(ps[1]?.chunkIndex, 1, 'the second paragraph starts in the second chunk (1,200 characters each)');
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
  const index = await ParagraphIndex.of([
    {
      documentId: 'a.txt',
      name: 'a.txt',
      bytes: enc('The team owns many things.\n\nThe ledger is owned by treasury.'),
    },
    { documentId: 'b.txt', name: 'b.txt', bytes: enc('The team owns the team page. The team meets on Monday.') },
  ]);
  assert.equal(index.size, 3);
  const top = index.search('Who owns the ledger?', 5);
  assert.equal(top[0]?.text, 'The ledger is owned by treasury.');
  assert.deepEqual(index.search('zebra', 5), []);
});
