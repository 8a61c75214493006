// The knowledge graph store end to end on the store under test (PGlite, or PostgreSQL with
// IRIS_TEST_DATABASE_URL): ingest, the three query modes with citations, incremental delete
// and replace of a document's contributions, communities, and tenant isolation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { platformScope } from '../../src/core/db.js';
import { makeKnowledgeService, type KnowledgeService } from '../../src/knowledge/index.js';
import { createTestDatabase, storeName, type TestDatabase } from '../support/test-database.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

const SERVICES = `# Service inventory

| Name | Type | Owner |
|------|------|-------|
| Checkout Service | service | Checkout Squad |
| Payments Gateway | service | Payments Team |
| Fraud Scoring API | api | Risk Team |
| Ledger | datastore | Payments Team |

| source | relation | target |
|--------|----------|--------|
| Checkout Service | calls | Payments Gateway |
| Payments Gateway | calls | Fraud Scoring API |
| Payments Gateway | writes_to | Ledger |
`;
const OVERVIEW = `The Payments Team, led by Omar Haddad, owns the Payments Gateway. The Payments Gateway depends on the Fraud Scoring API and writes every transaction to the Ledger.

The Discovery Team owns the Search Service. The Search Service calls the Recommendations API.`;
const GLOBEX = `| source | relation | target |
|---|---|---|
| Secret Reactor | powers | Springfield Plant |
`;

