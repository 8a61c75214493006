// The change record: the configuration diff on its own, the risk reasons, and the Markdown.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assessRisk,
  changeRecord,
  configDiff,
  duration,
  RISK_POINTS,
  safetyLoosened,
  type ChangeRecordInput,
  type ControlRelease,
} from './change-record.js';
import type { ReleaseSpec } from './release-spec.js';

const graphrag: ReleaseSpec['graphrag'] = {
  retrieval: { topK: 8, maxHops: 1, minScore: 0.3, rerank: false },
  prompts: { answer: 'Answer from the sources only.' },
  provider: 'openai',
  model: 'gpt-a',
  safety: { minGroundedness: 0.7, maxToxicity: 0.2 },
  extractionVersion: 'x1',
};
const control: ControlRelease = {
  releaseId: 'rel-blue',
  colour: 'blue',
  name: 'baseline',
  version: '7',
  graphrag,
  flags: { 'graphrag.rerank': false, legacy: 'on' },
  policyBundle: { name: 'default', digest: `sha256:${'a'.repeat(64)}` },
};
const spec: ReleaseSpec = {
  apiVersion: 'iris/v1',
  kind: 'Release',
  name: 'rerank-on',
  version: '8',
  colour: 'green',
  description: 'Turn the reranker on | and a pipe',
  graphrag: { ...graphrag, retrieval: { ...graphrag.retrieval, rerank: true, topK: 12 } },
  flags: { 'graphrag.rerank': true, 'answers/max': 8 },
  policyBundle: { name: 'default', digest: `sha256:${'a'.repeat(64)}` },
  plan: {
    guardIntervalSeconds: 15,
    minSamples: 200,
    thresholds: { alpha: 0.05, tolerance: 0.1, errorMargin: 0.02, latencyMargin: 0.1 },
    rings: [
      {
        ring: 'canary',
        steps: [
          { weight: 5, bakeSeconds: 300 },
          { weight: 100, bakeSeconds: 600 },
        ],
      },
      {
        ring: 'general',
        steps: [
          { weight: 25, bakeSeconds: 3600 },
          { weight: 100, bakeSeconds: 5400 },
        ],
      },
    ],
  },
};
const input: ChangeRecordInput = {
  release: { releaseId: 'rel-green', spec },
  control,
  tenantsByRing: { canary: 4, general: 40 },
  preflight: [
    { gate: 'schema', ok: true, detail: 'valid', at: Date.UTC(2026, 11, 6, 18, 0) },
    {
      gate: 'golden-questions',
      ok: false,
      detail: '3 of 50 answers lost a citation',
      at: Date.UTC(2026, 11, 6, 18, 1),
    },
  ],
  links: { dashboard: 'https://grafana.example/d/iris-rings?var-release=rel-green' },
};

test('configDiff lists changed, added and removed leaves by JSON pointer, sorted', () => {
  assert.deepEqual(configDiff(control, spec), [
    { path: '/flags/answers~1max', kind: 'added', after: 8 },
    { path: '/flags/graphrag.rerank', kind: 'changed', before: false, after: true },
    { path: '/flags/legacy', kind: 'removed', before: 'on' },
    { path: '/graphrag/retrieval/rerank', kind: 'changed', before: false, after: true },
    { path: '/graphrag/retrieval/topK', kind: 'changed', before: 8, after: 12 },
  ]);
});

test('configDiff: same configuration is empty; a removed bundle and the first release', () => {
  assert.deepEqual(configDiff(control, control), []);
  const noBundle = { graphrag, flags: control.flags };
  assert.deepEqual(configDiff(control, noBundle), [
    { path: '/policyBundle', kind: 'removed', before: control.policyBundle ?? null },
  ]);
  const first = configDiff(null, { graphrag, flags: {} });
  assert.ok(first.every((c) => c.kind === 'added'));
  assert.deepEqual(
    first.map((c) => c.path),
    ['/flags', '/graphrag'],
  );
  // Only the serving configuration is compared, never the plan or the name.
  const renamed: ReleaseSpec = { ...spec, name: 'other', plan: { ...spec.plan, minSamples: 1 } };
  assert.deepEqual(configDiff(spec, renamed), []);
});

test('safety: a floor lowered, a ceiling raised or a threshold removed loosens', () => {
  assert.equal(safetyLoosened('minGroundedness', 0.7, 0.6), true);
  assert.equal(safetyLoosened('minGroundedness', 0.7, 0.8), false);
  assert.equal(safetyLoosened('maxToxicity', 0.2, 0.3), true);
  assert.equal(safetyLoosened('maxToxicity', 0.2, 0.1), false);
  assert.equal(safetyLoosened('maxToxicity', 0.2, undefined), true);
});

test('risk: a retrieval and flag change to 44 tenants with a failed gate', () => {
  const risk = assessRisk(input);
  assert.deepEqual(
    risk.reasons.map((r) => r.reason),
    [
      'retrieval settings change',
      '3 flags change',
      '44 tenants reached at the end of the plan',
      'preflight failed: golden-questions',
    ],
  );
  assert.equal(risk.score, RISK_POINTS.retrieval + RISK_POINTS.flags + RISK_POINTS.someTenants + 2);
  assert.equal(risk.level, 'medium');
});

