// Unit tests of reading exports as records: collections of named objects, id references
// resolved to names, relation fields typed by meaning, invisible characters cleaned.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseData } from '../parse/data-parser.js';
import { parseDelimited } from '../parse/delimited-parser.js';
import { parseMarkdown } from '../parse/markdown-parser.js';
import type { GraphRecords } from './graph-records.js';
import { structuredRecords } from './structured-records.js';

const entities = (r: GraphRecords): string[] => [...new Set(r.entities.map((e) => `${e.type}:${e.name}`))].sort();
const relations = (r: GraphRecords): string[] =>
  [...new Set(r.relations.map((x) => `${x.source} -${x.type}-> ${x.target}`))].sort();

test('a directory export: people by nested full name, manager emails resolve, invisible characters go', () => {
  const json = JSON.stringify({
    staff: [
      { uid: 7, mail: 'x@corp.example', name: { fullName: 'Olga\u00a0Petrov' }, department: 'Audit' },
      {
        uid: 8,
        email: 'y@corp.example',
        name: { given: 'Sam', family: 'Reed\u200b' },
        manager_email: 'x@corp.example',
      },
    ],
  });
  const r = structuredRecords(parseData('dir.json', json, 'json'));
  assert.deepEqual(entities(r), ['person:Olga Petrov', 'person:Sam Reed', 'team:Audit']);
  assert.deepEqual(relations(r), ['Olga Petrov -member_of-> Audit', 'Sam Reed -reports_to-> Olga Petrov']);
});

test('reference objects give the far end its type; contacts work for their vendor', () => {
  const yaml = `suppliers:
  - name: Acme Widgets
    owner: Dana Fox
    contacts:
      - {name: Lee Park, role: sales}
    groups:
      - {id: G1, type: group_reference, summary: Widget Buyers}
`;
  const r = structuredRecords(parseData('s.yaml', yaml, 'yaml'));
  assert.deepEqual(entities(r), ['person:Dana Fox', 'person:Lee Park', 'team:Widget Buyers', 'vendor:Acme Widgets']);
  assert.deepEqual(relations(r), [
    'Acme Widgets -owned_by-> Dana Fox',
    'Acme Widgets -owned_by-> Widget Buyers',
    'Lee Park -works_for-> Acme Widgets',
  ]);
});

test('a table export: name column by meaning, ids resolved, placeholders and dates dropped', () => {
  const tsv = [
    'Staff No\tDisplay Name\tLine Manager\tSite\tJoined',
    'S1\tRita Moss\t\tOslo\t2020-01-01',
    'S2\tIvo Bell\tS1\t-\t2021-02-03',
  ].join('\n');
  const r = structuredRecords(parseDelimited('people.tsv', tsv, 'tsv'));
  assert.deepEqual(entities(r), ['office:Oslo', 'person:Ivo Bell', 'person:Rita Moss']);
  assert.deepEqual(relations(r), ['Ivo Bell -reports_to-> Rita Moss', 'Rita Moss -located_in-> Oslo']);
});

test('front matter naming what the page is about declares it, and its owner owns it', () => {
  const doc = parseMarkdown('p.md', '---\ntitle: Runbook\nsystem: Tide Ledger\nowner: ledger-crew\n---\n\nText.\n');
  const r = structuredRecords(doc);
  assert.deepEqual(entities(r), ['system:Tide Ledger', 'team:ledger-crew']);
  assert.deepEqual(relations(r), ['Tide Ledger -owned_by-> ledger-crew']);
});
