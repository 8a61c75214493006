// Replies a model wrote in another serialisation than the JSON it was asked for: JSON lines,
// YAML, Markdown tables, CSV/TSV, bullet lists ("- Name (TYPE)", "- A -> works_for -> B"),
// XML-ish elements and arrays of arrays. Each reader turns the text into the same
// { entities, relations } lists of objects that the JSON path validates, or gives up.
import { parseAllDocuments } from 'yaml';

export type Lists = { entities: unknown[]; relations: unknown[] };
type Row = Record<string, string>;

const ENTITY_HEADING = /^(#+\s*|\*\*)?\s*(entities|entity|nodes)\b/i;
const RELATION_HEADING = /^(#+\s*|\*\*)?\s*(relations|relationships|relation|edges|links)\b/i;

/** Which list an object belongs to: relations have a source-like key. */
const isRelationRow = (o: Record<string, unknown>): boolean =>
  Object.keys(o).some((k) => /^(source|src|from|subject|head|source_entity)$/i.test(k.trim()));

function split(rows: Record<string, unknown>[], into: Lists): void {
  for (const r of rows) (isRelationRow(r) ? into.relations : into.entities).push(r);
}

/** JSON lines: one object (or array) per line. */
export const JSON_LINE = /^\s*[{[].*[}\]],?\s*$/;
function jsonLines(text: string): Lists | undefined {
  const all = text.split('\n').filter((l) => l.trim() !== '');
  const lines = all.filter((l) => JSON_LINE.test(l));
  // Lines of prose around are let go; a pretty-printed document (a lone "{" line) is not JSON lines.
  if (lines.length < 2 || all.some((l) => /^\s*[{[]/.test(l) && !JSON_LINE.test(l))) return undefined;
  const out: Lists = { entities: [], relations: [] };
  for (const line of lines) {
    try {
      const v: unknown = JSON.parse(line.trim().replace(/,$/, ''));
      if (Array.isArray(v)) {
        const tuple = arrayRecord(v);
        if (tuple !== undefined) split([tuple], out);
      } else if (typeof v === 'object' && v !== null) split([v as Record<string, unknown>], out);
    } catch {
      return undefined;
    }
  }
  return out.entities.length + out.relations.length > 0 ? out : undefined;
}

/** An array record: ["entity", name, type] or ["relation", source, type, target] (also without the tag). */
function arrayRecord(a: unknown[]): Record<string, unknown> | undefined {
  if (!a.every((x) => typeof x === 'string' || typeof x === 'number')) return undefined;
  const s = a.map(String);
  const tag = s[0]?.toLowerCase() ?? '';
  if (/^(entity|node)$/.test(tag) && s.length >= 3) return { name: s[1], type: s[2], description: s[3] };
  if (/^(relation|relationship|edge)$/.test(tag) && s.length >= 4) return { source: s[1], type: s[2], target: s[3] };
  if (s.length === 2) return { name: s[0], type: s[1] };
  if (s.length === 3) return { source: s[0], type: s[1], target: s[2] };
  return undefined;
}

/** Arrays of arrays: [[...], ...] or {"entities": [[name, type]], "relations": [[s, type, t]]}. */
export function arraysOfArrays(value: unknown): Lists | undefined {
  const out: Lists = { entities: [], relations: [] };
  const take = (list: unknown, as?: 'entities' | 'relations'): void => {
    if (!Array.isArray(list)) return;
    for (const item of list) {
      if (!Array.isArray(item)) continue;
      const r = arrayRecord(item);
      if (r === undefined) continue;
      if (as === undefined) split([r], out);
      else if (as === 'relations' && !('source' in r) && item.length === 3)
        out.relations.push({ source: item[0], type: item[1], target: item[2] });
      else out[as].push(r);
    }
  };
  if (Array.isArray(value)) take(value);
  else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) {
      if (ENTITY_HEADING.test(k)) take(v, 'entities');
      else if (RELATION_HEADING.test(k)) take(v, 'relations');
    }
  return out.entities.length + out.relations.length > 0 ? out : undefined;
}

/** YAML with entities/relations lists (or a bare list of records). */
function yamlLists(text: string): unknown {
  if (!/^\s*(-\s|\w[\w ]*:)/m.test(text)) return undefined;
  try {
    const docs = parseAllDocuments(text);
    const values = docs.map((d) => (d.errors.length > 0 ? undefined : (d.toJS({ maxAliasCount: 10 }) as unknown)));
    if (values.some((v) => v === undefined || typeof v !== 'object')) return undefined;
    return values.length === 1 ? values[0] : values.flat();
  } catch {
    return undefined;
  }
}

/** Splits a delimited line, honouring double quotes. */
function cells(line: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === '"') {
      if (quoted && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
    } else if (c === sep && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

/** Tables (Markdown pipes, CSV, TSV) under optional "Entities"/"Relations" headings, header row first. */
function tables(text: string): Lists | undefined {
  const out: Lists = { entities: [], relations: [] };
  let section: 'entities' | 'relations' | undefined;
  let header: string[] | undefined;
  let sep = '|';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') {
      header = undefined;
      continue;
    }
    if (ENTITY_HEADING.test(line) && !line.includes(sep === '|' ? '|' : sep)) {
      [section, header] = ['entities', undefined];
      continue;
    }
    if (RELATION_HEADING.test(line) && !line.includes(sep === '|' ? '|' : sep)) {
      [section, header] = ['relations', undefined];
      continue;
    }
    if (header === undefined) {
      sep = line.includes('|') ? '|' : line.includes('\t') ? '\t' : line.includes(',') ? ',' : '';
      if (sep === '') continue;
      header = cells(line.replace(/^\||\|$/g, ''), sep).map((h) => h.toLowerCase().replace(/\s+/g, '_'));
      continue;
    }
    if (/^\|?\s*:?-{2,}/.test(line)) continue;
    const row: Row = {};
    const values = cells(line.replace(/^\||\|$/g, ''), sep);
    header.forEach((h, i) => (row[h] = values[i] ?? ''));
    if (section === 'relations' || (section === undefined && isRelationRow(row))) out.relations.push(row);
    else out.entities.push(row);
  }
  const usable = [...out.entities, ...out.relations].length > 0;
  return usable ? out : undefined;
}

/** Bullet lists: "- Name (TYPE)", "- Name: TYPE", "- A -> works_for -> B", "- A --works_for--> B", "- (A, works_for, B)". */
function bullets(text: string): Lists | undefined {
  const out: Lists = { entities: [], relations: [] };
  let section: 'entities' | 'relations' | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (ENTITY_HEADING.test(line) && !/^[-*•]/.test(line)) section = 'entities';
    else if (RELATION_HEADING.test(line) && !/^[-*•]/.test(line)) section = 'relations';
    const m = /^(?:[-*•]|\d+[.)])\s+(.*)$/.exec(line);
    if (m === null) continue;
    const item = (m[1] ?? '').replace(/\*\*/g, '').trim();
    const arrow = item.split(/\s*(?:-+>|→)\s*/);
    if (arrow.length === 2) arrow.splice(0, 1, ...(arrow[0] ?? '').split(/\s+-{2,}\s*|\s*-{2,}\s+/));
    const triple = /^\(?\s*([^,()]+?)\s*,\s*([^,()]+?)\s*,\s*([^,()]+?)\s*\)?$/.exec(item);
    if (arrow.length === 3)
      out.relations.push({ source: arrow[0], type: (arrow[1] ?? '').replace(/^\[|\]$/g, ''), target: arrow[2] });
    else if (triple !== null && section === 'relations')
      out.relations.push({ source: triple[1], type: triple[2], target: triple[3] });
    else {
      const e = /^(.+?)\s*(?:\(([^()]+)\)|[:—–]\s*([\w -]+)|\[([^\]]+)\])\s*$/.exec(item);
      if (e !== null) out.entities.push({ name: e[1], type: e[2] ?? e[3] ?? e[4] });
    }
  }
  return out.entities.length + out.relations.length > 0 ? out : undefined;
}

