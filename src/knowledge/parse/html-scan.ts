// Measures an HTML document's element nesting and element count in one linear pass, before the
// HTML parser (parse5, through cheerio) builds its tree: parse5 checks element scopes by walking
// the stack of open elements, so 1.1 MB of nested <div>s cost it over 30 s of CPU, and the tree
// walk after it overflowed the stack. The scan closes what HTML closes implicitly (void elements,
// a <p> before a block, a <li> before the next <li>, table cells and rows), so sloppy real pages
// measure as deep as they are; where it is unsure it counts deeper, never shallower.
import { ParseBudgetError, type ParseBudget } from './parse-budget.js';

const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'source',
  'track',
  'wbr',
  'param',
  'keygen',
  'frame',
  'basefont',
  'bgsound',
  'image',
]);
/** Elements whose content is text, not markup, up to their own end tag. */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'plaintext']);
/** HTML's "special" category: an end tag of another element never closes past one of these. */
const SPECIAL = new Set([
  'address',
  'applet',
  'area',
  'article',
  'aside',
  'base',
  'basefont',
  'bgsound',
  'blockquote',
  'body',
  'br',
  'button',
  'caption',
  'center',
  'col',
  'colgroup',
  'dd',
  'details',
  'dir',
  'div',
  'dl',
  'dt',
  'embed',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'frame',
  'frameset',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'head',
  'header',
  'hgroup',
  'hr',
  'html',
  'iframe',
  'img',
  'input',
  'keygen',
  'li',
  'link',
  'listing',
  'main',
  'marquee',
  'menu',
  'meta',
  'nav',
  'noembed',
  'noframes',
  'noscript',
  'object',
  'ol',
  'p',
  'param',
  'plaintext',
  'pre',
  'script',
  'search',
  'section',
  'select',
  'source',
  'style',
  'summary',
  'table',
  'tbody',
  'td',
  'template',
  'textarea',
  'tfoot',
  'th',
  'thead',
  'title',
  'tr',
  'track',
  'ul',
  'wbr',
  'xmp',
  'svg',
  'math',
]);
/** Boundaries of HTML's "element in scope" searches. */
const SCOPE = new Set([
  'applet',
  'caption',
  'html',
  'table',
  'td',
  'th',
  'marquee',
  'object',
  'template',
  'svg',
  'math',
]);
/** Start tags that close an open <p> in button scope. */
const CLOSES_P = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'center',
  'details',
  'dialog',
  'dir',
  'div',
  'dl',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hgroup',
  'hr',
  'main',
  'menu',
  'nav',
  'ol',
  'p',
  'pre',
  'search',
  'section',
  'summary',
  'table',
  'ul',
  'li',
  'dd',
  'dt',
]);
const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
/** Where a table part's start tag clears the stack back to (the table context it belongs in). */
const TABLE_CONTEXT: Readonly<Record<string, readonly string[]>> = {
  tr: ['tbody', 'thead', 'tfoot', 'table', 'template'],
  td: ['tr', 'table', 'template'],
  th: ['tr', 'table', 'template'],
  thead: ['table', 'template'],
  tbody: ['table', 'template'],
  tfoot: ['table', 'template'],
  caption: ['table', 'template'],
  colgroup: ['table', 'template'],
};
/** Implied <html> and <body>. */
const IMPLIED_DEPTH = 2;

