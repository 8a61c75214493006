// Every reference is an entity: a relation end that a structured document names but declares no
// entity for becomes one, of the type the document implies for it. In order: the name's own head
// word when it names its kind ("Checkout Service", "Bus Depot North", "Department of Transport",
// "Project Aurora", "Route 5", an "INC-2041" ticket); what the relation says of that end
// (`located_in` -> a location, `works_for` -> an organization, `member_of` -> a team, `led_by` a
// person when the name is a person's); a person's name by its form and given/family names; the
// other end's type for a relation between peers (`collaborates_with`). Otherwise nothing: an end
// whose type nothing implies stays a relation end (resolution may still find its entity), an
// open end (`openEnds`). Ingest then asks the tenant's graph what its other documents declared
// of those names (`knownEndpointEntities`): the document's own evidence always comes first, and
// what the tenant already knows types only the ends nothing in the document types.
// The kinds are the words of structured data (station, depot, lab, department, transit_line),
// not prose's broader classes.
import nlp from 'compromise';
import { looksLikePersonName } from './field-meaning.js';
import { PRIORITY } from './entity-resolution.js';
import type { EntityRecord, ExtractionMethod, GraphRecords, RelationRecord } from './graph-records.js';
import { cleanName, normaliseName, normaliseType } from './names.js';
import { each, wordTable } from './word-table.js';

/** Last words of a name that say what kind of thing it names ("Genomics Team", "Harbour Station"). */
const LAST_HEADS = wordTable<string>({
  ...each('team teams squad crew guild tribe', 'team'),
  ...each('lab labs laboratory', 'lab'),
  ...each('department dept', 'department'),
  ...each('council parliament assembly senate legislature', 'governing_body'),
  ...each(
    'university college school hospital infirmary clinic trust foundation institute authority bank insurance biosciences therapeutics pharmaceuticals pharma airways airlines logistics shipping freight traders trading consulting associates holdings museum society association federation alliance consortium cooperative inc ltd llc llp gmbh plc corp corporation',
    'organization',
  ),
  ...each('service svc microservice gateway router scheduler portal', 'service'),
  ...each('api apis', 'api'),
  ...each('database db datastore cache ledger bucket', 'datastore'),
  queue: 'queue',
  dataset: 'dataset',
  ...each('project programme', 'project'),
  station: 'station',
  depot: 'depot',
  warehouse: 'warehouse',
});

/** First words of "<kind> of <name>" ("Department of Transport", "University of Leeds"). */
const OF_HEADS = wordTable<string>({
  department: 'department',
  council: 'governing_body',
  ...each('university college institute bank', 'organization'),
});

/** First words that name the kind of what follows ("Project Aurora", "Programme Atlas"). */
const FIRST_HEADS = wordTable(each('project programme', 'project'));

/** Ways of travelling that make a numbered or named line a transit line ("Metro Line 1", "Tram Line"). */
const TRANSIT_MODES = new Set('metro tram bus rail subway underground overground light ferry'.split(' '));

/** Words after the head that qualify it, not change its kind ("Bus Depot North", "Aurora Dataset v2"). */
const QUALIFIER =
  /^(north|south|east|west|northeast|northwest|southeast|southwest|v?\d+(\.\d+)*[a-z]?|[a-z]\d*|[ivx]+)$/i;

/** Ticket numbers whose prefix names the kind of record (the ITSM conventions: INC-2041, CHG0031). */
const TICKET_PREFIXES: readonly [RegExp, string][] = [
  [/^INC[-_ ]?\d+$/i, 'incident'],
  [/^CHG[-_ ]?\d+$/i, 'change'],
  [/^PRB[-_ ]?\d+$/i, 'problem'],
];

/** The kind a name gives itself by its head word, if it does. */
export function kindOfName(name: string): string | undefined {
  const text = cleanName(name);
  const ticket = TICKET_PREFIXES.find(([re]) => re.test(text));
  if (ticket !== undefined) return ticket[1];
  // A slug names its kind by its last part (payments-api, orders-db); a name by its words.
  const words = (/\s/.test(text) ? text.split(/\s+/) : text.split(/[-_.]/)).filter((w) => w !== '');
  const lower = words.map((w) => w.toLowerCase());
  const [first, second] = lower;
  if (first === undefined) return undefined;
  if (lower.length > 2 && second === 'of' && OF_HEADS[first] !== undefined) return OF_HEADS[first];
  if (lower.length > 1 && FIRST_HEADS[first] !== undefined && /^\p{Lu}/u.test(words[1] ?? ''))
    return FIRST_HEADS[first];
  // A numbered route or line is a transit line ("Route 5", "Line 3").
  if (lower.length === 2 && /^(route|line)$/.test(first) && /^\d+[a-z]?$/i.test(second ?? '')) return 'transit_line';
  let end = lower.length;
  while (end > 1 && QUALIFIER.test(lower[end - 1] ?? '')) end -= 1;
  const head = lower[end - 1] ?? '';
  if (head === 'line' && (end < lower.length || TRANSIT_MODES.has(lower[end - 2] ?? ''))) return 'transit_line';
  return LAST_HEADS[head];
}

