// Markdown for the runbooks, parsed into blocks and inline tokens: headings, paragraphs,
// ordered, bullet and task lists, fenced code; inline code, bold, emphasis and links. Pure: the
// renderer (markdown.tsx) turns these into Preact elements, so no text is ever parsed as HTML.

export type Block =
  | { readonly type: 'heading'; readonly level: number; readonly text: string }
  | { readonly type: 'paragraph'; readonly text: string }
  | { readonly type: 'code'; readonly text: string }
  | { readonly type: 'list'; readonly ordered: boolean; readonly items: { text: string; task?: boolean }[] };

const HEADING = /^(#{1,6})\s+(.*)$/;
const BULLET = /^\s{0,3}[-*+]\s+(.*)$/;
const NUMBERED = /^\s{0,3}\d{1,9}[.)]\s+(.*)$/;
const TASK = /^\[([ xX])\]\s+(.*)$/;

/** Splits Markdown into blocks (CommonMark's common subset; no nesting beyond list items). */
export function parseBlocks(markdown: string): Block[] {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  let list: Extract<Block, { type: 'list' }> | undefined;
  const flush = () => {
    if (paragraph.length > 0) blocks.push({ type: 'paragraph', text: paragraph.join(' ') });
    paragraph = [];
    list = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trimStart().startsWith('```')) {
      flush();
      const code: string[] = [];
      // A fence runs to the next fence line, or to the end of the text.
      for (i++; i < lines.length && !(lines[i] as string).trimStart().startsWith('```'); i++)
        code.push(lines[i] as string);
      blocks.push({ type: 'code', text: code.join('\n') });
      continue;
    }
    if (line.trim() === '') {
      flush();
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      flush();
      blocks.push({ type: 'heading', level: (heading[1] as string).length, text: (heading[2] as string).trim() });
      continue;
    }
    const bullet = BULLET.exec(line);
    const numbered = bullet ? null : NUMBERED.exec(line);
    const item = bullet ?? numbered;
    if (item) {
      const ordered = numbered !== null;
      if (paragraph.length > 0) flush();
      if (list === undefined || list.ordered !== ordered) {
        list = { type: 'list', ordered, items: [] };
        blocks.push(list);
      }
      const text = item[1] as string;
      const task = TASK.exec(text);
      list.items.push(task ? { text: task[2] as string, task: task[1] !== ' ' } : { text });
      continue;
    }
    const last = list?.items.at(-1);
    if (last !== undefined && /^\s+/.test(line)) {
      // An indented line continues the list item above it.
      last.text += ` ${line.trim()}`;
      continue;
    }
    list = undefined;
    paragraph.push(line.trim());
  }
  flush();
  return blocks;
}

const INLINE = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\*[^*\s][^*]*\*|_[^_\s][^_]*_)|(\[[^\]]+\]\([^)\s]+\))/;

/** Whether a link target is safe to follow: http(s), or a path without a scheme. */
export function safeHref(href: string): boolean {
  if (/^https?:\/\//i.test(href)) return true;
  return !/^[a-z][a-z0-9+.-]*:/i.test(href) && !href.startsWith('//');
}

export type Inline =
  | { readonly type: 'text' | 'code'; readonly text: string }
  | { readonly type: 'strong' | 'em'; readonly text: string }
  | { readonly type: 'link'; readonly text: string; readonly href: string };

/** Inline Markdown as tokens; strong, em and link text is tokenized again by the renderer. */
export function inlineTokens(text: string): Inline[] {
  const out: Inline[] = [];
  let rest = text;
  for (let m = INLINE.exec(rest); m !== null; m = INLINE.exec(rest)) {
    if (m.index > 0) out.push({ type: 'text', text: rest.slice(0, m.index) });
    const token = m[0];
    if (m[1]) out.push({ type: 'code', text: token.slice(1, -1) });
    else if (m[2]) out.push({ type: 'strong', text: token.slice(2, -2) });
    else if (m[3]) out.push({ type: 'em', text: token.slice(1, -1) });
    else {
      const split = token.indexOf('](');
      const href = token.slice(split + 2, -1);
      // An unsafe target stays text, brackets and all.
      out.push(safeHref(href) ? { type: 'link', text: token.slice(1, split), href } : { type: 'text', text: token });
    }
    rest = rest.slice(m.index + token.length);
  }
  if (rest !== '') out.push({ type: 'text', text: rest });
  return out;
}
