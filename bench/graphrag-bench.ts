// bench:graphrag — the knowledge graph (GraphRAG) end to end on PGlite and, when reachable,
// PostgreSQL, side by side in one run: ingest throughput (MB/s and documents/s, sequential
// through the service, as the ingest job runs it) of a generated corpus of >10,000 chunks
// (bench/graphrag/corpus.ts), query latency p50/p99 per mode, cache-hit latency, and
// retrieval hit@5 of local, global and naive mode on the labelled question set.
//
// hit@5 is chunk-level: a question is a hit when its gold chunk (the one chunk of its gold
// document holding the answer, bench/graphrag/gold.ts) is among the answer's first 5
// citations. Document-level hit@5 (any chunk of the gold document) is printed beside it.
// A second, small tenant with overlapping names is ingested too; every citation of every
// answer must belong to the tenant that asked (the run fails otherwise).
//
// Flags: --quick (a corpus a tenth the size), --store=pglite|postgres (one store only).
// BENCH_DATABASE_URL overrides the PostgreSQL admin URL; the bench creates a fresh database
// there and drops it afterwards. The last line is the RESULT summary, with the PostgreSQL
// figures when PostgreSQL was reachable (store=pg), else PGlite's (store=pglite).
import pg from 'pg';
import type { Database } from '../src/core/db.js';
import { makeExtractionPool, makeKnowledgeService, QUERY_MODES } from '../src/knowledge/index.js';
import { migrate, openPgliteDatabase } from '../src/store/index.js';
import { createScratchPostgres } from './support/scratch-postgres.js';
import { CORPUS_SIZES, generateCorpus, QUESTION_KINDS } from './graphrag/corpus.js';
import { resolveGold } from './graphrag/gold.js';
import { runStore, type StoreFigures } from './graphrag/run-store.js';
import { errorMessage } from '../src/core/errors.js';

const PG_ADMIN = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--store='))?.slice('--store='.length);
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

type StoreName = 'pglite' | 'postgres';

interface OpenStore {
  readonly db: Database;
  dispose(): Promise<void>;
}

