// One store's run of the GraphRAG benchmark: ingest both tenants' corpora sequentially through
// the knowledge service (as the ingest job does), then ask the labelled questions in every mode
// (hit@5), more unlabelled questions until each mode has its sample of latencies, and a set of
// questions twice (the second answer, when the service says it came from its cache, is a
// cache-hit latency). Every citation is checked to belong to the tenant that asked.
import { platformScope, type Database } from '../../src/core/db.js';
import { makeKnowledgeService, QUERY_MODES, type Citation, type QueryMode } from '../../src/knowledge/index.js';
import type { Corpus, QuestionKind } from './corpus.js';
import { factsFound } from './answer-facts.js';
import { chunkHit, documentHit, type GoldQuestion } from './gold.js';

export interface IngestFigures {
  readonly documents: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly chunks: number;
  readonly entities: number;
  readonly relations: number;
  readonly communities: number;
  /** Documents per second over the first and the last tenth of the corpus (a growing graph must not slow ingest down). */
  readonly firstTenthDocsS: number;
  readonly lastTenthDocsS: number;
}

export interface ModeFigures {
  readonly timed: number;
  /** Answers the service reported as cache hits among the timed ones (left out of the percentiles). */
  readonly cacheHitsSkipped: number;
  readonly p50: number;
  readonly p99: number;
  readonly chunkHit5: number;
  readonly documentHit5: number;
  readonly chunkHit5ByKind: Readonly<Partial<Record<QuestionKind, number>>>;
  /** Expected facts found in the answers' text, over all expected facts (answer-facts.ts). */
  readonly factRecall: number;
}

export interface StoreFigures {
  readonly ingest: IngestFigures;
  readonly modes: Readonly<Record<QueryMode, ModeFigures>>;
  /** Cache-hit latencies, or undefined when no second answer came from a cache. */
  readonly cacheHitP50: number | undefined;
  readonly cacheHitP99: number | undefined;
  readonly cacheHits: number;
  readonly cachePairs: number;
  /** Citations of another tenant's documents (must be 0), and citations checked. */
  readonly foreignCitations: number;
  readonly citationsChecked: number;
}

export interface RunOptions {
  /** Timed queries per mode (at least). */
  readonly queriesPerMode: number;
  readonly warmupPerMode: number;
  readonly cacheQuestions: number;
  readonly log: (line: string) => void;
}

export const percentile = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0;
};

const cacheOf = (answer: unknown): string | undefined => (answer as { cache?: string }).cache;

