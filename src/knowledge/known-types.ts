// Types the tenant already knows (issue 18: every reference is an entity). A relation end that
// nothing in its document types is typed by what the tenant's other documents declared of that
// name, as a person reading the tenant's export would: `contracts.tsv` names "WH-North", which
// `warehouses.md` declares a warehouse. A document is extracted once; when it leaves ends open,
// the tenant's graph (row-level security: the tenant's own rows only) is asked about exactly those
// names, and only when it knows one is the document extracted again with the known types (in the
// extraction pool, like the first time; the LLM records, if any, are reused, not asked again).
import type { Queryable } from '../core/db.js';
import type { TraceParent } from '../core/trace-parent.js';
import { knownTypesOf, type KnownTypes } from './extract/endpoint-types.js';
import type { DocumentExtraction, ExtractOptions } from './extract/extract-document.js';
import type { ExtractionPool } from './extract/extraction-pool.js';
import { selectKnownEntities } from './graph/graph-reader.js';
import { useCandidateGraph, usePrimaryGraph } from './graph/slot-store.js';

/** What the tenant's graph knows of some relation ends' names. */
export type KnownLookup = (names: readonly string[]) => Promise<KnownTypes>;

/**
 * Extracts a document; ends it leaves open that `known` knows are typed by a second extraction.
 * Known types a caller gives in `options` (tests, benchmarks) are used as they are.
 */
export async function extractKnowing(
  pool: ExtractionPool,
  name: string,
  bytes: Uint8Array,
  options: ExtractOptions,
  known: KnownLookup,
  signal?: AbortSignal,
): Promise<DocumentExtraction> {
  const x = await pool.extract(name, bytes, options, signal);
  if (x.openEnds.length === 0 || options.knownTypes !== undefined) return x;
  const knownTypes = await known(x.openEnds);
  signal?.throwIfAborted();
  if (knownTypes.size === 0) return x;
  return pool.extract(name, bytes, { ...options, knownTypes }, signal);
}

/**
 * The lookup of one tenant's graph (the primary, or the candidate graph-versions.ts builds) for
 * a document: entities other documents of the tenant mention, in a transaction of the tenant.
 */
export function knownInGraph(
  inTenant: <T>(tenantId: string, fn: (tx: Queryable) => Promise<T>, trace?: TraceParent) => Promise<T>,
  tenantId: string,
  documentId: string,
  graph: 'primary' | 'candidate',
  trace?: TraceParent,
): KnownLookup {
  return async (names) => {
    const rows = await inTenant(
      tenantId,
      async (tx) => {
        if (graph === 'primary') return selectKnownEntities(tx, tenantId, documentId, names);
        const searchPath = await useCandidateGraph(tx);
        try {
          return await selectKnownEntities(tx, tenantId, documentId, names);
        } finally {
          await usePrimaryGraph(tx, searchPath);
        }
      },
      trace,
    );
    return knownTypesOf(rows);
  };
}
