// `iris alerts lint`: the alert rules and their runbooks agree. Every alert has a severity,
// a summary, a description and a runbook_url naming ops/runbooks/<alert>.md, that file
// exists, every runbook is used by an alert, recording and alerting rules share one group
// per file, and every alert is exercised by a promtool test that expects it to fire.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { errorMessage } from '../core/errors.js';

const SEVERITIES = ['page', 'ticket'] as const;

export interface LintProblem {
  /** The alert or file the problem is about. */
  readonly subject: string;
  readonly message: string;
}

export interface LintReport {
  readonly alerts: readonly {
    readonly name: string;
    readonly severity: string;
    readonly runbook: string;
    readonly tested: boolean;
  }[];
  readonly runbooks: readonly string[];
  readonly problems: readonly LintProblem[];
}

interface RuleDoc {
  groups?: {
    name?: string;
    rules?: {
      alert?: string;
      record?: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    }[];
  }[];
}

interface TestDoc {
  tests?: { alert_rule_test?: { alertname?: string; exp_alerts?: unknown[] }[] }[];
}

const ymlFiles = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
    : [];

/**
 * Lints the ops tree at `opsDir` (holding prometheus/rules, prometheus/tests and runbooks).
 * Returns every problem found; an empty list means the rules and runbooks agree.
 */
export function lintAlerts(opsDir: string): LintReport {
  const problems: LintProblem[] = [];
  const rulesDir = join(opsDir, 'prometheus', 'rules');
  const testsDir = join(opsDir, 'prometheus', 'tests');
  const runbookDir = join(opsDir, 'runbooks');
  const alerts: { name: string; severity: string; runbook: string; tested: boolean }[] = [];

  const ruleFiles = ymlFiles(rulesDir);
  if (ruleFiles.length === 0) problems.push({ subject: rulesDir, message: 'no rule files' });
  for (const file of ruleFiles) {
    let doc: RuleDoc;
    try {
      doc = parse(readFileSync(join(rulesDir, file), 'utf8')) as RuleDoc;
    } catch (err) {
      problems.push({ subject: file, message: `not YAML: ${errorMessage(err)}` });
      continue;
    }
    for (const group of doc.groups ?? []) {
      const rules = group.rules ?? [];
      const hasRecording = rules.some((r) => r.record !== undefined);
      const hasAlerts = rules.some((r) => r.alert !== undefined);
      if (
        hasAlerts &&
        !hasRecording &&
        (doc.groups ?? []).some((g) => (g.rules ?? []).some((r) => r.record !== undefined))
      ) {
        problems.push({
          subject: `${file}:${group.name ?? '?'}`,
          message: 'alerts and the recording rules they read must share one group',
        });
      }
      for (const r of rules) {
        if (r.alert === undefined) continue;
        const name = r.alert;
        const severity = r.labels?.severity ?? '';
        const runbook = r.annotations?.runbook_url ?? '';
        if (alerts.some((a) => a.name === name)) problems.push({ subject: name, message: 'defined twice' });
        if (!(SEVERITIES as readonly string[]).includes(severity))
          problems.push({
            subject: name,
            message: `severity must be one of ${SEVERITIES.join(', ')}, got '${severity}'`,
          });
        for (const a of ['summary', 'description', 'runbook_url'])
          if (!r.annotations?.[a]) problems.push({ subject: name, message: `missing annotation ${a}` });
        if (runbook !== '' && !runbook.endsWith(`runbooks/${name}.md`))
          problems.push({ subject: name, message: `runbook_url must name ops/runbooks/${name}.md, got '${runbook}'` });
        if (!existsSync(join(runbookDir, `${name}.md`)))
          problems.push({ subject: name, message: `runbook ops/runbooks/${name}.md does not exist` });
        alerts.push({ name, severity, runbook, tested: false });
      }
    }
  }

  const fired = new Set<string>();
  for (const file of ymlFiles(testsDir)) {
    const doc = parse(readFileSync(join(testsDir, file), 'utf8')) as TestDoc;
    for (const t of doc.tests ?? [])
      for (const a of t.alert_rule_test ?? [])
        if (a.alertname && (a.exp_alerts?.length ?? 0) > 0) fired.add(a.alertname);
  }
  for (const a of alerts) {
    a.tested = fired.has(a.name);
    if (!a.tested)
      problems.push({ subject: a.name, message: 'no promtool test expects it to fire (ops/prometheus/tests)' });
  }

  const runbooks = existsSync(runbookDir)
    ? readdirSync(runbookDir)
        .filter((f) => f.endsWith('.md') && f !== 'README.md')
        .sort()
    : [];
  const used = new Set(alerts.map((a) => `${a.name}.md`));
  for (const f of runbooks)
    if (!used.has(f))
      problems.push({ subject: `runbooks/${f}`, message: `no alert uses this runbook (${basename(f, '.md')})` });
  return { alerts, runbooks, problems };
}
