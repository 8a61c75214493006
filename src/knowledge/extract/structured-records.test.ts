// Unit tests of declared-knowledge extraction: tables by their headers, front-matter and data
// lists, relation columns, and Backstage catalog descriptors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseData } from '../parse/data-parser.js';
import type { GraphRecords } from './graph-records.js';
import { parseMarkdown } from '../parse/markdown-parser.js';
import { structuredRecords } from './structured-records.js';
import { parseEntityRef } from './backstage-catalog.js';

const entities = (r: GraphRecords): string[] => r.entities.map((e) => `${e.type}:${e.name}`).sort();
const relations = (r: GraphRecords): string[] => r.relations.map((x) => `${x.source} -${x.type}-> ${x.target}`).sort();

test('entity tables (name, type) and relation tables (source, relation, target) are read exactly', () => {
  const doc = parseMarkdown(
    't.md',
    [
      '| Name | Type | Owner | Aliases |',
      '|-|-|-|-|',
      '| Checkout Service | Service | Payments Team | CS; Checkout |',
      '',
      '| Subject | Predicate | Object |',
      '|-|-|-|',
      '| Checkout Service | Depends On | Ledger, Cache |',
      '',
      '| Colour | Size |',
      '|-|-|',
      '| red | 3 |',
    ].join('\n'),
  );
  const r = structuredRecords(doc);
  // Every reference is an entity: the owner column names a team, and the depends-on ends name
  // their own kind (a ledger and a cache are data stores).
  assert.deepEqual(entities(r), [
    'datastore:Cache',
    'datastore:Ledger',
    'service:Checkout Service',
    'team:Payments Team',
  ]);
  assert.deepEqual(r.entities[0]?.aliases, ['CS', 'Checkout']);
  assert.deepEqual(relations(r), [
    'Checkout Service -depends_on-> Cache',
    'Checkout Service -depends_on-> Ledger',
    'Checkout Service -owned_by-> Payments Team',
  ]);
  assert.ok(r.relations.every((x) => x.method === 'table'));
});

test('extra columns named as relations (Managed by, Member of, Serves) state relations; places keep commas', () => {
  const doc = parseMarkdown(
    'w.md',
    [
      '| Warehouse | Type | Managed by | Location | Notes |',
      '|-|-|-|-|-|',
      '| WH-1 | warehouse | Sara Kim | Riverside, North | busy |',
    ].join('\n'),
  );
  const r = structuredRecords(doc);
  assert.deepEqual(entities(r), ['location:Riverside, North', 'person:Sara Kim', 'warehouse:WH-1']);
  assert.deepEqual(relations(r), ['WH-1 -located_in-> Riverside, North', 'WH-1 -managed_by-> Sara Kim']);
});

test('front-matter entities and relations lists, with synonyms for keys', () => {
  const doc = parseMarkdown(
    'f.md',
    '---\nentities:\n  - {name: A, kind: team}\n  - "B (person)"\nrelations:\n  - {from: B, to: A, type: leads, weight: 3}\n---\nText.\n',
  );
  const r = structuredRecords(doc);
  assert.deepEqual(entities(r), ['person:B', 'team:A']);
  assert.deepEqual(relations(r), ['B -leads-> A']);
  assert.equal(r.relations[0]?.weight, 3);
  assert.equal(r.relations[0]?.method, 'front-matter');
  // Provenance points at the list item in the text.
  assert.ok(doc.text.slice(r.relations[0]?.span.start).startsWith('{from: B'));
});

test('JSON entity/relation lists are read once even though they also form tables', () => {
  const doc = parseData(
    'g.json',
    JSON.stringify({
      nodes: [{ label: 'Chai', category: 'product' }],
      edges: [{ from: 'Chai', to: 'Beverages', label: 'in_category' }],
    }),
    'json',
  );
  const r = structuredRecords(doc);
  assert.deepEqual(entities(r), ['product:Chai']);
  assert.deepEqual(relations(r), ['Chai -in_category-> Beverages']);
});

test('Backstage descriptors map to typed entities and relations; Location is skipped', () => {
  const yaml = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: gateway, title: Payments Gateway}
spec:
  owner: group:default/payments
  system: pay
  providesApis: [pay-api]
  consumesApis: [api:fraud]
  dependsOn: [resource:default/ledger-db]
  subcomponentOf: platform
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: jdoe}
spec: {memberOf: [payments]}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: payments}
spec: {type: team, parent: eng, children: [pay-ops], members: [jdoe]}
---
apiVersion: backstage.io/v1alpha1
kind: Location
metadata: {name: root}
spec: {targets: [./a.yaml]}
`;
  const r = structuredRecords(parseData('catalog-info.yaml', yaml, 'yaml'));
  // Every reference is an entity too, of the kind it names or its field's default kind.
  assert.deepEqual(
    [...new Set(entities(r))],
    [
      'api:fraud',
      'api:pay-api',
      'component:gateway',
      'component:platform',
      'group:eng',
      'group:pay-ops',
      'group:payments',
      'resource:ledger-db',
      'system:pay',
      'user:jdoe',
    ],
  );
  assert.deepEqual(r.entities.find((e) => e.name === 'gateway')?.aliases, [
    'Payments Gateway',
    'component:default/gateway',
  ]);
  assert.deepEqual(r.entities.find((e) => e.name === 'ledger-db')?.aliases, ['resource:default/ledger-db']);
  assert.deepEqual(relations(r), [
    'gateway -consumes_api-> fraud',
    'gateway -depends_on-> ledger-db',
    'gateway -owned_by-> payments',
    'gateway -part_of-> pay',
    'gateway -part_of-> platform',
    'gateway -provides_api-> pay-api',
    'jdoe -member_of-> payments',
    'payments -child_of-> eng',
    'payments -has_member-> jdoe',
    'payments -parent_of-> pay-ops',
  ]);
  assert.ok(r.entities.every((e) => e.method === 'catalog'));
});

test('entity references parse kind, namespace and name', () => {
  assert.deepEqual(parseEntityRef('group:ops/team-a', 'user'), { kind: 'group', namespace: 'ops', name: 'team-a' });
  assert.deepEqual(parseEntityRef('team-a', 'group'), { kind: 'group', namespace: 'default', name: 'team-a' });
  assert.deepEqual(parseEntityRef({ kind: 'User', name: 'x' }, 'group'), {
    kind: 'user',
    namespace: 'default',
    name: 'x',
  });
  assert.equal(parseEntityRef('a:b:c', 'group'), undefined);
});
