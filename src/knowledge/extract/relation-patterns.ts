// Relation patterns for prose: the words between two mentions in a sentence ("X depends on
// Y", "Y is owned by X", "X, the CTO of Y") name a relation type, its direction and, where the
// pattern implies them, the types of its ends.
import type { ProseType } from './prose-lexicon.js';
import { PREPOSITION_PATTERNS } from './relation-prepositions.js';
import { activePatterns, ADV, BE, HEAD_ROLE, passive, passivePatterns, ROLE, v, WORDS } from './relation-voice.js';

export interface RelationPattern {
  readonly type: string;
  readonly pattern: RegExp;
  /** The later mention is the source ("Y was acquired by X" reads X acquired Y). */
  readonly reverse?: boolean;
  readonly sourceType?: ProseType;
  readonly targetType?: ProseType;
  /** The pattern holds only when the later mention is already known to be of this type. */
  readonly requireTarget?: ProseType;
  /**
   * The relation holds only when the later mention is, over the document, of this type (a name its
   * own words leave untyped may be typed in another sentence or by a guess: "a herring girl from Shetland").
   */
  readonly targetIs?: ProseType;
  /** The relation holds only when the earlier-named source is, over the document, of this type. */
  readonly requireSource?: ProseType;
  /** When the target is, over the document, of one of these types, the relation reads the other way with this type. */
  readonly reverseByTarget?: Partial<Record<ProseType, string>>;
  /** Target types the pattern never holds for. */
  readonly skipTargets?: readonly ProseType[];
  /** Source types the pattern never holds for. */
  readonly skipSources?: readonly ProseType[];
  /** A different relation type when the later mention is of a given type ("joined Acme" is works_for). */
  readonly byTarget?: Partial<Record<ProseType, string>>;
}

