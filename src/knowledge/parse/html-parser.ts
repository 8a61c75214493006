// HTML through cheerio into the document model: headings, paragraphs, list items, quotes,
// preformatted text and tables; scripts, styles and page chrome (nav, footer) are skipped. The
// source is measured first (html-scan.ts): nesting and element counts past the budget are refused
// before parse5 builds a tree of them.
import { load, type CheerioAPI } from 'cheerio';
import type { AnyNode, Element, Text } from 'domhandler';
import type { DocumentFormat, ParsedDocument } from './document-model.js';
import { scanHtml } from './html-scan.js';
import { startParse, type ParseLimits } from './parse-budget.js';
import { squashSpace, TextLayout } from './text-layout.js';

const SKIPPED = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'nav',
  'footer',
  'head',
  'svg',
  'iframe',
  'form',
  'button',
]);
const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'title']);
const LEAF_BLOCKS = new Set(['p', 'li', 'dt', 'dd', 'figcaption', 'caption', 'summary']);
const INLINE = new Set([
  'a',
  'abbr',
  'b',
  'bdi',
  'bdo',
  'cite',
  'code',
  'data',
  'dfn',
  'em',
  'i',
  'kbd',
  'mark',
  'q',
  's',
  'samp',
  'small',
  'span',
  'strong',
  'sub',
  'sup',
  'time',
  'u',
  'var',
  'br',
  'img',
  'del',
  'ins',
]);

/** The node's type as a plain string ("tag", "text", "script", ...). */
const typeOf = (node: AnyNode): string => node.type;

function isElement(node: AnyNode): node is Element {
  const type = typeOf(node);
  return type === 'tag' || type === 'script' || type === 'style';
}

/** Rows of a table element: cells of `th`/`td` in document order, nested tables excluded. */
function tableRows($: CheerioAPI, table: Element): { headers: string[]; body: string[][] } {
  const rows = $(table)
    .find('tr')
    .filter((_, tr) => $(tr).closest('table').get(0) === table)
    .toArray()
    .map((tr) => ({
      header: $(tr).children('th').length > 0 && $(tr).children('td').length === 0,
      cells: $(tr)
        .children('th,td')
        .toArray()
        .map((c) => squashSpace($(c).text())),
    }))
    .filter((r) => r.cells.length > 0);
  const [first, ...rest] = rows;
  if (first === undefined) return { headers: [], body: [] };
  return { headers: first.cells, body: rest.map((r) => r.cells) };
}

/**
 * Parses HTML (also the HTML that DOCX conversion produces, hence `format`). Throws
 * ParseBudgetError for a document over its nesting, element or time budget.
 */
export function parseHtml(
  name: string,
  source: string,
  format: DocumentFormat = 'html',
  limits: ParseLimits = startParse(),
): ParsedDocument {
  scanHtml(name, source, limits.budget);
  const $ = load(source);
  limits.deadline.check(`parsing ${name}`);
  // NOTE: a line break separates words ("Fatima<br>Al-Sayed"); text() alone would glue them.
  $('br').replaceWith(' ');
  const layout = new TextLayout();
  const title = squashSpace($('head > title').first().text());
  if (title !== '' && $('h1').first().text().trim() !== title) layout.block('heading', title);

  // Loose text directly inside a container (no <p>) is gathered into a paragraph of its own.
  let visited = 0;
  const visit = (node: Element): void => {
    if (++visited % 256 === 0) limits.deadline.check(`parsing ${name}`);
    let loose = '';
    const flush = (): void => {
      layout.block('paragraph', squashSpace(loose));
      loose = '';
    };
    for (const child of node.children) {
      if (typeOf(child) === 'text') {
        loose += (child as Text).data;
        continue;
      }
      if (!isElement(child)) continue;
      const tag = child.name.toLowerCase();
      if (SKIPPED.has(tag)) continue;
      if (INLINE.has(tag)) {
        loose += tag === 'br' ? ' ' : $(child).text();
        continue;
      }
      flush();
      if (HEADINGS.has(tag)) layout.block('heading', squashSpace($(child).text()));
      else if (tag === 'pre') layout.block('code', $(child).text());
      else if (tag === 'blockquote') layout.block('quote', squashSpace($(child).text()));
      else if (tag === 'table') {
        const { headers, body } = tableRows($, child);
        layout.table(headers, body);
      } else if (LEAF_BLOCKS.has(tag) && $(child).find('p,ul,ol,table,div').length === 0) {
        layout.block(tag === 'li' ? 'list-item' : 'paragraph', squashSpace($(child).text()));
      } else visit(child);
    }
    flush();
  };
  const body = $('body').get(0) ?? $.root().children().get(0);
  if (body !== undefined) visit(body);
  return layout.finish(name, format);
}
