// Preflight gates: silences matched as Alertmanager matches them and passed only when reviewed
// by a person; the rings dashboard; the policy bundle's proofs; the load probe, where unmeasured
// parse accuracy fails an extraction change.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  dashboardsGate,
  labelledAccuracy,
  loadProbeGate,
  matcherMatches,
  policyGate,
  probeRingOf,
  ringsOfStage,
  silenceConcerns,
  silencesGate,
  type Silence,
} from './preflight.js';

const AT = Date.parse('2026-12-06T12:00:00Z');
const silence = (id: string, matchers: Silence['matchers'], updatedAt = '2026-12-06T10:00:00Z'): Silence => ({
  id,
  matchers,
  createdBy: 'ops@example.com',
  comment: 'noisy during migration',
  startsAt: '2026-12-06T09:00:00Z',
  endsAt: '2026-12-06T18:00:00Z',
  updatedAt,
});
const eq = (name: string, value: string) => ({ name, value, isRegex: false, isEqual: true });

test('matchers: equality, regex anchored, negation, a missing label is empty', () => {
  const labels = { ring: 'canary', release: 'rag@1' };
  assert.equal(matcherMatches(eq('ring', 'canary'), labels), true);
  assert.equal(matcherMatches(eq('ring', 'canar'), labels), false);
  assert.equal(matcherMatches({ name: 'ring', value: 'can.*', isRegex: true }, labels), true);
  assert.equal(matcherMatches({ name: 'ring', value: 'ana', isRegex: true }, labels), false, 'anchored');
  assert.equal(matcherMatches({ name: 'ring', value: 'general', isRegex: false, isEqual: false }, labels), true);
  assert.equal(matcherMatches({ name: 'ring', value: 'canary|early', isRegex: true, isEqual: false }, labels), false);
  assert.equal(matcherMatches(eq('team', ''), labels), true, 'missing label equals ""');
  assert.equal(matcherMatches({ name: 'ring', value: '(', isRegex: true }, labels), true, 'bad regex: reviewed');
});

test('a silence concerns a ring by its ring or release matchers; other labels only narrow it', () => {
  assert.equal(silenceConcerns(silence('a', [eq('ring', 'canary'), eq('alertname', 'X')]), 'canary', 'r@1'), true);
  assert.equal(silenceConcerns(silence('b', [eq('ring', 'early')]), 'canary', 'r@1'), false);
  assert.equal(silenceConcerns(silence('c', [eq('release', 'r@1')]), 'general', 'r@1'), true);
  assert.equal(silenceConcerns(silence('d', [eq('release', 'r@1'), eq('ring', 'early')]), 'canary', 'r@1'), false);
  assert.equal(silenceConcerns(silence('e', [eq('alertname', 'X')]), 'canary', 'r@1'), false);
});

test('silences gate: unreviewed fails naming id, creator, comment and end; a review passes it', () => {
  const s = silence('s-1', [eq('ring', 'canary')]);
  const other = silence('s-2', [eq('ring', 'general')]);
  const base = { releaseId: 'rag@1', rings: ['canary', 'early'], silences: [s, other], at: AT };
  const before = silencesGate({ ...base, reviews: [] });
  assert.equal(before.ok, false);
  assert.equal(before.gate, 'silences');
  assert.match(before.detail, /1 of 1 matching silence/);
  assert.match(
    before.detail,
    /s-1 \(unreviewed; ring="canary"; created by ops@example.com; "noisy during migration"; ends 2026-12-06T18:00:00Z\)/,
  );
  assert.doesNotMatch(before.detail, /s-2/);
  const review = {
    releaseId: 'rag@1',
    silenceId: 's-1',
    reviewer: 'Ada Lovelace',
    note: '',
    at: '2026-12-06T11:00:00Z',
  };
  const after = silencesGate({ ...base, reviews: [review] });
  assert.deepEqual(after, {
    gate: 'silences',
    ok: true,
    detail: '1 matching silence(s) reviewed: s-1 by Ada Lovelace',
    at: AT,
  });
  const blank = silencesGate({ ...base, reviews: [{ ...review, reviewer: '  ' }] });
  assert.equal(blank.ok, false, 'a review must name a person');
});

