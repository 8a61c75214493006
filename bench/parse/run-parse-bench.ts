// Runs the parse benchmark: extracts every tenant's fixtures through the knowledge context's
// public face and scores them against the hand-written gold. Printing is parse-bench.ts's job;
// tests call this directly to hold the accuracy targets.
import {
  countReply,
  createReplyCounters,
  extractDocument,
  extractFromReply,
  type ReplyCounters,
} from '../../src/knowledge/index.js';
import { loadTenants, type Fixture } from './fixtures.js';
import {
  add,
  aliasResolver,
  CATEGORIES,
  compare,
  entityKey,
  f1,
  relationKey,
  zero,
  type Category,
  type Counts,
} from './scoring.js';

export interface FileScore {
  readonly fixture: Fixture;
  readonly counts: Counts;
  readonly missing: readonly string[];
  readonly extra: readonly string[];
}

export interface TenantScore {
  readonly tenant: string;
  readonly byCategory: Readonly<Record<Category, Counts>>;
  /** Structured files and LLM replies together: the tenant's parse accuracy. */
  readonly accuracy: Counts;
}

export interface ParseBenchReport {
  readonly files: readonly FileScore[];
  readonly tenants: readonly TenantScore[];
  readonly counters: ReplyCounters;
  /** Replies whose success or failure differed from the gold's expectation. */
  readonly unexpected: readonly string[];
  readonly elapsedMs: number;
}

async function scoreFile(fx: Fixture, counters: ReplyCounters, unexpected: string[]): Promise<FileScore> {
  const resolve = aliasResolver(fx.gold.aliases);
  let found: {
    entities: readonly { name: string; type: string }[];
    relations: readonly { source: string; type: string; target: string }[];
  };
  if (fx.gold.category === 'llm_reply') {
    const r = extractFromReply(new TextDecoder().decode(fx.bytes));
    countReply(counters, r.outcome);
    if (r.outcome.ok === (fx.gold.expect === 'failure'))
      unexpected.push(
        `${fx.tenant}/${fx.file}: expected ${fx.gold.expect ?? 'success'}, got ${r.outcome.ok ? 'success' : r.outcome.failure.kind}`,
      );
    found = r;
  } else found = await extractDocument(fx.file, fx.bytes);
  const predicted = new Set([
    ...found.entities.map((e) => `E ${entityKey(resolve, e.type, e.name)}`),
    ...found.relations.map((r) => `R ${relationKey(resolve, r.source, r.type, r.target)}`),
  ]);
  const gold = new Set([
    ...fx.gold.entities.map(([type, name]) => `E ${entityKey(resolve, type, name)}`),
    ...fx.gold.relations.map(([s, t, o]) => `R ${relationKey(resolve, s, t, o)}`),
  ]);
  const c = compare(predicted, gold);
  return { fixture: fx, counts: { tp: c.tp, fp: c.fp, fn: c.fn }, missing: c.missing, extra: c.extra };
}

/** Extracts and scores every fixture of every tenant. Throws when a fixture has no gold. */
export async function runParseBench(): Promise<ParseBenchReport> {
  const { fixtures, ungraded } = loadTenants();
  if (ungraded.length > 0) throw new Error(`fixtures without gold: ${ungraded.join(', ')}`);
  const counters = createReplyCounters();
  const unexpected: string[] = [];
  const started = performance.now();
  const files: FileScore[] = [];
  for (const fx of fixtures) files.push(await scoreFile(fx, counters, unexpected));
  const elapsedMs = performance.now() - started;
  const tenants = [...new Set(fixtures.map((f) => f.tenant))].map((tenant): TenantScore => {
    const byCategory = Object.fromEntries(
      CATEGORIES.map((c) => [
        c,
        files
          .filter((f) => f.fixture.tenant === tenant && f.fixture.gold.category === c)
          .reduce((acc, f) => add(acc, f.counts), zero()),
      ]),
    ) as Record<Category, Counts>;
    return { tenant, byCategory, accuracy: add(add(zero(), byCategory.structured), byCategory.llm_reply) };
  });
  return { files, tenants, counters, unexpected, elapsedMs };
}

/** The RESULT values: minima over tenants of accuracy and of each category's micro-F1. */
export function resultValues(
  report: ParseBenchReport,
): Record<'min_f1' | 'structured_f1' | 'llm_reply_f1' | 'prose_f1', number> {
  const min = (pick: (t: TenantScore) => Counts): number => Math.min(...report.tenants.map((t) => f1(pick(t))));
  return {
    min_f1: min((t) => t.accuracy),
    structured_f1: min((t) => t.byCategory.structured),
    llm_reply_f1: min((t) => t.byCategory.llm_reply),
    prose_f1: min((t) => t.byCategory.prose),
  };
}
