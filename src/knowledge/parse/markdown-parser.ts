// Markdown (CommonMark + GFM tables) with YAML front matter, through unified/remark, into the
// document model: headings, paragraphs, list items, quotes, code blocks, tables, front matter.
// The source is measured first (markdown-scan.ts): nesting and inline work that would make the
// parser blow up are refused before it runs.
import remarkFrontmatter from 'remark-frontmatter';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { readData } from './data-reader.js';
import type { ParsedDocument } from './document-model.js';
import { scanMarkdown } from './markdown-scan.js';
import { startParse, type ParseLimits } from './parse-budget.js';
import { TextLayout } from './text-layout.js';

/** The few mdast fields read here (structural, so this module needs no mdast typings). */
interface MdNode {
  readonly type: string;
  readonly value?: string;
  readonly alt?: string | null;
  readonly children?: readonly MdNode[];
}

const processor = unified().use(remarkParse).use(remarkGfm).use(remarkFrontmatter, ['yaml']);

/** Inline content as plain text: emphasis and links keep their words, images their alt text. */
function inlineText(node: MdNode): string {
  switch (node.type) {
    case 'text':
    case 'inlineCode':
      return node.value ?? '';
    case 'break':
      return '\n';
    case 'image':
      return node.alt ?? '';
    case 'html':
      return '';
    default:
      return (node.children ?? []).map(inlineText).join('');
  }
}

/**
 * Parses Markdown text; front matter becomes a code block and a front-matter data document.
 * Throws ParseBudgetError for a document over its nesting, inline-work or time budget.
 */
export function parseMarkdown(name: string, source: string, limits: ParseLimits = startParse()): ParsedDocument {
  scanMarkdown(name, source, limits.budget);
  const layout = new TextLayout();
  let visited = 0;
  const visit = (node: MdNode): void => {
    if (++visited % 1024 === 0) limits.deadline.check(`parsing ${name}`);
    switch (node.type) {
      case 'yaml': {
        const block = layout.block('code', node.value ?? '');
        if (block !== undefined) {
          const reading = readData(block.text, block.start, 'front-matter', `front matter of ${name}`, limits.budget);
          for (const doc of reading.documents) layout.dataDocument(doc);
        }
        return;
      }
      case 'heading':
        layout.block('heading', inlineText(node));
        return;
      case 'paragraph':
        layout.block('paragraph', inlineText(node));
        return;
      case 'code':
        layout.block('code', node.value ?? '');
        return;
      case 'blockquote':
        layout.block('quote', (node.children ?? []).map(inlineText).join('\n'));
        return;
      case 'listItem': {
        // A list item's own paragraphs form the item; nested lists become items of their own.
        const own = (node.children ?? []).filter((c) => c.type !== 'list');
        layout.block('list-item', own.map(inlineText).join('\n'));
        for (const child of node.children ?? []) if (child.type === 'list') visit(child);
        return;
      }
      case 'table': {
        const rows = (node.children ?? []).map((row) => (row.children ?? []).map((cell) => inlineText(cell).trim()));
        const [headers, ...body] = rows;
        if (headers !== undefined) layout.table(headers, body);
        return;
      }
      default:
        for (const child of node.children ?? []) visit(child);
    }
  };
  const tree = processor.parse(source);
  limits.deadline.check(`parsing ${name}`);
  visit(tree);
  return layout.finish(name, 'markdown');
}