export interface HtmlShape {
  readonly depth: number;
  readonly elements: number;
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\f' || c === '\r';

/**
 * Where the tag whose name ends at `from` ends (just past its `>`), and whether it was written
 * self-closing. Follows the HTML tokenizer's attribute states, so a quote only opens a value after
 * `=`, as a browser reads it; reading quotes anywhere else would let markup hide inside a tag.
 */
function tagEnd(source: string, from: number): { readonly end: number; readonly selfClosing: boolean } {
  let state: 'beforeName' | 'name' | 'afterName' | 'beforeValue' | 'unquoted' = 'beforeName';
  let solidus = false;
  for (let i = from; i < source.length; i++) {
    const c = source[i] as string;
    if (state === 'unquoted') {
      if (c === '>') return { end: i + 1, selfClosing: false };
      if (isSpace(c)) state = 'beforeName';
      continue;
    }
    if (state === 'beforeValue') {
      if (isSpace(c)) continue;
      if (c === '"' || c === "'") {
        const close = source.indexOf(c, i + 1);
        if (close < 0) return { end: source.length, selfClosing: false };
        i = close;
        state = 'beforeName';
        continue;
      }
      if (c === '>') return { end: i + 1, selfClosing: false };
      state = 'unquoted';
      continue;
    }
    if (c === '>') return { end: i + 1, selfClosing: solidus && source[i - 1] === '/' };
    if (c === '/') {
      solidus = true;
      state = 'beforeName';
    } else if (isSpace(c)) state = state === 'name' ? 'afterName' : state;
    else if (c === '=' && state !== 'beforeName') state = 'beforeValue';
    else state = 'name';
  }
  return { end: source.length, selfClosing: false };
}

/** Index just past the tag name starting at `from` (HTML ends a tag name at whitespace, `/` or `>`). */
function nameEnd(source: string, from: number): number {
  let i = from;
  while (i < source.length && !isSpace(source[i]) && source[i] !== '/' && source[i] !== '>') i++;
  return i;
}

/**
 * The stack of open elements, with a count of each name in it: a search for an element that is
 * not open costs nothing, so one tag costs O(1) unless a search is needed (bounded by the depth
 * budget).
 */
class OpenElements {
  readonly names: string[] = [];
  private readonly counts = new Map<string, number>();

