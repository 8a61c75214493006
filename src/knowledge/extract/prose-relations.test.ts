// Unit tests of prose relations added in the fourth round: a unit named after a job title, a body
// "of" a place, a site "at its works in" a place, "stays in", and a "<Place>-based" description.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extract, includesEach } from './prose-test-support.js';

test('a unit its words type after "Head of" is a name the title holder leads; a subject is not', () => {
  const { entities, relations } = extract(
    'Oskar Lind, Head of Claims Operations, is running the move. Elin Dahl, the Keeper of Maritime History, wrote it.',
  );
  includesEach(entities, ['team:Claims Operations']);
  includesEach(relations, ['Oskar Lind -leads-> Claims Operations']);
  assert.ok(!entities.some((e) => /Maritime History/.test(e)), entities.join(', '));
});

test('a body "of" a place, "at its works in" a place, and a unit that "stays in" a place are located there', () => {
  const { relations } = extract(
    'The pumps were supplied by Varnholt Pumpen GmbH of Bremen. ' +
      'The girders are being made by Corran Steel at its works in Scunthorpe. ' +
      'It takes over the Search team, which stays in Manchester under Ada Vell.',
  );
  includesEach(relations, [
    'Varnholt Pumpen GmbH -located_in-> Bremen',
    'Corran Steel -located_in-> Scunthorpe',
    'Search -located_in-> Manchester',
  ]);
  // A person "of" a body works for it; that reading is not a place's.
  const person = extract('Professor Ada Vell of the Tarnby Institute joined the board.').relations;
  assert.ok(!person.some((r) => r.includes('located_in')), person.join(', '));
});

test('a "<Place>-based" description after a name places it', () => {
  const { relations } = extract(
    'Elmstead Ventures is a London-based venture firm. We bought Casa Verde Hospitality, the Soria-based operator of hotels.',
  );
  includesEach(relations, ['Elmstead Ventures -located_in-> London', 'Casa Verde Hospitality -located_in-> Soria']);
});

test('a person "of the" or "on the" a unit is its member', () => {
  const { relations } = extract(
    'Tally was built by Ada Vell of the Reliability team. Posted by Oskar Lind, Staff Engineer on the Core Data team.',
  );
  includesEach(relations, ['Ada Vell -member_of-> Reliability', 'Oskar Lind -member_of-> Core Data']);
});

test('working with, a thing run with, and jointly with: partners, never for a person', () => {
  const { relations } = extract(
    'Brindlemark Ltd continues to work with the Dunmore Institute for Soil Research on models. ' +
      'Eelcount, our eel survey, is run with the Kelby Angling Club. ' +
      'Ada Vell works with Oskar Lind.',
  );
  includesEach(relations, [
    'Brindlemark Ltd -partners_with-> Dunmore Institute for Soil Research',
    'Eelcount -partners_with-> Kelby Angling Club',
  ]);
  assert.ok(!relations.some((r) => r.startsWith('Ada Vell -partners_with')), relations.join(', '));
});

test('a place between a unit and "led by" does not take the unit\'s leader; two joined participles read as the last', () => {
  const { relations } = extract(
    'Waypoint is run by the Route Planning team in Leeds, led by Ewan Sholto. ' +
      'The Orrin Footbridge is promoted and funded by Wexley County Council.',
  );
  includesEach(relations, [
    'Ewan Sholto -leads-> Route Planning',
    'Orrin Footbridge -funded_by-> Wexley County Council',
  ]);
  assert.ok(!relations.some((r) => r.includes('-leads-> Leeds')), relations.join(', '));
});

test('an open appositive before a participle, "held by", reading from and a thing bought or from a maker', () => {
  const { relations } = extract(
    'A week later Glint, the reporting service owned by the Insights team, started reading from Quarry Cluster. ' +
      'DockSlot checks each card against the Driver Register, which is held by the Transport Agency. ' +
      'His crews surveyed the mains with PipeHark acoustic loggers bought from Sonique Ltd. ' +
      'Our core moves to Velta Core, a cloud-native core network from Velta Systems.',
  );
  includesEach(relations, [
    'Glint -owned_by-> Insights',
    'Driver Register -owned_by-> Transport Agency',
    'PipeHark -supplied_by-> Sonique Ltd',
    'Velta Core -supplied_by-> Velta Systems',
  ]);
});

test('a later pattern of the same words holds where the first does not; a possessive end is no end', () => {
  const { relations } = extract(
    'The knives belonged to Ada Vell, a herring girl from Shetland. ' +
      'Echo reports move to CardioScan, the imaging system owned by the Infirmary’s parent organisation, Fenmoor Trust.',
  );
  includesEach(relations, ['Ada Vell -located_in-> Shetland']);
  assert.ok(!relations.some((r) => r.endsWith('-> Infirmary')), relations.join(', '));
});

test('no data kept in a country, no country inside another, no list item that opens a clause; hosted in a site', () => {
  const { relations } = extract(
    'Arvena licensed the molecule from Hinode Pharma Ltd, which keeps the rights in Japan. ' +
      'The trial runs at sites in Belgium, the Netherlands and Poland. ' +
      'The Orrin Footbridge is funded by Wexley County Council, and Marrick Construction Ltd is the contractor. ' +
      'Velta Core will be hosted in our Harle Data Centre.',
  );
  assert.ok(!relations.some((r) => r.includes('-writes_to-> Japan')), relations.join(', '));
  assert.ok(!relations.some((r) => r.startsWith('Belgium -located_in')), relations.join(', '));
  assert.ok(!relations.some((r) => r.endsWith('-funded_by-> Marrick Construction Ltd')), relations.join(', '));
  includesEach(relations, [
    'Orrin Footbridge -funded_by-> Wexley County Council',
    'Velta Core -located_in-> Harle Data Centre',
  ]);
});

test('a name before "by" after "and" is the subject of a verb left out, not a second agent; looking after is owning', () => {
  const { relations } = extract(
    'Corvel Labs was advised by Morrow & Finch LLP and Novara Pharma by Ferrand Kahl LLP. ' +
      'The Ads team looks after Beacon.',
  );
  assert.ok(!relations.some((r) => r.endsWith('-advised_by-> Novara Pharma')), relations.join(', '));
  includesEach(relations, ['Corvel Labs -advised_by-> Morrow & Finch LLP', 'Ads -owns-> Beacon']);
});
