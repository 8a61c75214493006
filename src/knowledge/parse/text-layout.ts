// Builds a document's extracted text block by block, so each block, table and data document
// knows its offsets in the final text. Parsers of every format write through it.
import type {
  BlockKind,
  DataDocument,
  DocumentTable,
  ParsedDocument,
  DocumentFormat,
  TableRow,
  TextBlock,
} from './document-model.js';

const BLOCK_GAP = '\n\n';
/** How table cells are joined into a line of the text. */
export const CELL_SEPARATOR = ' | ';

/** Collapses runs of whitespace to one space and trims (inline text of HTML, PDF, DOCX). */
export function squashSpace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Accumulates blocks and tables into one text with offsets. */
export class TextLayout {
  private text = '';
  private readonly blocks: TextBlock[] = [];
  private readonly tables: DocumentTable[] = [];
  private readonly data: DataDocument[] = [];

  /** Appends a block; empty text is skipped. Returns the block, if any. */
  block(kind: BlockKind, raw: string): TextBlock | undefined {
    const text = raw.trim();
    if (text === '') return undefined;
    const start = this.open();
    this.text += text;
    const block: TextBlock = { kind, text, start, end: this.text.length };
    this.blocks.push(block);
    return block;
  }

  /** Appends a table as one line per row (header first); rows shorter than the header are padded. */
  table(headers: readonly string[], rows: readonly (readonly string[])[]): DocumentTable | undefined {
    const width = headers.length;
    if (width === 0) return undefined;
    const start = this.open();
    this.text += headers.join(CELL_SEPARATOR);
    const bodyRows: TableRow[] = [];
    for (const row of rows) {
      const cells = Array.from({ length: Math.max(width, row.length) }, (_, i) => row[i] ?? '');
      if (cells.every((c) => c === '')) continue;
      this.text += '\n';
      const rowStart = this.text.length;
      this.text += cells.join(CELL_SEPARATOR);
      bodyRows.push({ cells, start: rowStart, end: this.text.length });
    }
    const table: DocumentTable = { headers: [...headers], rows: bodyRows, start, end: this.text.length };
    this.tables.push(table);
    return table;
  }

  /** Records a data document whose offsets are already in this text's coordinates. */
  dataDocument(doc: DataDocument): void {
    this.data.push(doc);
  }

  finish(name: string, format: DocumentFormat): ParsedDocument {
    return { name, format, text: this.text, blocks: this.blocks, tables: this.tables, data: this.data };
  }

  private open(): number {
    if (this.text !== '') this.text += BLOCK_GAP;
    return this.text.length;
  }
}
