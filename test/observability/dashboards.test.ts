// Grafana: the committed dashboards equal the generated ones; each has the tenant variable,
// every panel links to an existing runbook and (for the alert it serves) to tenant logs,
// latency panels show exemplars, and PromQL names only known metrics and recording rules.
// IRIS_UPDATE_DASHBOARDS=1 rewrites ops/grafana/dashboards first.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { dashboards, DATASOURCE_UIDS, MetricNames } from '../../src/observability/index.js';

const DIR = resolve('ops/grafana/dashboards');
const all = dashboards();

if (process.env.IRIS_UPDATE_DASHBOARDS === '1')
  for (const d of all) writeFileSync(join(DIR, d.file), `${JSON.stringify(d.json, null, 2)}\n`);

interface Panel {
  title: string;
  type: string;
  links: { title: string; url: string }[];
  targets: { expr: string; exemplar?: boolean }[];
}

test('six dashboards, committed exactly as generated', () => {
  assert.deepEqual(all.map((d) => d.file).sort(), [
    'iris-executor.json',
    'iris-graphrag.json',
    'iris-overview.json',
    'iris-policy.json',
    'iris-rings.json',
    'iris-tenant.json',
  ]);
  for (const d of all)
    assert.deepEqual(
      JSON.parse(readFileSync(join(DIR, d.file), 'utf8')),
      d.json,
      `${d.file} drifted: run the test with IRIS_UPDATE_DASHBOARDS=1`,
    );
});

test('every dashboard has the tenant variable; every panel links to an existing runbook', () => {
  for (const d of all) {
    const vars = (d.json.templating as { list: { name: string }[] }).list.map((v) => v.name);
    assert.ok(vars.includes('tenant'), d.file);
    for (const p of d.json.panels as Panel[]) {
      const runbooks = p.links.filter((l) => l.title.startsWith('Runbook: '));
      assert.ok(runbooks.length > 0, `${d.file}: ${p.title} has no runbook link`);
      for (const l of runbooks) {
        const file = /\/([A-Za-z]+\.md)$/.exec(l.url)?.[1] ?? '';
        assert.ok(existsSync(resolve('ops/runbooks', file)), `${d.file}: ${p.title} -> ${l.url}`);
      }
      assert.ok(
        p.links.some((l) => l.url.includes(DATASOURCE_UIDS.loki)),
        `${p.title} links to logs`,
      );
    }
  }
});

test('latency panels carry exemplars; queries name only known metrics and recording rules', () => {
  const rules = readFileSync(resolve('ops/prometheus/rules/iris.rules.yml'), 'utf8');
  const recorded = new Set([...rules.matchAll(/- record: (\S+)/g)].map((m) => m[1] as string));
  const known = new Set<string>([...Object.values(MetricNames), 'up']);
  let exemplarPanels = 0;
  for (const d of all) {
    for (const p of d.json.panels as Panel[]) {
      if (/exemplar/i.test(p.title)) {
        assert.ok(
          p.targets.every((t) => t.exemplar === true),
          p.title,
        );
        exemplarPanels++;
      }
      if (p.type === 'logs') continue;
      for (const t of p.targets) {
        for (const m of t.expr.matchAll(/([a-z_:]*iris_[a-z0-9_:]+|\bup\b)(?=[{[)\s]|$)/g)) {
          const name = (m[1] as string).replace(/_(bucket|count|sum)$/, '');
          assert.ok(known.has(name) || recorded.has(name), `${d.file}: ${p.title}: unknown series ${name}`);
        }
      }
    }
  }
  assert.ok(exemplarPanels >= 4);
});

test('datasources: Prometheus exemplars open Tempo by trace_id; Loki links trace_id and request_id', () => {
  const doc = parse(readFileSync(resolve('ops/grafana/provisioning/datasources/iris.yml'), 'utf8')) as {
    datasources: { uid: string; type: string; jsonData: Record<string, unknown> }[];
  };
  const byType = new Map(doc.datasources.map((d) => [d.type, d]));
  assert.deepEqual([...byType.keys()].sort(), ['loki', 'prometheus', 'tempo']);
  assert.equal(byType.get('prometheus')?.uid, DATASOURCE_UIDS.prometheus);
  assert.deepEqual(byType.get('prometheus')?.jsonData.exemplarTraceIdDestinations, [
    { name: 'trace_id', datasourceUid: DATASOURCE_UIDS.tempo },
  ]);
  const derived = byType.get('loki')?.jsonData.derivedFields as { name: string }[];
  assert.deepEqual(
    derived.map((f) => f.name),
    ['trace_id', 'request_id'],
  );
});