async function openStore(name: StoreName): Promise<OpenStore | undefined> {
  if (name === 'pglite') {
    const db = await openPgliteDatabase(undefined);
    const m = await migrate(db);
    if (m.error) throw new Error(m.error.message);
    return { db, dispose: () => db.close() };
  }
  const admin = new pg.Client({ connectionString: PG_ADMIN, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (e) {
    log(`postgres: not reachable at ${PG_ADMIN} (${errorMessage(e)}); PGlite only`);
    return undefined;
  }
  await admin.end();
  return createScratchPostgres(PG_ADMIN, 4);
}

const t0 = performance.now();
const main = generateCorpus('acme', quick ? CORPUS_SIZES.quick : CORPUS_SIZES.full, 1);
const other = generateCorpus('globex', CORPUS_SIZES.tiny, 7, 'globex/');
const gold = await resolveGold(main);
const otherGold = await resolveGold(other);
const mb = main.documents.reduce((n, d) => n + d.bytes.byteLength, 0) / 1e6;
console.log(
  `bench:graphrag${quick ? ' --quick' : ''}: tenant ${main.tenantId}: ${main.documents.length} documents (${mb.toFixed(2)} MB), ${gold.length} labelled questions; ` +
    `tenant ${other.tenantId}: ${other.documents.length} documents, ${otherGold.length} questions; generated in ${(performance.now() - t0).toFixed(0)} ms`,
);

const results = new Map<StoreName, StoreFigures>();
for (const name of ['pglite', 'postgres'] as const) {
  if (only !== undefined && only !== name) continue;
  const store = await openStore(name);
  if (store === undefined) continue;
  log(`${name}: ingesting`);
  try {
    results.set(
      name,
      await runStore(store.db, main, other, gold, otherGold, {
        queriesPerMode: 200,
        warmupPerMode: 10,
        cacheQuestions: 40,
        log,
      }),
    );
  } finally {
    await store.dispose();
  }
}

const names = [...results.keys()];
const cell = (f: (r: StoreFigures) => string): string =>
  names.map((n) => f(results.get(n) as StoreFigures).padStart(12)).join('');
const ms = (x: number | undefined): string => (x === undefined ? 'na' : x.toFixed(1));
const f3 = (x: number): string => x.toFixed(3);
console.log(`\n${'store'.padEnd(44)}${names.map((n) => n.padStart(12)).join('')}`);
const line = (label: string, f: (r: StoreFigures) => string): void => console.log(`${label.padEnd(44)}${cell(f)}`);
line('ingest MB/s', (r) => (r.ingest.bytes / 1e6 / r.ingest.seconds).toFixed(3));
line('ingest documents/s', (r) => (r.ingest.documents / r.ingest.seconds).toFixed(1));
line('ingest seconds', (r) => r.ingest.seconds.toFixed(1));
line(
  '  docs/s first tenth -> last tenth',
  (r) => `${r.ingest.firstTenthDocsS.toFixed(0)}->${r.ingest.lastTenthDocsS.toFixed(0)}`,
);
line('chunks / communities', (r) => `${r.ingest.chunks}/${r.ingest.communities}`);
line('entities / relations (per doc sum)', (r) => `${r.ingest.entities}/${r.ingest.relations}`);
for (const mode of QUERY_MODES) {
  line(`${mode} p50 / p99 ms`, (r) => `${ms(r.modes[mode].p50)}/${ms(r.modes[mode].p99)}`);
  line(
    `${mode} queries timed (cache hits left out)`,
    (r) => `${r.modes[mode].timed} (${r.modes[mode].cacheHitsSkipped})`,
  );
}
line('cache hit p50 / p99 ms', (r) => `${ms(r.cacheHitP50)}/${ms(r.cacheHitP99)}`);
line('cache hits / second asks', (r) => `${r.cacheHits}/${r.cachePairs}`);
for (const mode of QUERY_MODES)
  line(`${mode} hit@5 chunk / document`, (r) => `${f3(r.modes[mode].chunkHit5)}/${f3(r.modes[mode].documentHit5)}`);
line('foreign citations / checked', (r) => `${r.foreignCitations}/${r.citationsChecked}`);

const headline = results.get('postgres') ?? results.get('pglite');
if (headline === undefined) throw new Error('no store ran');
console.log(`\nchunk-level hit@5 by question kind (${results.has('postgres') ? 'postgres' : 'pglite'}):`);
console.log(`${'kind'.padEnd(10)}${QUERY_MODES.map((m) => m.padStart(8)).join('')}  questions`);
for (const kind of QUESTION_KINDS) {
  console.log(
    `${kind.padEnd(10)}${QUERY_MODES.map((m) => f3(headline.modes[m].chunkHit5ByKind[kind] ?? 0).padStart(8)).join('')}  ${gold.filter((q) => q.kind === kind).length}`,
  );
}
// The event loop while documents are ingested: extraction on the serving thread (threads 0)
// beside the worker-thread pool (threads 1), same documents, fresh PGlite each, interleaved.
// The longest stall is what every other request on the replica waits for.
const loopDocs = [...main.documents].sort((a, b) => b.bytes.byteLength - a.bytes.byteLength).slice(0, quick ? 10 : 30);
const stalls: Record<'inline' | 'pool', number[]> = { inline: [], pool: [] };
for (let round = 0; round < 2; round++) {
  for (const mode of ['inline', 'pool'] as const) {
    const db = await openPgliteDatabase(undefined);
    await migrate(db);
    const extraction = makeExtractionPool(mode === 'inline' ? 0 : 1);
    const kg = makeKnowledgeService({ db, extraction });
    await kg.ingest('warm', {
      documentId: 'warm',
      name: loopDocs[0]?.name ?? 'w.md',
      bytes: loopDocs[0]?.bytes ?? new Uint8Array(),
    });
    // A 5 ms ticker: the longest gap between ticks (and to the end) is the longest stall.
    let last = performance.now();
    let longest = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 5);
    for (const d of loopDocs) await kg.ingest('acme', { documentId: d.documentId, name: d.name, bytes: d.bytes });
    clearInterval(ticker);
    stalls[mode].push(Math.max(longest, performance.now() - last));
    await extraction.close();
    await db.close();
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const loopInline = median(stalls.inline);
const loopPool = median(stalls.pool);
console.log(
  `
event loop during ingest of the ${loopDocs.length} largest documents (PGlite, longest stall, median of 2 rounds): ` +
    `extraction on the serving thread ${loopInline.toFixed(0)} ms, in a worker thread ${loopPool.toFixed(0)} ms`,
);

const foreign = [...results.values()].reduce((n, r) => n + r.foreignCitations, 0);
if (foreign > 0) {
  console.log(`FAIL: ${foreign} citations of another tenant's documents`);
  process.exitCode = 1;
}
const h = headline;
console.log(
  `RESULT graphrag store=${results.has('postgres') ? 'pg' : 'pglite'} ingest_mb_s=${(h.ingest.bytes / 1e6 / h.ingest.seconds).toFixed(3)} docs_s=${(h.ingest.documents / h.ingest.seconds).toFixed(1)} ` +
    `local_p99_ms=${ms(h.modes.local.p99)} global_p99_ms=${ms(h.modes.global.p99)} naive_p99_ms=${ms(h.modes.naive.p99)} cache_hit_p99_ms=${ms(h.cacheHitP99)} ` +
    `local_hit5=${f3(h.modes.local.chunkHit5)} global_hit5=${f3(h.modes.global.chunkHit5)} naive_hit5=${f3(h.modes.naive.chunkHit5)} chunks=${h.ingest.chunks} ` +
    `loop_stall_inline_ms=${loopInline.toFixed(0)} loop_stall_pool_ms=${loopPool.toFixed(0)}`,
);
