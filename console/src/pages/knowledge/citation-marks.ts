// Where an answer's quotes sit in the chunks they cite. An extractive answer (src/knowledge/
// answer/answer-builder.ts) is lines `<quoted unit> [n]`, n the 1-based citation, then the
// graph's related facts; a unit is a sentence of the chunk (line breaks read as spaces) or, for
// a table row, the row restated as `Header: cell; Header: cell`. Both chunk and answer come
// redacted the same way, so a quote is found in its chunk as it stands.

export interface Span {
  readonly start: number;
  readonly end: number;
}

/** The units the answer quotes from each citation, by citation number (1-based). */
export function quotesByCitation(answer: string): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const line of answer.split('\n')) {
    const m = /^(.*\S)\s+\[(\d+)\]$/.exec(line.trim());
    if (m === null) continue;
    const n = Number(m[2]);
    out.set(n, [...(out.get(n) ?? []), m[1] as string]);
  }
  return out;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Where `quote` is in `text`: the quote itself with any run of white space matching any other,
 * else (a restated table row) the line holding every cell of it; undefined when neither is there.
 */
export function spanOf(text: string, quote: string): Span | undefined {
  const words = quote.split(/\s+/).filter(Boolean);
  if (words.length === 0) return undefined;
  const exact = new RegExp(words.map(escape).join('\\s+')).exec(text);
  if (exact !== null) return { start: exact.index, end: exact.index + exact[0].length };
  const cells = quote
    .split('; ')
    .map((part) => part.slice(part.indexOf(': ') + 2).trim())
    .filter((c) => c.length > 0);
  if (cells.length === 0) return undefined;
  let at = 0;
  for (const line of text.split('\n')) {
    if (cells.every((c) => line.includes(c))) return { start: at, end: at + line.length };
    at += line.length + 1;
  }
  return undefined;
}

/** `text` cut into plain and marked pieces by `spans` (overlaps merged), in order. */
export function markPieces(text: string, spans: readonly Span[]): { text: string; marked: boolean }[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const merged: Span[] = [];
  for (const s of sorted) {
    const last = merged[merged.length - 1];
    // Why merge: two quotes from one passage may overlap; a piece is marked once.
    if (last !== undefined && s.start <= last.end)
      merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, s.end) };
    else merged.push(s);
  }
  const out: { text: string; marked: boolean }[] = [];
  let at = 0;
  for (const s of merged) {
    if (s.start > at) out.push({ text: text.slice(at, s.start), marked: false });
    out.push({ text: text.slice(s.start, s.end), marked: true });
    at = s.end;
  }
  if (at < text.length) out.push({ text: text.slice(at), marked: false });
  return out;
}
