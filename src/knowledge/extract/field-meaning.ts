// What the fields of an export mean, read as a person reads them: which field names a record
// (`name`, `Full Name`, `CI Name`, `Issue key`), which fields are its identifiers (ids, emails,
// keys, codes: kept as aliases and used to resolve references), and which fields name other
// records and so state a relation, typed by the field (`manager` -> reports_to a person,
// `Department` -> member_of a team, `Site Lead` -> led_by a person). Field names are matched by
// their words after normalisation (case, separators, plurals, an `_id`/`_email` suffix), not
// against one tool's header list.
import { normaliseType } from './names.js';
import { relationColumn } from './record-fields.js';

/** What a field that names other records states. */
export interface FieldMeaning {
  /** The relation type, from the record to the named record (or back, when `inverse`). */
  readonly relation: string;
  /** The type the field implies for the named record; undefined: the record's own type. */
  readonly target?: string;
  /** The named record is the source: `contacts` of a vendor work for the vendor. */
  readonly inverse?: boolean;
  /** Values are places whose commas belong to the name ("Lisbon, Portugal"). */
  readonly place?: boolean;
  /** Only a single value states it: a `Service` tag is what the record is part of, a `services` list is not. */
  readonly scalar?: boolean;
}

const person = (relation: string): FieldMeaning => ({ relation, target: 'person' });
const place = (target = 'location'): FieldMeaning => ({ relation: 'located_in', target, place: true });

/** Field stems (singular, snake_case, suffixes removed) and what they state. */
const MEANINGS: Readonly<Record<string, FieldMeaning>> = {
  manager: person('reports_to'),
  line_manager: person('reports_to'),
  reports_to: person('reports_to'),
  supervisor: person('reports_to'),
  department: { relation: 'member_of', target: 'team' },
  dept: { relation: 'member_of', target: 'team' },
  division: { relation: 'member_of', target: 'team' },
  cost_centre: { relation: 'charged_to', target: 'cost_centre' },
  cost_center: { relation: 'charged_to', target: 'cost_centre' },
  location: place(),
  city: place(),
  country: place(),
  headquarter: place(),
  hq: place(),
  lives_in: place(),
  based_in: place(),
  located_in: place(),
  building: place('office'),
  office: place('office'),
  site: place('office'),
  assignee: person('assigned_to'),
  assigned_to: person('assigned_to'),
  reporter: person('reported_by'),
  reported_by: person('reported_by'),
  creator: person('created_by'),
  created_by: person('created_by'),
  author: person('written_by'),
  component: { relation: 'belongs_to', target: 'component' },
  project: { relation: 'belongs_to', target: 'project' },
  support_group: { relation: 'supported_by', target: 'team' },
  supported_by: { relation: 'supported_by', target: 'team' },
  managed_by: person('managed_by'),
  depends_on: { relation: 'depends_on' },
  dependency: { relation: 'depends_on' },
  vendor: { relation: 'supplied_by', target: 'vendor' },
  supplier: { relation: 'supplied_by', target: 'vendor' },
  supplied_by: { relation: 'supplied_by', target: 'vendor' },
  system: { relation: 'part_of', target: 'system' },
  domain: { relation: 'part_of', target: 'domain' },
  owner: { relation: 'owned_by' },
  business_owner: { relation: 'owned_by' },
  owned_by: { relation: 'owned_by' },
  steward: { relation: 'owned_by' },
  backed_by: { relation: 'backed_by', target: 'datastore' },
  feed: { relation: 'feeds' },
  site_lead: person('led_by'),
  led_by: person('led_by'),
  lead: person('led_by'),
  escalation_policy: { relation: 'escalates_to', target: 'escalation_policy' },
  target: { relation: 'escalates_to' },
  used_by: { relation: 'used_by', target: 'service' },
  subprocessor: { relation: 'uses', target: 'vendor' },
  contact: { relation: 'works_for', target: 'person', inverse: true },
  service: { relation: 'part_of', target: 'service', scalar: true },
  member: person('has_member'),
  member_of: { relation: 'member_of', target: 'team' },
  block: { relation: 'blocks' },
  relate: { relation: 'relates_to' },
  blocked_by: { relation: 'blocks', inverse: true },
};

/** Relations whose two directions are the same fact (listed once, from the outward side). */
const SYMMETRIC = new Set(['relates_to']);

/** Type words for collections and type values: what a person calls such a record. */
const TYPE_WORDS: Readonly<Record<string, string>> = {
  user: 'person',
  employee: 'person',
  person: 'person',
  people: 'person',
  staff: 'person',
  contact: 'person',
  member: 'person',
  team: 'team',
  group: 'team',
  department: 'team',
  squad: 'team',
  vendor: 'vendor',
  supplier: 'vendor',
  subprocessor: 'vendor',
  service: 'service',
  application: 'service',
  saas: 'service',
  database: 'datastore',
  datastore: 'datastore',
  storage: 'datastore',
  bucket: 'datastore',
  queue: 'queue',
  issue: 'issue',
  ticket: 'issue',
  resource: 'resource',
  office: 'office',
  dataset: 'dataset',
  escalation_policy: 'escalation_policy',
  schedule: 'schedule',
};

