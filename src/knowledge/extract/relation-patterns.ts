// Relation patterns for prose: the words between two mentions in a sentence ("X depends on
// Y", "Y is owned by X", "X, the CTO of Y") name a relation type, its direction and, where the
// pattern implies them, the types of its ends.
import type { ProseType } from './prose-lexicon.js';

export interface RelationPattern {
  readonly type: string;
  readonly pattern: RegExp;
  /** The later mention is the source ("Y was acquired by X" reads X acquired Y). */
  readonly reverse?: boolean;
  readonly sourceType?: ProseType;
  readonly targetType?: ProseType;
  /** The pattern holds only when the later mention is already known to be of this type. */
  readonly requireTarget?: ProseType;
  /** A different relation type when the later mention is of a given type ("joined Acme" is works_for). */
  readonly byTarget?: Partial<Record<ProseType, string>>;
}

const FILLER = '(?:(?:also|now|currently|still|mainly|only|directly|primarily|recently|later|then|in turn)\\s+)?';
const REL = '(?:(?:which|that|who)\\s+)?';
const OBJ = '(?:\\s+(?:the|a|an|its|their|our|his|her))?';
const WORDS = (n: number): string => `(?:[\\w-]+\\s+){0,${n}}`;
const ROLE =
  '(?:(?:chief|senior|principal|staff|lead|head|vice|co-)?[\\w-]*\\s+){0,3}(?:ceo|cto|cfo|coo|cio|ciso|vp|president|founder|co-founder|director|head|manager|engineer|architect|officer|lead|chair|chairman|chairwoman|owner|analyst|consultant)';

/** Builds the anchored regex of a verb phrase, allowing a relative pronoun, an adverb and an article. */
const v = (phrase: string): RegExp => new RegExp(`^(?:,|[-–—:])?\\s*${REL}${FILLER}(?:${phrase})${OBJ}$`);

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
    pattern: v('(?:was|were) (?:founded|co-founded|started|established) by|founded by'),
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
    pattern: v('(?:is |are |was |were )?(?:led|headed) by'),
    reverse: true,
    sourceType: 'person',
    targetType: 'team',
  },
  {
    type: 'owned_by',
    pattern: v(
      '(?:is|are|was|were|has been) (?:owned|maintained|run|operated|managed|built) by|(?:owned|maintained|run|operated|managed) by|belongs? to',
    ),
    sourceType: undefined,
  },
  {
    type: 'subsidiary_of',
    pattern: v('(?:is |was )?(?:a |an |the )?(?:wholly[- ]owned )?(?:subsidiary|division|unit) of'),
    sourceType: 'organization',
    targetType: 'organization',
  },
  { type: 'part_of', pattern: v('(?:is|are|was|forms?) (?:a |an )?(?:part|component|module|subsystem) of|part of') },
  {
    type: 'member_of',
    pattern: v('(?:is|are|was|were) (?:a |an )?(?:\\w+ )?members? of|joined|joins|sits in|is on'),
    sourceType: 'person',
    byTarget: { organization: 'works_for' },
  },
  { type: 'reports_to', pattern: v('reports to|reported to|report to'), sourceType: 'person', targetType: 'person' },
  {
    type: 'works_for',
    pattern: v(
      `works (?:for|at)|worked (?:for|at)|work (?:for|at)|(?:is|was) employed (?:by|at)|(?:is |was )?(?:the |an? )?${ROLE} (?:(?:of|for) ${WORDS(3)})?(?:of|at)`,
    ),
    sourceType: 'person',
    targetType: 'organization',
  },
  {
    type: 'leads',
    pattern: v(
      'leads|led|heads|headed|manages|managed|(?:is|was) (?:the )?(?:lead|head|manager|leader) of|is leading|runs|(?:will|to) (?:lead|head|run)',
    ),
    sourceType: 'person',
    targetType: 'team',
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
  {
    type: 'reads_from',
    pattern: v(`reads ${WORDS(3)}from|fetches ${WORDS(3)}from|pulls ${WORDS(3)}from|loads ${WORDS(3)}from|reads`),
    sourceType: 'service',
    targetType: 'datastore',
  },
  {
    type: 'writes_to',
    pattern: v(
      `writes ${WORDS(2)}(?:to|into)|stores ${WORDS(2)}in|persists ${WORDS(2)}(?:to|in)|saves ${WORDS(2)}(?:to|in)|keeps ${WORDS(2)}in`,
    ),
    sourceType: 'service',
    targetType: 'datastore',
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
    pattern: v('(?:runs|run|ran) on|(?:is|are) (?:deployed|hosted) (?:on|to|in)'),
    targetType: 'technology',
  },
  {
    type: 'uses',
    pattern: v('uses|use|used|is using|utili[sz]es|leverages|is built (?:on|with)|are built (?:on|with)'),
  },
  { type: 'owns', pattern: v('owns|own|owned|maintains|maintain|(?:is|are) responsible for') },
  {
    type: 'acquired',
    pattern: v('acquired|bought|purchased|took over|has acquired|agreed to acquire'),
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
    pattern: v('partners with|partnered with|(?:is|are) partnering with|(?:signed|formed) a partnership with'),
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
  { type: 'located_in', pattern: v('in'), requireTarget: 'location' },
];

/** Words that continue a list after a relation's target ("X uses Y, Z and W"). */
export const LIST_CONTINUATION = /^(?:,|,?\s*and|,?\s*or|,?\s*as well as)(?:\s+(?:the|a|an))?$/;
/** Words that start a second predicate of the same subject ("X reads from Y and writes to Z"). */
export const SHARED_SUBJECT = /^,?\s*(?:and|but|while|then)\s+(.*)$/;

/** The first pattern matching `between` (already lower-cased, spaces collapsed) whose requirement holds. */
export function matchRelation(between: string, targetType: ProseType | undefined): RelationPattern | undefined {
  return RELATION_PATTERNS.find(
    (p) => p.pattern.test(between) && (p.requireTarget === undefined || p.requireTarget === targetType),
  );
}