  get length(): number {
    return this.names.length;
  }
  top(): string | undefined {
    return this.names.at(-1);
  }
  isOpen(name: string): boolean {
    return (this.counts.get(name) ?? 0) > 0;
  }
  push(name: string): void {
    this.names.push(name);
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }
  /** Pops the element at index `i` and everything above it. */
  popTo(i: number): void {
    // Each element is popped once after being pushed once: amortised O(1) per tag.
    while (this.names.length > i) {
      const name = this.names.pop() as string;
      this.counts.set(name, (this.counts.get(name) ?? 1) - 1);
    }
  }
  /** Index of the innermost `names` element, searching down from the top and giving up at any `stop` element; -1 when none. */
  innermost(names: readonly string[], stop: (tag: string) => boolean): number {
    if (!names.some((n) => this.isOpen(n))) return -1;
    for (let i = this.names.length - 1; i >= 0; i--) {
      const open = this.names[i] as string;
      if (names.includes(open)) return i;
      if (stop(open)) return -1;
    }
    return -1;
  }
}

const stopAtSpecialExceptAddressDivP = (t: string): boolean =>
  SPECIAL.has(t) && t !== 'address' && t !== 'div' && t !== 'p';
const stopAtButtonScope = (t: string): boolean => SCOPE.has(t) || t === 'button';
const never = (): boolean => false;

/**
 * Applies what a start tag closes implicitly, the HTML tree builder's rules for the common cases
 * (p, li, dd/dt, option, headings, table parts). Elsewhere nothing is closed: the scan then
 * counts deeper than a browser would, never shallower.
 */
function closeImplied(stack: OpenElements, tag: string): void {
  if (CLOSES_P.has(tag)) {
    const p = stack.innermost(['p'], stopAtButtonScope);
    if (p >= 0) stack.popTo(p);
  }
  if (tag === 'li' || tag === 'dd' || tag === 'dt') {
    const open = stack.innermost(tag === 'li' ? ['li'] : ['dd', 'dt'], stopAtSpecialExceptAddressDivP);
    if (open >= 0) stack.popTo(open);
  } else if (tag === 'option' || tag === 'optgroup') {
    if (stack.top() === 'option') stack.popTo(stack.length - 1);
    if (tag === 'optgroup' && stack.top() === 'optgroup') stack.popTo(stack.length - 1);
  } else if (HEADINGS.has(tag)) {
    if (HEADINGS.has(stack.top() ?? '')) stack.popTo(stack.length - 1);
  }
  const context = TABLE_CONTEXT[tag];
  if (context !== undefined) {
    const at = stack.innermost(context, never);
    if (at >= 0) stack.popTo(at + 1);
  }
}

/** Applies an end tag: pops through its element if HTML would, else leaves the stack alone. */
function closeByEndTag(stack: OpenElements, tag: string): void {
  // Special elements close through non-boundary elements; others never past a special one.
  const stop = SPECIAL.has(tag) ? (t: string) => SCOPE.has(t) && t !== tag : (t: string) => SPECIAL.has(t);
  const at = stack.innermost([tag], stop);
  if (at >= 0) stack.popTo(at);
}

/**
 * The nesting depth and element count of `source`, in one pass. Throws ParseBudgetError as soon
 * as either passes the budget (htmlDepth, nodes), so a hostile document costs a fraction of a scan.
 */
export function scanHtml(name: string, source: string, budget: ParseBudget): HtmlShape {
  const stack = new OpenElements();
  // Inside <svg>/<math> (foreign content) HTML's implied closing does not apply.
  const foreign = (): boolean => stack.isOpen('svg') || stack.isOpen('math');
  let depth = 0;
  let elements = 0;
  let at = source.indexOf('<');
  // Each step moves `at` forward past what it read: the scan is linear in the source.
  while (at >= 0 && at < source.length) {
    const next = source[at + 1] ?? '';
    if (source.startsWith('<!--', at)) {
      // A comment ends at "-->" or "--!>"; "<!-->" and "<!--->" are whole (empty) comments.
      const dash = source.indexOf('-->', at + 2);
      const bang = source.indexOf('--!>', at + 4);
      const close = dash < 0 ? bang : bang < 0 ? dash : Math.min(dash, bang);
      at = close < 0 ? -1 : source.indexOf('<', close + 3);
      continue;
    }
    if (next === '!' || next === '?') {
      // Doctypes, bogus comments and processing instructions end at the first '>'.
      const close = source.indexOf('>', at + 2);
      at = close < 0 ? -1 : source.indexOf('<', close + 1);
      continue;
    }
    const end = next === '/';
    const nameStart = at + (end ? 2 : 1);
    if (!/[A-Za-z]/.test(source[nameStart] ?? '')) {
      at = source.indexOf('<', at + 1);
      continue;
    }
    const afterName = nameEnd(source, nameStart);
    const tag = source.slice(nameStart, afterName).toLowerCase();
    const closing = tagEnd(source, afterName);
    const after = closing.end;
    if (end) {
      if (!foreign() || tag === 'svg' || tag === 'math') closeByEndTag(stack, tag);
      else if (stack.top() === tag) stack.popTo(stack.length - 1);
      at = source.indexOf('<', after);
      continue;
    }
    elements++;
    if (elements > budget.nodes)
      throw new ParseBudgetError('nodes', `${name} has more than ${budget.nodes} HTML elements`, {
        budget: budget.nodes,
      });
    // NOTE: inside <svg>/<math> every element nests and "/>" closes; HTML's rules are off.
    const inForeign = foreign();
    if (!inForeign) closeImplied(stack, tag);
    if (!inForeign && RAW_TEXT.has(tag)) {
      // Raw text runs to the element's own end tag; nothing inside it nests.
      const close = new RegExp(`</${tag}[\\s/>]`, 'gi');
      close.lastIndex = after;
      const found = close.exec(source);
      at = found === null ? -1 : source.indexOf('<', found.index + 2);
      continue;
    }
    const selfClosing = inForeign && closing.selfClosing;
    if (!(!inForeign && VOID.has(tag)) && !selfClosing) {
      stack.push(tag);
      if (stack.length > depth) depth = stack.length;
      if (depth + IMPLIED_DEPTH > budget.htmlDepth) {
        throw new ParseBudgetError('htmlDepth', `${name} nests HTML elements more than ${budget.htmlDepth} deep`, {
          budget: budget.htmlDepth,
        });
      }
    }
    at = source.indexOf('<', after);
  }
  return { depth: depth + IMPLIED_DEPTH, elements };
}
