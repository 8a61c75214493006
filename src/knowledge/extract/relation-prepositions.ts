// Relation patterns read from a preposition, a possessive or a bare appositive ("in", "at",
// "under", "'s", ", the"): tried after every pattern with a verb, since such short words relate
// two names only when the names' types agree (a person in a unit, a unit at a body, X's thing).
import { PROSE_TYPES } from './prose-lexicon.js';
import type { RelationPattern } from './relation-patterns.js';
import { HEAD_ROLE, v } from './relation-voice.js';

export const PREPOSITION_PATTERNS: readonly RelationPattern[] = [
  // "Tom Ferris in Procurement": someone in a named unit is its member.
  { type: 'member_of', pattern: v('in|(?:works|worked|working|is|was) in'), requireSource: 'person', targetIs: 'team' },
  // "T2 at Lower Dene substation", "Acme, the Glasgow studio": a facility or place right after.
  { type: 'located_in', pattern: v('at|in'), requireTarget: 'facility' },
  { type: 'located_in', pattern: /^, (?:the|a|an)$/, requireTarget: 'location' },
  // "Nairobi-based Fieldwise": the words after a place's mention are its "-based".
  { type: 'located_in', pattern: /^-(?:based|headquartered)$/, reverse: true },
  // "the Department of Biosciences at Tarnby University": a unit at an organisation is part of it.
  {
    type: 'part_of',
    pattern: v(
      'at|in|within|(?:is|are|was) (?:a|an|the|one of the) (?:[\\w-]+ ){0,3}(?:group|groups|team|teams|unit|units|lab|labs|department|division|squad|squads) (?:in|at|of|within)',
    ),
    requireSource: 'team',
    skipTargets: PROSE_TYPES.filter((t) => t !== 'organization' && t !== 'team'),
  },
  // "X, our new hub in Rotterdam": an appositive that places its name.
  {
    type: 'located_in',
    pattern: /^, (?:the|our|its|their|a|an) (?:[\w-]+ ){0,4}(?:in|at|near|from)$/,
    targetIs: 'location',
  },
  // "Shoal, the lab's PostgreSQL database", "X, a Kafka topic": a thing described by the technology it is built on.
  { type: 'runs_on', pattern: /^, (?:the|our|its|their|a|an)(?: [\w-]+['’]s)?$/, requireTarget: 'technology' },
  // "the Recommendations team under Leila Haddad", "under its current head, X".
  {
    type: 'leads',
    pattern: v(`under(?: (?:its|their|the) (?:current |new )?${HEAD_ROLE},)?`),
    reverse: true,
    requireTarget: 'person',
    sourceType: 'person',
    targetType: 'team',
  },
  // "X's Y", "X's document system, Y": X owns a thing; a unit is part of X; a person works for X.
  {
    type: 'owns',
    pattern: /^'s(?: (?:[\w-]+ ){0,3}[\w-]+,)?$/,
    reverseByTarget: { team: 'part_of', person: 'works_for' },
    skipTargets: ['location', 'organization', 'event'],
  },
];
