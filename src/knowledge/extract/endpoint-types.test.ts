// Unit tests of typing relation ends that a structured document names but declares no entity
// for: the name's head word, what the relation says of the end, a person's name, a peer's type.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseData } from '../parse/data-parser.js';
import { parseDelimited } from '../parse/delimited-parser.js';
import { parseMarkdown } from '../parse/markdown-parser.js';
import {
  endKind,
  endpointEntities,
  isPersonName,
  knownEndpointEntities,
  knownTypesOf,
  kindOfName,
  openEnds,
} from './endpoint-types.js';
import { extractDocument } from './extract-document.js';
import { resolveRecords } from './entity-resolution.js';
import { refinedKind } from './record-reader.js';
import type { GraphRecords } from './graph-records.js';
import { structuredRecords } from './structured-records.js';

const entities = (r: GraphRecords): string[] => [...new Set(r.entities.map((e) => `${e.type}:${e.name}`))].sort();

test('a name states its kind by its head word, wherever the head sits', () => {
  const kinds = Object.fromEntries(
    [
      'Checkout Service',
      'Fraud Scoring API',
      'Payments Gateway',
      'Ledger',
      'orders-db',
      'payments-api',
      'Discovery Team',
      'Structural Biology Lab',
      'Parks Department',
      'Department of Transport',
      'University of Leeds',
      'City Council',
      'Wellcome Trust',
      'Helix Biosciences',
      'Project Aurora',
      'Aurora Dataset v2',
      'Bus Depot North',
      'Harbour Station',
      'Metro Line 1',
      'Tram Line',
      'Route 12',
      'INC-2041',
    ].map((n) => [n, kindOfName(n)]),
  );
  assert.deepEqual(kinds, {
    'Checkout Service': 'service',
    'Fraud Scoring API': 'api',
    'Payments Gateway': 'service',
    Ledger: 'datastore',
    'orders-db': 'datastore',
    'payments-api': 'api',
    'Discovery Team': 'team',
    'Structural Biology Lab': 'lab',
    'Parks Department': 'department',
    'Department of Transport': 'department',
    'University of Leeds': 'organization',
    'City Council': 'governing_body',
    'Wellcome Trust': 'organization',
    'Helix Biosciences': 'organization',
    'Project Aurora': 'project',
    'Aurora Dataset v2': 'dataset',
    'Bus Depot North': 'depot',
    'Harbour Station': 'station',
    'Metro Line 1': 'transit_line',
    'Tram Line': 'transit_line',
    'Route 12': 'transit_line',
    'INC-2041': 'incident',
  });
  // Names whose words say nothing of their kind, or say it ambiguously.
  for (const n of [
    'Commerce',
    'Krios G4',
    'Support Desk',
    'Product Line',
    'Amazon Web Services',
    'project plan',
    'Line',
  ])
    assert.equal(kindOfName(n), undefined, n);
});

test('a relation says what its ends are, a person only when named like one', () => {
  assert.equal(endKind('Old Town', 'located_in', 'target'), 'location');
  assert.equal(endKind('Acme Corp Holdings', 'works_for', 'target'), 'organization');
  assert.equal(endKind('Department of Transport', 'works_for', 'target'), 'department');
  assert.equal(endKind('Safety Office', 'member_of', 'target'), 'team');
  assert.equal(endKind('Kai Müller', 'led_by', 'target'), 'person');
  assert.equal(endKind('Amara Okafor', 'reports_to', 'target'), 'person');
  assert.equal(endKind('Steering Committee', 'led_by', 'target'), undefined);
  assert.equal(endKind('Growth Strategy', 'drives', 'source'), undefined);
  assert.equal(endKind('Exotic Liquids', 'supplies', 'source'), 'organization');
  assert.equal(endKind('EMPIAR', 'deposited_in', 'target'), 'datastore');
  assert.equal(endKind('EMBL', 'collaborates_with', 'target'), 'peer');
  // A relation that implies nothing leaves a name of no telling form untyped.
  assert.equal(endKind('Metro Extension', 'approved', 'target'), undefined);
  assert.equal(endKind('Horizon Europe', 'funded_by', 'target'), undefined);
  assert.equal(endKind('Horizon Europe', 'constructor', 'target'), undefined);
});

test('a person by given or family name, not any two capitalised words', () => {
  for (const n of ['Nancy Davolio', 'Ravi Patel', 'Mei Chen']) assert.equal(isPersonName(n), true, n);
  for (const n of ['Exotic Liquids', 'United Package', 'Horizon Europe', 'Metro Extension', 'Genomics Core'])
    assert.equal(isPersonName(n), false, n);
});