/** What a relation says of the kind of its ends: the end's kind, `person?` (a person when named like one), or `peer`. */
const RELATION_ENDS: Readonly<Record<string, { readonly source?: string; readonly target?: string }>> = {
  ...Object.fromEntries(
    'located_in based_in headquartered_in lives_in situated_in'.split(' ').map((r) => [r, { target: 'location' }]),
  ),
  member_of: { source: 'person?', target: 'team' },
  ...Object.fromEntries(
    'works_for employed_by'.split(' ').map((r) => [r, { source: 'person?', target: 'organization' }]),
  ),
  ...Object.fromEntries(
    'reports_to managed_by led_by supervised_by headed_by assigned_to'
      .split(' ')
      .map((r) => [r, { target: 'person?' }]),
  ),
  ...Object.fromEntries(
    'leads manages heads supervises drives trains mentors'.split(' ').map((r) => [r, { source: 'person?' }]),
  ),
  has_member: { target: 'person?' },
  owned_by: { target: 'person?|team' },
  supplies: { source: 'organization' },
  supplied_by: { target: 'organization' },
  ...Object.fromEntries(
    'stored_in deposited_in archived_in backed_by'.split(' ').map((r) => [r, { target: 'datastore' }]),
  ),
  // NOTE: peers are of one kind: two people collaborate, two lines interchange, a team's parent is a team.
  ...Object.fromEntries(
    'collaborates_with partners_with interchanges_with connected_to child_of parent_of'
      .split(' ')
      .map((r) => [r, { source: 'peer', target: 'peer' }]),
  ),
};

/** compromise's lexicon: a word's tags when it knows the word (a lookup, not tagging: cheap on big tables). */
const LEXICON = (nlp.model() as { one: { lexicon: Readonly<Record<string, string | string[] | undefined>> } }).one
  .lexicon;
/** A word's lexicon tags, also without its accents ("Müller" is known as "muller"). */
function tagsOf(word: string): string[] {
  const lower = word.toLowerCase();
  const plain = lower.normalize('NFD').replace(/\p{M}/gu, '');
  const at = (w: string): string[] =>
    [Object.hasOwn(LEXICON, w) ? LEXICON[w] : undefined].flat().filter((t): t is string => t !== undefined);
  const own = at(lower);
  return own.length > 0 ? own : at(plain);
}
const PERSON_TAGS = new Set(['FirstName', 'MaleName', 'FemaleName', 'LastName', 'Person']);
const PLACE_TAGS = new Set(['Place', 'City', 'Country', 'Region', 'Organization']);
/** Tags of everyday words: a name made of one is a thing's ("Growth Strategy"), not a person's. */
const EVERYDAY = new Set([
  'Singular',
  'Plural',
  'Uncountable',
  'Infinitive',
  'Gerund',
  'PastTense',
  'Adjective',
  'Actor',
]);
const everyday = (word: string): boolean => tagsOf(word).some((t) => EVERYDAY.has(t));

/** Whether a name is a person's by its form and by a given or family name the lexicon knows ("Nancy Davolio", "Ravi Patel"). */
export function isPersonName(name: string): boolean {
  if (!looksLikePersonName(name)) return false;
  const tags = name.split(/\s+/).flatMap(tagsOf);
  return tags.some((t) => PERSON_TAGS.has(t)) && !tags.some((t) => PLACE_TAGS.has(t));
}

/** Whether a relation that takes a person at this end may read `name` as one: named like a person, of no everyday word. */
function personLike(name: string): boolean {
  if (!looksLikePersonName(name)) return false;
  return isPersonName(name) || !name.toLowerCase().split(/\s+/).some(everyday);
}

/**
 * The kind a relation end implies for `name`: its head word, then what the relation says of that
 * end, then a person's name; `peer` when the relation joins two of a kind; undefined when nothing does.
 */
export function endKind(name: string, relation: string, end: 'source' | 'target'): string | undefined {
  const own = kindOfName(name);
  if (own !== undefined) return own;
  const type = normaliseType(relation);
  const said = Object.hasOwn(RELATION_ENDS, type) ? RELATION_ENDS[type]?.[end] : undefined;
  if (said === 'person?|team') return personLike(name) ? 'person' : 'team';
  if (said === 'person?') return personLike(name) ? 'person' : undefined;
  if (said !== undefined && said !== 'peer') return said;
  if (isPersonName(name)) return 'person';
  return said;
}

/** The normalised names of every entity of `records`, by name and alias, with their types. */
function typesOf(records: GraphRecords): Map<string, string> {
  const typeOf = new Map<string, string>();
  for (const e of records.entities)
    for (const n of [e.name, ...e.aliases]) if (!typeOf.has(normaliseName(n))) typeOf.set(normaliseName(n), e.type);
  return typeOf;
}

/** Whether a relation end names a thing no entity of `typeOf` stands for (dates, numbers and links are values, never things). */
const isOpen = (name: string, typeOf: ReadonlyMap<string, string>): boolean =>
  /\p{L}/u.test(name) &&
  !/^(https?:\/\/|\d{4}-\d{2}-\d{2})/.test(name.trim()) &&
  normaliseName(name) !== '' &&
  !typeOf.has(normaliseName(name));

