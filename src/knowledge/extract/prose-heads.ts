// Head words that type a proper name in prose: the capitalised last word of a name ("Beaumont
// Building", "Yard Planning Group"), a lowercase noun right after a name ("the Orbit team", "the
// Kestrel app", "the libfoo library": a type cue, not part of the name), and the noun of an
// appositive describing a name ("Orbit, our scheduling tool"). Classes of words, never names.
import type { ProseType } from './prose-lexicon.js';
import { each, wordTable } from './word-table.js';

/** Words naming internal units, and business functions that name a unit when they end a name ("Network Operations"). */
const UNIT_HEADS = 'team teams squad squads guild tribe committee unit crew desk';
const FUNCTION_HEADS =
  'operations engineering security support care finance marketing sales procurement compliance analytics design infrastructure informatics management planning reliability governance partnerships communications control onboarding dispatch payroll recruitment';
const FACILITY_HEADS =
  'building wing terminal substation depot plant factory hangar campus tower mill yard site warehouse works hub centre center library room bridge footbridge tunnel viaduct reservoir dam stadium arena hotel hostel pier jetty wharf lighthouse airport theatre cinema prison';
const LOCATION_HEADS =
  'sea ocean river lake bay island islands isles valley mountains coast quay street road avenue square district county province region harbour estuary peninsula lane forest moor canal firth';
const DATASTORE_HEADS = 'register registry ledger log archive database db datastore catalogue catalog repository index';
const EVENT_HEADS =
  'expo conference summit festival fair awards hackathon meetup symposium congress convention cup championship championships tournament trophy marathon league olympics';
// NOTE: "Brockley Upgrade", "Orrin Lane Bridge Replacement": a named piece of work is a project.
const PROJECT_HEADS =
  'project programme program initiative trial study upgrade replacement extension renewal refurbishment redevelopment';
const SERVICE_HEADS = 'service microservice router gateway portal scheduler engine pipeline worker';
const ORG_HEADS =
  'hospitality leisure healthcare guard water power electric electricity gas telecom telecoms mobile broadband utilities hotels resorts motors devices civils construction contractors builders homes schools libraries elementary academy fc afc rovers athletic wanderers hospital infirmary clinic university college school council trust authority airways airlines air systems networks energy interactive studios studio games media pharma pharmaceuticals therapeutics biosciences health publishing press associates logistics shipping freight rail bank insurance foods aerospace robotics software digital consulting llp ltd limited inc corp plc gmbh museum society association club union federation alliance consortium cooperative fund';

/** Capitalised last word of a name of two or more words -> the name's type. */
export const NAME_HEADS: Readonly<Record<string, ProseType>> = wordTable<ProseType>({
  ...each(ORG_HEADS, 'organization'),
  ...each(FUNCTION_HEADS, 'team'),
  ...each(FACILITY_HEADS, 'facility'),
  ...each(LOCATION_HEADS, 'location'),
  ...each(DATASTORE_HEADS, 'datastore'),
  ...each(EVENT_HEADS, 'event'),
  ...each(PROJECT_HEADS, 'project'),
  ...each(SERVICE_HEADS, 'service'),
  ...each(UNIT_HEADS, 'team'),
  // NOTE: "Parks Department", "Fire Department": a public body; "Department of Surgery" is a unit (FIRST_HEADS).
  department: 'organization',
  lab: 'team',
  labs: 'organization',
  laboratory: 'team',
  group: 'team',
  line: 'route',
  // NOTE: a named station is where people go, a place; its operator is named apart.
  station: 'location',
  api: 'api',
  apis: 'api',
  app: 'product',
  // "Fernhill Rewards", "Brisa Rewards": a loyalty scheme is a product.
  rewards: 'product',
  // NOTE: a named platform or system in prose is software the organisation runs.
  platform: 'service',
  system: 'service',
});

/** Business functions that name a unit on their own ("in Procurement", "Finance approved it"). */
export const UNIT_NAMES: ReadonlySet<string> = new Set([
  ...FUNCTION_HEADS.split(' '),
  ...'legal treasury audit facilities estates'.split(' '),
]);

/**
 * Words before "Group" that make it a working unit ("Yard Planning Group", "Research Group"); after
 * any other word ("Brisa Hotels Group", "Solmar Group") a group is a company (FUNCTION_HEADS and
 * words in -ing count too).
 */
export const UNIT_GROUP_WORDS: ReadonlySet<string> = new Set([
  ...FUNCTION_HEADS.split(' '),
  ...'research working steering advisory user users study action task interest reference focus peer product products project projects program programme technical clinical scientific expert'.split(
    ' ',
  ),
]);

/** First word of a name that types it ("Project Nimbus", "Department of Surgery"). */
export const FIRST_HEADS: Readonly<Record<string, ProseType>> = wordTable<ProseType>({
  ...each('lake loch mount river isle cape bay gulf firth vale strait', 'location'),
  hotel: 'facility',
  // "FK Zlatibor", "AFC Dunmore": a football club's prefix.
  ...each('fc afc fk sk', 'organization'),
  project: 'project',
  programme: 'project',
  operation: 'project',
  department: 'team',
});

/** A lowercase noun right after a proper name: the name's type; the noun is not part of the name. */
export const TRAILING_HEADS: Readonly<Record<string, ProseType>> = wordTable<ProseType>({
  ...each('team squad guild tribe group department unit committee crew desk', 'team'),
  ...each('service microservice worker gateway router pipeline portal scheduler backend frontend', 'service'),
  ...each('api apis endpoint', 'api'),
  ...each('database db datastore cache queue bucket topic table store register ledger log archive index', 'datastore'),
  ...each('project programme program initiative trial study', 'project'),
  ...each(
    'app product suite software device devices sensor sensors probe probes camera cameras handset handsets scanner scanners drone drones robot robots',
    'product',
  ),
  ...each('library framework runtime language engine toolkit', 'technology'),
  ...each('building wing terminal site plant depot substation warehouse facility campus', 'facility'),
  ...each('conference expo summit festival fair hackathon', 'event'),
  ...each('region district', 'location'),
  line: 'route',
  platform: 'service',
  system: 'service',
  practice: 'team',
});

/** The noun of an appositive about a name ("X, our rostering tool", "X, the regulator") -> the name's type. */
export const APPOSITIVE_HEADS: Readonly<Record<string, ProseType>> = wordTable<ProseType>({
  ...TRAILING_HEADS,
  ...each(
    'company business firm supplier vendor provider manufacturer maker producer chain partner regulator agency charity publisher airline operator startup start-up insurer bank retailer university subsidiary carrier consultancy developer distributor broker lender consortium cooperative co-operative association federation contractor investor',
    'organization',
  ),
  ...each('tool system platform software application', 'service'),
  ...each('city town village port country island county capital', 'location'),
  ...each('product brand range device drug game title console handset handheld scheme', 'product'),
  ...each('centre center hub yard', 'facility'),
  // NOTE: a build farm or a bot is software the organisation runs.
  ...each('farm bot', 'service'),
  ...each('team department squad unit committee lab division', 'team'),
  ...each('event conference festival exhibition', 'event'),
  ...each('survey study trial project programme initiative campaign pilot', 'project'),
  ...each('library framework engine language runtime', 'technology'),
});
