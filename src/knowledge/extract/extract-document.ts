// The parse/extract stage end to end for one document: parse, chunk, read structured records,
// extract from prose, resolve entities, and attach provenance (chunk and span) to everything.
// Also the same stage for a raw LLM reply to the extraction prompt.
import { chunkAt, chunkText, type Chunk, type ChunkOptions } from '../parse/chunker.js';
import { isProseBlock, type ParsedDocument, type Span } from '../parse/document-model.js';
import { knownEndpointEntities, openEnds, type KnownTypes } from './endpoint-types.js';
import { resolveRecords, type ResolvedEntity, type ResolvedRelation } from './entity-resolution.js';
import { appendRecords, emptyRecords, type GraphRecords } from './graph-records.js';
import { parseLlmReply } from './reply/llm-reply-parser.js';
import { parseDocument, type ParseOptions } from '../parse/parse-document.js';
import { proseRecords } from './prose-extractor.js';
import type { ReplyOutcome } from './reply/reply-outcome.js';
import { structuredRecords } from './structured-records.js';

export interface ExtractOptions {
  /** Run deterministic prose extraction (default true). */
  readonly prose?: boolean;
  readonly chunks?: ChunkOptions;
  readonly parse?: ParseOptions;
  /** Records an LLM extracted from this document's chunks (spans in document offsets), resolved with the rest. */
  readonly llmRecords?: readonly GraphRecords[];
  /**
   * What the tenant already knows (its other documents' entities, by normalised name and alias:
   * knownTypesOf): a relation end that nothing in this document types becomes an entity of the
   * known type. The document's own evidence always comes first. A Map crosses to extraction
   * threads as it is (structured clone).
   */
  readonly knownTypes?: KnownTypes;
}

export interface DocumentExtraction {
  readonly document: ParsedDocument;
  readonly chunks: readonly Chunk[];
  /** Records before resolution, for inspection and counting. */
  readonly records: GraphRecords;
  readonly entities: readonly ResolvedEntity[];
  readonly relations: readonly ResolvedRelation[];
  /** Relation ends no entity of the document stands for (by name or alias): what `knownTypes` may type. */
  readonly openEnds: readonly string[];
}

/** Extracts from an already parsed document. */
export function extractFromDocument(document: ParsedDocument, options: ExtractOptions = {}): DocumentExtraction {
  const chunks = chunkText(document.text, options.chunks);
  const records = appendRecords(emptyRecords(), structuredRecords(document));
  if (options.prose ?? true)
    appendRecords(records, proseRecords(document.blocks.filter((b) => isProseBlock(b) || b.kind === 'heading')));
  for (const extra of options.llmRecords ?? []) appendRecords(records, extra);
  // Every reference is an entity: ends nothing in the document types take the type the tenant knows.
  if (options.knownTypes !== undefined) records.entities.push(...knownEndpointEntities(records, options.knownTypes));
  const { entities, relations } = resolveRecords(records, (offset) => chunkAt(chunks, offset));
  const open = openEnds(records).map((e) => e.name);
  return { document, chunks, records, entities, relations, openEnds: open };
}

/** Parses and extracts one document. Throws ValidationError for unreadable input. */
export async function extractDocument(
  name: string,
  bytes: Uint8Array,
  options: ExtractOptions = {},
): Promise<DocumentExtraction> {
  return extractFromDocument(await parseDocument(name, bytes, options.parse), options);
}

export interface ReplyExtraction {
  readonly outcome: ReplyOutcome;
  readonly entities: readonly ResolvedEntity[];
  readonly relations: readonly ResolvedRelation[];
}

/**
 * Parses an LLM reply about `span` (the chunk it was asked about, chunk index `chunk`) and
 * resolves its records. A failed reply resolves to nothing; its outcome says why.
 */
export function extractFromReply(reply: string, where: { span?: Span; chunk?: number } = {}): ReplyExtraction {
  const outcome = parseLlmReply(reply, where.span === undefined ? {} : { span: where.span });
  if (!outcome.ok) return { outcome, entities: [], relations: [] };
  const { entities, relations } = resolveRecords(outcome.records, () => where.chunk ?? 0);
  return { outcome, entities, relations };
}
