// Reads YAML (one or several documents) and JSON into plain values, remembering where each
// object and array starts in the text (for provenance) and which string values are prose.
// Aliases are resolved by the yaml library under its own `maxAliasCount` budget (a 342-byte
// alias bomb once expanded by hand here ran for minutes past 1 GB); an alias shares its anchor's
// value instead of copying it. Depth and node count are budgeted too.
import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Node as YamlNode } from 'yaml';
import { errorMessage, ValidationError } from '../../core/errors.js';
import type { DataDocument, TextBlock } from './document-model.js';
import { DEFAULT_PARSE_BUDGET, ParseBudgetError, type ParseBudget } from './parse-budget.js';

/** Strings with at least this many words are treated as prose (descriptions, summaries). */
const PROSE_MIN_WORDS = 6;

/** Long enough to be prose, and not embedded code or data (an OpenAPI definition, a script). */
function isProse(v: string): boolean {
  if (v.trim().split(/\s+/).length < PROSE_MIN_WORDS) return false;
  const lines = v.trim().split('\n');
  const codeLike = lines.filter((l) => /^\s*[\w$.-]+\s*:(\s|$)|[{};=<>]\s*$|^\s*[-#/]/.test(l)).length;
  return codeLike * 2 < lines.length;
}

export interface DataReading {
  readonly documents: DataDocument[];
  /** Long string values, as paragraph blocks spanning their source. */
  readonly prose: TextBlock[];
}

/** Converts one parsed YAML document to a plain value under the alias budget. */
function valueOf(doc: ReturnType<typeof parseAllDocuments>[number], what: string, budget: ParseBudget): unknown {
  try {
    return doc.toJS({ maxAliasCount: budget.aliases });
  } catch (err) {
    if (err instanceof RangeError)
      throw new ParseBudgetError('depth', `${what} nests too deeply to read`, { budget: budget.depth });
    const message = errorMessage(err);
    if (/alias count|resource exhaustion/i.test(message)) {
      throw new ParseBudgetError(
        'aliases',
        `${what} expands YAML aliases past the budget of ${budget.aliases} (an alias bomb?)`,
        { budget: budget.aliases },
      );
    }
    throw new ValidationError(`${what} is not valid YAML/JSON: ${message.split('\n')[0] ?? ''}`);
  }
}

const isBlank = (c: string | undefined): boolean =>
  c === undefined || c === ' ' || c === '\t' || c === '\n' || c === '\r';

/**
 * Whether the flow collections (`[...]`, `{...}`) of YAML `source` nest deeper than `max`, in one
 * pass: the yaml library recurses per level and took 8 s to give up on 500 KB of "[". Where the
 * scan is unsure whether a bracket opens a collection (block context) it counts it as one, and
 * it skips only what surely is a quoted string or a comment, so nesting cannot hide from it.
 */
export function yamlFlowDepthOver(source: string, max: number): boolean {
  let depth = 0;
  // The last character that is not a space on this line ('' at a line start).
  let prev = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (c === '\n') {
      prev = '';
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') continue;
    if (c === '#' && isBlank(source[i - 1])) {
      // A comment runs to the end of the line.
      const eol = source.indexOf('\n', i);
      i = eol < 0 ? source.length : eol - 1;
      continue;
    }
    if (
      depth > 0 &&
      (c === '"' || c === "'") &&
      (prev === '[' || prev === '{' || prev === ',' || ((prev === ':' || prev === '?') && isBlank(source[i - 1])))
    ) {
      // A quoted scalar at an entry's start (in flow context): skip it, escapes included.
      let j = i + 1;
      for (; j < source.length; j++) {
        if (c === '"' && source[j] === '\\') j++;
        else if (source[j] === c) {
          if (c === "'" && source[j + 1] === "'") j++;
          else break;
        }
      }
      i = j;
      prev = c;
      continue;
    }
    if (c === '[' || c === '{') {
      if (depth > 0 || prev === '' || isBlank(source[i - 1]) || '-?:,[{'.includes(prev)) {
        if (++depth > max) return true;
      }
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
    prev = c;
  }
  return false;
}

/** The key toJS gave a map entry with this scalar key (yaml's stringifyKey for scalars); undefined for complex keys. */
function keyOf(key: unknown): string | undefined {
  if (!isScalar(key)) return undefined;
  const v: unknown = key.value;
  if (v === null) return '';
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint'
    ? String(v)
    : undefined;
}

/**
 * Parses `source` (YAML, or JSON, which YAML 1.2 contains) found at `base` in the document text.
 * Throws ValidationError naming the first syntax error, ParseBudgetError for a document over its
 * alias, depth or node budget.
 */
export function readData(
  source: string,
  base: number,
  role: DataDocument['role'],
  what: string,
  budget: ParseBudget = DEFAULT_PARSE_BUDGET,
): DataReading {
  const documents: DataDocument[] = [];
  const prose: TextBlock[] = [];
  if (yamlFlowDepthOver(source, budget.depth))
    throw new ParseBudgetError('depth', `${what} nests YAML/JSON collections more than ${budget.depth} deep`, {
      budget: budget.depth,
    });
  let nodes = 0;
  for (const doc of parseAllDocuments(source, { uniqueKeys: false, prettyErrors: false })) {
    const error = doc.errors[0];
    if (error !== undefined) {
      if (/call stack/i.test(error.message))
        throw new ParseBudgetError('depth', `${what} nests too deeply to read`, { budget: budget.depth });
      throw new ValidationError(`${what} is not valid YAML/JSON: ${error.message.split('\n')[0] ?? ''}`, {
        offset: base + (error.pos[0] ?? 0),
      });
    }
    if (doc.contents === null) continue;
    const value = valueOf(doc, what, budget);
    const positions = new Map<object, number>();
    const ancestors = new Set<unknown>();
    // Walks the node tree beside its value, each node once (aliases are not followed: their
    // value is their anchor's, already walked), recording positions and prose.
    const walk = (node: unknown, v: unknown, depth: number): void => {
      if (depth > budget.depth)
        throw new ParseBudgetError('depth', `${what} is nested more than ${budget.depth} levels deep`, {
          budget: budget.depth,
        });
      if (++nodes > budget.nodes)
        throw new ParseBudgetError('nodes', `${what} has more than ${budget.nodes} values`, { budget: budget.nodes });
      if (isAlias(node)) {
        // NOTE: an alias inside its own anchor makes the value refer to itself; nothing downstream could walk it.
        if (ancestors.has(v))
          throw new ValidationError(
            `${what} has a YAML alias inside its own anchor (*${node.source}): the data refers to itself`,
          );
        return;
      }
      const range = (node as YamlNode).range;
      if (isMap(node) && typeof v === 'object' && v !== null && !Array.isArray(v)) {
        if (range && !positions.has(v)) positions.set(v, base + range[0]);
        ancestors.add(v);
        for (const pair of node.items) {
          const key = keyOf(pair.key);
          walk(pair.value, key === undefined ? undefined : (v as Record<string, unknown>)[key], depth + 1);
        }
        ancestors.delete(v);
      } else if (isSeq(node) && Array.isArray(v)) {
        if (range && !positions.has(v)) positions.set(v, base + range[0]);
        ancestors.add(v);
        node.items.forEach((item, i) => walk(item, v[i], depth + 1));
        ancestors.delete(v);
      } else if (isScalar(node)) {
        const text = node.value;
        if (typeof text === 'string' && node.range && isProse(text)) {
          prose.push({ kind: 'paragraph', text: text.trim(), start: base + node.range[0], end: base + node.range[1] });
        }
      }
    };
    walk(doc.contents, value, 0);
    const [start, , end] = doc.range;
    documents.push({ value, positions, role, start: base + start, end: base + end });
  }
  return { documents, prose };
}
