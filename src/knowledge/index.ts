// The knowledge context's public face (GraphRAG): parse documents of every
// supported format into one document model, chunk them, extract entities and relations from
// structured content, prose and LLM replies, and resolve entities with provenance; store each
// tenant's graph in PostgreSQL with communities and reports, and answer questions with citations.
// Other contexts import from here only.
export { assertOwnChunks, candidateKeys } from './answer/answer-builder.js';
export { parseEntityRef, type EntityRef } from './extract/backstage-catalog.js';
export { bm25, rank, type CorpusStats, type Scored } from './answer/bm25.js';
export { tokenize } from './graph/vocabulary.js';
export { chunkAt, chunkText, type Chunk, type ChunkOptions } from './parse/chunker.js';
export { componentsOf, detectCommunities, type Community, type GraphEdge } from './graph/communities.js';
export { buildReport, type CommunityReport } from './graph/community-reports.js';
export {
  BLOCK_KINDS,
  DOCUMENT_FORMATS,
  isProseBlock,
  type BlockKind,
  type DataDocument,
  type DocumentFormat,
  type DocumentTable,
  type ParsedDocument,
  type Span,
  type TableRow,
  type TextBlock,
} from './parse/document-model.js';
export { resolveRecords, type Provenance, type Resolution, type ResolvedEntity, type ResolvedRelation } from './extract/entity-resolution.js';
export {
  extractDocument,
  extractFromDocument,
  extractFromReply,
  type DocumentExtraction,
  type ExtractOptions,
  type ReplyExtraction,
} from './extract/extract-document.js';
export { DEFAULT_ENTITY_TYPES, EXTRACTION_PROMPT, EXTRACTION_REPLY_SHAPE, extractionPrompt, reprompt, type PromptOptions } from './extract/reply/extraction-prompt.js';
export {
  DEFAULT_RELATION_TYPE,
  EXTRACTION_METHODS,
  type EntityRecord,
  type ExtractionMethod,
  type GraphRecords,
  type RelationRecord,
} from './extract/graph-records.js';
export { refreshCommunities, type CommunityUpdate } from './graph/community-refresh.js';
export { makeKnowledgeService, type KnowledgeService } from './knowledge-service.js';
export type { KnowledgeDeps, KnowledgeSignal, TenantKnowledgeSettings } from './knowledge-deps.js';
export type { IngestInput, IngestResult } from './ingest.js';
export type { KnowledgeAnswer } from './answer/answer-composition.js';
export { defaultExtractionThreads, makeExtractionPool, type ExtractionPool, type ExtractionPoolOptions } from './extract/extraction-pool.js';
export { BUDGET_LIMITS, DEFAULT_PARSE_BUDGET, parseBudget, ParseBudgetError, UnsupportedDocumentError, type BudgetLimit, type ParseBudget } from './parse/parse-budget.js';
export { ingestJobChanged, knowledgeJobKinds, type EnqueueFollowUp, type KnowledgeJobKind, type KnowledgeJobState } from './knowledge-jobs.js';
export { documentPath, knowledgeRoutes, type KnowledgeRoutesDeps } from './knowledge-routes.js';
export { pruneQuestions, SOURCE_STATUSES, type CommunityItem, type DocumentSummary, type EntityItem, type RelationItem, type SourceStatus } from './graph/document-store.js';
export { EXPORT_FORMATS, renderGraphMl, type ExportFormat, type GraphExport } from './graph/graph-export.js';
export * from './llm/index.js';
export { ANSWER_CACHE_BUDGET_BYTES, makeAnswerCache, normaliseQuestion, type AnswerCache, type AnswerCacheKey } from './answer/answer-cache.js';
export { checkQuestion, detectInjection, PromptInjectionError, QUESTION_MAX_CHARS, screenRetrieved, type InjectionFinding } from './answer/safety.js';
export { PII_KINDS, redactPii, type PiiKind } from './answer/pii.js';
export { MAX_REPLY_CHARS, parseLlmReply, type ReplyParseOptions } from './extract/reply/llm-reply-parser.js';
export { acronymOf, cleanName, normaliseName, normaliseType } from './extract/names.js';
export { assertIngestible, DEFAULT_MAX_DOCUMENT_BYTES, detectFormat, INGESTIBLE_EXTENSIONS, parseDocument, type ParseOptions } from './parse/parse-document.js';
export { proseRecords } from './extract/prose-extractor.js';
export { answerQuestion, QUERY_MODES, type Answer, type Citation, type QueryMode, type QueryOptions } from './answer/query-engine.js';
export { PROSE_TYPES, type ProseType } from './extract/prose-lexicon.js';
export {
  countReply,
  createReplyCounters,
  FAILURE_KINDS,
  REPAIR_KINDS,
  type FailureKind,
  type RejectedRecord,
  type RepairKind,
  type ReplyCounters,
  type ReplyFailure,
  type ReplyFormat,
  type ReplyOutcome,
} from './extract/reply/reply-outcome.js';
export { structuredRecords, tableRecords } from './extract/structured-records.js';
