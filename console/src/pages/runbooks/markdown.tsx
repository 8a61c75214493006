// The runbooks' Markdown as Preact elements (markdown-blocks.ts parses it). Every piece of text
// is a text node, escaped by construction: raw HTML in the Markdown shows as text, and a link
// is made only for http(s) URLs and relative paths (never javascript: or data:).
import type { ComponentChildren, VNode } from 'preact';
import { inlineTokens, parseBlocks } from './markdown-blocks';

/** Inline Markdown as Preact children. */
export function renderInline(text: string): ComponentChildren[] {
  return inlineTokens(text).map((t) => {
    switch (t.type) {
      case 'text':
        return t.text;
      case 'code':
        return <code>{t.text}</code>;
      case 'strong':
        return <strong>{renderInline(t.text)}</strong>;
      case 'em':
        return <em>{renderInline(t.text)}</em>;
      case 'link':
        return (
          <a href={t.href} rel="noopener noreferrer">
            {renderInline(t.text)}
          </a>
        );
      default: {
        const never: never = t;
        return String(never);
      }
    }
  });
}

/**
 * Markdown as Preact elements. `shift` moves headings down (with 1, a `#` becomes h2 under a
 * page's own h1); levels stop at h6.
 */
export function Markdown(props: { text: string; shift?: number }): VNode {
  const shift = props.shift ?? 0;
  return (
    <div class="markdown">
      {parseBlocks(props.text).map((b, i) => {
        switch (b.type) {
          case 'heading': {
            const Tag = `h${Math.min(6, b.level + shift)}` as 'h2';
            return <Tag key={i}>{renderInline(b.text)}</Tag>;
          }
          case 'paragraph':
            return <p key={i}>{renderInline(b.text)}</p>;
          case 'code':
            return (
              <pre key={i}>
                <code>{b.text}</code>
              </pre>
            );
          case 'list': {
            const items = b.items.map((it, j) => (
              <li key={j} class={it.task === undefined ? undefined : 'task'}>
                {it.task !== undefined && (
                  <span class="task-box" aria-label={it.task ? 'done' : 'to do'} role="img">
                    {it.task ? '☑' : '☐'}
                  </span>
                )}{' '}
                {renderInline(it.text)}
              </li>
            ));
            return b.ordered ? <ol key={i}>{items}</ol> : <ul key={i}>{items}</ul>;
          }
          default: {
            const never: never = b;
            return String(never);
          }
        }
      })}
    </div>
  );
}