/** In order: the first pattern that matches the words between two mentions wins. */
export const RELATION_PATTERNS: readonly RelationPattern[] = [
  {
    type: 'acquired',
    pattern: v('(?:was|were|has been|had been) (?:acquired|bought|purchased) by|acquired by'),
    reverse: true,
    sourceType: 'organization',
    targetType: 'organization',
  },
  {
    type: 'founded',
    pattern: v(
      "(?:was|were) (?:founded|co-founded|started|established)(?: in \\d{4})? by|founded by|(?:'s )?(?:co-|joint )?founders?,?",
    ),
    reverse: true,
    sourceType: 'person',
    targetType: 'organization',
  },
  {
    type: 'replaces',
    pattern: v('(?:was|is|will be|has been|are|were) (?:being )?replaced by|replaced by'),
    reverse: true,
  },
  // NOTE: what a person leads and nothing else types is most often a unit ("Ad Tech, led by X").
  {
    type: 'leads',
    pattern: v('(?:is |are |was |were |will be )?(?:now |currently |jointly )?(?:led|headed) by'),
    reverse: true,
    sourceType: 'person',
    targetType: 'team',
  },
  // "Y, whose engineering manager is X", "Y's chief executive, X": X leads Y.
  {
    type: 'leads',
    pattern: v(
      `, whose ${WORDS(2)}(?:${HEAD_ROLE}|manager) (?:is|was)|'s ${WORDS(2)}${HEAD_ROLE},?|'s ${WORDS(2)}(?:manager|head),?`,
    ),
    reverse: true,
    // NOTE: types are of the relation's ends: the person named last is its source.
    sourceType: 'person',
  },
  // "X, head of Y", "X becomes lead nurse for Y", "X was appointed director of Y".
  {
    type: 'leads',
    pattern: v(
      `(?:is |was |(?:becomes|became|will become|has become|(?:is|was|has been) appointed|(?:is|was) named) )?(?:the |our |its |their )?(?:(?:current|new|acting|interim|joint|founding|clinical|executive|programme|project|group|team) )?${HEAD_ROLE}(?: [\\w-]+)? (?:of|for)|(?:becomes|became|will become|(?:is|was|has been) appointed) (?:the |our )?(?:new )?${WORDS(2)}${HEAD_ROLE}(?: [\\w-]+)? (?:of|for)`,
    ),
    sourceType: 'person',
  },
  // "X takes over as head of Y", "X joins as chief executive of Y".
  {
    type: 'leads',
    pattern: v(`${WORDS(4)}as (?:the |our |its )?(?:new |acting |interim )?${HEAD_ROLE} (?:of|for)`),
    sourceType: 'person',
  },
  // A signature or a byline: "X, Clinical Director, Department of Cardiology"; "X (newline) Chief Executive, Y".
  {
    type: 'leads',
    pattern: new RegExp(`^,? ?(?:[\\w-]+ ){0,2}${HEAD_ROLE}(?: [\\w-]+)?,$`),
    requireSource: 'person',
  },
  { type: 'works_for', pattern: new RegExp(`^, ${ROLE},$`), requireSource: 'person' },
  {
    type: 'works_for',
    pattern: v(`'s ${ROLE},?`),
    reverse: true,
    sourceType: 'person',
    targetType: 'organization',
  },
  {
    type: 'owned_by',
    pattern: v(
      `${BE} ${ADV}owned by|(?:${BE} )?(?:built|developed|designed) and (?:run|maintained|operated|owned) by|owned by|belongs? to|${BE} held by`,
    ),
    sourceType: undefined,
  },
  // NOTE: software "run by" a team is owned by it; anything "run by" a person is managed by that person.
  {
    type: 'owned_by',
    pattern: v(`${BE} ${ADV}(?:run|managed) by|(?:run|managed) by`),
    reverseByTarget: { person: 'manages' },
  },
  { type: 'owned_by', pattern: v(`${BE} ${ADV}maintained by|maintained by`) },
  ...passivePatterns,
  {
    type: 'supplied_by',
    pattern: v(
      `, (?:the|a|an|our) ${WORDS(4)}(?:we|they|it) (?:bought|buy|buys|license|licence|licenses|licensed|licenced|lease|leases|leased|purchased|purchase) from|(?:[\\w-]+ ){0,2}(?:bought|licensed|licenced|purchased|leased) from|, (?:the|a|an|our) ${WORDS(3)}(?:platform|system|software|tool|product|suite|application) (?:from|(?:bought|licensed|licenced|purchased|leased|supplied) (?:from|by))`,
    ),
    // NOTE: a named thing bought or licensed from a vendor is a product (bench/blind/NOTES.md).
    sourceType: 'product',
    targetType: 'organization',
  },
  { type: 'supplied_by', pattern: v(passive('supplied')), sourceType: 'product', targetType: 'organization' },
  // "Velta Core, a cloud-native core network from Velta Systems": a thing described as coming from a body.
  {
    type: 'supplied_by',
    pattern: new RegExp(`^, (?:the|a|an|our) ${WORDS(4)}from$`),
    targetIs: 'organization',
    skipSources: ['person', 'organization', 'team', 'location'],
  },
  {
    // NOTE: "a subsidiary of X" is owned_by X; a division or a unit of X is part of it (bench/blind/NOTES.md).
    type: 'owned_by',
    pattern: v('(?:is |was )?(?:a |an |the )?(?:wholly[- ]owned |[\\w-]+ )?subsidiary of'),
    sourceType: 'organization',
    targetType: 'organization',
  },
  { type: 'part_of', pattern: v('(?:is |was )?(?:a |an |the )?(?:[\\w-]+ )?(?:division|unit|business unit) of') },
  { type: 'part_of', pattern: v('(?:is|are|was|forms?) (?:a |an )?(?:part|component|module|subsystem) of|part of') },
  {
    type: 'member_of',
    pattern: v('(?:is|are|was|were) (?:a |an )?(?:\\w+ )?members? of|joined|joins|sits in|is on'),
    sourceType: 'person',
    byTarget: { organization: 'works_for' },
  },
  // "X reports to our COO, Y": the role in apposition names the same person.
  {
    type: 'reports_to',
    pattern: v(
      `(?:reports|reported|report|will report|is reporting|reporting) to(?: (?:the|our|its|their|his|her) ${ROLE},)?`,
    ),
    sourceType: 'person',
    targetType: 'person',
  },
  {
    type: 'works_for',
    pattern: v(
      `works (?:for|at)|worked (?:for|at)|work (?:for|at)|(?:is|was) employed (?:by|at)|(?:is |was )?(?:the |an? |our )?${ROLE} (?:(?:of|for) ${WORDS(3)})?(?:of|at|for|with)`,
    ),
    sourceType: 'person',
    targetType: 'organization',
  },
  // "Professor X of the Y Institute": a person's affiliation.
  { type: 'works_for', pattern: v('of'), requireSource: 'person', requireTarget: 'organization' },
  // "X of the Reliability team", "X, staff engineer on the Core Data team": a person of a unit is its member.
  {
    type: 'member_of',
    pattern: v(`(?:of|on)|, (?:the |an? |our )?${ROLE} (?:of|on|in)`),
    requireSource: 'person',
    targetIs: 'team',
  },
  // "Varnholt Pumpen GmbH of Bremen": a body "of" a place is there.
  { type: 'located_in', pattern: /^of$/, requireSource: 'organization', targetIs: 'location' },
  {
    type: 'leads',
    pattern: v(
      'leads|led|heads|headed|chairs|chaired|manages|managed|(?:is|was) (?:the )?(?:lead|head|manager|leader) of|is leading|is running|runs|(?:will|to) (?:lead|head|run|manage|chair)',
    ),
    sourceType: 'person',
    targetType: 'team',
    // NOTE: a project or a trial is managed, a unit led.
    byTarget: { project: 'manages' },
  },
  {
    type: 'works_on',
    pattern: v('works on|worked on|is working on|are working on|coordinates|contributes to|contributed to'),
    sourceType: 'person',
    targetType: 'project',
  },
  {
    type: 'depends_on',
    pattern: v(
      '(?:depends|depend|depended|is dependent|are dependent) on|(?:relies|rely|relied) on|requires|required|needs',
    ),
  },
  {
    type: 'calls',
    pattern: v('calls|call|called|invokes|queries|talks to|sends requests to|makes requests to'),
    sourceType: 'service',
  },
  // "a Kafka topic consumed by the Billing Service": the reader is named last.
  { type: 'reads_from', pattern: v(passive('consumed|read')), reverse: true },
  {
    type: 'reads_from',
    pattern: v(
      `reads ${WORDS(4)}from|fetches ${WORDS(4)}from|pulls ${WORDS(4)}from|loads ${WORDS(4)}from|draws ${WORDS(3)}from|(?:started|starts|began|begins|will start|is|are|was) reading ${WORDS(2)}from|reads`,
    ),
    sourceType: 'service',
    targetType: 'datastore',
  },
  {
    type: 'writes_to',
    pattern: v(
      `writes ${WORDS(4)}(?:to|into)|stores ${WORDS(3)}in|persists ${WORDS(3)}(?:to|in)|saves ${WORDS(3)}(?:to|in)|keeps ${WORDS(3)}in`,
    ),
    sourceType: 'service',
    targetType: 'datastore',
    // NOTE: "keeps the rights in Japan": data is kept in a store, never in a place.
    skipTargets: ['location'],
  },
  {
    type: 'publishes_to',
    pattern: v(
      `publishes ${WORDS(2)}(?:to|on)|emits ${WORDS(2)}(?:to|on)|produces ${WORDS(2)}to|sends (?:events|messages|notifications) to`,
    ),
  },
  { type: 'consumes', pattern: v(`consumes ${WORDS(2)}from|consumes|subscribes to|listens to`) },
  { type: 'provides', pattern: v('provides|exposes|offers') },
  {
    type: 'runs_on',
    pattern: v('(?:runs|run|ran) on'),
    targetType: 'technology',
  },
  // NOTE: what hosts a service is as often a cloud company as a technology; the pattern types neither.
  // NOTE: software hosted in a data centre or a place is located there; on a platform it runs on it.
  {
    type: 'runs_on',
    pattern: v(`${BE} (?:deployed|hosted) (?:on|to|in)|(?:deployed|hosted) (?:on|in)`),
    byTarget: { facility: 'located_in', location: 'located_in' },
  },
  {
    type: 'uses',
    pattern: v('uses|use|used|is using|utili[sz]es|leverages|is built (?:on|with)|are built (?:on|with)'),
  },
  { type: 'uses', pattern: v(`${BE} ${ADV}used by|used by`), reverse: true },
  {
    type: 'owns',
    pattern: v('owns|own|owned|maintains|maintain|(?:is|are) responsible for|looks after|look after|will look after'),
  },
  ...activePatterns,
  { type: 'approved', pattern: v('approved|has approved|approves|(?:has )?voted to approve') },
  {
    type: 'acquired',
    pattern: v(
      'acquired|bought|purchased|took over|has acquired|(?:has |have )?agreed to acquire|(?:will|is to|is set to|plans to) acquire|is acquiring|(?:completed|announced|completes|announces) (?:its |the |an? )?(?:agreement to acquire|acquisition of|purchase of)|to acquire',
    ),
    sourceType: 'organization',
    targetType: 'organization',
  },
  {
    type: 'founded',
    pattern: v('founded|co-founded|cofounded|started'),
    sourceType: 'person',
    targetType: 'organization',
  },
  { type: 'replaces', pattern: v('replaces|replaced|will replace|is replacing') },
  {
    type: 'partners_with',
    pattern: v(
      'partners with|partnered with|(?:is|are) partnering with|(?:signed|formed) a partnership with|(?:in|a) (?:partnership|collaboration) with|(?:is |are )?(?:a |an )?(?:joint |strategic )?(?:collaboration|partnership) with|collaborates with|collaborated with|(?:is|are) collaborating with',
    ),
    sourceType: 'organization',
    targetType: 'organization',
  },
  // "continues to work with X", "a survey run with X", "built in partnership with X": a body's or a project's partner.
  {
    type: 'partners_with',
    pattern: v(
      '(?:continues to |continue to |will )?(?:work|works|worked|working) (?:closely |jointly )?with|(?:(?:is|are|was|were|will be) )?(?:run|built|developed|delivered|carried out|organised|organized) (?:in partnership |jointly |together )?with|jointly with',
    ),
    skipSources: ['person', 'location'],
    skipTargets: ['person', 'location'],
  },
  {
    type: 'merges_with',
    pattern: v('(?:merges|merged|will merge|to merge|is merging|are merging|agreed to merge) with|(?:a )?merger with'),
    sourceType: 'organization',
    targetType: 'organization',
  },
  {
    type: 'invested_in',
    pattern: v('invested in|invests in|(?:led|joined) (?:a |the )?(?:\\w+ ){0,3}round in'),
    sourceType: 'organization',
    targetType: 'organization',
  },
  {
    type: 'supplies',
    pattern: v('supplies|supplied|(?:is|was) a supplier (?:to|of)|sells to'),
    sourceType: 'organization',
    targetType: 'organization',
  },
  {
    type: 'customer_of',
    pattern: v('(?:is|are|became|was) (?:a |an )?customers? of|buys from'),
    sourceType: 'organization',
    targetType: 'organization',
  },
  {
    type: 'competes_with',
    pattern: v('competes with|compete with|(?:is|was) a competitor of|rivals'),
    sourceType: 'organization',
    targetType: 'organization',
  },
  {
    type: 'located_in',
    pattern: v(
      '(?:is |are |was )?(?:an? |the )?(?:[\\w-]+ ){0,3}(?:based|located|headquartered|situated|registered) in|(?:has|have) (?:an |its )?(?:office|offices|headquarters|hq) in',
    ),
    targetType: 'location',
  },
  { type: 'located_in', pattern: v('in'), targetIs: 'location' },
  // "a depot near Leeds", "Acme's plant in Basel".
  {
    type: 'located_in',
    pattern: v(
      "near|just outside|outside|(?:'s|at (?:its|their)) (?:site|works|plant|factory|office|offices|headquarters|hq|base) in|(?:stays|remains|will stay|will remain) in",
    ),
    targetIs: 'location',
  },
  // A bridge crosses a river and carries a road; a regulator regulates; a business serves places.
  { type: 'crosses', pattern: v('crosses|cross|will cross|crossed|spans|will span') },
  { type: 'carries', pattern: v('carries|carry|will carry|carried') },
  { type: 'regulates', pattern: v('regulates|regulated|(?:is|was) the regulator (?:of|for)') },
  { type: 'serves', pattern: v('serves|serve|will serve|served|serving') },
  {
    type: 'participates_in',
    pattern: v(
      '(?:will )?(?:take|takes|took|taking) part in|participates in|participated in|(?:will|to) participate in|is participating in',
    ),
    targetType: 'event',
  },
  { type: 'assists', pattern: v(passive('assisted')), reverse: true },
  ...PREPOSITION_PATTERNS,
];