const decode = (s: string): string =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

/** XML-ish: <entity name="" type=""/>, <entity><name>…</name><type>…</type></entity>, same for relations. */
function xml(text: string): Lists | undefined {
  if (!/<(entity|node|relation|relationship|edge)\b/i.test(text)) return undefined;
  const out: Lists = { entities: [], relations: [] };
  const element = /<(entity|node|relation|relationship|edge)\b([^>]*?)(?:\/>|>([\s\S]*?)<\/\1\s*>)/gi;
  for (const m of text.matchAll(element)) {
    const o: Record<string, string> = {};
    for (const a of (m[2] ?? '').matchAll(/([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g))
      o[a[1] ?? ''] = decode(a[2] ?? a[3] ?? '');
    for (const c of (m[3] ?? '').matchAll(/<([\w-]+)>([\s\S]*?)<\/\1>/g)) o[c[1] ?? ''] = decode(c[2]?.trim() ?? '');
    (/^(entity|node)$/i.test(m[1] ?? '') ? out.entities : out.relations).push(o);
  }
  return out.entities.length + out.relations.length > 0 ? out : undefined;
}

/** Readings of a reply in other serialisations, most specific first; the caller takes the first that validates. */
export function* otherSerialisations(text: string): Generator<{ lists: Lists; format: string }> {
  const readers: [string, (t: string) => Lists | undefined][] = [
    ['xml', xml],
    ['json_lines', jsonLines],
    [
      'yaml',
      (t) => {
        const y = yamlLists(t);
        return y === undefined ? undefined : fromValue(y);
      },
    ],
    ['table', tables],
    ['bullets', bullets],
  ];
  for (const [format, read] of readers) {
    const lists = read(text);
    if (lists !== undefined) yield { lists, format };
  }
}

/** Lists from a YAML value: named lists, or a bare list of records. */
function fromValue(v: unknown): Lists | undefined {
  const arrays = arraysOfArrays(v);
  if (arrays !== undefined) return arrays;
  const out: Lists = { entities: [], relations: [] };
  const walk = (x: unknown, as?: 'entities' | 'relations'): void => {
    if (Array.isArray(x)) {
      for (const item of x) {
        if (typeof item !== 'object' || item === null || Array.isArray(item)) continue;
        const list = as ?? (isRelationRow(item as Record<string, unknown>) ? 'relations' : 'entities');
        out[list].push(item);
      }
    } else if (typeof x === 'object' && x !== null)
      for (const [k, val] of Object.entries(x))
        walk(val, ENTITY_HEADING.test(k) ? 'entities' : RELATION_HEADING.test(k) ? 'relations' : as);
  };
  walk(v);
  return out.entities.length + out.relations.length > 0 ? out : undefined;
}
