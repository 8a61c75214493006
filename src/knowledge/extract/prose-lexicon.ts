// The word lists deterministic prose extraction relies on: head nouns that give a noun phrase
// its entity type, organisation suffixes, role words, a small gazetteer of well-known
// technologies, and words that never make an entity on their own.

/** Entity types prose extraction assigns. */
export const PROSE_TYPES = ['person', 'organization', 'location', 'team', 'service', 'api', 'datastore', 'system', 'technology'] as const;
export type ProseType = (typeof PROSE_TYPES)[number];

/**
 * A word table with no prototype: looked up with words from documents, a plain object would
 * answer "constructor" or "__proto__" with Object's own members (a sentence like "Use the Widget
 * constructor" then failed extraction with a TypeError).
 */
const wordTable = (entries: Record<string, ProseType>): Readonly<Record<string, ProseType>> => Object.freeze(Object.assign(Object.create(null) as Record<string, ProseType>, entries));

/** Head nouns that make "<modifiers> <head>" an entity of a type ("the checkout service"). */
export const HEAD_NOUNS: Readonly<Record<string, ProseType>> = wordTable({
  team: 'team', squad: 'team', guild: 'team', tribe: 'team', department: 'organization', lab: 'team', laboratory: 'team',
  region: 'location', district: 'location', province: 'location',
  api: 'api', apis: 'api',
  database: 'datastore', db: 'datastore', datastore: 'datastore', cache: 'datastore', queue: 'datastore',
  bucket: 'datastore', warehouse: 'datastore', topic: 'datastore', lake: 'datastore', index: 'datastore',
  service: 'service', microservice: 'service', app: 'service', application: 'service', worker: 'service',
  gateway: 'service', pipeline: 'service', frontend: 'service', backend: 'service', website: 'service',
  portal: 'service', library: 'service', sdk: 'service', dashboard: 'service', scheduler: 'service', engine: 'service',
  platform: 'system', system: 'system',
});

/** Suffixes of identifiers (payments-api, ledger_db) that give their type. */
export const IDENTIFIER_SUFFIXES: readonly [RegExp, ProseType][] = [
  [/[-_.](api|apis)$/i, 'api'],
  [/[-_.](db|database|store|cache|queue|bucket|topic)$/i, 'datastore'],
  [/[-_.](team|squad)$/i, 'team'],
  [/[-_.](platform|system)$/i, 'system'],
];

/** Last words of organisation names. */
export const ORG_SUFFIXES = new Set([
  'inc', 'corp', 'corporation', 'ltd', 'llc', 'gmbh', 'ag', 'sa', 'plc', 'group', 'holdings', 'bank', 'labs',
  'technologies', 'partners', 'capital', 'ventures', 'university', 'institute', 'foundation', 'company', 'co',
  'agency', 'council', 'committee', 'commission', 'authority', 'trust', 'ministry', 'consulting', 'solutions', 'industries', 'airlines', 'motors', 'pharmaceuticals', 'bv', 'nv', 'oy', 'ab',
]);

/** Words that head an organisation name joined by "of" ("Bank of Ireland"). */
export const OF_HEADS = new Set(['bank', 'university', 'department', 'ministry', 'institute', 'museum', 'college', 'school', 'office', 'board', 'bureau', 'council', 'society', 'association', 'federation', 'republic', 'kingdom', 'city', 'state', 'government']);

/** Titles before a name that make it a person's. */
export const HONORIFICS = new Set(['dr', 'mr', 'mrs', 'ms', 'mx', 'prof', 'sir', 'dame']);

/** Job titles: stripped from person names, and the sign of an employment appositive. */
export const ROLE_WORDS = new Set([
  'ceo', 'cto', 'cfo', 'coo', 'cio', 'ciso', 'vp', 'svp', 'evp', 'president', 'founder', 'co-founder', 'cofounder', 'chair', 'chairman',
  'chairwoman', 'director', 'head', 'manager', 'lead', 'engineer', 'architect', 'officer', 'analyst', 'consultant', 'owner',
  'chief', 'vice', 'executive', 'deputy', 'general', 'senior', 'principal', 'staff', 'product', 'engineering', 'sales', 'marketing', 'dr', 'mr', 'mrs', 'ms', 'prof',
]);

/** Well-known technologies and data stores, by lowercase name. */
export const GAZETTEER: Readonly<Record<string, ProseType>> = wordTable({
  postgres: 'datastore', postgresql: 'datastore', mysql: 'datastore', mariadb: 'datastore', redis: 'datastore',
  kafka: 'datastore', rabbitmq: 'datastore', mongodb: 'datastore', cassandra: 'datastore', dynamodb: 'datastore',
  elasticsearch: 'datastore', opensearch: 'datastore', snowflake: 'datastore', bigquery: 'datastore', s3: 'datastore',
  sqs: 'datastore', memcached: 'datastore', clickhouse: 'datastore', sqlite: 'datastore', oracle: 'organization',
  kubernetes: 'technology', docker: 'technology', terraform: 'technology', helm: 'technology', react: 'technology',
  graphql: 'technology', grpc: 'technology', kotlin: 'technology', java: 'technology', python: 'technology',
  typescript: 'technology', rust: 'technology', golang: 'technology', 'node.js': 'technology', nodejs: 'technology',
  spark: 'technology', airflow: 'technology', prometheus: 'technology', grafana: 'technology', nginx: 'technology',
  envoy: 'technology', istio: 'technology', linux: 'technology', aws: 'organization', gcp: 'organization', azure: 'organization',
});

/** Words that never form an entity alone (generic acronyms, sentence openers, calendar words). */
export const STOP_NAMES = new Set([
  'api', 'apis', 'sdk', 'ui', 'url', 'http', 'https', 'json', 'yaml', 'sql', 'id', 'ids', 'ok', 'faq', 'tbd', 'n/a', 'eta', 'pii',
  'i', 'we', 'our', 'they', 'it', 'this', 'that', 'these', 'those', 'there', 'here', 'today', 'yesterday', 'tomorrow',
  'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday', 'january', 'february', 'march', 'april',
  'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december', 'q1', 'q2', 'q3', 'q4', 'note', 'see',
]);

/** Modifiers dropped from the front of a noun phrase ("the new billing service" -> "billing service"). */
export const GENERIC_MODIFIERS = new Set([
  'new', 'old', 'same', 'other', 'existing', 'current', 'entire', 'whole', 'single', 'own', 'several', 'many', 'each',
  'every', 'both', 'all', 'our', 'their', 'its', 'his', 'her', 'your', 'my', 'this', 'that', 'these', 'those', 'such',
  'any', 'some', 'another', 'first', 'second', 'main', 'separate', 'dedicated', 'internal', 'external', 'underlying',
]);