/** Singular of a snake_case word or phrase (last word only): policies -> policy, teams -> team. */
export function singular(key: string): string {
  if (/ies$/.test(key)) return key.replace(/ies$/, 'y');
  if (/(ss|us|is)$/.test(key) || key.length <= 3) return key;
  if (/(x|ch|sh)es$/.test(key)) return key.replace(/es$/, '');
  return key.replace(/s$/, '');
}

/** The canonical stem of a field name: `Component/s` -> component, `managerEmail` -> manager. */
export function fieldStem(field: string): string {
  const key = normaliseType(field.replace(/\/s\b/gi, 's'));
  const bare = key.replace(
    /_(id|ids|email|emails|ref|refs|reference|references|key|keys|code|codes|slug|slugs|name|names)$/,
    '',
  );
  return singular(bare || key);
}

/**
 * What a field states about its record, if it names other records. `recordType` decides the
 * two readings of a team field (a person is a member of it, anything else is owned by it) and of
 * `parent` (a team is the child of its parent team, an issue part of its parent).
 */
export function fieldMeaning(field: string, recordType: string): FieldMeaning | undefined {
  const stem = fieldStem(field);
  const key = normaliseType(field);
  if (/^(team|group|squad)$/.test(stem))
    return recordType === 'person'
      ? { relation: 'member_of', target: 'team' }
      : { relation: 'owned_by', target: 'team' };
  if (stem === 'parent') return { relation: recordType === 'team' ? 'child_of' : 'part_of', target: recordType };
  // Link columns: "Outward issue link (Blocks)", "Inward issue link (Relates)".
  const link = /^(inward|outward)_.*?_([a-z]+)$/.exec(key);
  if (link !== null) {
    const meaning = MEANINGS[singular(link[2] ?? '')];
    if (meaning === undefined) return undefined;
    if (link[1] === 'outward') return { ...meaning, target: recordType };
    return SYMMETRIC.has(meaning.relation) ? undefined : { ...meaning, target: recordType, inverse: true };
  }
  const known = MEANINGS[stem] ?? MEANINGS[key];
  if (known !== undefined) return known;
  // A header that is itself a relation phrase ("Works for", "Part of", "Serves").
  const relation = relationColumn(key);
  return relation === undefined ? undefined : { relation };
}

/** Whether a field holds the record's name: `name`, `Full Name`, `CI Name`, `display_name`. */
export function isNameField(field: string): boolean {
  return /^(name|full_name|display_name|fullname|displayname|[a-z]+_name|title|label)$/.test(normaliseType(field));
}

/** Whether a field holds an identifier: `id`, `Employee ID`, `primaryEmail`, `Issue key`, `Code`, `slug`. */
export function isIdField(field: string): boolean {
  return /(^|_)(id|key|e?mail|code|slug|username|login|handle|address|arn|no|number)$/.test(normaliseType(field));
}

/** The type a person gives records of a collection or a type value ("users" -> person, "Message Queue" -> queue). */
export function typeFromWords(words: string): string | undefined {
  const key = normaliseType(words);
  if (key === '') return undefined;
  const whole = TYPE_WORDS[singular(key)];
  if (whole !== undefined) return whole;
  const parts = key.split('_').map(singular);
  for (const p of [...parts].reverse()) if (p in TYPE_WORDS && p !== 'member') return TYPE_WORDS[p];
  return undefined;
}

/** Whether a value looks like a person's name ("Ana Costa", "Tomás Herrera", "Pieter de Vries"). */
export function looksLikePersonName(value: string): boolean {
  const words = value.trim().split(/\s+/);
  if (words.some((w) => UNIT_WORDS.has(w.toLowerCase()))) return false;
  return /^\p{Lu}[\p{L}'’-]+(?: (?:\p{Ll}{1,3} )?\p{Lu}[\p{L}'’-]+){1,3}$/u.test(value.trim());
}

/** Words that name a unit or a thing, never part of a person's name. */
const UNIT_WORDS = new Set(
  'team squad group core lab laboratory department office unit platform engineering operations ops service services systems support centre center council board committee division desk guild crew'.split(
    ' ',
  ),
);

/** Values that name nothing: empty cells, dashes, placeholders. */
export function isPlaceholder(value: string): boolean {
  return /^(|-|—|–|n\/?a|none|null|tbc|tbd|unknown|\?)$/i.test(value.trim());
}
