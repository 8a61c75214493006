// What extraction produces before resolution: entity and relation records, each with how it
// was found and where (a span of the document text), and the records' common container.
import type { Span } from '../parse/document-model.js';

/** How a record was found; structured methods read declared knowledge exactly. */
export const EXTRACTION_METHODS = ['front-matter', 'data', 'table', 'catalog', 'prose', 'llm'] as const;
export type ExtractionMethod = (typeof EXTRACTION_METHODS)[number];

/** Relation type used when a source names no type (GraphRAG tuples without one, bare source/target tables). */
export const DEFAULT_RELATION_TYPE = 'related_to';

export interface EntityRecord {
  readonly name: string;
  /** snake_case (normaliseType). */
  readonly type: string;
  readonly description?: string;
  /** Other names for the same entity (titles, abbreviations, "aka" columns). */
  readonly aliases: readonly string[];
  readonly method: ExtractionMethod;
  /** Where in the document text the record was read. */
  readonly span: Span;
}

export interface RelationRecord {
  readonly source: string;
  readonly target: string;
  /** snake_case (normaliseType). */
  readonly type: string;
  readonly description?: string;
  readonly weight?: number;
  readonly method: ExtractionMethod;
  readonly span: Span;
}

/** Entity and relation records of one source. */
export interface GraphRecords {
  readonly entities: EntityRecord[];
  readonly relations: RelationRecord[];
}

/** An empty record set to fill. */
export function emptyRecords(): GraphRecords {
  return { entities: [], relations: [] };
}

/** Appends `more` to `into` and returns `into`. */
export function appendRecords(into: GraphRecords, more: GraphRecords): GraphRecords {
  into.entities.push(...more.entities);
  into.relations.push(...more.relations);
  return into;
}
