// Whether a relation pattern's reading holds once the document's types are known: the types it
// requires of its ends, the types it never holds for, a place where a person or a unit is wanted.
// The words between two names may match several patterns of one direction; the first that holds is
// the reading ("a core network from Velta Systems" supplies, "a herring girl from Shetland" places).
import type { ProseType } from './prose-lexicon.js';
import type { RelationPattern } from './relation-patterns.js';

/** Types that may stand where a pattern wants a person: a person, or an organisation acting as one. */
const PERSONAL_AGENTS: ReadonlySet<ProseType> = new Set(['person', 'organization']);

/** Whether `pattern` holds between ends of these document types. */
export function holds(
  pattern: RelationPattern,
  sourceType: ProseType | undefined,
  targetType: ProseType | undefined,
): boolean {
  if (pattern.requireSource !== undefined && pattern.requireSource !== sourceType) return false;
  if (pattern.targetIs !== undefined && pattern.targetIs !== targetType) return false;
  if (targetType !== undefined && pattern.skipTargets?.includes(targetType)) return false;
  if (sourceType !== undefined && pattern.skipSources?.includes(sourceType)) return false;
  // NOTE: a place where the pattern wants a person or a unit ("moved to Seattle to lead the
  // region", "the team in Leeds led by X") is a misreading of the words around it.
  const misplaced = (type: ProseType | undefined, wanted: ProseType | undefined): boolean =>
    type === 'location' && (wanted === 'person' || wanted === 'team');
  if (misplaced(sourceType, pattern.sourceType) || misplaced(targetType, pattern.targetType)) return false;
  // NOTE: "Tom Ferris in Procurement manages the contract": a unit or a thing where the pattern
  // wants a person (an organisation may still manage) is the wrong subject.
  return !(pattern.sourceType === 'person' && sourceType !== undefined && !PERSONAL_AGENTS.has(sourceType));
}

/** The first of a match and its alternatives that holds between ends of these types. */
export function firstHolding(
  patterns: readonly RelationPattern[],
  sourceType: ProseType | undefined,
  targetType: ProseType | undefined,
): RelationPattern | undefined {
  return patterns.find((p) => holds(p, sourceType, targetType));
}
