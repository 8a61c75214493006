// Unit tests of the hardened LLM reply parser: every repair kind, tuples with corrupted
// delimiters, truncation that loses exactly the cut record, typed failures, and counters.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLlmReply } from './llm-reply-parser.js';
import { countReply, createReplyCounters, type ReplyOutcome } from './reply-outcome.js';

const CLEAN =
  '{"entities":[{"name":"Acme","type":"organization","description":"A company"},{"name":"Dublin","type":"location"}],"relations":[{"source":"Acme","target":"Dublin","type":"located_in","description":"HQ","weight":8}]}';

function ok(outcome: ReplyOutcome): Extract<ReplyOutcome, { ok: true }> {
  if (!outcome.ok) assert.fail(`expected success, got ${outcome.failure.kind}: ${outcome.failure.reason}`);
  return outcome;
}
const summary = (o: ReplyOutcome): string[] =>
  ok(o)
    .records.entities.map((e) => `${e.type}:${e.name}`)
    .concat(ok(o).records.relations.map((r) => `${r.source}-${r.type}->${r.target}`));
const EXPECTED = ['organization:Acme', 'location:Dublin', 'Acme-located_in->Dublin'];

test('a clean reply parses with no repair and keeps descriptions and weights', () => {
  const o = ok(parseLlmReply(CLEAN, { span: { start: 5, end: 9 } }));
  assert.deepEqual(summary(o), EXPECTED);
  assert.deepEqual(o.repairs, []);
  assert.equal(o.records.relations[0]?.weight, 8);
  assert.equal(o.records.entities[0]?.description, 'A company');
  assert.deepEqual(o.records.entities[0]?.span, { start: 5, end: 9 });
});

