// Answers questions over a tenant's graph without an LLM, in four modes: local (entities the
// question names, their neighbourhood, the chunks that mention them), global (community
// reports ranked and combined, map-reduce style), naive (chunks only) and hybrid (the default:
// naive's and local's chunk rankings and a second hop fused by reciprocal rank, as LightRAG's
// `mix` fuses graph and vector retrieval). BM25 ranks every list; every answer cites the
// document, chunk and offsets it rests on.
import type { Queryable } from '../../core/db.js';
import { ValidationError } from '../../core/errors.js';
import {
  assertOwnChunks,
  bestSentences,
  candidateKeys,
  composeAnswer,
  longestMatches,
  type Passage,
} from './answer-builder.js';
import { rank, rankTokens, type CachedCorpus, type CorpusStats, type CorpusStatsCache } from './bm25.js';
import { bridgeCandidates, bridgeRarity, pickBridges } from './second-hop.js';
import { fuseRankings } from './rank-fusion.js';
import { termsOf } from '../graph/vocabulary.js';
import { relationSentence } from '../graph/community-reports.js';
import { selectGraphVersion } from '../graph/document-store.js';
import {
  selectChunkTotals,
  selectChunksMatching,
  selectCommunities,
  selectDocumentFrequencies,
  selectEntitiesByKeys,
  selectMentionChunks,
  selectNeighbourhood,
  selectRelationsWithin,
  type ChunkRow,
  type RelationRow,
} from '../graph/graph-reader.js';
import type { QueryMode } from './query-modes.js';

export interface Citation {
  readonly documentId: string;
  readonly documentName: string;
  readonly chunkIndex: number;
  readonly start: number;
  readonly end: number;
  readonly snippet: string;
}

export interface Answer {
  readonly question: string;
  readonly mode: QueryMode;
  readonly answer: string;
  readonly citations: readonly Citation[];
  readonly entities: readonly { name: string; type: string }[];
  readonly relations: readonly { source: string; type: string; target: string }[];
  /** Always false here: this engine is extractive. */
  readonly llmUsed: false;
}

export interface QueryOptions {
  /** Most chunks cited (default 5). */
  readonly limit?: number;
  /**
   * Where BM25 corpus statistics are kept between questions (per tenant and graph version,
   * read in the question's own transaction). Without it they are counted for every question.
   */
  readonly statsCache?: CorpusStatsCache;
}

const MAX_QUESTION = 2000;
const CANDIDATES = 200;

const citationOf = (c: ChunkRow): Citation => ({
  documentId: c.documentId,
  documentName: c.documentName,
  chunkIndex: c.chunkIndex,
  start: c.start,
  end: c.end,
  snippet: c.text.length > 240 ? `${c.text.slice(0, 237)}…` : c.text,
});
const relationOf = (r: RelationRow): { source: string; type: string; target: string } => ({
  source: r.source,
  type: r.type,
  target: r.target,
});

/**
 * The tenant's chunk count, average length and the document frequency of every term in
 * `terms`: from `cache` when it holds them for the tenant's current graph version, else counted.
 */
async function corpusOf(
  tx: Queryable,
  tenantId: string,
  terms: readonly string[],
  cache: CorpusStatsCache | undefined,
): Promise<CachedCorpus> {
  if (cache === undefined)
    return {
      ...(await selectChunkTotals(tx, tenantId)),
      documentFrequency: await selectDocumentFrequencies(tx, tenantId, terms),
    };
  // NOTE: the version is read before the counts; a change committed in between files newer
  // counts under the older version, whose entry no later question reads (they see the new one).
  const version = await selectGraphVersion(tx, tenantId);
  const corpus = cache.get(tenantId, version) ?? cache.set(tenantId, version, await selectChunkTotals(tx, tenantId));
  const missing = [...new Set(terms)].filter((t) => !corpus.documentFrequency.has(t));
  for (const [term, df] of await selectDocumentFrequencies(tx, tenantId, missing))
    corpus.documentFrequency.set(term, df);
  return corpus;
}

