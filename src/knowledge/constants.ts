// The knowledge context's light face: values the command line names in its help and checks
// before it calls the API, from leaf modules that import nothing at run time. index.ts loads the
// whole context (parsers, NLP, the query engine), over a second of a CLI command's start-up.
export { INGESTIBLE_EXTENSIONS } from './parse/document-model.js';
export { DEFAULT_QUERY_MODE, isQueryMode, QUERY_MODES, type QueryMode } from './answer/query-modes.js';
