// Graph versions on the store under test (PGlite, or PostgreSQL with IRIS_TEST_DATABASE_URL):
// a candidate graph built with v2's finer chunks beside the v1 primary, kept current by ingest
// and remove, answering only once its probe passed (or when forced), cut over in one
// transaction, dropped; row-level security on kg_next, and nothing of one tenant's candidate
// touching another's.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import type { RequestContext } from '../../src/core/context.js';
import { platformScope, tenantScope } from '../../src/core/db.js';
import { ConflictError, ValidationError } from '../../src/core/errors.js';
import {
  extractionOptionsOf,
  isExtractionVersion,
  knowledgeJobKinds,
  makeKnowledgeService,
  type KnowledgeService,
} from '../../src/knowledge/index.js';
import { deleteTenantRows } from '../../src/tenants/tenant-store.js';
import { createTestDatabase, storeName, type TestDatabase } from '../support/test-database.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Prose long enough for several 1200-character chunks (v1) and twice as many 600-character ones (v2). */
const prose = (team: string, n: number): string =>
  Array.from(
    { length: n },
    (_, i) =>
      `The ${team} Team owns the Service ${team} ${i}. The Service ${team} ${i} calls the Gateway ${team} ${i} and writes every record to the Ledger ${team} ${i}. Omar Haddad leads the ${team} Team and reviews each change to the Service ${team} ${i} before it ships.`,
  ).join('\n\n');

const ctx = (tenantId: string): RequestContext =>
  ({
    principal: { keyId: 'k-test', role: 'tenant-admin', tenantId },
    requestId: 'req-test',
    traceId: undefined,
    sourceIp: undefined,
  }) as unknown as RequestContext;