const variants: readonly [string, string, readonly string[]][] = [
  [
    'think tags and a code fence',
    `<think>plan {maybe}</think>\n\`\`\`json\n${CLEAN}\n\`\`\``,
    ['think_tags', 'code_fence'],
  ],
  ['prose around the JSON', `Sure! Here it is:\n${CLEAN}\nAnything else?`, ['surrounding_prose']],
  ['trailing commas', CLEAN.replace(/}]/g, '},]').replace(/"weight":8}/, '"weight":8,}'), ['trailing_commas']],
  ['single quotes', CLEAN.replace(/"/g, "'"), ['single_quotes']],
  ['unquoted keys', CLEAN.replace(/"(\w+)":/g, '$1:'), ['unquoted_keys']],
  [
    'wrong key casing',
    CLEAN.replace(/"(entities|relations|name|type|source|target)":/g, (_m, k: string) => `"${k.toUpperCase()}":`),
    ['key_casing'],
  ],
  [
    'GraphRAG key names',
    '{"entities":[{"entity_name":"Acme","entity_type":"ORGANIZATION"},{"entity_name":"Dublin","entity_type":"LOCATION"}],"relationships":[{"source_entity":"Acme","target_entity":"Dublin","relationship_type":"LOCATED_IN","relationship_strength":"8"}]}',
    ['key_aliases', 'coerced_values'],
  ],
  ['a wrapper object', `{"result": ${CLEAN}}`, ['wrapped_payload']],
  [
    'a bare array of records',
    '[{"name":"Acme","type":"organization"},{"name":"Dublin","type":"location"},{"source":"Acme","target":"Dublin","type":"located_in"}]',
    ['bare_array'],
  ],
  [
    'Python literals and comments',
    CLEAN.replace('"A company"', 'None').replace('{"entities"', '{ // note\n"entities"'),
    ['json_syntax'],
  ],
  ['an unclosed think tag', `<think>reasoning that never ends ${CLEAN}`, ['think_tags', 'surrounding_prose']],
];
for (const [name, reply, repairs] of variants) {
  test(`repairs ${name}`, () => {
    const o = ok(parseLlmReply(reply));
    assert.deepEqual(summary(o), EXPECTED);
    for (const r of repairs)
      assert.ok(o.repairs.includes(r as never), `expected repair ${r}, got ${o.repairs.join(',')}`);
  });
}

test('truncation inside a record rejects exactly that record, with a reason', () => {
  const reply =
    '{"entities":[{"name":"Acme","type":"organization"},{"name":"Dublin","type":"location"}],"relations":[{"source":"Acme","target":"Dublin","type":"located_in"},{"source":"Acme","target":"Cor';
  const o = ok(parseLlmReply(reply));
  assert.deepEqual(summary(o), EXPECTED);
  assert.ok(o.repairs.includes('truncated'));
  assert.equal(o.rejected.length, 1);
  assert.match(o.rejected[0]?.reason ?? '', /cut off/);
});

test('truncation inside a description keeps the record; truncation between records loses nothing', () => {
  const inDescription = ok(parseLlmReply('{"entities":[{"name":"Acme","type":"organization","description":"A comp'));
  assert.deepEqual(summary(inDescription), ['organization:Acme']);
  assert.equal(inDescription.rejected.length, 0);
  const between = ok(parseLlmReply('{"entities":[{"name":"Acme","type":"organization"},'));
  assert.deepEqual(summary(between), ['organization:Acme']);
  assert.ok(between.repairs.includes('truncated'));
});

test('GraphRAG tuples: 4-field relationships get the default type, typed ones keep theirs', () => {
  const reply =
    '("entity"<|>ACME<|>ORGANIZATION<|>A company)##\n("entity"<|>DUBLIN<|>GEO<|>City)##\n("relationship"<|>ACME<|>DUBLIN<|>Acme is based in Dublin<|>8)##\n("relationship"<|>ACME<|>DUBLIN<|>located_in<|>HQ<|>9)\n<|COMPLETE|>';
  const o = ok(parseLlmReply(reply));
  assert.equal(o.format, 'tuples');
  assert.deepEqual(summary(o), [
    'organization:ACME',
    'geo:DUBLIN',
    'ACME-related_to->DUBLIN',
    'ACME-located_in->DUBLIN',
  ]);
  assert.deepEqual(o.repairs, []);
});

test('corrupted tuple delimiters are read and counted', () => {
  const reply =
    '("entity"<||>ACME<||>ORGANIZATION<||>x);;("entity" < | > DUBLIN < | > GEO < | > y)\n("relationship"<|ACME<|DUBLIN<|located_in<|z<|5)';
  const o = ok(parseLlmReply(reply));
  assert.deepEqual(summary(o), ['organization:ACME', 'geo:DUBLIN', 'ACME-located_in->DUBLIN']);
  assert.ok(o.repairs.includes('delimiter_corruption'));
});

test('a truncated tuple reply rejects the cut tuple', () => {
  const o = ok(parseLlmReply('("entity"<|>ACME<|>ORGANIZATION<|>x)##("entity"<|>DUB'));
  assert.deepEqual(summary(o), ['organization:ACME']);
  assert.ok(o.repairs.includes('truncated'));
  assert.equal(o.rejected.length, 1);
});

test('records failing the schema are rejected with reasons, the rest kept', () => {
  const o = ok(
    parseLlmReply(
      '{"entities":[{"name":"Acme","type":"organization"},{"name":"Nameless"},"just a string"],"relations":[{"source":"Acme","type":"x"}]}',
    ),
  );
  assert.deepEqual(summary(o), ['organization:Acme']);
  assert.deepEqual(
    o.rejected.map((r) => r.reason),
    [
      'entity "Nameless" has no "type"',
      'an entity must be an object with "name" and "type"',
      'a relation lacks a usable "source" or "target"',
    ],
  );
});

test('a relation without a type gets the default type and says so', () => {
  const o = ok(parseLlmReply('{"entities":[],"relations":[{"source":"A","target":"B"}]}'));
  assert.deepEqual(summary(o), ['A-related_to->B']);
  assert.ok(o.repairs.includes('defaulted_type'));
});

test('failures are typed, keep the raw reply, and give a reason fit for a re-prompt', () => {
  const cases: [string, string][] = [
    ['   ', 'empty'],
    ["I'm sorry, I cannot help with that.", 'no_payload'],
    ['{"people": ["A"]}', 'schema'],
    ['{"entities":[{"name":"A"}]}', 'schema'],
    [`{"entities":[${' '.repeat(2_000_001)}]}`, 'too_large'],
  ];
  for (const [reply, kind] of cases) {
    const o = parseLlmReply(reply);
    assert.equal(o.ok, false, reply);
    if (o.ok) continue;
    assert.equal(o.failure.kind, kind, reply);
    assert.equal(o.raw, reply, kind);
    assert.ok(o.failure.reason.length > 10);
  }
});

test('counters add up: parsed, repaired by kind, failed by kind, rejected records', () => {
  const counters = createReplyCounters();
  for (const reply of [CLEAN, `\`\`\`\n${CLEAN}\n\`\`\``, '', '{"entities":[{"name":"A","type":"t"},{"name":"B"}]}'])
    countReply(counters, parseLlmReply(reply));
  assert.equal(counters.replies, 4);
  assert.equal(counters.parsed, 2);
  assert.equal(counters.repaired, 1);
  assert.equal(counters.failed, 1);
  assert.equal(counters.repairs.code_fence, 1);
  assert.equal(counters.failures.empty, 1);
  assert.equal(counters.rejectedRecords, 1);
  assert.equal(counters.entities, 2 + 2 + 1);
});
