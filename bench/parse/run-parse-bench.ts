// Runs the parse benchmark: extracts every tenant's fixtures through the knowledge context's
// public face and scores them against the hand-written gold. Printing is parse-bench.ts's job;
// tests call this directly to hold the accuracy targets.
import {
  countReply,
  createReplyCounters,
  extractDocument,
  extractFromReply,
  knownTypesOf,
  type KnownTypes,
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
  /** The same counts split into entity records and relation records. */
  readonly entityCounts: Counts;
  readonly relationCounts: Counts;
  readonly missing: readonly string[];
  readonly extra: readonly string[];
}

export interface TenantScore {
  readonly tenant: string;
  readonly byCategory: Readonly<Record<Category, Counts>>;
  /** Structured files and LLM replies together: the tenant's parse accuracy. */
  readonly accuracy: Counts;
  /** Prose files only, split into entity and relation records. */
  readonly proseEntities: Counts;
  readonly proseRelations: Counts;
  /** Whether the tenant has files of the category (a tenant without any does not enter its minimum). */
  readonly has: Readonly<Record<Category, boolean>>;
}

export interface ParseBenchReport {
  readonly files: readonly FileScore[];
  readonly tenants: readonly TenantScore[];
  readonly counters: ReplyCounters;
  /** Replies whose success or failure differed from the gold's expectation. */
  readonly unexpected: readonly string[];
  readonly elapsedMs: number;
}

async function scoreFile(
  fx: Fixture,
  counters: ReplyCounters,
  unexpected: string[],
  knownTypes?: KnownTypes,
): Promise<FileScore> {
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
  } else found = await extractDocument(fx.file, fx.bytes, knownTypes === undefined ? {} : { knownTypes });
  const predicted = new Set([
    ...found.entities.map((e) => `E ${entityKey(resolve, e.type, e.name)}`),
    ...found.relations.map((r) => `R ${relationKey(resolve, r.source, r.type, r.target)}`),
  ]);
  const gold = new Set([
    ...fx.gold.entities.map(([type, name]) => `E ${entityKey(resolve, type, name)}`),
    ...fx.gold.relations.map(([s, t, o]) => `R ${relationKey(resolve, s, t, o)}`),
  ]);
  const c = compare(predicted, gold);
  const part = (prefix: string): Counts => {
    const only = (keys: ReadonlySet<string>): Set<string> => new Set([...keys].filter((k) => k.startsWith(prefix)));
    const p = compare(only(predicted), only(gold));
    return { tp: p.tp, fp: p.fp, fn: p.fn };
  };
  return {
    fixture: fx,
    counts: { tp: c.tp, fp: c.fp, fn: c.fn },
    entityCounts: part('E '),
    relationCounts: part('R '),
    missing: c.missing,
    extra: c.extra,
  };
}

/**
 * What a tenant's graph knows when one of its documents is ingested after all its others (as
 * ingest supplies it, src/knowledge/known-types.ts): the entities extracted from its other
 * structured and prose files, with their mentions' methods, as knownTypesOf reads them (prose-only
 * types type nothing). Recorded LLM replies are left out: they answer chunks of no fixture, and
 * the structured and prose rows measure deterministic extraction, a tenant without an LLM
 * provider. Replies themselves are scored as they are (ingest never types a reply alone).
 */
async function tenantKnowledge(fixtures: readonly Fixture[]): Promise<(fx: Fixture) => KnownTypes> {
  const documents = fixtures.filter((f) => f.gold.category !== 'llm_reply');
  const extracted = new Map<Fixture, Awaited<ReturnType<typeof extractDocument>>['entities']>();
  for (const fx of documents) extracted.set(fx, (await extractDocument(fx.file, fx.bytes)).entities);
  return (fx) =>
    knownTypesOf(
      documents
        .filter((o) => o.tenant === fx.tenant && o !== fx)
        .flatMap((o) => extracted.get(o) ?? [])
        .map((e) => ({ ...e, methods: e.provenance.map((p) => p.method) })),
    );
}

/** Extracts and scores every fixture of every tenant. Throws when a fixture has no gold. */
export async function runParseBench(): Promise<ParseBenchReport> {
  const { fixtures, ungraded } = loadTenants();
  if (ungraded.length > 0) throw new Error(`fixtures without gold: ${ungraded.join(', ')}`);
  const counters = createReplyCounters();
  const unexpected: string[] = [];
  const started = performance.now();
  const files: FileScore[] = [];
  const known = await tenantKnowledge(fixtures);
  for (const fx of fixtures)
    files.push(await scoreFile(fx, counters, unexpected, fx.gold.category !== 'llm_reply' ? known(fx) : undefined));
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
    const mine = files.filter((f) => f.fixture.tenant === tenant);
    const prose = mine.filter((f) => f.fixture.gold.category === 'prose');
    return {
      tenant,
      byCategory,
      accuracy: add(add(zero(), byCategory.structured), byCategory.llm_reply),
      proseEntities: prose.reduce((acc, f) => add(acc, f.entityCounts), zero()),
      proseRelations: prose.reduce((acc, f) => add(acc, f.relationCounts), zero()),
      has: Object.fromEntries(CATEGORIES.map((c) => [c, mine.some((f) => f.fixture.gold.category === c)])) as Record<
        Category,
        boolean
      >,
    };
  });
  return { files, tenants, counters, unexpected, elapsedMs };
}

/**
 * The RESULT values over tenants. min_f1 is the minimum over tenants (that have structured
 * files or replies) of micro-F1 over both; structured_f1 and llm_reply_f1 are minima over the
 * tenants that have that category. Prose is reported apart: prose_* are the minima over tenants
 * with prose (the blind prose set among them) of entity F1, relation F1 and precision.
 */
export function resultValues(
  report: ParseBenchReport,
): Record<
  | 'min_f1'
  | 'structured_f1'
  | 'llm_reply_f1'
  | 'prose_f1'
  | 'prose_entity_f1'
  | 'prose_relation_f1'
  | 'prose_precision',
  number
> {
  const min = (pick: (t: TenantScore) => number, among: (t: TenantScore) => boolean): number => {
    const values = report.tenants.filter(among).map(pick);
    return values.length === 0 ? 1 : Math.min(...values);
  };
  const precision = (c: Counts): number => (c.tp + c.fp === 0 ? 1 : c.tp / (c.tp + c.fp));
  const parsed = (t: TenantScore): boolean => t.has.structured || t.has.llm_reply;
  return {
    min_f1: min((t) => f1(t.accuracy), parsed),
    structured_f1: min(
      (t) => f1(t.byCategory.structured),
      (t) => t.has.structured,
    ),
    llm_reply_f1: min(
      (t) => f1(t.byCategory.llm_reply),
      (t) => t.has.llm_reply,
    ),
    prose_f1: min(
      (t) => f1(t.byCategory.prose),
      (t) => t.has.prose,
    ),
    prose_entity_f1: min(
      (t) => f1(t.proseEntities),
      (t) => t.has.prose,
    ),
    prose_relation_f1: min(
      (t) => f1(t.proseRelations),
      (t) => t.has.prose,
    ),
    prose_precision: min(
      (t) => precision(t.byCategory.prose),
      (t) => t.has.prose,
    ),
  };
}