describe(`graph versions (${storeName})`, () => {
  let t: TestDatabase;
  let kg: KnowledgeService;
  before(async () => {
    t = await createTestDatabase();
    kg = makeKnowledgeService({ db: t.db });
    await put('acme', 'payments.txt', prose('Payments', 12));
    await put('acme', 'search.txt', prose('Search', 8));
    await put('globex', 'plant.txt', prose('Plant', 6));
  });
  after(async () => t.dispose());

  /** Submits and ingests a document (a ready source, as the ingest job leaves it). */
  async function put(tenantId: string, documentId: string, text: string): Promise<void> {
    const s = await kg.submit(tenantId, { documentId, name: documentId, bytes: enc(text) }, ctx(tenantId));
    const r = await kg.ingestSubmitted(tenantId, documentId, s.document.sha256);
    assert.ok('graphVersion' in r, JSON.stringify(r));
  }

  /** Rows of `table` ('public.kg_chunks', 'kg_next.kg_chunks') of a tenant, read in `scope` (default platform). */
  const count = async (table: string, tenantId: string, scopeTenant?: string): Promise<number> =>
    t.db.transaction(
      scopeTenant === undefined ? platformScope : tenantScope(scopeTenant),
      async (tx) =>
        (await tx.query<{ n: number }>(`select count(*)::int as n from ${table} where tenant_id = $1`, [tenantId]))
          .rows[0]?.n ?? 0,
    );
  const longestChunk = async (schema: string, tenantId: string): Promise<number> =>
    t.db.transaction(
      platformScope,
      async (tx) =>
        (
          await tx.query<{ n: number }>(
            `select coalesce(max(length(text)), 0)::int as n from ${schema}.kg_chunks where tenant_id = $1`,
            [tenantId],
          )
        ).rows[0]?.n ?? 0,
    );

  const Q = 'Who owns the Service Payments 3?';
  /** The candidate graph version the answers of the first candidate saw. */
  let firstCandidateVersion = 0;

  test('an unknown extraction version is a ValidationError naming the known ones', async () => {
    assert.equal(isExtractionVersion('v2'), true);
    assert.equal(isExtractionVersion('v9'), false);
    assert.equal(isExtractionVersion('toString'), false);
    assert.deepEqual(extractionOptionsOf('v2'), { chunks: { maxChars: 600, overlap: 100 } });
    assert.throws(
      () => extractionOptionsOf('v9'),
      (err: unknown) => err instanceof ValidationError && /v1, v2/.test(err.message),
    );
    await assert.rejects(kg.reindex('acme', { extractionVersion: 'v9' }), ValidationError);
    assert.deepEqual(await kg.graphStates(['acme']), [{ tenantId: 'acme', primaryVersion: 'v1', slot: null }]);
    // A graph of a version only a newer build knows: ingest fails retryably, not as bad input.
    await t.db.transaction(platformScope, (tx) =>
      tx.query("insert into kg_graph_state (tenant_id, version, extraction_version) values ('initech', 0, 'v99')"),
    );
    await assert.rejects(
      kg.ingest('initech', { documentId: 'a.txt', name: 'a.txt', bytes: enc(prose('Initech', 1)) }),
      (err: unknown) => !(err instanceof ValidationError) && err instanceof Error && /v99 is unknown/.test(err.message),
    );
  });

  test('reindex builds a v2 candidate of smaller chunks; the primary graph and other tenants are untouched', async () => {
    const primaryChunks = await count('public.kg_chunks', 'acme');
    const primaryVersion = await kg.graphVersion('acme');
    const globexBefore = await count('public.kg_chunks', 'globex');
    const progress: number[] = [];
    const r = await kg.reindex(
      'acme',
      { extractionVersion: 'v2', releaseId: 'rel-1' },
      { progress: (p) => progress.push(p) },
    );
    assert.equal(r.documents, 2);
    assert.ok(r.entities > 0, JSON.stringify(r));
    assert.equal(progress.at(-1), 100);
    const candidateChunks = await count('kg_next.kg_chunks', 'acme');
    assert.ok(candidateChunks > primaryChunks, `${candidateChunks} candidate vs ${primaryChunks} primary chunks`);
    assert.ok((await longestChunk('kg_next', 'acme')) <= 600);
    assert.ok((await longestChunk('public', 'acme')) > 600);
    assert.ok((await count('kg_next.kg_communities', 'acme')) > 0);
    // The primary graph is as it was.
    assert.equal(await count('public.kg_chunks', 'acme'), primaryChunks);
    assert.equal(await kg.graphVersion('acme'), primaryVersion);
    // Nothing of another tenant.
    assert.equal(await count('kg_next.kg_documents', 'globex'), 0);
    assert.equal(await count('public.kg_chunks', 'globex'), globexBefore);

    const states = await kg.graphStates(['acme', 'globex', 'nobody']);
    assert.deepEqual(
      states.map((s) => [s.tenantId, s.primaryVersion, s.slot?.extractionVersion ?? null, s.slot?.status ?? null]),
      [
        ['acme', 'v1', 'v2', 'ready'],
        ['globex', 'v1', null, null],
        ['nobody', 'v1', null, null],
      ],
    );
    const slot = states[0]?.slot;
    assert.deepEqual(
      [slot?.releaseId, slot?.documentsTotal, slot?.documentsDone, slot?.error, slot?.probe],
      ['rel-1', 2, 2, null, null],
    );

    // A retried job resumes: the documents already in the candidate with the same content are skipped.
    const again = await kg.reindex('acme', { extractionVersion: 'v2' });
    assert.deepEqual([again.documents, again.entities], [2, 0]);
    assert.equal(await count('kg_next.kg_chunks', 'acme'), candidateChunks);
    // The primary graph already has v1.
    assert.deepEqual(await kg.reindex('acme', { extractionVersion: 'v1' }), {
      documents: 0,
      entities: 0,
      relations: 0,
      skipped: 'current',
    });
  });

  test("row-level security on kg_next: another tenant's scope sees and writes none of the candidate", async () => {
    assert.ok((await count('kg_next.kg_chunks', 'acme', 'acme')) > 0);
    assert.equal(await count('kg_next.kg_chunks', 'acme', 'globex'), 0);
    assert.equal(await count('kg_next.kg_graph_slots', 'acme', 'globex'), 0);
    assert.equal(await count('kg_next.kg_graph_slots', 'acme', 'acme'), 1);
    await assert.rejects(
      t.db.transaction(tenantScope('globex'), (tx) =>
        tx.query(
          "insert into kg_next.kg_graph_slots (tenant_id, extraction_version, status) values ('acme', 'v2', 'ready')",
        ),
      ),
      /row-level security/,
    );
    // A globex-scoped transaction on kg_next deletes nothing of acme's.
    await t.db.transaction(tenantScope('globex'), (tx) => tx.query('delete from kg_next.kg_chunks'));
    assert.ok((await count('kg_next.kg_chunks', 'acme')) > 0);
  });

  test('answers come from the primary graph until the probe passed, then from the candidate', async () => {
    const serving = { colour: 'green', extractionVersion: 'v2' };
    const before = await kg.query('acme', Q, 'hybrid', { serving });
    assert.equal(before.extractionVersion, 'v1');
    assert.equal((await kg.query('acme', Q, 'hybrid')).extractionVersion, 'v1');
    const forced = await kg.query('acme', Q, 'hybrid', { graph: 'candidate' });
    assert.equal(forced.extractionVersion, 'v2');
    firstCandidateVersion = forced.graphVersion;
    assert.ok(forced.citations.length > 0);
    for (const c of forced.citations) assert.ok(c.end - c.start <= 600, JSON.stringify(c));
    assert.ok(
      before.citations.some((c) => c.end - c.start > 600),
      'the primary cites its larger chunks',
    );
    await assert.rejects(
      kg.query('globex', Q, 'hybrid', { graph: 'candidate' }),
      (err: unknown) => err instanceof ConflictError && err.code === 'graph_not_ready',
    );

    const probe = {
      questions: 20,
      citationOverlap: 0.8,
      answerSimilarity: 0.9,
      ok: true,
      at: new Date().toISOString(),
    };
    assert.equal(await kg.recordProbe('acme', 'v1', probe), false);
    assert.equal(await kg.recordProbe('globex', 'v2', probe), false);
    assert.equal(await kg.recordProbe('acme', 'v2', { ...probe, ok: false, detail: 'low overlap' }), true);
    assert.equal((await kg.query('acme', Q, 'hybrid', { serving })).extractionVersion, 'v1');
    assert.equal(await kg.recordProbe('acme', 'v2', probe), true);
    const after = await kg.query('acme', Q, 'hybrid', { serving });
    assert.equal(after.extractionVersion, 'v2');
    assert.equal(after.cache, 'miss');
    assert.deepEqual(after.citations, forced.citations);
    assert.equal((await kg.query('acme', Q, 'hybrid', { serving, graph: 'primary' })).extractionVersion, 'v1');
    assert.equal((await kg.query('acme', Q, 'hybrid', { serving: { colour: 'green' } })).extractionVersion, 'v1');
    assert.deepEqual((await kg.graphStates(['acme']))[0]?.slot?.probe, probe);
  });

  test('ingest writes both graphs, each with its version; remove removes from both', async () => {
    const candidateVersion = async (): Promise<number> =>
      t.db.transaction(platformScope, async (tx) =>
        Number(
          (await tx.query<{ v: string }>("select version as v from kg_next.kg_graph_state where tenant_id = 'acme'"))
            .rows[0]?.v,
        ),
      );
    const v0 = await candidateVersion();
    await put('acme', 'risk.txt', prose('Risk', 8));
    const docs = async (schema: string): Promise<number> =>
      t.db.transaction(
        platformScope,
        async (tx) =>
          (
            await tx.query<{ n: number }>(
              `select count(*)::int as n from ${schema}.kg_chunks where tenant_id = 'acme' and document_id = 'risk.txt'`,
            )
          ).rows[0]?.n ?? 0,
      );
    const [primary, candidate] = [await docs('public'), await docs('kg_next')];
    assert.ok(primary > 0 && candidate > primary, `${primary} primary, ${candidate} candidate chunks`);
    assert.ok((await candidateVersion()) > v0);
    const answer = await kg.query('acme', 'Who leads the Risk Team?', 'hybrid', { graph: 'candidate' });
    assert.ok(answer.citations.some((c) => c.documentId === 'risk.txt'));
    assert.equal(await count('kg_next.kg_documents', 'globex'), 0);

    const removed = await kg.remove('acme', 'risk.txt');
    assert.equal(removed.deleted, true);
    assert.deepEqual([await docs('public'), await docs('kg_next')], [0, 0]);
    assert.equal(await count('kg_next.kg_documents', 'acme'), 2);

    // A removal by a build that does not dual-write (a rolling deploy): the next reindex catches up.
    await t.db.transaction(tenantScope('acme'), async (tx) => {
      await tx.query("delete from kg_documents where tenant_id = 'acme' and document_id = 'search.txt'");
      await tx.query("delete from kg_sources where tenant_id = 'acme' and document_id = 'search.txt'");
    });
    assert.equal((await kg.reindex('acme', { extractionVersion: 'v2' })).documents, 1);
    assert.equal(await count('kg_next.kg_documents', 'acme'), 1);
    assert.equal((await kg.graphStates(['acme']))[0]?.slot?.status, 'ready');
  });

  test('cutOver makes the candidate primary in one transaction; a second one reports false', async () => {
    assert.deepEqual(await kg.cutOver('globex', 'v2'), { cutOver: false, reason: 'no candidate graph' });
    assert.equal((await kg.cutOver('acme', 'v1')).cutOver, false);
    const candidateChunks = await count('kg_next.kg_chunks', 'acme');
    const candidateEntities = await count('kg_next.kg_entities', 'acme');
    const version = await kg.graphVersion('acme');
    assert.deepEqual(await kg.cutOver('acme', 'v2'), { cutOver: true });
    assert.equal(await count('public.kg_chunks', 'acme'), candidateChunks);
    assert.equal(await count('public.kg_entities', 'acme'), candidateEntities);
    assert.ok((await longestChunk('public', 'acme')) <= 600);
    assert.ok((await kg.graphVersion('acme')) > version);
    assert.deepEqual(await kg.graphStates(['acme']), [{ tenantId: 'acme', primaryVersion: 'v2', slot: null }]);
    for (const table of ['kg_documents', 'kg_chunks', 'kg_entities', 'kg_communities', 'kg_graph_slots'])
      assert.equal(await count(`kg_next.${table}`, 'acme'), 0, table);
    // The search column was computed for the copied chunks: answers find them.
    const answer = await kg.query('acme', Q, 'hybrid');
    assert.equal(answer.extractionVersion, 'v2');
    assert.ok(answer.citations.length > 0);
    assert.deepEqual(await kg.cutOver('acme', 'v2'), { cutOver: false, reason: 'no candidate graph' });
    // The primary graph now ingests with v2's options.
    await put('acme', 'ops.txt', prose('Ops', 6));
    assert.ok((await longestChunk('public', 'acme')) <= 600);
    assert.equal((await kg.reindex('acme', { extractionVersion: 'v2' })).skipped, 'current');
  });

  test('dropSlot removes the candidate (only of the version named); a tenant purge removes its candidate', async () => {
    await kg.reindex('acme', { extractionVersion: 'v1' });
    assert.ok((await count('kg_next.kg_chunks', 'acme')) > 0);
    // The next candidate's graph versions count on from the first one's: no cached answer matches it.
    const next = await kg.query('acme', Q, 'hybrid', { graph: 'candidate' });
    assert.deepEqual([next.extractionVersion, next.cache], ['v1', 'miss']);
    assert.ok(next.graphVersion > firstCandidateVersion, `${next.graphVersion} after ${firstCandidateVersion}`);
    assert.equal(await kg.dropSlot('acme', 'v2'), false);
    assert.ok((await count('kg_next.kg_chunks', 'acme')) > 0);
    assert.equal(await kg.dropSlot('acme'), true);
    for (const table of ['kg_documents', 'kg_chunks', 'kg_entities', 'kg_graph_slots'])
      assert.equal(await count(`kg_next.${table}`, 'acme'), 0, table);
    assert.equal(await kg.dropSlot('acme'), false);
    assert.ok((await count('public.kg_chunks', 'acme')) > 0);

    // A slot dropped while its build runs: the build stops, and does not bring the slot back.
    let drop: Promise<boolean> | undefined;
    const stopped = await kg.reindex(
      'acme',
      { extractionVersion: 'v1' },
      { progress: (p) => void (p === 5 ? (drop ??= kg.dropSlot('acme')) : undefined) },
    );
    assert.equal(await drop, true);
    assert.equal(stopped.skipped, 'dropped');
    assert.deepEqual(await kg.graphStates(['acme']), [{ tenantId: 'acme', primaryVersion: 'v2', slot: null }]);
    assert.equal(await count('kg_next.kg_documents', 'acme'), 0);

    await kg.reindex('globex', { extractionVersion: 'v2' });
    assert.ok((await count('kg_next.kg_chunks', 'globex')) > 0);
    await t.db.transaction(platformScope, (tx) => deleteTenantRows(tx, 'globex'));
    for (const table of ['kg_documents', 'kg_chunks', 'kg_graph_slots'])
      assert.equal(await count(`kg_next.${table}`, 'globex'), 0, table);
    assert.ok((await count('public.kg_chunks', 'acme')) > 0);
  });

  test('the knowledge.graph-reindex job takes a known version and an optional release id, nothing else', async () => {
    const kind = knowledgeJobKinds(kg, async () => undefined).find((k) => k.kind === 'knowledge.graph-reindex');
    assert.ok(kind);
    assert.equal(Value.Check(kind.payload, { extractionVersion: 'v2' }), true);
    assert.equal(Value.Check(kind.payload, { extractionVersion: 'v2', releaseId: 'rel-1' }), true);
    assert.equal(Value.Check(kind.payload, { extractionVersion: 'v9' }), false);
    assert.equal(Value.Check(kind.payload, { extractionVersion: 'v2x' }), false);
    assert.equal(Value.Check(kind.payload, {}), false);
    assert.equal(Value.Check(kind.payload, { extractionVersion: 'v2', extra: 1 }), false);
    const progress: string[] = [];
    const result = await kind.handler({ extractionVersion: 'v2' } as never, {
      tenantId: 'acme',
      signal: new AbortController().signal,
      progress: (_p, m) => progress.push(m ?? ''),
      trace: undefined,
    });
    assert.deepEqual(result, { documents: 0, entities: 0, relations: 0, skipped: 'current' });
  });
});
