// bench:parse — parse accuracy of the knowledge extraction stage on a labelled benchmark
// (bench/parse/tenants: several tenants, each with structured files of every format, prose and
// recorded LLM replies, malformed ones included, each with hand-written gold). Prints micro-F1
// per tenant and category, the reply-parser counters, and ends with the RESULT line, whose
// values are minima over tenants. A tenant's parse accuracy (min_f1) is micro-F1 over its
// structured files and LLM replies; prose without an LLM is reported beside it.
// BENCH_VERBOSE=1 lists every missing (-) and extra (+) record.
import { FAILURE_KINDS, REPAIR_KINDS } from '../src/knowledge/index.js';
import { loadTenants } from './parse/fixtures.js';
import { runMutationBench } from './parse/mutation-bench.js';
import { scoreResolution } from './parse/resolution-bench.js';
import { resultValues, runParseBench } from './parse/run-parse-bench.js';
import { add, CATEGORIES, f1, zero, type Counts } from './parse/scoring.js';

const fmt = (x: number): string => x.toFixed(3);
const WIDTHS = [12, 6, 6, 6, 6, 8, 8, 8];
const row = (cells: readonly (string | number)[]): string =>
  cells
    .map((c, i) => String(c).padEnd(WIDTHS[i] ?? 8))
    .join(' ')
    .trimEnd();
const ratio = (num: number, den: number): string => (den === 0 ? '-' : fmt(num / den));

const report = await runParseBench();
const verbose = process.env.BENCH_VERBOSE === '1';
console.log(
  `bench:parse: ${report.files.length} files, ${report.tenants.length} tenants, ${report.elapsedMs.toFixed(0)} ms`,
);
const pooled: Record<string, Counts> = Object.fromEntries(CATEGORIES.map((c) => [c, zero()]));
for (const t of report.tenants) {
  console.log(`\ntenant ${t.tenant}`);
  console.log(row(['category', 'files', 'tp', 'fp', 'fn', 'prec', 'recall', 'f1']));
  for (const category of CATEGORIES) {
    const c = t.byCategory[category];
    add(pooled[category] ?? zero(), c);
    if (!t.has[category]) continue;
    const files = report.files.filter((f) => f.fixture.tenant === t.tenant && f.fixture.gold.category === category);
    console.log(
      row([category, files.length, c.tp, c.fp, c.fn, ratio(c.tp, c.tp + c.fp), ratio(c.tp, c.tp + c.fn), fmt(f1(c))]),
    );
    if (verbose)
      for (const f of files)
        for (const [sign, keys] of [
          ['-', f.missing],
          ['+', f.extra],
        ] as const)
          for (const k of keys) console.log(`    ${sign} ${f.fixture.file}: ${k}`);
  }
  if (t.has.prose)
    for (const [label, c] of [
      ['prose ent', t.proseEntities],
      ['prose rel', t.proseRelations],
    ] as const)
      console.log(row([label, '', c.tp, c.fp, c.fn, ratio(c.tp, c.tp + c.fp), ratio(c.tp, c.tp + c.fn), fmt(f1(c))]));
  const a = t.accuracy;
  console.log(row(['accuracy', '', a.tp, a.fp, a.fn, ratio(a.tp, a.tp + a.fp), ratio(a.tp, a.tp + a.fn), fmt(f1(a))]));
}
console.log(`\npooled over tenants: ${CATEGORIES.map((c) => `${c}=${fmt(f1(pooled[c] ?? zero()))}`).join(' ')}`);
const k = report.counters;
console.log(
  `llm replies: ${k.replies} (clean ${k.parsed}, repaired ${k.repaired}, failed ${k.failed}); records ${k.entities} entities, ${k.relations} relations; rejected records ${k.rejectedRecords}`,
);
console.log(
  `  repairs:  ${
    REPAIR_KINDS.filter((r) => k.repairs[r] > 0)
      .map((r) => `${r}=${k.repairs[r]}`)
      .join(' ') || 'none'
  }`,
);
console.log(
  `  failures: ${
    FAILURE_KINDS.filter((f) => k.failures[f] > 0)
      .map((f) => `${f}=${k.failures[f]}`)
      .join(' ') || 'none'
  }`,
);
for (const u of report.unexpected) console.log(`  UNEXPECTED ${u}`);
const mutated = runMutationBench(loadTenants().fixtures);
console.log(
  `\nmutated replies: ${mutated.replies} (up to two mutations each, seed 18), ${mutated.same} parsed right (${fmt(mutated.same / Math.max(1, mutated.replies))}); micro-F1 over untruncated ${fmt(mutated.f1)}`,
);
for (const [kind, c] of Object.entries(mutated.byKind).sort(([a], [b]) => a.localeCompare(b)))
  console.log(`  ${kind.padEnd(18)} ${String(c.ok).padStart(4)}/${String(c.total).padEnd(4)} ${fmt(c.ok / c.total)}`);
const resolution = scoreResolution();
console.log(
  `\nentity resolution: ${resolution.pairs} labelled pairs, tp ${resolution.tp} fp ${resolution.fp} fn ${resolution.fn}, precision ${fmt(resolution.precision)} recall ${fmt(resolution.recall)} f1 ${fmt(resolution.f1)}`,
);
if (verbose) for (const w of resolution.wrong) console.log(`    ${w}`);
const v = resultValues(report);
console.log(
  `RESULT parse min_f1=${fmt(v.min_f1)} structured_f1=${fmt(v.structured_f1)} llm_reply_f1=${fmt(v.llm_reply_f1)} mutated_reply_f1=${fmt(mutated.f1)} prose_entity_f1=${fmt(v.prose_entity_f1)} prose_relation_f1=${fmt(v.prose_relation_f1)} prose_precision=${fmt(v.prose_precision)} resolution_f1=${fmt(resolution.f1)}`,
);