/** BM25 statistics in tokens: chunk lengths are stored in characters, converted with the candidates' characters per token. */
function chunkStats(
  corpus: CachedCorpus,
  chunks: readonly ChunkRow[],
  tokens: readonly (readonly string[])[],
): CorpusStats {
  const chars = chunks.reduce((n, c) => n + c.text.length, 0);
  const count = tokens.reduce((n, t) => n + t.length, 0);
  const charsPerToken = count === 0 ? 6 : chars / count;
  return {
    count: Math.max(1, corpus.count),
    averageLength: corpus.averageChars / charsPerToken,
    documentFrequency: corpus.documentFrequency,
  };
}

/** Chunks a term may be in and still count as rare: candidates holding one are taken first. */
const RARE_DF = 20;

/** The question's terms few chunks hold (but some do), by the corpus statistics. */
function rareTerms(corpus: CachedCorpus, terms: readonly string[]): string[] {
  return terms.filter((t) => {
    const df = corpus.documentFrequency.get(t) ?? 0;
    return df > 0 && df <= RARE_DF;
  });
}

/** The first of every (document, chunk) in `chunks`. */
function dedupeChunks<T extends ChunkRow>(chunks: readonly T[]): T[] {
  const seen = new Set<string>();
  return chunks.filter((c) => {
    const key = `${c.documentId}\u0000${c.chunkIndex}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function rankChunks(
  corpus: CachedCorpus,
  terms: readonly string[],
  chunks: readonly (ChunkRow & { mentions?: number })[],
  limit: number,
): ChunkRow[] {
  const tokens = chunks.map((c) => termsOf(c.text));
  const ranked = rankTokens(
    terms,
    chunks,
    tokens,
    chunkStats(corpus, chunks, tokens),
    (c) => Math.log1p(c.mentions ?? 0) * 0.5,
  );
  return ranked.slice(0, limit).map((r) => r.item);
}

function finish(
  question: string,
  mode: QueryMode,
  tenantId: string,
  chunks: readonly ChunkRow[],
  facts: readonly string[],
  entities: Answer['entities'],
  relations: Answer['relations'],
  hop?: { readonly chunk: ChunkRow; readonly bridges: readonly (readonly string[])[] },
): Answer {
  assertOwnChunks(tenantId, chunks);
  const passages = chunks.map((c, i) => ({ text: c.text, citation: i + 1 }));
  let sentences = bestSentences(question, passages);
  // A second hop's chunk answers the question through its bridge: its best unit for the
  // question and the bridge names comes right after the best unit of the first hop.
  const at = hop === undefined ? -1 : chunks.indexOf(hop.chunk);
  if (hop !== undefined && at >= 0) {
    const bridged = bestSentences(`${question} ${hop.bridges.flat().join(' ')}`, [passages[at] as Passage], 1);
    sentences = [...new Set([...sentences.slice(0, 1), ...bridged, ...sentences.slice(1)])].slice(0, 4);
  }
  return {
    question,
    mode,
    answer: composeAnswer(facts, sentences),
    citations: chunks.map(citationOf),
    entities,
    relations,
    llmUsed: false,
  };
}

/** How deep hybrid mode ranks its candidates (the second hop's seeds and fill come from them). */
const FUSION_DEPTH = 20;
/** The first-ranked chunks whose best units seed the second hop. */
const HOP_SEEDS = 2;
/** Citations kept for the second hop's chunks (when it finds any not already cited). */
const HOP_SLOTS = 1;
/** Candidate chunks of the second hop (its bridges are rare: few chunks hold them). */
const HOP_CANDIDATES = 60;
/** Bridges looked up per question. */
const MAX_BRIDGES = 3;

const chunkKey = (c: ChunkRow): string => `${c.documentId}\u0000${c.chunkIndex}`;

interface LocalEvidence {
  /** The entity keys the question names (longest matches). */
  readonly keys: readonly string[];
  /** The chunks mentioning those entities or their relations, unranked, with their mention counts. */
  readonly pool: readonly (ChunkRow & { mentions: number })[];
  readonly facts: readonly string[];
  readonly entities: Answer['entities'];
  readonly relations: readonly RelationRow[];
}

/** Local mode's evidence: the entities the question names, their neighbourhood and the chunks that mention them. */
async function localEvidence(tx: Queryable, tenantId: string, q: string): Promise<LocalEvidence> {
  const matched = await selectEntitiesByKeys(tx, tenantId, candidateKeys(q), false);
  const keys = longestMatches([...new Set(matched.map((e) => e.nameKey))]);
  const entities = matched.filter((e) => keys.includes(e.nameKey));
  const neighbourhood = await selectNeighbourhood(tx, tenantId, keys, 30);
  const pool =
    keys.length === 0
      ? []
      : await selectMentionChunks(
          tx,
          tenantId,
          keys,
          neighbourhood.map((r) => r.relationId),
          CANDIDATES,
        );
  const ranked = rank(q, neighbourhood, (r) => `${r.source} ${r.type.replace(/_/g, ' ')} ${r.target}`)
    .slice(0, 5)
    .map((r) => relationSentence(r.item));
  return {
    keys,
    pool,
    facts: ranked.length > 0 ? ranked : neighbourhood.slice(0, 5).map(relationSentence),
    entities: entities.map((e) => ({ name: e.name, type: e.type })),
    relations: neighbourhood,
  };
}

/**
 * The second hop (second-hop.ts): the bridges the `seeds` and the graph's `relations` name,
 * each looked up on its own (one name's chunks are not drowned by another's) and the lists
 * fused by reciprocal rank; the seeds themselves are left out.
 */
async function secondHop(
  tx: Queryable,
  tenantId: string,
  q: string,
  seeds: readonly ChunkRow[],
  relations: readonly RelationRow[],
  statsCache: CorpusStatsCache | undefined,
): Promise<{ chunks: ChunkRow[]; bridges: (readonly string[])[] }> {
  const none = { chunks: [], bridges: [] };
  const candidates = bridgeCandidates(q, seeds, relations);
  if (candidates.length === 0) return none;
  const corpus = await corpusOf(tx, tenantId, candidates.flat(), statsCache);
  const bridges = pickBridges(candidates, q, corpus.documentFrequency, corpus.count, MAX_BRIDGES);
  if (bridges.length === 0) return none;
  // Candidates are the chunks holding a bridge's rare terms only: a common word of a bridge
  // ("service" of dd-service) would make the full-text scan rank most of the tenant.
  const rare = bridges.flat().filter((t) => (corpus.documentFrequency.get(t) ?? 0) <= bridgeRarity(corpus.count));
  const pool = await selectChunksMatching(tx, tenantId, rare, HOP_CANDIDATES);
  const seeded = new Set(seeds.map(chunkKey));
  const chunks = fuseRankings(
    bridges.map((bridge) => ({
      items: rankChunks(corpus, bridge, pool, FUSION_DEPTH + seeded.size).filter((c) => !seeded.has(chunkKey(c))),
      weight: 1,
    })),
    chunkKey,
  );
  return { chunks, bridges };
}

/** Answers `question` for `tenantId` in `mode`. Run it inside a transaction scoped to the tenant. */
export async function answerQuestion(
  tx: Queryable,
  tenantId: string,
  question: string,
  mode: QueryMode,
  options: QueryOptions = {},
): Promise<Answer> {
  const q = question.trim();
  if (q === '' || q.length > MAX_QUESTION)
    throw new ValidationError(`a question must have 1 to ${MAX_QUESTION} characters`);
  const limit = Math.min(Math.max(1, options.limit ?? 5), 20);
  const terms = termsOf(q);
  switch (mode) {
    case 'naive': {
      const corpus = await corpusOf(tx, tenantId, terms, options.statsCache);
      const chunks = rankChunks(
        corpus,
        terms,
        await selectChunksMatching(tx, tenantId, terms, CANDIDATES, rareTerms(corpus, terms)),
        limit,
      );
      return finish(q, mode, tenantId, chunks, [], [], []);
    }
    case 'local': {
      const corpus = await corpusOf(tx, tenantId, terms, options.statsCache);
      const local = await localEvidence(tx, tenantId, q);
      const pool =
        local.keys.length === 0
          ? await selectChunksMatching(tx, tenantId, terms, CANDIDATES, rareTerms(corpus, terms))
          : local.pool;
      const chunks = rankChunks(corpus, terms, pool, limit);
      return finish(q, mode, tenantId, chunks, local.facts, local.entities, local.relations.map(relationOf));
    }
    case 'hybrid': {
      const corpus = await corpusOf(tx, tenantId, terms, options.statsCache);
      const depth = Math.max(FUSION_DEPTH, limit);
      const local = await localEvidence(tx, tenantId, q);
      // The graph's evidence and BM25's, fused at the score level: one BM25 ranking over the
      // full-text candidates and the chunks that mention the question's entities or their
      // relations, those mentions adding their boost as in local mode.
      const ranked = rankChunks(
        corpus,
        terms,
        dedupeChunks([
          ...local.pool,
          ...(await selectChunksMatching(tx, tenantId, terms, CANDIDATES, rareTerms(corpus, terms))),
        ]),
        depth,
      );
      const hop = await secondHop(tx, tenantId, q, ranked.slice(0, HOP_SEEDS), local.relations, options.statsCache);
      // NOTE: the last HOP_SLOTS citations go to the second hop's best chunks not ranked above
      // them. Reciprocal rank fusion of the hop with the first ranking was measured worse
      // (docs/decisions.md): with k = 60 any chunk two lists hold outranks the first list's best.
      const top = ranked.slice(0, Math.max(1, limit - HOP_SLOTS));
      const taken = new Set(top.map(chunkKey));
      const extra = hop.chunks.filter((c) => !taken.has(chunkKey(c))).slice(0, limit - top.length);
      const chunks = dedupeChunks([...top, ...extra, ...ranked]).slice(0, limit);
      const bridged = extra[0] === undefined ? undefined : { chunk: extra[0], bridges: hop.bridges };
      return finish(q, mode, tenantId, chunks, local.facts, local.entities, local.relations.map(relationOf), bridged);
    }
    case 'global': {
      const reports = rank(q, await selectCommunities(tx, tenantId), (c) => c.report).slice(0, 3);
      // Map: the lines of each report that speak to the question; reduce: the best of them overall.
      const lines = reports.flatMap((r) =>
        r.item.report
          .split('\n')
          .filter((l) => l.startsWith('- ') || l.startsWith('> '))
          .map((l) => l.slice(2)),
      );
      const facts = rank(q, lines, (l) => l)
        .slice(0, 6)
        .map((r) => r.item);
      const members = [...new Set(reports.flatMap((r) => r.item.members))];
      const relations = members.length === 0 ? [] : (await selectRelationsWithin(tx, tenantId, members)).slice(0, 20);
      const corpus = await corpusOf(tx, tenantId, terms, options.statsCache);
      // The reports' chunks, and the chunks of any rare term the question names (an id the
      // communities do not hold, such as an incident's), ranked together.
      const rare = rareTerms(corpus, terms);
      const pool = dedupeChunks([
        ...(members.length === 0
          ? []
          : await selectMentionChunks(
              tx,
              tenantId,
              members,
              relations.map((r) => r.relationId),
              CANDIDATES,
            )),
        ...(rare.length === 0 ? [] : await selectChunksMatching(tx, tenantId, rare, RARE_DF)),
      ]);
      const chunks = pool.length === 0 ? [] : rankChunks(corpus, terms, pool, limit);
      const entities = (await selectEntitiesByKeys(tx, tenantId, members, false)).map((e) => ({
        name: e.name,
        type: e.type,
      }));
      return finish(q, mode, tenantId, chunks, facts, entities, relations.map(relationOf));
    }
    default: {
      const never: never = mode;
      throw new ValidationError(`unknown query mode '${String(never)}'`);
    }
  }
}