test('every relation end gets an entity of its implied kind, with the relation as provenance', () => {
  const span = { start: 10, end: 40 };
  const records: GraphRecords = {
    entities: [
      { name: 'Kai Müller', type: 'person', aliases: ['kmuller'], method: 'table', span: { start: 0, end: 5 } },
    ],
    relations: [
      { source: 'kmuller', target: 'Amara Okafor', type: 'collaborates_with', method: 'table', span },
      { source: 'Amara Okafor', target: 'Ana Quist', type: 'collaborates_with', method: 'table', span },
      { source: 'Project Aurora', target: 'Aurora Dataset v2', type: 'produced', method: 'data', span },
      { source: 'Aurora Dataset v2', target: 'Zenodo', type: 'mirrored_to', method: 'data', span },
    ],
  };
  const added = endpointEntities(records);
  assert.deepEqual(added.map((e) => `${e.type}:${e.name}`).sort(), [
    'dataset:Aurora Dataset v2',
    'person:Amara Okafor',
    'person:Ana Quist',
    'project:Project Aurora',
  ]);
  // The relation's method and span are the entity's provenance; an end given by alias has its entity already.
  assert.ok(added.every((e) => e.span === span && ['table', 'data'].includes(e.method)));
  assert.equal(added.find((e) => e.name === 'Project Aurora')?.method, 'data');
  assert.ok(!added.some((e) => e.name === 'kmuller' || e.name === 'Zenodo'));
});

test('a relation table without types: its ends become entities of the kinds they imply', () => {
  const csv = [
    'source,relation,target',
    'INC-2041,affected,Payments Gateway',
    'Route 5,starts_at,Bus Depot North',
    'Harbour Station,located in,Old Town',
    'Nancy Davolio,covers,Western',
    'Harbour Station,located in,2021',
    'Harbour Station,located in,https://maps.example/harbour',
  ].join('\n');
  const r = structuredRecords(parseDelimited('rel.csv', csv, 'csv'));
  assert.deepEqual(entities(r), [
    'depot:Bus Depot North',
    'incident:INC-2041',
    'location:Old Town',
    'person:Nancy Davolio',
    'service:Payments Gateway',
    'station:Harbour Station',
    'transit_line:Route 5',
  ]);
});

test('column meaning types an end, and a name stating a narrower unit refines it', () => {
  const md = [
    '| Name | Type | Member of | System |',
    '|-|-|-|-|',
    '| Ana Souza | person | Structural Biology Lab | Commerce |',
    '| Rui Vaz | person | Safety Office | |',
  ].join('\n');
  const r = structuredRecords(parseMarkdown('p.md', md));
  assert.deepEqual(entities(r), [
    'lab:Structural Biology Lab',
    'person:Ana Souza',
    'person:Rui Vaz',
    'system:Commerce',
    'team:Safety Office',
  ]);
});

test("a field's type gives way only to a narrower unit, or to a unit where it expects a person", () => {
  assert.equal(refinedKind('team', 'lab'), 'lab');
  assert.equal(refinedKind('person', 'team'), 'team');
  assert.equal(refinedKind('person', 'organization'), 'organization');
  assert.equal(refinedKind('location', 'station'), 'location');
  assert.equal(refinedKind('vendor', 'organization'), 'vendor');
  assert.equal(refinedKind(undefined, 'service'), 'service');
  assert.equal(refinedKind('team', undefined), 'team');
});

test('relation ends given as ids resolve to the named entity and get no entity of their own', () => {
  const json = JSON.stringify({
    entities: [
      { id: 'e1', name: 'Payments Team', type: 'team' },
      { id: 'e2', name: 'Ledger Service', type: 'service', parent_id: 'e1' },
    ],
    relations: [
      { source: 'e1', target: 'e2', type: 'owns' },
      { source: 'e2', target: 'e9', type: 'depends_on' },
    ],
  });
  const records = structuredRecords(parseData('g.json', json, 'json'));
  // e9 names nothing the document declares and nothing types it: a relation end only.
  assert.deepEqual(entities(records), ['service:Ledger Service', 'team:Payments Team']);
  assert.deepEqual(records.entities.find((e) => e.name === 'Ledger Service')?.aliases, ['e2']);
  const { relations } = resolveRecords(records, () => 0);
  const owns = relations.find((x) => x.type === 'owns');
  assert.equal(`${owns?.source} -> ${owns?.target}`, 'Payments Team -> Ledger Service');
  assert.equal(owns?.targetId, 'service:ledger service');
});