describe(`knowledge graph store (${storeName})`, () => {
  let t: TestDatabase;
  let kg: KnowledgeService;
  before(async () => {
    t = await createTestDatabase();
    kg = makeKnowledgeService({ db: t.db });
  });
  after(async () => t.dispose());

  const count = async (table: string, tenant: string): Promise<number> =>
    t.db.transaction(
      platformScope,
      async (tx) =>
        (await tx.query<{ n: number }>(`select count(*)::int as n from ${table} where tenant_id = $1`, [tenant]))
          .rows[0]?.n ?? 0,
    );

  test('ingest stores chunks, entities, relations with provenance, and communities', async () => {
    const a = await kg.ingest('acme', { documentId: 'services.md', name: 'services.md', bytes: enc(SERVICES) });
    // Four declared rows and the three owner teams they reference (every reference is an entity).
    assert.deepEqual([a.replaced, a.entities, a.relations], [false, 7, 7]);
    const b = await kg.ingest('acme', { documentId: 'overview.txt', name: 'overview.txt', bytes: enc(OVERVIEW) });
    assert.ok(b.entities > 5);
    await kg.ingest('globex', { documentId: 'plant.md', name: 'plant.md', bytes: enc(GLOBEX) });
    assert.ok((await count('kg_entity_mentions', 'acme')) >= a.entities + b.entities);
    assert.ok((await count('kg_communities', 'acme')) >= 1);
  });

  test('local mode answers from the named entity and its neighbourhood, citing chunks with offsets', async () => {
    const answer = await kg.query('acme', 'What does the Payments Gateway call?', 'local');
    assert.equal(answer.mode, 'local');
    assert.equal(answer.llmUsed, false);
    assert.ok(answer.entities.some((e) => e.name === 'Payments Gateway'));
    assert.ok(
      answer.relations.some(
        (r) => r.source === 'Payments Gateway' && r.type === 'calls' && r.target === 'Fraud Scoring API',
      ),
    );
    assert.match(answer.answer, /Payments Gateway calls Fraud Scoring API/);
    assert.ok(answer.citations.length > 0);
    for (const c of answer.citations) {
      assert.ok(['services.md', 'overview.txt'].includes(c.documentId));
      assert.ok(c.end > c.start);
    }
  });

  test('naive mode ranks chunks only; global mode combines community reports', async () => {
    const naive = await kg.query('acme', 'Who owns the Search Service?', 'naive');
    assert.equal(naive.citations[0]?.documentId, 'overview.txt');
    assert.match(naive.answer, /Discovery Team owns the Search Service/);
    assert.deepEqual([naive.entities, naive.relations], [[], []]);
    const global = await kg.query('acme', 'What does the payments platform depend on?', 'global');
    assert.ok(global.citations.length > 0);
    assert.ok(global.entities.length > 0);
    assert.notEqual(global.answer, 'No indexed document answers this question.');
  });

  test("a tenant never sees or cites another tenant's documents", async () => {
    const answer = await kg.query('acme', 'What powers the Springfield Plant?', 'naive');
    assert.deepEqual(answer.citations, []);
    const local = await kg.query('globex', 'What does the Payments Gateway call?', 'local');
    assert.deepEqual(local.citations, []);
    assert.deepEqual(local.entities, []);
    const theirs = await kg.query('globex', 'What powers the Springfield Plant?', 'local');
    assert.deepEqual(
      theirs.citations.map((c) => c.documentId),
      ['plant.md'],
    );
  });

  test('deleting a document removes exactly its contributions and updates communities', async () => {
    const entitiesBefore = await count('kg_entities', 'acme');
    const globexBefore = await count('kg_entities', 'globex');
    const removed = await kg.remove('acme', 'overview.txt');
    assert.equal(removed.deleted, true);
    assert.ok(removed.communities.nodes > 0);
    const left = await t.db.transaction(platformScope, async (tx) =>
      (
        await tx.query<{ name: string }>("select name from kg_entities where tenant_id = 'acme' order by name")
      ).rows.map((r) => r.name),
    );
    // Entities only the overview named are gone; those the inventory declares or references stay.
    assert.deepEqual(left, [
      'Checkout Service',
      'Checkout Squad',
      'Fraud Scoring API',
      'Ledger',
      'Payments Gateway',
      'Payments Team',
      'Risk Team',
    ]);
    assert.ok(left.length < entitiesBefore);
    assert.equal(await count('kg_relations', 'acme'), 7);
    const relationMentions = await count('kg_relation_mentions', 'acme');
    assert.equal(relationMentions, 7);
    const after = await kg.query('acme', 'Who owns the Search Service?', 'naive');
    assert.ok(after.citations.every((c) => c.documentId === 'services.md'));
    assert.doesNotMatch(after.answer, /Discovery Team/);
    assert.equal((await kg.remove('acme', 'overview.txt')).deleted, false);
    assert.equal(await count('kg_entities', 'globex'), globexBefore);
  });

  test('ingesting the same document id again replaces it without duplicating provenance', async () => {
    const mentions = await count('kg_entity_mentions', 'acme');
    const again = await kg.ingest('acme', { documentId: 'services.md', name: 'services.md', bytes: enc(SERVICES) });
    assert.equal(again.replaced, true);
    assert.equal(await count('kg_entity_mentions', 'acme'), mentions);
    assert.equal(await count('kg_documents', 'acme'), 1);
  });

  test('a question naming a rare id finds its chunk among hundreds that share its common words', async () => {
    // 240 postmortems say "incident", "INC" and "cause" more often than the one that answers;
    // PostgreSQL reads "INC-4242" as 'inc' and '-4242'. Only ranking by rarity and matching
    // numbers of either sign find it.
    for (let i = 0; i < 240; i++) {
      const id = 5000 + i;
      await kg.ingest('incidents', {
        documentId: `pm/INC-${id}.md`,
        name: `INC-${id}.md`,
        bytes: enc(
          `# INC-${id}: incident\n\nThe incident commander of incident INC-${id} paged the incident channel. The cause, the cause and the cause of INC-${id} were reviewed by the incident team.`,
        ),
      });
    }
    await kg.ingest('incidents', {
      documentId: 'pm/INC-4242.md',
      name: 'INC-4242.md',
      bytes: enc('# INC-4242\n\nThe root cause of INC-4242 was a full disk on the ledger database.'),
    });
    for (const question of ['What caused incident INC-4242?', 'What was the root cause of INC-4242?']) {
      for (const mode of ['naive', 'global'] as const) {
        const answer = await kg.query('incidents', question, mode);
        assert.equal(answer.citations[0]?.documentId, 'pm/INC-4242.md', `${mode}: ${question}`);
      }
    }
  });

  test('bad input is a validation error', async () => {
    await assert.rejects(kg.ingest('acme', { documentId: '../etc', name: 'x.md', bytes: enc('x') }), {
      code: 'validation_failed',
    });
    await assert.rejects(kg.query('acme', '   ', 'naive'), { code: 'validation_failed' });
  });
});