/**
 * Entities for the relation ends of `records` that no entity (by name or alias) stands for, of
 * the kind each end implies, with the relation's method and span as provenance. A peer end takes
 * the other end's type once that is known.
 */
export function endpointEntities(records: GraphRecords): EntityRecord[] {
  const typeOf = typesOf(records);
  const added: EntityRecord[] = [];
  const add = (name: string, type: string, r: RelationRecord): void => {
    typeOf.set(normaliseName(name), type);
    added.push({ name: cleanName(name), type, aliases: [], method: r.method, span: r.span });
  };
  const open = (name: string): boolean => isOpen(name, typeOf);
  const peers: [string, string, RelationRecord][] = [];
  for (const r of records.relations)
    for (const [name, other, end] of [
      [r.source, r.target, 'source'],
      [r.target, r.source, 'target'],
    ] as const) {
      if (!open(name)) continue;
      const kind = endKind(name, r.type, end);
      if (kind === 'peer') peers.push([name, other, r]);
      else if (kind !== undefined) add(name, kind, r);
    }
  // Peers last, until no more ends are typed ("A collaborates with B, B with C").
  for (let changed = true; changed;) {
    changed = false;
    for (const [name, other, r] of peers) {
      const type = typeOf.get(normaliseName(other));
      if (!open(name) || type === undefined) continue;
      add(name, type, r);
      changed = true;
    }
  }
  return added;
}

/** A relation end no entity of its records stands for, with the first relation that names it. */
export interface OpenEnd {
  readonly name: string;
  readonly relation: RelationRecord;
}

/** The relation ends of `records` that no entity stands for (by name or alias), once each, in order. */
export function openEnds(records: GraphRecords): OpenEnd[] {
  const typeOf = typesOf(records);
  const seen = new Set<string>();
  const out: OpenEnd[] = [];
  for (const r of records.relations)
    for (const name of [r.source, r.target]) {
      const key = normaliseName(name);
      if (!isOpen(name, typeOf) || seen.has(key)) continue;
      seen.add(key);
      out.push({ name: cleanName(name), relation: r });
    }
  return out;
}

/** An entity the tenant already knows (from its other documents): its name and type. */
export interface KnownEntity {
  readonly name: string;
  readonly type: string;
}

/** A lookup of known entities by normalised name or alias (`normaliseName`). */
export type KnownTypes = ReadonlyMap<string, KnownEntity>;

/**
 * The lookup of `entities` by normalised name and alias. Where entities of different types claim
 * one name, those read the most authoritative way win (declared records over an LLM's over prose
 * patterns, as in resolution); a tie of different types is ambiguous and types nothing, and so do
 * an `unknown` type and an entity only prose patterns read.
 */
export function knownTypesOf(
  entities: Iterable<{
    readonly name: string;
    readonly type: string;
    readonly aliases?: readonly string[];
    /** How the entity was read (its mentions' methods); its rank is the best of them. */
    readonly methods?: readonly ExtractionMethod[];
  }>,
): Map<string, KnownEntity> {
  const best = new Map<string, { entity: KnownEntity | undefined; rank: number }>();
  for (const e of entities) {
    const type = normaliseType(e.type);
    if (type === '' || type === 'unknown') continue;
    const rank = Math.max(0, ...(e.methods ?? []).map((m) => PRIORITY[m] ?? 0));
    // NOTE: a type only prose patterns gave is a guess (their entity precision is 0.7-0.9 on the
    // blind sets); it does not spread into other documents' declared data.
    if (rank < PRIORITY.llm) continue;
    for (const n of new Set([e.name, ...(e.aliases ?? [])].map(normaliseName))) {
      const had = best.get(n);
      if (n === '' || (had !== undefined && had.rank > rank)) continue;
      if (had === undefined || had.rank < rank) best.set(n, { entity: { name: cleanName(e.name), type }, rank });
      else if (had.entity !== undefined && had.entity.type !== type) best.set(n, { entity: undefined, rank });
    }
  }
  const known = new Map<string, KnownEntity>();
  for (const [key, { entity }] of best) if (entity !== undefined) known.set(key, entity);
  return known;
}

/**
 * Entities for the open ends of `records` (ends no entity of the document stands for) that
 * `known` knows: of the known type, under the known name with the end's own spelling as an alias
 * ("FedShip" -> Federal Shipping), with the relation's method and span as provenance. Run after
 * the document's own typing (endpointEntities): the document's evidence comes first.
 */
export function knownEndpointEntities(records: GraphRecords, known: KnownTypes): EntityRecord[] {
  if (known.size === 0) return [];
  const added: EntityRecord[] = [];
  for (const { name, relation } of openEnds(records)) {
    const k = known.get(normaliseName(name));
    if (k === undefined) continue;
    const aliases = normaliseName(k.name) === normaliseName(name) ? [] : [name];
    added.push({ name: k.name, type: k.type, aliases, method: relation.method, span: relation.span });
  }
  return added;
}