test('open ends are the relation ends no entity of the document stands for, once each', () => {
  const span = { start: 0, end: 9 };
  const records: GraphRecords = {
    entities: [{ name: 'Federal Shipping', type: 'organization', aliases: ['FedShip'], method: 'table', span }],
    relations: [
      { source: 'FedShip', target: 'WH-North', type: 'delivers_to', method: 'table', span },
      { source: 'Speedy Express', target: 'WH-North', type: 'delivers_to', method: 'table', span },
      { source: 'Speedy Express', target: '2021-03-01', type: 'since', method: 'table', span },
    ],
  };
  assert.deepEqual(
    openEnds(records).map((e) => e.name),
    ['WH-North', 'Speedy Express'],
  );
});

test("the tenant's known types: declared beats LLM beats prose; ties of types, unknown and prose-only type nothing", () => {
  const known = knownTypesOf([
    { name: 'Krios G4', type: 'equipment', methods: ['llm'] },
    { name: 'Krios G4', type: 'instrument', methods: ['table', 'prose'] },
    { name: 'Federal Shipping', type: 'organization', aliases: ['FedShip'], methods: ['table'] },
    { name: 'Atlas', type: 'project', methods: ['data'] },
    { name: 'Atlas', type: 'service', methods: ['catalog'] },
    { name: 'Horizon Europe', type: 'location', methods: ['prose'] },
    { name: 'Widget', type: 'unknown', methods: ['table'] },
  ]);
  assert.deepEqual(Object.fromEntries([...known].map(([k, v]) => [k, `${v.type}:${v.name}`])), {
    'krios g4': 'instrument:Krios G4',
    'federal shipping': 'organization:Federal Shipping',
    fedship: 'organization:Federal Shipping',
  });
});

test('known types fill only the ends the document leaves untyped, with the relation as provenance', () => {
  const span = { start: 3, end: 30 };
  const records: GraphRecords = {
    entities: [{ name: 'Northwind Traders', type: 'organization', aliases: [], method: 'table', span }],
    relations: [
      { source: 'FedShip', target: 'Northwind Traders', type: 'delivers_for', method: 'table', span },
      { source: 'Speedy Express', target: 'Oslo', type: 'delivers_to', method: 'table', span },
    ],
  };
  const known = knownTypesOf([
    { name: 'Federal Shipping', type: 'organization', aliases: ['FedShip'], methods: ['table'] },
    { name: 'Northwind Traders', type: 'customer', methods: ['table'] },
  ]);
  const added = knownEndpointEntities(records, known);
  // Northwind Traders keeps the document's own type; Speedy Express and Oslo are unknown to the tenant.
  assert.deepEqual(added, [
    { name: 'Federal Shipping', type: 'organization', aliases: ['FedShip'], method: 'table', span },
  ]);
  const { relations } = resolveRecords({ ...records, entities: [...records.entities, ...added] }, () => 0);
  assert.equal(relations.find((r) => r.type === 'delivers_for')?.sourceId, 'organization:federal shipping');
});

test("extractDocument applies known types after the document's own typing, and reports the ends left open", async () => {
  const tsv = ['source\trelation\ttarget', 'United Package\tdelivers_to\tWH-North', 'Kai Müller\tleads\tAurora'].join(
    '\n',
  );
  const bytes = new TextEncoder().encode(tsv);
  const plain = await extractDocument('contracts.tsv', bytes);
  assert.deepEqual([...plain.openEnds].sort(), ['Aurora', 'United Package', 'WH-North']);
  const knownTypes = knownTypesOf([
    { name: 'WH-North', type: 'warehouse', methods: ['table'] },
    { name: 'United Package', type: 'organization', methods: ['data'] },
    { name: 'Kai Müller', type: 'team', methods: ['table'] },
  ]);
  const x = await extractDocument('contracts.tsv', bytes, { knownTypes });
  assert.deepEqual(x.entities.map((e) => `${e.type}:${e.name}`).sort(), [
    'organization:United Package',
    'person:Kai Müller',
    'warehouse:WH-North',
  ]);
  assert.deepEqual(x.openEnds, ['Aurora']);
  const wh = x.entities.find((e) => e.name === 'WH-North');
  assert.equal(wh?.provenance[0]?.method, 'table');
  assert.ok((wh?.provenance[0]?.start ?? 0) > 0);
});
