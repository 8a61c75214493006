// A generator of malformed LLM replies from valid ones: a reply is written from records in one
// serialisation (the JSON asked for, or another a model may choose), then text mutations are
// composed on it (fences, prose around, reasoning, comments, quoting, casing, key names,
// wrappers, escaping, Unicode, truncation). Deterministic for a seed; used by the property
// test and by bench:parse to count each mutation kind's success rate.

import { seededRandom } from '../../../core/random.js';

export interface ReplyRecords {
  readonly entities: readonly { readonly name: string; readonly type: string }[];
  readonly relations: readonly { readonly source: string; readonly type: string; readonly target: string }[];
}

/** A small deterministic PRNG (mulberry32): core/random's, under the name the tests use. */
export const seeded = seededRandom;

const json = (r: ReplyRecords): string =>
  JSON.stringify(
    {
      entities: r.entities.map((e) => ({ name: e.name, type: e.type })),
      relations: r.relations.map((x) => ({ source: x.source, target: x.target, type: x.type })),
    },
    null,
    2,
  );
const csvCell = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** Whole serialisations a model may answer in; each writes the same records. */
export const SERIALISATIONS = {
  json,
  tuples: (r) =>
    [
      ...r.entities.map((e) => `("entity"<|>${e.name}<|>${e.type}<|>${e.name})`),
      ...r.relations.map((x) => `("relationship"<|>${x.source}<|>${x.target}<|>${x.type}<|>${x.type}<|>5)`),
    ].join('##\n') + '\n<|COMPLETE|>',
  yaml: (r) =>
    [
      'entities:',
      ...r.entities.map((e) => `  - name: ${JSON.stringify(e.name)}\n    type: ${JSON.stringify(e.type)}`),
      'relations:',
      ...r.relations.map(
        (x) =>
          `  - source: ${JSON.stringify(x.source)}\n    target: ${JSON.stringify(x.target)}\n    type: ${JSON.stringify(x.type)}`,
      ),
    ].join('\n'),
  json_lines: (r) =>
    [
      ...r.entities.map((e) => JSON.stringify({ name: e.name, type: e.type })),
      ...r.relations.map((x) => JSON.stringify({ source: x.source, target: x.target, type: x.type })),
    ].join('\n'),
  markdown_table: (r) =>
    [
      '### Entities',
      '| name | type |',
      '|---|---|',
      ...r.entities.map((e) => `| ${e.name} | ${e.type} |`),
      '',
      '### Relations',
      '| source | relation | target |',
      '|---|---|---|',
      ...r.relations.map((x) => `| ${x.source} | ${x.type} | ${x.target} |`),
    ].join('\n'),
  csv: (r) =>
    [
      'Entities',
      'name,type',
      ...r.entities.map((e) => `${csvCell(e.name)},${csvCell(e.type)}`),
      '',
      'Relations',
      'source,relation,target',
      ...r.relations.map((x) => `${csvCell(x.source)},${csvCell(x.type)},${csvCell(x.target)}`),
    ].join('\n'),
  tsv: (r) =>
    [
      'Entities',
      'name\ttype',
      ...r.entities.map((e) => `${e.name}\t${e.type}`),
      '',
      'Relations',
      'source\trelation\ttarget',
      ...r.relations.map((x) => `${x.source}\t${x.type}\t${x.target}`),
    ].join('\n'),
  bullets: (r) =>
    [
      'Entities:',
      ...r.entities.map((e) => `- ${e.name} (${e.type})`),
      '',
      'Relations:',
      ...r.relations.map((x) => `- ${x.source} -> ${x.type} -> ${x.target}`),
    ].join('\n'),
  xml: (r) => {
    const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
    return [
      '<graph>',
      ...r.entities.map((e) => `  <entity name="${esc(e.name)}" type="${esc(e.type)}"/>`),
      ...r.relations.map(
        (x) => `  <relation source="${esc(x.source)}" type="${esc(x.type)}" target="${esc(x.target)}"/>`,
      ),
      '</graph>',
    ].join('\n');
  },
  arrays_of_arrays: (r) =>
    JSON.stringify({
      entities: r.entities.map((e) => [e.name, e.type]),
      relations: r.relations.map((x) => [x.source, x.type, x.target]),
    }),
} as const satisfies Record<string, (r: ReplyRecords) => string>;
export type Serialisation = keyof typeof SERIALISATIONS;

