// The extraction versions a tenant's graph can be built with: what a release names when it
// changes GraphRAG extraction (graph-versions.ts builds a candidate graph with another one).
// A version is a fixed set of extraction options, never edited once released: a graph records
// the version it was built with, and two graphs of one version must read the same.
import { ValidationError } from '../../core/errors.js';
import type { ExtractOptions } from './extract-document.js';

export interface ExtractionVersion {
  readonly description: string;
  readonly options: ExtractOptions;
}

export const EXTRACTION_VERSIONS: Readonly<Record<string, ExtractionVersion>> = Object.freeze({
  v1: { description: "Today's extractor with the default chunks.", options: {} },
  v2: {
    description:
      "Today's extractor with finer chunks (600 characters, 100 overlap): citations point at smaller passages.",
    options: { chunks: { maxChars: 600, overlap: 100 } },
  },
});

/** The version of a graph that never recorded one (every graph built before versions existed). */
export const DEFAULT_EXTRACTION_VERSION = 'v1';

export function isExtractionVersion(v: string): boolean {
  return Object.hasOwn(EXTRACTION_VERSIONS, v);
}

/**
 * The extraction options of `version`.
 * @throws ValidationError naming the known versions when `version` is not one.
 */
export function extractionOptionsOf(version: string): ExtractOptions {
  const known = Object.hasOwn(EXTRACTION_VERSIONS, version) ? EXTRACTION_VERSIONS[version] : undefined;
  if (known === undefined)
    throw new ValidationError(
      `unknown extraction version ${JSON.stringify(version)}; known versions: ${Object.keys(EXTRACTION_VERSIONS).join(', ')}`,
      { field: 'extractionVersion' },
    );
  return known.options;
}
