// Answers questions over a tenant's graph without an LLM, in three modes: local (entities the
// question names, their neighbourhood, the chunks that mention them), global (community
// reports ranked and combined, map-reduce style) and naive (chunks only). BM25 ranks every
// list; every answer cites the document, chunk and offsets it rests on.
import type { Queryable } from '../../core/db.js';
import { ValidationError } from '../../core/errors.js';
import { assertOwnChunks, bestSentences, candidateKeys, composeAnswer, longestMatches } from './answer-builder.js';
import { rank, rankTokens, type CachedCorpus, type CorpusStats, type CorpusStatsCache } from './bm25.js';
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

export const QUERY_MODES = ['local', 'global', 'naive'] as const;
export type QueryMode = (typeof QUERY_MODES)[number];

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
): Answer {
  assertOwnChunks(tenantId, chunks);
  const sentences = bestSentences(
    question,
    chunks.map((c, i) => ({ text: c.text, citation: i + 1 })),
  );
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
      const matched = await selectEntitiesByKeys(tx, tenantId, candidateKeys(q), false);
      const keys = longestMatches([...new Set(matched.map((e) => e.nameKey))]);
      const entities = matched.filter((e) => keys.includes(e.nameKey));
      const neighbourhood = await selectNeighbourhood(tx, tenantId, keys, 30);
      const corpus = await corpusOf(tx, tenantId, terms, options.statsCache);
      const pool =
        keys.length === 0
          ? await selectChunksMatching(tx, tenantId, terms, CANDIDATES, rareTerms(corpus, terms))
          : await selectMentionChunks(
              tx,
              tenantId,
              keys,
              neighbourhood.map((r) => r.relationId),
              CANDIDATES,
            );
      const chunks = rankChunks(corpus, terms, pool, limit);
      const facts = rank(q, neighbourhood, (r) => `${r.source} ${r.type.replace(/_/g, ' ')} ${r.target}`)
        .slice(0, 5)
        .map((r) => relationSentence(r.item));
      return finish(
        q,
        mode,
        tenantId,
        chunks,
        facts.length > 0 ? facts : neighbourhood.slice(0, 5).map(relationSentence),
        entities.map((e) => ({ name: e.name, type: e.type })),
        neighbourhood.map(relationOf),
      );
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