test('silences gate: a silence changed after its review needs another', () => {
  const s = silence('s-1', [{ name: 'ring', value: 'can.*', isRegex: true, isEqual: true }], '2026-12-06T11:30:00Z');
  const r = silencesGate({
    releaseId: 'rag@1',
    rings: ['canary'],
    silences: [s],
    reviews: [{ releaseId: 'rag@1', silenceId: 's-1', reviewer: 'Ada', note: '', at: '2026-12-06T11:00:00Z' }],
    at: AT,
  });
  assert.equal(r.ok, false);
  assert.match(r.detail, /changed since Ada's review/);
  const none = silencesGate({ releaseId: 'rag@1', rings: ['canary'], silences: [], reviews: [], at: AT });
  assert.deepEqual(none, { gate: 'silences', ok: true, detail: 'no active silence matches rings canary', at: AT });
});

const SHIPPED = resolve(fileURLToPath(import.meta.url), '../../../../ops/grafana/dashboards/iris-rings.json');

test('dashboards gate: the shipped rings dashboard links every ring', () => {
  const dashboard = JSON.parse(readFileSync(SHIPPED, 'utf8')) as unknown;
  const r = dashboardsGate({ rings: ['canary', 'early'], dashboard, source: 'iris-rings.json', at: AT });
  assert.equal(r.ok, true, r.detail);
  assert.match(r.detail, /var-ring=canary/);
  assert.match(r.detail, /var-ring=early/);
});

test('dashboards gate: missing file, no ring variable, a custom variable without the ring', () => {
  assert.equal(dashboardsGate({ rings: ['canary'], dashboard: undefined, source: 'x.json', at: AT }).ok, false);
  const panels = [{ targets: [{ expr: 'sum(x{ring=~"$ring"})' }] }];
  const noVar = dashboardsGate({
    rings: ['canary'],
    dashboard: { templating: { list: [] }, panels },
    source: 'x',
    at: AT,
  });
  assert.match(noVar.detail, /no 'ring' variable/);
  const custom = { templating: { list: [{ name: 'ring', type: 'custom', query: 'internal,canary' }] }, panels };
  assert.equal(dashboardsGate({ rings: ['canary'], dashboard: custom, source: 'x', at: AT }).ok, true);
  const r = dashboardsGate({ rings: ['canary', 'early'], dashboard: custom, source: 'x', at: AT });
  assert.equal(r.ok, false);
  assert.match(r.detail, /does not offer early/);
  const noPanel = { templating: { list: [{ name: 'ring', type: 'query' }] }, panels: [{ targets: [{ expr: 'up' }] }] };
  assert.match(dashboardsGate({ rings: ['canary'], dashboard: noPanel, source: 'x', at: AT }).detail, /no panel/);
});

test('policy gate: none named passes; missing, broken or unproved fails; proved passes', () => {
  const bundle = { name: 'base', digest: 'sha256:ab' };
  assert.deepEqual(policyGate({ bundle: undefined, facts: undefined, at: AT }), {
    gate: 'policy',
    ok: true,
    detail: 'no policy bundle in this release',
    at: AT,
  });
  assert.match(
    policyGate({ bundle, facts: undefined, at: AT }).detail,
    /no stored policy bundle base with digest sha256:ab/,
  );
  const facts = {
    id: 'sha256:ab',
    name: 'base',
    verification: { isolation: 'proved', residency: 'proved' },
    problems: [],
  };
  const ok = policyGate({ bundle, facts, at: AT });
  assert.equal(ok.ok, true);
  assert.match(ok.detail, /proved: isolation, residency/);
  const unproved = policyGate({
    bundle,
    facts: { ...facts, verification: { isolation: 'proved', residency: 'skipped' } },
    at: AT,
  });
  assert.equal(unproved.ok, false);
  assert.match(unproved.detail, /residency \(skipped\)/);
  assert.equal(policyGate({ bundle, facts: { ...facts, problems: ['forbid missing'] }, at: AT }).ok, false);
  assert.equal(policyGate({ bundle, facts: { ...facts, verification: {} }, at: AT }).ok, false);
});

test('load probe gate: success ratio, sample floor, and accuracy only for an extraction change', () => {
  const probe = { ring: 'canary', requests: 200, successes: 199 };
  assert.equal(loadProbeGate({ ring: 'canary', probe, extractionChange: false, at: AT }).ok, true);
  assert.equal(
    loadProbeGate({ ring: 'canary', probe: { ...probe, successes: 197 }, extractionChange: false, at: AT }).ok,
    false,
  );
  assert.match(
    loadProbeGate({ ring: 'canary', probe: { ...probe, requests: 10, successes: 10 }, extractionChange: false, at: AT })
      .detail,
    /at least 50/,
  );
  assert.match(
    loadProbeGate({ ring: 'canary', probe: undefined, extractionChange: false, at: AT }).detail,
    /no load probe/,
  );
  const unmeasured = loadProbeGate({ ring: 'canary', probe, extractionChange: true, at: AT });
  assert.equal(unmeasured.ok, false);
  assert.match(unmeasured.detail, /parse accuracy not measured/);
  const low = loadProbeGate({
    ring: 'canary',
    probe: { ...probe, accuracy: { correct: 96, total: 100 } },
    extractionChange: true,
    at: AT,
  });
  assert.equal(low.ok, false);
  const high = loadProbeGate({
    ring: 'canary',
    probe: { ...probe, accuracy: { correct: 97, total: 100 } },
    extractionChange: true,
    at: AT,
  });
  assert.equal(high.ok, true, high.detail);
  assert.equal(high.gate, 'load-probe:canary');
});

test('stages: start covers every ring and probes the first; a promotion its ring', () => {
  assert.deepEqual(ringsOfStage('start', ['canary', 'early']), ['canary', 'early']);
  assert.equal(probeRingOf('start', ['canary', 'early']), 'canary');
  assert.deepEqual(ringsOfStage('promote:early', ['canary', 'early']), ['early']);
  assert.equal(probeRingOf('promote:early', ['canary', 'early']), 'early');
});

test('labelled accuracy: each expected record and each question is one item', () => {
  const set = {
    documents: [
      { id: 'd1', expectedRecords: ['entity:Service:billing', 'relation:billing|owns|db', 'entity:Service:billing'] },
      { id: 'd2', expectedRecords: ['entity:Team:core'] },
    ],
    questions: [
      { id: 'q1', expectedCitations: ['d1#0'] },
      { id: 'q2', expectedCitations: ['d1#0', 'd2#1'] },
    ],
  };
  const r = labelledAccuracy(set, {
    records: { d1: ['entity:Service:billing', 'relation:billing|owns|db', 'entity:Extra:x'] },
    citations: { q1: ['d1#0', 'd9#9'], q2: ['d2#1'] },
  });
  assert.deepEqual(r, { correct: 3, total: 5, misses: ['d2: entity:Team:core', 'q2: missing d1#0'] });
  const gate = loadProbeGate({
    ring: 'canary',
    probe: { ring: 'canary', requests: 100, successes: 100, accuracy: r },
    extractionChange: true,
    at: AT,
  });
  assert.equal(gate.ok, false);
  assert.match(gate.detail, /parse accuracy 3\/5 = 0\.6000/);
  assert.deepEqual(labelledAccuracy({ documents: [], questions: [] }, { records: {}, citations: {} }), {
    correct: 0,
    total: 0,
    misses: [],
  });
});
