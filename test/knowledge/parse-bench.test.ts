// The parse benchmark as a regression test: every tenant keeps >= 0.97 micro-F1 on structured
// files and on LLM replies, replies fail exactly where the gold expects, and the counters add up.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resultValues, runParseBench } from '../../bench/parse/run-parse-bench.js';
import { f1 } from '../../bench/parse/scoring.js';

// NOTE: since issue 18 every reference is an entity, in the gold of every tenant (GOLD-ENDPOINTS.md)
// and in the extractor (endpoint-types.ts); the floors are the measured figures less a margin.
test('structured files and LLM replies hold their measured floors for every tenant, blind sets included', async () => {
  const report = await runParseBench();
  assert.ok(report.tenants.length >= 6);
  assert.ok(report.tenants.some((t) => t.tenant === 'blind-structured'));
  for (const t of report.tenants) {
    assert.ok(f1(t.byCategory.structured) >= 0.97, `${t.tenant} structured ${f1(t.byCategory.structured)}`);
    assert.ok(f1(t.byCategory.llm_reply) >= 0.97, `${t.tenant} llm_reply ${f1(t.byCategory.llm_reply)}`);
  }
  assert.deepEqual(report.unexpected, []);
  const c = report.counters;
  assert.equal(c.parsed + c.repaired + c.failed, c.replies);
  // 0.990 measured with the types the tenant already knows (known-types.ts), 0.983 without.
  assert.ok(resultValues(report).min_f1 >= 0.985);
  // Every repair kind the issue names occurs in the recorded replies.
  for (const kind of [
    'think_tags',
    'code_fence',
    'surrounding_prose',
    'trailing_commas',
    'single_quotes',
    'unquoted_keys',
    'truncated',
    'delimiter_corruption',
    'key_casing',
  ] as const) {
    assert.ok(c.repairs[kind] > 0, `no recorded reply exercises ${kind}`);
  }
});
