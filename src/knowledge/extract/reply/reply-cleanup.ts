// First steps on a raw LLM reply, before any JSON or tuple parsing: remove reasoning blocks
// (<think>…</think>), take the content of a code fence, and cut the JSON payload out of the
// prose around it. Each step reports whether it changed anything.

const THINK_BLOCK = /<(think|thinking|reasoning|reflection)>[\s\S]*?<\/\1>/gi;
const THINK_OPEN = /<\/?(think|thinking|reasoning|reflection)>/gi;

/** Removes reasoning blocks; an unclosed opening tag (a truncated thought) loses only its tag. */
export function stripThinking(reply: string): { text: string; changed: boolean } {
  const text = reply.replace(THINK_BLOCK, '').replace(THINK_OPEN, '');
  return { text, changed: text !== reply };
}

/** The body of the first code fence that holds a payload; an unterminated fence runs to the end. */
export function unfence(text: string): { text: string; changed: boolean } {
  const fence = /(```|~~~)[\w-]*[^\S\n]*\n?([\s\S]*?)(?:\1|$)/g;
  let plain: string | undefined;
  for (const m of text.matchAll(fence)) {
    const body = m[2] ?? '';
    if (/[{[(]/.test(body)) return { text: body, changed: true };
    // NOTE: a fence of YAML, a table or a list holds no bracket; it is the payload when no other fence is.
    if (plain === undefined && /\S/.test(body)) plain = body;
  }
  const outside = text.replace(fence, '');
  return plain === undefined || /[{[]/.test(outside) ? { text, changed: false } : { text: plain, changed: true };
}

/** Where the JSON payload starts: an object naming entities or relations if any, else the first brace. */
function payloadStart(text: string): number {
  const named =
    /[{[]\s*["']?(?:entities|relations|relationships|nodes|edges|result|data|output|extraction|graph|knowledge_graph)\b/i.exec(
      text,
    );
  if (named) return named.index;
  const brace = text.indexOf('{');
  const bracket = /\[\s*[{\]]/.exec(text)?.index ?? -1;
  if (brace < 0) return bracket;
  return bracket >= 0 && bracket < brace ? bracket : brace;
}

/** The matching close of the bracket at `start`, or -1 when the text ends first (truncation). */
function matchingClose(text: string, start: number): number {
  const stack: string[] = [];
  let quote: string | undefined;
  for (let i = start; i < text.length; i++) {
    const c = text[i] as string;
    if (quote !== undefined) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '{' || c === '[') stack.push(c === '{' ? '}' : ']');
    else if (c === '}' || c === ']') {
      if (stack.pop() !== c) return -1;
      if (stack.length === 0) return i;
    }
  }
  return -1;
}

/** The JSON payload and whether prose had to be cut away around it; undefined when there is none. */
export function isolatePayload(text: string): { text: string; changed: boolean } | undefined {
  const start = payloadStart(text);
  if (start < 0) return undefined;
  const close = matchingClose(text, start);
  const end = close < 0 ? text.length : close + 1;
  const before = text.slice(0, start).trim();
  const after = text.slice(end).trim();
  return { text: text.slice(start, end), changed: before !== '' || after !== '' };
}
