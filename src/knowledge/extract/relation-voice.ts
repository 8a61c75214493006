// The building blocks of relation patterns: the anchored verb-phrase regex, role words, the
// passive, and the voice tables (types that always take the passive; types that follow the
// text's voice).
import type { RelationPattern } from './relation-patterns.js';

const FILLER = '(?:(?:also|now|currently|still|mainly|only|directly|primarily|recently|later|then|in turn)\\s+)?';
const REL = '(?:(?:which|that|who)\\s+)?';
const OBJ = '(?:\\s+(?:the|a|an|its|their|our|his|her))?';
export const WORDS = (n: number): string => `(?:[\\w-]+\\s+){0,${n}}`;
export const ROLE =
  '(?:(?:chief|senior|principal|staff|lead|head|vice|co-)?[\\w-]*\\s+){0,3}(?:ceo|cto|cfo|coo|cio|ciso|vp|president|founder|co-founder|director|head|manager|engineer|architect|officer|lead|chair|chairman|chairwoman|owner|analyst|consultant|spokesperson|spokeswoman|spokesman|scientist|researcher|editor|designer|developer|programmer|specialist|coordinator|adviser|advisor|partner|associate|nurse|surgeon|physician|professor|lecturer|curator|economist|lawyer|solicitor|accountant)';

/** Builds the anchored regex of a verb phrase, allowing a relative pronoun, an adverb and an article. */
export const v = (phrase: string): RegExp => new RegExp(`^(?:,|[-–—:])?\\s*${REL}${FILLER}(?:${phrase})${OBJ}$`);

/** Roles whose holder leads what they are "of" (chief executive, head, director, chair of X). */
export const HEAD_ROLE =
  '(?:chief executive|ceo|head|director|chair|chairman|chairwoman|chairperson|leader|lead|managing partner|senior partner|president|principal investigator|dean)';
/** Adverbs between an auxiliary and a participle ("is wholly owned by", "is part-funded by"). */
export const ADV = '(?:(?:wholly|jointly|fully|partly|part-|part|largely|mainly|generously|also|now) ?)?';
export const BE = '(?:is|are|was|were|has been|have been|had been|will be|is being|are being)';
/** "is <verb> by", "<verb> by", "is <verb> for us by": the passive of a verb. */
// NOTE: "promoted and funded by": a participle joined by "and" before the one that types the relation.
export const passive = (verbs: string): string =>
  `(?:${BE} )?${ADV}(?:[\\w-]+ed and )?(?:${verbs})(?: (?:for|with) (?:us|them|it))? by`;
/**
 * Relation types that take the passive voice whatever the text's voice ("X was funded by Y" and
 * "Y funded X" are both X funded_by Y), and types that follow the text's voice (a passive
 * "operated by" is operated_by, an active "operates" is operates).
 */
const PASSIVE_ONLY: readonly (readonly [string, string, string])[] = [
  ['funded_by', 'funded|financed|bankrolled', 'funded|funds|financed|finances'],
  ['sponsored_by', 'sponsored', 'sponsored|sponsors'],
  ['produced_by', 'produced', 'produced'],
  ['designed_by', 'designed', 'designed|designs'],
  ['built_by', 'built|constructed', 'built|constructed'],
  ['delivered_by', 'delivered', 'delivered'],
  ['written_by', 'written|authored', 'wrote|authored'],
  ['curated_by', 'curated', 'curated|curates'],
  ['restored_by', 'restored', 'restored|restores'],
  ['published_by', 'published', 'published'],
];
const VOICED: readonly (readonly [string, string, string, string])[] = [
  ['operates', 'operated_by', 'operates|operated', 'operated'],
  ['manufactures', 'manufactured_by', 'manufactures|manufactured|makes|made', 'manufactured|made'],
  ['advises', 'advised_by', 'advises|advised', 'advised'],
  ['supports', 'supported_by', 'supports|supported', 'supported'],
];
export const passivePatterns: RelationPattern[] = [
  ...PASSIVE_ONLY.map(([type, participle]) => ({ type, pattern: v(passive(participle)) })),
  ...VOICED.map(([, type, , participle]) => ({ type, pattern: v(passive(participle)) })),
];
export const activePatterns: RelationPattern[] = [
  ...PASSIVE_ONLY.map(([type, , active]) => ({ type, pattern: v(active), reverse: true })),
  ...VOICED.map(([type, , active]) => ({ type, pattern: v(active) })),
];