/** Runs the benchmark on `db` (migrated, empty). `main` is measured; `other` proves isolation. */
export async function runStore(
  db: Database,
  main: Corpus,
  other: Corpus,
  gold: readonly GoldQuestion[],
  otherGold: readonly GoldQuestion[],
  o: RunOptions,
): Promise<StoreFigures> {
  const kg = makeKnowledgeService({ db });
  const owned = new Map([main, other].map((c) => [c.tenantId, new Set(c.documents.map((d) => d.documentId))]));
  let foreignCitations = 0;
  let citationsChecked = 0;
  const check = (tenantId: string, citations: readonly Citation[]): void => {
    const mine = owned.get(tenantId);
    for (const c of citations) {
      citationsChecked++;
      if (mine?.has(c.documentId) !== true) {
        foreignCitations++;
        o.log(`  FOREIGN CITATION: tenant ${tenantId} was answered with ${c.documentId}`);
      }
    }
  };

  // Ingest, sequentially, the measured tenant first, timing each document.
  const perDoc: number[] = [];
  let entities = 0;
  let relations = 0;
  const started = performance.now();
  for (const [i, d] of main.documents.entries()) {
    const t0 = performance.now();
    const r = await kg.ingest(main.tenantId, { documentId: d.documentId, name: d.name, bytes: d.bytes });
    perDoc.push(performance.now() - t0);
    entities += r.entities;
    relations += r.relations;
    if ((i + 1) % 500 === 0) {
      const last = perDoc.slice(-500).reduce((a, b) => a + b, 0);
      o.log(
        `  ingested ${i + 1}/${main.documents.length} (${((performance.now() - started) / 1000).toFixed(0)} s, last 500 at ${(500 / (last / 1000)).toFixed(1)} docs/s)`,
      );
    }
  }
  const seconds = (performance.now() - started) / 1000;
  for (const d of other.documents)
    await kg.ingest(other.tenantId, { documentId: d.documentId, name: d.name, bytes: d.bytes });
  const tenth = Math.max(1, Math.floor(perDoc.length / 10));
  const rate = (xs: number[]): number => xs.length / (xs.reduce((a, b) => a + b, 0) / 1000);
  const counts = await db.transaction(platformScope, async (tx) => {
    const { rows } = await tx.query<{ chunks: number; communities: number }>(
      `select (select count(*)::int from kg_chunks where tenant_id = $1) as chunks,
              (select count(*)::int from kg_communities where tenant_id = $1) as communities`,
      [main.tenantId],
    );
    return rows[0] ?? { chunks: 0, communities: 0 };
  });
  const ingest: IngestFigures = {
    documents: main.documents.length,
    bytes: main.documents.reduce((n, d) => n + d.bytes.byteLength, 0),
    seconds,
    chunks: counts.chunks,
    entities,
    relations,
    communities: counts.communities,
    firstTenthDocsS: rate(perDoc.slice(0, tenth)),
    lastTenthDocsS: rate(perDoc.slice(-tenth)),
  };
  o.log(
    `  ingest done: ${ingest.documents} documents, ${ingest.chunks} chunks, ${ingest.communities} communities in ${seconds.toFixed(1)} s`,
  );

  const latencies = Object.fromEntries(QUERY_MODES.map((m) => [m, [] as number[]])) as Record<QueryMode, number[]>;
  const skipped = Object.fromEntries(QUERY_MODES.map((m) => [m, 0])) as Record<QueryMode, number>;
  const ask = async (
    tenantId: string,
    question: string,
    mode: QueryMode,
  ): Promise<{ ms: number; citations: readonly Citation[]; answer: string; cache: string | undefined }> => {
    const t0 = performance.now();
    const answer = await kg.query(tenantId, question, mode);
    const ms = performance.now() - t0;
    check(tenantId, answer.citations);
    return { ms, citations: answer.citations, answer: answer.answer, cache: cacheOf(answer) };
  };
  const timed = async (
    question: string,
    mode: QueryMode,
  ): Promise<{ citations: readonly Citation[]; answer: string }> => {
    const a = await ask(main.tenantId, question, mode);
    if (a.cache === 'hit') skipped[mode]++;
    else latencies[mode].push(a.ms);
    return a;
  };

  // Unlabelled questions: warm-up first, then fillers for the latency sample, then the cache pairs.
  const labelled = new Set(gold.map((q) => q.question));
  const probes = main.probes.filter((p) => !labelled.has(p));
  const warmup = probes.slice(0, o.warmupPerMode);
  const cacheSet = probes.slice(o.warmupPerMode, o.warmupPerMode + o.cacheQuestions);
  const fillers = probes.slice(o.warmupPerMode + o.cacheQuestions);
  for (const q of warmup) for (const mode of QUERY_MODES) await kg.query(main.tenantId, q, mode);

  // Labelled questions, modes interleaved: hit@5 and the first part of the latency sample.
  const hits = Object.fromEntries(
    QUERY_MODES.map((m) => [m, { chunk: 0, doc: 0, facts: 0, byKind: new Map<QuestionKind, [number, number]>() }]),
  ) as Record<QueryMode, { chunk: number; doc: number; facts: number; byKind: Map<QuestionKind, [number, number]> }>;
  const expectedFacts = gold.reduce((n, q) => n + q.facts.length, 0);
  for (const q of gold) {
    for (const mode of QUERY_MODES) {
      const { citations, answer } = await timed(q.question, mode);
      const h = hits[mode];
      h.facts += factsFound(q.facts, answer);
      const hit = chunkHit(q, citations);
      if (hit) h.chunk++;
      if (documentHit(q, citations)) h.doc++;
      const [n, k] = h.byKind.get(q.kind) ?? [0, 0];
      h.byKind.set(q.kind, [n + 1, k + (hit ? 1 : 0)]);
    }
  }
  for (const q of fillers.slice(0, Math.max(0, o.queriesPerMode - gold.length)))
    for (const mode of QUERY_MODES) await timed(q, mode);

  // Cache: each question twice, the second timed; only answers the service marks as hits count.
  const cacheHits: number[] = [];
  let cachePairs = 0;
  for (const q of cacheSet) {
    for (const mode of QUERY_MODES) {
      await ask(main.tenantId, q, mode);
      const second = await ask(main.tenantId, q, mode);
      cachePairs++;
      if (second.cache === 'hit') cacheHits.push(second.ms);
    }
  }

  // The other tenant: its own questions must be answered from its own documents only.
  for (const q of otherGold) for (const mode of QUERY_MODES) await ask(other.tenantId, q.question, mode);

  const modes = Object.fromEntries(
    QUERY_MODES.map((mode) => {
      const h = hits[mode];
      const xs = latencies[mode];
      const figures: ModeFigures = {
        timed: xs.length,
        cacheHitsSkipped: skipped[mode],
        p50: percentile(xs, 50),
        p99: percentile(xs, 99),
        chunkHit5: h.chunk / gold.length,
        documentHit5: h.doc / gold.length,
        chunkHit5ByKind: Object.fromEntries([...h.byKind].map(([kind, [n, k]]) => [kind, k / n])),
        factRecall: h.facts / Math.max(1, expectedFacts),
      };
      return [mode, figures];
    }),
  ) as Record<QueryMode, ModeFigures>;
  return {
    ingest,
    modes,
    cacheHitP50: cacheHits.length === 0 ? undefined : percentile(cacheHits, 50),
    cacheHitP99: cacheHits.length === 0 ? undefined : percentile(cacheHits, 99),
    cacheHits: cacheHits.length,
    cachePairs,
    foreignCitations,
    citationsChecked,
  };
}
