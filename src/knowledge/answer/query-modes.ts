// The query modes a question may be asked in. A leaf module (no imports), so the CLI can name
// the modes in its help without loading the query engine.
export const QUERY_MODES = ['hybrid', 'local', 'global', 'naive'] as const;
export type QueryMode = (typeof QUERY_MODES)[number];

/** The mode a question is asked in when the caller names none (chosen by bench:graphrag, see docs/decisions.md). */
export const DEFAULT_QUERY_MODE: QueryMode = 'hybrid';

/** Whether `mode` names a query mode. */
export const isQueryMode = (mode: string): mode is QueryMode => (QUERY_MODES as readonly string[]).includes(mode);
