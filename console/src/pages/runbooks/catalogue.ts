/// <reference types="vite/client" />
// The runbooks and the alert rules that link to them, bundled into the console at build time
// (Vite's ?raw imports of ops/runbooks/*.md and ops/prometheus/rules/iris.rules.yml): the
// console shows the runbooks of the release it was built with, needs no API route, and works
// when the API it would ask is the thing that is down. Loaded on demand (this module and the
// YAML parser form their own chunk).
import { parse } from 'yaml';
import rulesText from '../../../../ops/prometheus/rules/iris.rules.yml?raw';

const files = import.meta.glob<string>('../../../../ops/runbooks/*.md', {
  query: '?raw',
  import: 'default',
  eager: true,
});

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly severity: string;
  readonly summary: string;
  readonly description: string;
  readonly runbookUrl: string;
}

export interface Runbook {
  readonly name: string;
  readonly markdown: string;
  /** The alert rules whose runbook_url names this runbook. */
  readonly rules: readonly AlertRule[];
}

interface RuleFile {
  groups?: { rules?: Record<string, unknown>[] }[];
}

/** Every alerting rule of the rules file, in file order. */
export function alertRules(text: string = rulesText): AlertRule[] {
  const doc = parse(text) as RuleFile;
  const out: AlertRule[] = [];
  for (const g of doc.groups ?? [])
    for (const r of g.rules ?? []) {
      if (typeof r.alert !== 'string') continue;
      const labels = (r.labels ?? {}) as Record<string, string>;
      const notes = (r.annotations ?? {}) as Record<string, string>;
      out.push({
        alert: r.alert,
        expr: typeof r.expr === 'string' ? r.expr.trim() : '',
        ...(typeof r.for === 'string' ? { for: r.for } : {}),
        severity: labels.severity ?? 'none',
        summary: notes.summary ?? '',
        description: notes.description ?? '',
        runbookUrl: notes.runbook_url ?? '',
      });
    }
  return out;
}

/** The runbook name a runbook_url points at (`…/runbooks/<name>.md`), if any. */
export function runbookOf(url: string): string | undefined {
  return /(?:^|\/)runbooks\/([A-Za-z0-9_-]+)\.md$/.exec(url)?.[1];
}

/** The runbooks by name, each with the rules that link to it. */
export function catalogue(): Runbook[] {
  const rules = alertRules();
  return Object.entries(files)
    .map(([path, markdown]) => {
      const name = /([^/]+)\.md$/.exec(path)?.[1] ?? path;
      return { name, markdown, rules: rules.filter((r) => runbookOf(r.runbookUrl) === name) };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