/** Text mutations of a JSON reply; `json` says the mutation needs the JSON serialisation. */
export const TEXT_MUTATIONS = {
  code_fence: { json: false, apply: (t: string) => '```json\n' + t + '\n```' },
  prose_around: {
    json: false,
    apply: (t: string) => `Sure! Here is what I extracted from the text:\n\n${t}\n\nLet me know if you need more.`,
  },
  think_tags: { json: false, apply: (t: string) => `<think>The text names people and teams.</think>\n${t}` },
  trailing_commas: {
    json: true,
    apply: (t: string) => t.replace(/"\n(\s*)}/g, '",\n$1}').replace(/}\n(\s*)]/g, '},\n$1]'),
  },
  comments: {
    json: true,
    apply: (t: string) => t.replace('"entities": [', '// extracted records\n  "entities": [ /* people first */'),
  },
  // As Python's repr writes strings: single quotes, unless the string holds an apostrophe.
  single_quotes: {
    json: true,
    apply: (t: string) =>
      t.replace(/"((?:[^"\\]|\\.)*)"/g, (m, body: string) => (body.includes("'") ? m : `'${body}'`)),
  },
  unquoted_keys: { json: true, apply: (t: string) => t.replace(/"(\w+)":/g, '$1:') },
  key_casing: { json: true, apply: (t: string) => t.replace(/"(\w+)":/g, (_m, k: string) => `"${k.toUpperCase()}":`) },
  key_names: {
    json: true,
    apply: (t: string) =>
      t
        .replace(/"name":/g, '"entity_name":')
        .replace(/"source":/g, '"source_entity":')
        .replace(/"target":/g, '"target_entity":')
        .replace(/"entities":/, '"nodes":')
        .replace(/"relations":/, '"relationships":'),
  },
  wrapped: { json: true, apply: (t: string) => `{"result": ${t}}` },
  escaping: {
    json: true,
    apply: (t: string) => t.replace(/[^\x20-\x7e\n]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  },
  unicode_spaces: {
    json: false,
    apply: (t: string) => t.replace(/(\p{L}) (\p{L})/gu, '$1\u00a0$2').replace(/^/, '\ufeff'),
  },
  crlf: { json: false, apply: (t: string) => t.replace(/\n/g, '\r\n') },
  truncation: { json: true, apply: (t: string) => t.slice(0, Math.floor(t.length * 0.8)) },
} as const satisfies Record<string, { json: boolean; apply: (t: string) => string }>;
export type TextMutation = keyof typeof TEXT_MUTATIONS;

export interface MutatedReply {
  readonly serialisation: Serialisation;
  readonly mutations: readonly TextMutation[];
  /** The kinds applied, for counting: the serialisation (unless plain JSON) and each text mutation. */
  readonly kinds: readonly string[];
  readonly text: string;
}

/**
 * A reply of `records` under up to two mutations: a serialisation other than JSON counts as one,
 * each text mutation as one. Mutations that need JSON are only drawn for a JSON reply.
 */
export function mutateReply(records: ReplyRecords, random: () => number, maxMutations = 2): MutatedReply {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const serialisations = Object.keys(SERIALISATIONS) as Serialisation[];
  const textKinds = Object.keys(TEXT_MUTATIONS) as TextMutation[];
  const count = 1 + Math.floor(random() * maxMutations);
  const serialisation: Serialisation = random() < 0.4 ? pick(serialisations.filter((s) => s !== 'json')) : 'json';
  const mutations: TextMutation[] = [];
  const budget = serialisation === 'json' ? count : count - 1;
  for (let i = 0; i < budget; i++) {
    const allowed = textKinds.filter(
      (k) => !mutations.includes(k) && (serialisation === 'json' || !TEXT_MUTATIONS[k].json),
    );
    // NOTE: truncation goes last, so it cuts the reply as the model would have sent it.
    if (allowed.length > 0) mutations.push(pick(allowed));
  }
  mutations.sort((a, b) => Number(a === 'truncation') - Number(b === 'truncation'));
  let text: string = SERIALISATIONS[serialisation](records);
  const jsonFirst = mutations.filter((m) => TEXT_MUTATIONS[m].json && m !== 'truncation');
  const wrappers = mutations.filter((m) => !TEXT_MUTATIONS[m].json);
  for (const m of [...jsonFirst, ...(mutations.includes('truncation') ? (['truncation'] as const) : []), ...wrappers])
    text = TEXT_MUTATIONS[m].apply(text);
  return {
    serialisation,
    mutations,
    kinds: [...(serialisation === 'json' ? [] : [serialisation]), ...mutations],
    text,
  };
}
