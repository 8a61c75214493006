// Types the tenant already knows, through the real ingest path on the store under test (PGlite,
// or PostgreSQL with IRIS_TEST_DATABASE_URL): a relation end that nothing in its document types
// takes the type the tenant's other documents declared for it, never another tenant's, and never
// from the document's own earlier version.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RequestContext } from '../../src/core/context.js';
import { platformScope } from '../../src/core/db.js';
import { makeKnowledgeService, type KnowledgeService } from '../../src/knowledge/index.js';
import { createTestDatabase, storeName, type TestDatabase } from '../support/test-database.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Document A: declares the warehouses and carriers. */
const DECLARED = `| Name | Type | Aliases |
|---|---|---|
| WH-North | warehouse | |
| Federal Shipping | organization | FedShip |
`;
/** Document B: names them in relations only, with nothing that types them. */
const CONTRACTS = 'source\trelation\ttarget\nFedShip\tdelivers_to\tWH-North\nSpeedy Express\tdelivers_to\tWH-North\n';
/** Another tenant's document: declares Speedy Express. */
const OTHER = `| Name | Type |
|---|---|
| Speedy Express | organization |
`;

describe(`types the tenant already knows (${storeName})`, () => {
  let t: TestDatabase;
  let kg: KnowledgeService;
  before(async () => {
    t = await createTestDatabase();
    kg = makeKnowledgeService({ db: t.db });
  });
  after(async () => t.dispose());

  /** The entities a document's mentions stand for in the tenant's graph (or its candidate): `type:name method`. */
  const entitiesOf = async (tenant: string, documentId: string, schema = 'public'): Promise<string[]> =>
    t.db.transaction(platformScope, async (tx) =>
      (
        await tx.query<{ e: string }>(
          `select distinct e.type || ':' || e.name || ' ' || m.method as e
           from ${schema}.kg_entity_mentions m join ${schema}.kg_entities e on e.tenant_id = m.tenant_id and e.entity_id = m.entity_id
           where m.tenant_id = $1 and m.document_id = $2 order by 1`,
          [tenant, documentId],
        )
      ).rows.map((r) => r.e),
    );
  const relationsOf = async (tenant: string): Promise<string[]> =>
    t.db.transaction(platformScope, async (tx) =>
      (
        await tx.query<{ r: string }>(
          `select source_name || ' ' || type || ' ' || target_name as r from kg_relations where tenant_id = $1 order by 1`,
          [tenant],
        )
      ).rows.map((r) => r.r),
    );

  test("a document ingested after another takes the types the tenant's other document declared for its untyped ends", async () => {
    await kg.ingest('other', { documentId: 'carriers.md', name: 'carriers.md', bytes: enc(OTHER) });
    const alone = await kg.ingest('north', {
      documentId: 'contracts.tsv',
      name: 'contracts.tsv',
      bytes: enc(CONTRACTS),
    });
    // Ingested first, nothing types its ends (and another tenant's Speedy Express is not read).
    assert.equal(alone.entities, 0);
    await kg.ingest('north', { documentId: 'declared.md', name: 'declared.md', bytes: enc(DECLARED) });
    const b = await kg.ingest('north', { documentId: 'contracts.tsv', name: 'contracts.tsv', bytes: enc(CONTRACTS) });
    assert.equal(b.entities, 2);
    // The relation's provenance: B's own mentions, read from its table.
    assert.deepEqual(await entitiesOf('north', 'contracts.tsv'), [
      'organization:Federal Shipping table',
      'warehouse:WH-North table',
    ]);
    // FedShip resolves to the entity the tenant knows; Speedy Express stays a relation end.
    assert.deepEqual(await relationsOf('north'), [
      'Federal Shipping delivers_to WH-North',
      'Speedy Express delivers_to WH-North',
    ]);
  });

  test("another tenant's entities are never used", async () => {
    const before = await entitiesOf('north', 'contracts.tsv');
    assert.ok(!before.some((e) => e.includes('Speedy Express')));
    // The tenant that declares Speedy Express types it in its own contracts.
    await kg.ingest('other', { documentId: 'contracts.tsv', name: 'contracts.tsv', bytes: enc(CONTRACTS) });
    assert.deepEqual(await entitiesOf('other', 'contracts.tsv'), ['organization:Speedy Express table']);
  });

  test("a document's own earlier version is not evidence: without the declaring document its ends stay open", async () => {
    await kg.remove('north', 'declared.md');
    const again = await kg.ingest('north', {
      documentId: 'contracts.tsv',
      name: 'contracts.tsv',
      bytes: enc(CONTRACTS),
    });
    assert.equal(again.entities, 0);
    assert.deepEqual(await entitiesOf('north', 'contracts.tsv'), []);
  });

  test('a candidate graph (graph versions) is built knowing what the candidate graph knows', async () => {
    const ctx = { principal: { keyId: 'k-test', role: 'tenant-admin', tenantId: 'cand' } } as unknown as RequestContext;
    // Built in document id order: the declaring document first.
    for (const [documentId, text] of [
      ['a-declared.md', DECLARED],
      ['b-contracts.tsv', CONTRACTS],
    ] as const) {
      const s = await kg.submit('cand', { documentId, name: documentId, bytes: enc(text) }, ctx);
      await kg.ingestSubmitted('cand', documentId, s.document.sha256);
    }
    const typed = ['organization:Federal Shipping table', 'warehouse:WH-North table'];
    assert.deepEqual(await entitiesOf('cand', 'b-contracts.tsv'), typed);
    await kg.reindex('cand', { extractionVersion: 'v2' });
    assert.deepEqual(await entitiesOf('cand', 'b-contracts.tsv', 'kg_next'), typed);
    // Ingest's dual write to the candidate asks the candidate graph too.
    const changed = `${CONTRACTS}FedShip\tdelivers_to\tNorthwind\n`;
    await kg.ingest('cand', { documentId: 'b-contracts.tsv', name: 'b-contracts.tsv', bytes: enc(changed) });
    assert.deepEqual(await entitiesOf('cand', 'b-contracts.tsv', 'kg_next'), typed);
  });
});