/** "X is a London-based firm", "X, the Soria-based operator": the words before a place made an adjective. */
export const BASED_DESCRIBED: RelationPattern = {
  type: 'located_in',
  pattern: /^(?:,|,? ?(?:is|was))? ?(?:a|an|the)$/,
};
/** The words right after a place's mention that make it an adjective of the name before it. */
export const BASED_AFTER = /^-(?:based|headquartered)\b/;

/** A verb of replacing right before the first name: "replace X with Y" reads Y replaces X. */
export const REPLACED_WITH =
  /\b(?:replace|replaces|replacing|replaced|swap|swaps|swapping|swapped)\s+(?:the\s+|our\s+|its\s+|their\s+)?$/i;
export const REPLACE_WITH: RelationPattern = { type: 'replaces', pattern: /^(?:with|for|by)$/, reverse: true };

/** Words that continue a list after a relation's target ("X uses Y, Z and W"). */
export const LIST_CONTINUATION = /^(?:,|,?\s*and|,?\s*or|,?\s*as well as)(?:\s+(?:the|a|an))?$/;
/** Words that start a second predicate of the same subject ("X reads from Y and writes to Z"). */
export const SHARED_SUBJECT = /^,?\s*(?:and|but|while|then)\s+(.*)$/;

/** The first pattern matching `between` (already lower-cased, spaces collapsed) whose requirement holds. */
export function matchRelation(between: string, targetType: ProseType | undefined): RelationPattern | undefined {
  return RELATION_PATTERNS.find((p) => matches(p, between, targetType));
}

/** Every pattern matching `between` whose requirement holds, in order. */
export function matchRelations(between: string, targetType: ProseType | undefined): RelationPattern[] {
  return RELATION_PATTERNS.filter((p) => matches(p, between, targetType));
}

function matches(p: RelationPattern, between: string, targetType: ProseType | undefined): boolean {
  return (
    p.pattern.test(between) &&
    (p.requireTarget === undefined || p.requireTarget === targetType) &&
    (p.targetIs === undefined || targetType === undefined || p.targetIs === targetType)
  );
}
