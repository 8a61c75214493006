// Hybrid mode (the default) end to end on the store under test: it finds what naive retrieval
// finds, and a second hop finds the document a multi-document question needs that text search
// ranks below its distractors; the extractive answer states the asked-for fact first.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_QUERY_MODE, makeKnowledgeService, type KnowledgeService } from '../../src/knowledge/index.js';
import { createTestDatabase, storeName, type TestDatabase } from '../support/test-database.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

const INCIDENTS = JSON.stringify(
  {
    incidents: [
      { id: 'INC-41', title: 'Card payments failed', root_service: 'ledger-sync', commander: 'Ana Ruiz' },
      { id: 'INC-42', title: 'Slow search results', root_service: 'search-api', commander: 'Bo Lind' },
    ],
  },
  null,
  2,
);
const CATALOGUE = `services:
  - id: ledger-sync
    name: Ledger Sync
    owner: treasury-core
    tier: 1

  - id: search-api
    name: Search API
    owner: discovery
    tier: 2
`;
// Distractors: full of the question's words (team, owns, service, root), naming no bridge.
const GUIDE = (n: number): string =>
  `Ownership guide part ${n}. Every team owns the service it builds. The team that owns a service is at the root of its escalation. A service without an owning team goes to the platform team, which owns the root of the escalation tree.`;

describe(`hybrid query mode (${storeName})`, () => {
  let t: TestDatabase;
  let kg: KnowledgeService;
  before(async () => {
    t = await createTestDatabase();
    kg = makeKnowledgeService({ db: t.db });
    for (const [id, text] of [
      ['incidents.json', INCIDENTS],
      ['catalogue.yaml', CATALOGUE],
      ...[1, 2, 3, 4].map((n) => [`guide-${n}.md`, GUIDE(n)]),
    ] as const)
      await kg.ingest('hop', { documentId: id, name: id, bytes: enc(text) });
  });
  after(async () => t.dispose());

  test('hybrid is the default mode', () => {
    assert.equal(DEFAULT_QUERY_MODE, 'hybrid');
  });

  test("a second hop brings the catalogue entry of the incident's root service; naive misses it", async () => {
    const question = 'Which team owns the service at the root of INC-41?';
    const naive = await kg.query('hop', question, 'naive', { limit: 3, llm: 'off' });
    const hybrid = await kg.query('hop', question, 'hybrid', { limit: 3, llm: 'off' });
    assert.equal(hybrid.mode, 'hybrid');
    const cited = (a: typeof naive): string[] => a.citations.map((c) => c.documentId);
    assert.ok(cited(naive).includes('incidents.json'), `naive cites ${cited(naive).join(', ')}`);
    assert.ok(!cited(naive).includes('catalogue.yaml'), 'the distractors outrank the catalogue in text search');
    assert.ok(cited(hybrid).includes('incidents.json'), `hybrid cites ${cited(hybrid).join(', ')}`);
    assert.ok(cited(hybrid).includes('catalogue.yaml'), `hybrid cites ${cited(hybrid).join(', ')}`);
    assert.match(hybrid.answer, /treasury-core/);
  });

  test('the answer states the asked-for fact first, as the record that holds it', async () => {
    const a = await kg.query('hop', 'Who was the commander of INC-42?', 'hybrid', { llm: 'off' });
    const first = a.answer.split('\n')[0] ?? '';
    assert.match(first, /INC-42/);
    assert.match(first, /commander: "?Bo Lind/);
    assert.doesNotMatch(first, /Ana Ruiz/, 'one record, not the whole export');
    const related = a.answer.indexOf('Related:');
    if (related >= 0) assert.ok(related > a.answer.indexOf('Bo Lind'), 'supporting relations come after the facts');
  });
});
