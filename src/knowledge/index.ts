// The knowledge context's public face (GraphRAG): parse documents of every
// supported format into one document model, chunk them, extract entities and relations from
// structured content, prose and LLM replies, and resolve entities with provenance; store each
// tenant's graph in PostgreSQL with communities and reports, and answer questions with citations.
// Other contexts import from here only.
export { assertOwnChunks, candidateKeys } from './answer-builder.js';
export { parseEntityRef, type EntityRef } from './backstage-catalog.js';
export { bm25, rank, tokenize, type CorpusStats, type Scored } from './bm25.js';
export { chunkAt, chunkText, type Chunk, type ChunkOptions } from './chunker.js';
export { componentsOf, detectCommunities, type Community, type GraphEdge } from './communities.js';
export { buildReport, type CommunityReport } from './community-reports.js';
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
} from './document-model.js';
export { resolveRecords, type Provenance, type Resolution, type ResolvedEntity, type ResolvedRelation } from './entity-resolution.js';
export {
  extractDocument,
  extractFromDocument,
  extractFromReply,
  type DocumentExtraction,
  type ExtractOptions,
  type ReplyExtraction,
} from './extract-document.js';
export { DEFAULT_ENTITY_TYPES, EXTRACTION_PROMPT, EXTRACTION_REPLY_SHAPE, extractionPrompt, reprompt, type PromptOptions } from './extraction-prompt.js';
export {
  DEFAULT_RELATION_TYPE,
  EXTRACTION_METHODS,
  type EntityRecord,
  type ExtractionMethod,
  type GraphRecords,
  type RelationRecord,
} from './graph-records.js';
export { refreshCommunities, type CommunityUpdate } from './community-refresh.js';
export {
  makeKnowledgeService,
  type IngestInput,
  type IngestResult,
  type KnowledgeAnswer,
  type KnowledgeDeps,
  type KnowledgeService,
  type KnowledgeSignal,
  type TenantKnowledgeSettings,
} from './knowledge-service.js';
export { defaultExtractionThreads, makeExtractionPool, type ExtractionPool, type ExtractionPoolOptions } from './extraction-pool.js';
export { BUDGET_LIMITS, DEFAULT_PARSE_BUDGET, parseBudget, ParseBudgetError, UnsupportedDocumentError, type BudgetLimit, type ParseBudget } from './parse-budget.js';
export { ingestJobChanged, knowledgeJobKinds, scheduledBuild, type EnqueueFollowUp, type KnowledgeJobKind, type KnowledgeJobState } from './knowledge-jobs.js';
export { pruneQuestions, SOURCE_STATUSES, type CommunityItem, type DocumentSummary, type EntityItem, type RelationItem, type SourceStatus } from './document-store.js';
export { EXPORT_FORMATS, renderGraphMl, type ExportFormat, type GraphExport } from './graph-export.js';
export * from './llm/index.js';
export { ANSWER_CACHE_BUDGET_BYTES, makeAnswerCache, normaliseQuestion, type AnswerCache, type AnswerCacheKey } from './answer-cache.js';
export { checkQuestion, detectInjection, PromptInjectionError, QUESTION_MAX_CHARS, screenRetrieved, type InjectionFinding } from './safety.js';
export { PII_KINDS, redactPii, type PiiKind } from './pii.js';
export { MAX_REPLY_CHARS, parseLlmReply, type ReplyParseOptions } from './llm-reply-parser.js';
export { acronymOf, cleanName, normaliseName, normaliseType } from './names.js';
export { assertIngestible, DEFAULT_MAX_DOCUMENT_BYTES, detectFormat, INGESTIBLE_EXTENSIONS, parseDocument, type ParseOptions } from './parse-document.js';
export { proseRecords } from './prose-extractor.js';
export { answerQuestion, QUERY_MODES, type Answer, type Citation, type QueryMode, type QueryOptions } from './query-engine.js';
export { PROSE_TYPES, type ProseType } from './prose-lexicon.js';
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
} from './reply-outcome.js';
export { structuredRecords, tableRecords } from './structured-records.js';
