// Mutated replies for bench:parse: every LLM-reply gold of the bench tenants (expected to
// parse) is written as a valid reply and mutated (up to two mutations, fixed seed); each
// mutation kind's success rate is counted, and micro-F1 over records of the untruncated ones.
import { parseLlmReply } from '../../src/knowledge/extract/reply/llm-reply-parser.js';
import { judgeReply, recordKeys } from '../../src/knowledge/extract/reply/reply-check.js';
import { mutateReply, seeded, type ReplyRecords } from '../../src/knowledge/extract/reply/reply-mutations.js';
import type { Fixture } from './fixtures.js';
import { compare, f1, zero, add, type Counts } from './scoring.js';

export interface MutationScore {
  readonly replies: number;
  readonly same: number;
  /** Per mutation kind: replies it was part of, and how many of them parsed right. */
  readonly byKind: Readonly<Record<string, { total: number; ok: number }>>;
  readonly counts: Counts;
  readonly f1: number;
}

/** Mutates each reply gold `perReply` times and scores the parses. */
export function runMutationBench(fixtures: readonly Fixture[], perReply = 25, seed = 18): MutationScore {
  const random = seeded(seed);
  const byKind: Record<string, { total: number; ok: number }> = {};
  const counts = zero();
  let replies = 0;
  let same = 0;
  for (const fx of fixtures) {
    if (fx.gold.category !== 'llm_reply' || fx.gold.expect === 'failure') continue;
    const records: ReplyRecords = {
      entities: fx.gold.entities.map(([type, name]) => ({ type, name })),
      relations: fx.gold.relations.map(([source, type, target]) => ({ source, type, target })),
    };
    if (records.entities.length + records.relations.length === 0) continue;
    for (let i = 0; i < perReply; i++) {
      const m = mutateReply(records, random);
      const cut = m.mutations.includes('truncation');
      const outcome = parseLlmReply(m.text);
      const verdict = judgeReply(records, outcome, cut);
      const ok = verdict === 'same' || (cut && (verdict === 'partial' || verdict === 'reported'));
      replies++;
      if (ok) same++;
      for (const k of m.kinds.length === 0 ? ['json'] : m.kinds) {
        const slot = (byKind[k] ??= { total: 0, ok: 0 });
        slot.total++;
        if (ok) slot.ok++;
      }
      // NOTE: a truncated reply cannot give back every record; it is judged above, not scored here.
      if (cut) continue;
      const got = outcome.ok ? recordKeys(outcome.records) : new Set<string>();
      const c = compare(got, recordKeys(records));
      add(counts, { tp: c.tp, fp: c.fp, fn: c.fn });
    }
  }
  return { replies, same, byKind, counts, f1: f1(counts) };
}
