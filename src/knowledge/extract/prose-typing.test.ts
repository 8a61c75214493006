// Unit tests of the type cues prose typing reads from a name's own words and the words around it
// (prose-typing, prose-document-types): model codes, units named by what they look after, school
// levels, appositives after a possessive or naming a maker, coined names nothing else types.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proseRecords } from './prose-extractor.js';
import { extract, includesEach } from './prose-test-support.js';

const entities = (text: string): string[] => extract(text).entities;

test('a model code of letters and digits after a name makes a product; a bare number does not', () => {
  includesEach(entities('Every classroom laptop was replaced with Tovari 410e units last summer.'), [
    'product:Tovari 410e',
  ]);
  assert.ok(!entities('The Brennock Trial Route 5 opens in May.').includes('product:Brennock Trial Route 5'));
});

test('an office or services named for a function or what it looks after is a unit', () => {
  includesEach(
    entities('Odile Ferrant, who leads Device Services, reports to the Harbour Security Office at Velmont Port.'),
    ['team:Device Services', 'team:Harbour Security Office'],
  );
  // A company's own name before "Services" keeps it a company.
  assert.ok(
    entities('The contract went to Quenby Services, which has worked for us since 2019.').includes(
      'organization:Quenby Services',
    ),
  );
});

test('a school named by its level is a site', () => {
  includesEach(entities('The district runs Larchmere Middle School and Oxbury High School.'), [
    'facility:Larchmere Middle School',
    'facility:Oxbury High School',
  ]);
});

test("an appositive after a name's possessive still types the name", () => {
  includesEach(entities("Every lorry must hold a booking in DockSlot, the Authority's vehicle booking service."), [
    'service:DockSlot',
  ]);
});

test('an appositive naming its maker with "from" makes a product, but not of a person or a body', () => {
  const found = entities(
    'In May our core moves to Velta Core, a cloud-native core network from Velta Systems. ' +
      'The knives belonged to Morag Tulloch, a fish gutter from Orkney.',
  );
  includesEach(found, ['product:Velta Core']);
  assert.ok(!found.includes('product:Morag Tulloch'), found.join(', '));
  includesEach(entities('Funding came from Pellow Labs, a spin-out company from Dunmore University.'), [
    'organization:Pellow Labs',
  ]);
});

test('a coined word nothing else types is a product; one whose customers are named is a company', () => {
  includesEach(entities('Web traffic on every tablet is now filtered by NetWarden, which we have used since May.'), [
    'product:NetWarden',
  ]);
  includesEach(entities('About 18% of card payments for TallyCoin merchants failed on Monday.'), [
    'organization:TallyCoin',
  ]);
});

test('a month after a day number and an opening adverb are no part of a name', () => {
  const found = entities(
    'Between 4 March and 31 January Tarnow Networks will upgrade its masts. Once Brindle is complete, we close.',
  );
  assert.ok(found.includes('organization:Tarnow Networks'), found.join(', '));
  assert.ok(!found.some((e) => /January|Once/.test(e)), found.join(', '));
});

test('a title line alone as a paragraph gives only the names its own words type', () => {
  const text = 'Tarnow Networks upgraded its masts. Vell Ives said so. It took a year. It cost a lot. It went well.';
  const r = proseRecords([
    { kind: 'paragraph', text: 'BRELLAND INSURANCE PLC - INTERNAL MEMO', start: 0, end: 38 },
    { kind: 'paragraph', text, start: 40, end: 40 + text.length },
  ]);
  const found = r.entities.map((e) => `${e.type}:${e.name}`);
  assert.ok(found.includes('organization:BRELLAND INSURANCE PLC'), found.join(', '));
  assert.ok(!found.some((e) => /MEMO/.test(e)), found.join(', '));
});

test('bodies: an appositive after an abbreviation, a head before "of", a sector word, "whose" staff, a maker', () => {
  includesEach(
    entities(
      'The district has joined the Orchard Schools Network (OSN), a fibre consortium run by the Dallow County Office of Education. ' +
        'Casa Verde Hospitality owns three hotels. We thank Brackwell, whose database consultants advised us. ' +
        'The old radios, supplied by Vantrel in 2009, will be removed.',
    ),
    [
      'organization:Orchard Schools Network',
      'organization:Dallow County Office of Education',
      'organization:Casa Verde Hospitality',
      'organization:Brackwell',
      'organization:Vantrel',
    ],
  );
});

test('a word seen once after "in", or after "of" following a name, is a place', () => {
  includesEach(
    entities('A reader in Dunmarsh can borrow a book. The bridge was designed by Arnau Enginyers of Tarrant.'),
    ['location:Dunmarsh', 'location:Tarrant'],
  );
});

test('a place headed "Bay of", "Gulf of" is one name; Spanish particles stay inside a body’s name', () => {
  const found = entities(
    'Velt Mobile will upgrade masts across the Waikato and Bay of Plenty regions. ' +
      'The deal was cleared by the Comisión Regional de los Puertos y la Costa last week.',
  );
  includesEach(found, ['location:Bay of Plenty']);
  assert.ok(
    found.some((e) => e.endsWith(':Comisión Regional de los Puertos y la Costa')),
    found.join(', '),
  );
  assert.ok(!found.some((e) => /:(?:Bay|Plenty)$/.test(e)), found.join(', '));
});

test('a system acronym after a brand is a product, a legal suffix keeps a body, DB ends a datastore', () => {
  const found = entities(
    'Trial data are captured in Vellum EDC. Tarn Pumps AB supplies the pumps. Every invoice lived in Quarry DB.',
  );
  includesEach(found, ['product:Vellum EDC', 'organization:Tarn Pumps AB', 'datastore:Quarry DB']);
});

test('a named piece of work is a project; a hub is a site', () => {
  const found = entities(
    'The Brockley Upgrade is 80% complete. The Orrin Bridge Replacement starts in May. Staff move to our new Leeming Hub.',
  );
  includesEach(found, ['project:Brockley Upgrade', 'project:Orrin Bridge Replacement', 'facility:Leeming Hub']);
});

test('a system named with "the" is bought in, a product; "our" or "in-house" system is a service', () => {
  const found = entities(
    'Echo reports move to ScanView, the new imaging system. Alarms reach Pylonix, our outage management system. ' +
      'Addresses go to RouteMap, the in-house routing system.',
  );
  includesEach(found, ['product:ScanView', 'service:Pylonix', 'service:RouteMap']);
});
