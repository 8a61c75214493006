// Whether a parsed reply gives back the records it was written from: the property the mutation
// generator is tested against (same records, or a failure with its reason, never silently empty).
import { normaliseName, normaliseType } from '../names.js';
import type { ReplyOutcome } from './reply-outcome.js';
import type { ReplyRecords } from './reply-mutations.js';

/** Comparison keys of records: type and name, source, type and target, after normalisation. */
export function recordKeys(r: ReplyRecords): Set<string> {
  return new Set([
    ...r.entities.map((e) => `E ${normaliseType(e.type)}|${normaliseName(e.name)}`),
    ...r.relations.map((x) => `R ${normaliseName(x.source)}|${normaliseType(x.type)}|${normaliseName(x.target)}`),
  ]);
}

export type ReplyVerdict = 'same' | 'reported' | 'partial' | 'wrong' | 'silently_empty';

/**
 * How a parse of a mutated reply compares with the records it was written from. `cut` says the
 * reply was truncated: then a subset flagged as truncated, or a failure with a reason, is right.
 */
export function judgeReply(expected: ReplyRecords, outcome: ReplyOutcome, cut: boolean): ReplyVerdict {
  if (!outcome.ok) return outcome.failure.reason.trim() === '' ? 'silently_empty' : 'reported';
  const got = recordKeys(outcome.records);
  const want = recordKeys(expected);
  if (got.size === 0) return 'silently_empty';
  const extra = [...got].some((k) => !want.has(k));
  if (!extra && got.size === want.size) return 'same';
  if (!extra && cut && outcome.repairs.includes('truncated')) return 'partial';
  return 'wrong';
}
