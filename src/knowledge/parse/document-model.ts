// The common document model every parser produces: the document's extracted text, text blocks
// and tables pointing into it by offsets, front matter, and structured data documents.
// NOTE: every offset is a UTF-16 index into `ParsedDocument.text`, never into the source bytes,
// so citations mean the same thing for every format.

/** Formats Iris reads. */
export const DOCUMENT_FORMATS = ['markdown', 'html', 'text', 'csv', 'tsv', 'json', 'yaml', 'pdf', 'docx'] as const;
export type DocumentFormat = (typeof DOCUMENT_FORMATS)[number];

/** The format each file extension declares (lower case, no dot). */
export const BY_EXTENSION: Readonly<Record<string, DocumentFormat>> = {
  md: 'markdown',
  markdown: 'markdown',
  mdx: 'markdown',
  html: 'html',
  htm: 'html',
  xhtml: 'html',
  txt: 'text',
  text: 'text',
  csv: 'csv',
  tsv: 'tsv',
  tab: 'tsv',
  json: 'json',
  yaml: 'yaml',
  yml: 'yaml',
  pdf: 'pdf',
  docx: 'docx',
};
/** File extensions ingest reads (lower case, no dot); folders are walked for these. */
export const INGESTIBLE_EXTENSIONS: readonly string[] = Object.keys(BY_EXTENSION);

/** Kinds of text block; prose kinds feed prose extraction, headings only its names. */
export const BLOCK_KINDS = ['heading', 'paragraph', 'list-item', 'quote', 'code'] as const;
export type BlockKind = (typeof BLOCK_KINDS)[number];

/** A span of `ParsedDocument.text`: `start` inclusive, `end` exclusive. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * A run of text: a heading, a paragraph, a list item, a quote or a code block. `text` is
 * `ParsedDocument.text.slice(start, end)`, except for prose found inside JSON/YAML values, where
 * the span covers the value's source (quotes, escapes) and `text` is the decoded string.
 */
export interface TextBlock extends Span {
  readonly kind: BlockKind;
  readonly text: string;
}

/** One body row of a table, with its cells and where the row sits in the text. */
export interface TableRow extends Span {
  readonly cells: readonly string[];
}

/** A table with a header row (Markdown, HTML, DOCX, PDF, CSV/TSV, arrays of JSON objects). */
export interface DocumentTable extends Span {
  readonly headers: readonly string[];
  readonly rows: readonly TableRow[];
}

/**
 * A structured value read from the document (front matter, a JSON value, one YAML document),
 * with the text offset of each object or array inside it, for provenance.
 */
export interface DataDocument extends Span {
  readonly value: unknown;
  /** Where an object or array of `value` starts in the text (by identity). */
  readonly positions: ReadonlyMap<object, number>;
  /** What the value is: the document's own data, or its front matter. */
  readonly role: 'data' | 'front-matter';
}

/** A parsed document, whatever its format. */
export interface ParsedDocument {
  readonly name: string;
  readonly format: DocumentFormat;
  /** The extracted text; blocks, tables, data and chunks point into it. */
  readonly text: string;
  readonly blocks: readonly TextBlock[];
  readonly tables: readonly DocumentTable[];
  readonly data: readonly DataDocument[];
}

/** The kinds of block that hold prose (headings and code are not prose). */
export function isProseBlock(block: TextBlock): boolean {
  switch (block.kind) {
    case 'paragraph':
    case 'list-item':
    case 'quote':
      return true;
    case 'heading':
    case 'code':
      return false;
    default: {
      const never: never = block.kind;
      return never;
    }
  }
}
