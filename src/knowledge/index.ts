// The knowledge context's public face (GraphRAG): parse documents of every supported format
// into one document model, chunk them, extract entities and relations from structured content,
// prose and LLM replies, and resolve entities with provenance; store each tenant's graph in
// PostgreSQL with communities and reports, and answer questions with citations.
// Other contexts import from here only, and this exports only what they use; the stages'
// folders (parse/, extract/, graph/, answer/, llm/) read in the order the data flows.

// The light values (query modes, ingestible extensions) are constants.ts's, exported here too.
export * from './constants.js';

// The service and its settings (composition root, CLI, benchmarks).
export { makeKnowledgeService, type KnowledgeService } from './knowledge-service.js';
export type { GraphVersions, ReindexResult } from './graph-versions.js';
export {
  selectGraphStates,
  type GraphProbe,
  type GraphSlot,
  type GraphSlotStatus,
  type TenantGraphState,
} from './graph/slot-store.js';
export type { KnowledgeSignal, TenantKnowledgeSettings } from './knowledge-deps.js';
export {
  ingestJobChanged,
  knowledgeJobKinds,
  REBUILD_DELAY_MS,
  ReindexPayload,
  scheduledBuild,
  type EnqueueFollowUp,
  type KnowledgeJobKind,
} from './knowledge-jobs.js';

// parse/: bytes to the document model.
export { chunkText } from './parse/chunker.js';
export type { ParsedDocument } from './parse/document-model.js';
export { parseBudget } from './parse/parse-budget.js';
export { parseDocument } from './parse/parse-document.js';

// extract/: the document model (or an LLM reply) to graph records, in worker threads.
export { extractDocument, extractFromReply } from './extract/extract-document.js';
export { knownTypesOf, type KnownEntity, type KnownTypes } from './extract/endpoint-types.js';
export { makeExtractionPool, type ExtractionPool } from './extract/extraction-pool.js';
export {
  DEFAULT_EXTRACTION_VERSION,
  EXTRACTION_VERSIONS,
  extractionOptionsOf,
  isExtractionVersion,
  type ExtractionVersion,
} from './extract/extraction-versions.js';
export {
  countReply,
  createReplyCounters,
  FAILURE_KINDS,
  REPAIR_KINDS,
  type ReplyCounters,
  type ReplyOutcome,
} from './extract/reply/reply-outcome.js';

// graph/: what callers see of a tenant's documents and graph.
export { pruneQuestions, SOURCE_STATUSES, type DocumentSummary } from './graph/document-store.js';
export { EXPORT_FORMATS, renderGraphMl } from './graph/graph-export.js';

// answer/: query modes and citations.
export type { Citation } from './answer/query-engine.js';
export type { KnowledgeAnswer, QueryRequest } from './answer/answer-composition.js';

// llm/: providers and the gateway.
export { makeLlmGateway, parseLlmProviders, type LlmGateway, type LlmObserver } from './llm/index.js';
