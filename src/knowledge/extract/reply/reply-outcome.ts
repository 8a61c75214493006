// The vocabulary of LLM-reply parsing: what kinds of repair were needed, why a reply failed,
// what a parse returns, and the counters that make sure nothing is dropped unseen.
import type { GraphRecords } from '../graph-records.js';

/** Every repair the reply parser can make; each is counted separately. */
export const REPAIR_KINDS = [
  'think_tags',
  'code_fence',
  'surrounding_prose',
  'trailing_commas',
  'single_quotes',
  'unquoted_keys',
  'truncated',
  'json_syntax',
  'delimiter_corruption',
  'key_casing',
  'key_aliases',
  'wrapped_payload',
  'bare_array',
  'defaulted_type',
  'coerced_values',
  'other_serialisation',
] as const;
export type RepairKind = (typeof REPAIR_KINDS)[number];

/** Why a reply yielded nothing usable. */
export const FAILURE_KINDS = ['empty', 'too_large', 'no_payload', 'unparseable', 'schema'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export interface ReplyFailure {
  readonly kind: FailureKind;
  /** A sentence fit to send back to the model (see `reprompt`). */
  readonly reason: string;
}

/** A record the schema refused, kept with the reason. */
export interface RejectedRecord {
  readonly record: unknown;
  readonly reason: string;
}

export type ReplyFormat = 'json' | 'tuples' | 'other';

export type ReplyOutcome =
  | {
      readonly ok: true;
      readonly format: ReplyFormat;
      readonly records: GraphRecords;
      readonly repairs: readonly RepairKind[];
      readonly rejected: readonly RejectedRecord[];
    }
  | {
      readonly ok: false;
      readonly failure: ReplyFailure;
      readonly repairs: readonly RepairKind[];
      readonly rejected: readonly RejectedRecord[];
      /** The reply as received, kept so a failed reply can be inspected or replayed. */
      readonly raw: string;
    };

/** Running totals over many replies. */
export interface ReplyCounters {
  replies: number;
  /** Parsed with no repair at all. */
  parsed: number;
  /** Parsed after one or more repairs. */
  repaired: number;
  failed: number;
  readonly repairs: Record<RepairKind, number>;
  readonly failures: Record<FailureKind, number>;
  rejectedRecords: number;
  entities: number;
  relations: number;
}

/** Zeroed counters. */
export function createReplyCounters(): ReplyCounters {
  return {
    replies: 0,
    parsed: 0,
    repaired: 0,
    failed: 0,
    repairs: Object.fromEntries(REPAIR_KINDS.map((k) => [k, 0])) as Record<RepairKind, number>,
    failures: Object.fromEntries(FAILURE_KINDS.map((k) => [k, 0])) as Record<FailureKind, number>,
    rejectedRecords: 0,
    entities: 0,
    relations: 0,
  };
}

/** Adds one outcome to `counters`. */
export function countReply(counters: ReplyCounters, outcome: ReplyOutcome): void {
  counters.replies++;
  for (const r of outcome.repairs) counters.repairs[r]++;
  counters.rejectedRecords += outcome.rejected.length;
  if (!outcome.ok) {
    counters.failed++;
    counters.failures[outcome.failure.kind]++;
    return;
  }
  if (outcome.repairs.length === 0) counters.parsed++;
  else counters.repaired++;
  counters.entities += outcome.records.entities.length;
  counters.relations += outcome.records.relations.length;
}