test('risk: model, prompt, extraction, safety, bundle and a big first step add up and cap at 10', () => {
  const risky: ReleaseSpec = {
    ...spec,
    graphrag: {
      ...graphrag,
      provider: 'anthropic',
      model: 'claude-b',
      prompts: { answer: 'New prompt', extract: 'Extract' },
      safety: { minGroundedness: 0.5 },
      extractionVersion: 'x2',
    },
    flags: control.flags,
    policyBundle: { name: 'default', digest: `sha256:${'b'.repeat(64)}` },
    plan: { ...spec.plan, rings: [{ ring: 'general', steps: [{ weight: 50, bakeSeconds: 0 }] }] },
  };
  const risk = assessRisk({ ...input, release: { releaseId: null, spec: risky }, preflight: [] });
  const text = risk.reasons.map((r) => r.reason).join('\n');
  for (const expected of [
    /model provider changes \(openai → anthropic\)/,
    /model changes \(gpt-a → claude-b\)/,
    /prompt change: answer, extract/,
    /extraction version changes \(x1 → x2\): the rings' tenants are re-indexed/,
    /safety thresholds loosened: maxToxicity, minGroundedness/,
    /policy bundle changes/,
    /one ring only/,
    /first step sends 50 %/,
    /steps without a bake in general/,
  ]) {
    assert.match(text, expected);
  }
  assert.equal(risk.score, 10);
  assert.equal(risk.level, 'high');
});

test('risk: an unchanged configuration on a careful plan is low', () => {
  const careful = { ...spec, graphrag, flags: control.flags };
  const risk = assessRisk({ ...input, release: { releaseId: 'r', spec: careful }, preflight: [], tenantsByRing: {} });
  assert.deepEqual(risk, { score: 0, level: 'low', reasons: [] });
});

test('the Markdown record has every section, escapes cells and names the rollback command', () => {
  const md = changeRecord(input);
  assert.match(md, /^<!-- iris-change-record: rerank-on 8 -->\n## Release rerank-on 8 \(colour green\)/);
  assert.match(md, /against the control \*\*blue\*\* \(baseline 7\), release `rel-blue`\./);
  assert.match(md, /> Turn the reranker on &#124; and a pipe/);
  assert.match(md, /\*\*Risk: 5\/10 \(medium\)\*\*/);
  assert.match(md, /\| <code>\/graphrag\/retrieval\/topK<\/code> \| changed \| <code>8<\/code> \| <code>12<\/code> \|/);
  assert.match(md, /\| <code>\/flags\/legacy<\/code> \| removed \| <code>"on"<\/code> \| {2}\|/);
  assert.match(md, /\| 1 \| canary \| 4 \| 5 % for 5 min → 100 % for 10 min \|/);
  assert.match(md, /\| 2 \| general \| 40 \| 25 % for 1 h → 100 % for 1 h 30 min \|/);
  assert.match(
    md,
    /\| golden-questions \| ❌ failed \| 3 of 50 answers lost a citation \| 2026-12-06T18:01:00.000Z \|/,
  );
  assert.match(md, /- Dashboard: https:\/\/grafana.example\/d\/iris-rings\?var-release=rel-green/);
  assert.match(md, /- Rollback runbook: ops\/runbooks\/IrisReleaseRolledBack.md/);
  assert.match(md, /iris release rollback rel-green --reason "<why>"/);
  assert.match(md, /weight to 0 in every ring the release reached, all at once/);
  assert.equal(changeRecord(input), md, 'deterministic');
});

test('the Markdown record of a first, not yet created release', () => {
  const md = changeRecord({ ...input, release: { releaseId: null, spec }, control: null, preflight: [] });
  assert.match(md, /There is no control yet/);
  assert.match(md, /\| <code>\/graphrag<\/code> \| added \| {2}\| <code>/);
  assert.match(md, /No preflight gate has run\./);
  assert.match(md, /iris release rollback <release-id>/);
  assert.match(md, /printed by `iris release create`/);
});

test('long prompts are shortened in the table, with their length', () => {
  const long = 'x'.repeat(500);
  const md = changeRecord({
    ...input,
    release: { releaseId: 'r', spec: { ...spec, graphrag: { ...graphrag, prompts: { answer: long } } } },
  });
  assert.match(md, /\| <code>\/graphrag\/prompts\/answer<\/code> \| changed \|.*…<\/code> \(500 chars\) \|/);
  assert.ok(!md.includes(long));
});

test('durations read as an operator would say them', () => {
  assert.deepEqual([0, 45, 300, 90, 3600, 5400, 86_400, 108_000].map(duration), [
    '0 s',
    '45 s',
    '5 min',
    '1 min 30 s',
    '1 h',
    '1 h 30 min',
    '1 d',
    '1 d 6 h',
  ]);
});
