// Unit tests of entity resolution: spelling variants, aliases and abbreviations merge; declared
// entities of different types stay apart; relations re-point and deduplicate; provenance kept.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveRecords } from './entity-resolution.js';
import type { EntityRecord, ExtractionMethod, RelationRecord } from './graph-records.js';

let at = 0;
const e = (name: string, type: string, method: ExtractionMethod = 'prose', aliases: string[] = []): EntityRecord => ({
  name,
  type,
  method,
  aliases,
  span: { start: at, end: (at += 10) },
});
const r = (
  source: string,
  type: string,
  target: string,
  method: ExtractionMethod = 'prose',
  weight?: number,
): RelationRecord => ({
  source,
  type,
  target,
  method,
  span: { start: at, end: (at += 10) },
  ...(weight === undefined ? {} : { weight }),
});
const chunkOf = (offset: number): number => Math.floor(offset / 100);

test('case, whitespace, punctuation and articles merge; provenance lists every record', () => {
  const { entities } = resolveRecords(
    { entities: [e('Payments API', 'api'), e('the payments-API', 'api'), e('PAYMENTS  API', 'api')], relations: [] },
    chunkOf,
  );
  assert.equal(entities.length, 1);
  assert.equal(entities[0]?.id, 'api:payments api');
  assert.equal(entities[0]?.provenance.length, 3);
  // Spelling variants of the same name are not aliases.
  assert.deepEqual(entities[0]?.aliases, []);
});

test('declared aliases and abbreviations join their long form; the long form names the entity', () => {
  const { entities, relations } = resolveRecords(
    {
      entities: [
        e('Payments Gateway', 'service', 'prose', ['PGW']),
        e('PGW', 'organization'),
        e('Customer Relationship Management', 'service'),
        e('CRM', 'organization'),
      ],
      relations: [r('PGW', 'calls', 'CRM')],
    },
    chunkOf,
  );
  assert.deepEqual(entities.map((x) => `${x.type}:${x.name}`).sort(), [
    'service:Customer Relationship Management',
    'service:Payments Gateway',
  ]);
  assert.deepEqual(
    relations.map((x) => [x.source, x.type, x.target, x.sourceId]),
    [['Payments Gateway', 'calls', 'Customer Relationship Management', 'service:payments gateway']],
  );
});

test('an undeclared reading of a declared name joins it, whatever type prose guessed', () => {
  const { entities } = resolveRecords(
    { entities: [e('payments', 'system', 'catalog'), e('Payments', 'organization', 'prose')], relations: [] },
    chunkOf,
  );
  assert.deepEqual(
    entities.map((x) => [x.id, x.provenance.length]),
    [['system:payments', 2]],
  );
});

test('declared entities with different types stay apart, and an ambiguous undeclared reading joins neither', () => {
  const { entities } = resolveRecords(
    {
      entities: [
        e('payments', 'system', 'catalog'),
        e('payments', 'group', 'catalog'),
        e('Payments', 'organization', 'prose'),
      ],
      relations: [],
    },
    chunkOf,
  );
  // A group's id carries its family's type (team), so a team named in prose is the same entity.
  assert.deepEqual(entities.map((x) => x.id).sort(), ['organization:payments', 'system:payments', 'team:payments']);
});

test('relations deduplicate, keep the highest weight and the provenance of each mention; self-loops are dropped', () => {
  at = 0;
  const { relations } = resolveRecords(
    {
      entities: [e('A', 'service', 'table'), e('B', 'service', 'table')],
      relations: [r('A', 'Depends On', 'B', 'table', 2), r('a', 'dependsOn', 'b', 'llm', 7), r('A', 'uses', 'a')],
    },
    chunkOf,
  );
  assert.equal(relations.length, 1);
  assert.equal(relations[0]?.type, 'depends_on');
  assert.equal(relations[0]?.weight, 7);
  assert.deepEqual(
    relations[0]?.provenance.map((p) => [p.method, p.chunk]),
    [
      ['table', 0],
      ['llm', 0],
    ],
  );
});

test('a relation end with no entity keeps its name and no id', () => {
  const { relations } = resolveRecords(
    { entities: [e('A', 'service', 'table')], relations: [r('A', 'calls', 'Unknown Thing', 'table')] },
    chunkOf,
  );
  assert.equal(relations[0]?.targetId, undefined);
  assert.equal(relations[0]?.target, 'Unknown Thing');
});

test('a catalog slug and its prose title are one entity; honorific and first-name mentions join the full name', () => {
  at = 0;
  const { entities } = resolveRecords(
    {
      entities: [
        e('payments-gateway', 'component', 'catalog'),
        e('Payments Gateway', 'service', 'prose'),
        e('Farid Hosseini', 'person', 'prose'),
        e('Dr. Hosseini', 'person', 'prose'),
        e('Farid Hassan', 'person', 'prose'),
        e('Billing Engineering', 'team', 'prose'),
        e('Billing Engine', 'service', 'prose'),
      ],
      relations: [],
    },
    chunkOf,
  );
  const ids = entities.map((x) => x.id).sort();
  assert.deepEqual(ids, [
    'person:farid hassan',
    'person:farid hosseini',
    'service:billing engine',
    'service:payments gateway',
    'team:billing engineering',
  ]);
  // Every provenance is kept on the merged entity.
  assert.equal(entities.find((x) => x.id === 'service:payments gateway')?.provenance.length, 2);
  assert.equal(entities.find((x) => x.id === 'person:farid hosseini')?.provenance.length, 2);
});
