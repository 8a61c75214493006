// The change record of a release: the Markdown a pull request (or `iris release change-record`)
// shows a reviewer before a release starts. What changes against the control (by JSON pointer,
// old → new), the rings in plan order with their tenants and steps, a risk score with its
// reasons, the preflight gates' results, links, and how to roll back. A pure function over
// plain values: the caller fetches the control, the tenant counts and the gate results.
import type { ReleaseSpec } from './release-spec.js';
import { ROLLBACK_RUNBOOK } from './release-machine.js';
import { DEFAULT_LATENCY_FLOOR_MS } from './step-analysis.js';

type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** The part of a release that serves traffic; `configDiff` compares exactly these three keys. */
export type ReleaseConfig = Pick<ReleaseSpec, 'graphrag' | 'flags' | 'policyBundle'>;

/** One difference; `path` is a JSON pointer (`/graphrag/retrieval/topK`, `/flags/graphrag.rerank`). */
export type ConfigChange =
  | { readonly path: string; readonly kind: 'added'; readonly after: Json }
  | { readonly path: string; readonly kind: 'removed'; readonly before: Json }
  | { readonly path: string; readonly kind: 'changed'; readonly before: Json; readonly after: Json };

const pointer = (parts: readonly string[]): string =>
  parts.map((p) => `/${p.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
const isObject = (v: unknown): v is { readonly [key: string]: Json } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The differences between the control's configuration and the candidate's, sorted by path.
 * Objects are compared key by key (recursively); anything else (scalars, arrays) as a whole
 * value. A missing control (the first release) makes everything `added`. Keys whose value is
 * `undefined` count as absent.
 */
export function configDiff(control: ReleaseConfig | null, candidate: ReleaseConfig): ConfigChange[] {
  const pick = (c: ReleaseConfig | null): Json =>
    c === null
      ? {}
      : (JSON.parse(JSON.stringify({ graphrag: c.graphrag, flags: c.flags, policyBundle: c.policyBundle })) as Json);
  const changes: ConfigChange[] = [];
  walk(pick(control), pick(candidate), [], changes);
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function walk(before: Json | undefined, after: Json | undefined, at: readonly string[], out: ConfigChange[]): void {
  if (isObject(before) && isObject(after)) {
    // Every key of either side, once: added, removed, or compared one level down.
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      walk(before[key], after[key], [...at, key], out);
    }
    return;
  }
  const path = pointer(at);
  if (before === undefined && after !== undefined) out.push({ path, kind: 'added', after });
  else if (after === undefined && before !== undefined) out.push({ path, kind: 'removed', before });
  else if (before !== undefined && after !== undefined && JSON.stringify(before) !== JSON.stringify(after)) {
    out.push({ path, kind: 'changed', before, after });
  }
}

/** One preflight gate's result, as the gate runner reports it (`at` in ms since the epoch). */
export interface PreflightResult {
  readonly gate: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly at: number;
}

/** One reason behind the risk score and the points it adds. */
export interface RiskReason {
  readonly points: number;
  readonly reason: string;
}

/** The risk score, 0 (routine) to 10 (stop and think), with its reasons. */
export interface RiskAssessment {
  readonly score: number;
  readonly level: 'low' | 'medium' | 'high';
  readonly reasons: readonly RiskReason[];
}

/** The control a candidate is compared with; null when there is none yet (the first release). */
export interface ControlRelease extends ReleaseConfig {
  readonly releaseId: string | null;
  readonly colour: string;
  readonly name?: string;
  readonly version?: string;
}

/** What `changeRecord` needs; all plain values. */
export interface ChangeRecordInput {
  /** The candidate; its id is null before `iris release create` has stored it (a pull request). */
  readonly release: { readonly releaseId: string | null; readonly spec: ReleaseSpec };
  readonly control: ControlRelease | null;
  /** Tenants per ring now; a ring missing here shows as unknown. */
  readonly tenantsByRing: Readonly<Record<string, number>>;
  readonly preflight: readonly PreflightResult[];
  readonly links?: { readonly dashboard?: string; readonly runbook?: string; readonly release?: string };
}

/** The risk points; the README's table mirrors these. */
export const RISK_POINTS = {
  provider: 3,
  model: 2,
  prompt: 2,
  extraction: 3,
  safetyLoosened: 3,
  retrieval: 1,
  flags: 1,
  policyBundle: 2,
  manyTenants: 2,
  someTenants: 1,
  oneRing: 1,
  firstStepLarge: 2,
  firstStepMedium: 1,
  noBake: 1,
  preflightFailed: 2,
  noControl: 3,
} as const;

/**
 * Whether changing a safety threshold from `before` to `after` loosens it. Threshold names are
 * free, so by convention: a name starting with `max` is a ceiling (raising it loosens), any
 * other a floor (lowering it loosens); removing a threshold loosens it.
 */
export function safetyLoosened(name: string, before: number, after: number | undefined): boolean {
  if (after === undefined) return true;
  return /^max/i.test(name) ? after > before : after < before;
}

/** Expected tenants on the candidate at the end of the plan (each ring's count × its last weight). */
function tenantsReached(spec: ReleaseSpec, tenantsByRing: Readonly<Record<string, number>>): number {
  let total = 0;
  for (const r of spec.plan.rings) {
    const last = r.steps[r.steps.length - 1];
    const count = Object.hasOwn(tenantsByRing, r.ring) ? (tenantsByRing[r.ring] ?? 0) : 0;
    if (last !== undefined) total += Math.round((count * last.weight) / 100);
  }
  return total;
}

/**
 * The risk of a release, 0..10: the sum of `RISK_POINTS` for each reason that applies, capped
 * at 10. Levels: 0-2 low, 3-5 medium, 6-10 high. A heuristic for reviewers, not a gate.
 */
export function assessRisk(input: ChangeRecordInput): RiskAssessment {
  const { spec } = input.release;
  const before = input.control;
  const after = spec.graphrag;
  const reasons: RiskReason[] = [];
  const add = (points: number, reason: string): void => {
    reasons.push({ points, reason });
  };
  if (before !== null) {
    const g = before.graphrag;
    if (g.provider !== after.provider)
      add(RISK_POINTS.provider, `model provider changes (${g.provider} → ${after.provider})`);
    if (g.model !== after.model) add(RISK_POINTS.model, `model changes (${g.model} → ${after.model})`);
    const prompts = [...new Set([...Object.keys(g.prompts), ...Object.keys(after.prompts)])]
      .filter((p) => g.prompts[p] !== after.prompts[p])
      .sort();
    if (prompts.length > 0) add(RISK_POINTS.prompt, `prompt change: ${prompts.join(', ')}`);
    if (g.extractionVersion !== after.extractionVersion) {
      add(
        RISK_POINTS.extraction,
        `extraction version changes (${g.extractionVersion} → ${after.extractionVersion}): the rings' tenants are re-indexed`,
      );
    }
    const loosened = Object.entries(g.safety)
      .filter(([name, value]) =>
        safetyLoosened(name, value, Object.hasOwn(after.safety, name) ? after.safety[name] : undefined),
      )
      .map(([name]) => name)
      .sort();
    if (loosened.length > 0) add(RISK_POINTS.safetyLoosened, `safety thresholds loosened: ${loosened.join(', ')}`);
    if (JSON.stringify(g.retrieval) !== JSON.stringify(after.retrieval))
      add(RISK_POINTS.retrieval, 'retrieval settings change');
    const flags = configDiff(before, spec).filter((c) => c.path.startsWith('/flags/')).length;
    if (flags > 0) add(RISK_POINTS.flags, `${flags} flag${flags === 1 ? ' changes' : 's change'}`);
    if (JSON.stringify(before.policyBundle ?? null) !== JSON.stringify(spec.policyBundle ?? null)) {
      add(RISK_POINTS.policyBundle, 'policy bundle changes');
    }
  } else {
    add(RISK_POINTS.noControl, 'no control to compare with: everything is new');
  }
  const reached = tenantsReached(spec, input.tenantsByRing);
  if (reached >= 100) add(RISK_POINTS.manyTenants, `${reached} tenants reached at the end of the plan`);
  else if (reached >= 10) add(RISK_POINTS.someTenants, `${reached} tenants reached at the end of the plan`);
  if (spec.plan.rings.length === 1) add(RISK_POINTS.oneRing, 'one ring only: no earlier ring catches a regression');
  const first = spec.plan.rings[0]?.steps[0]?.weight;
  if (first !== undefined && first > 25) add(RISK_POINTS.firstStepLarge, `first step sends ${first} % of its ring`);
  else if (first !== undefined && first > 10)
    add(RISK_POINTS.firstStepMedium, `first step sends ${first} % of its ring`);
  const unbaked = spec.plan.rings.flatMap((r) => r.steps.filter((s) => s.bakeSeconds === 0).map(() => r.ring));
  if (unbaked.length > 0) add(RISK_POINTS.noBake, `steps without a bake in ${[...new Set(unbaked)].join(', ')}`);
  const failed = input.preflight.filter((p) => !p.ok).map((p) => p.gate);
  if (failed.length > 0) add(RISK_POINTS.preflightFailed, `preflight failed: ${failed.join(', ')}`);
  const score = Math.min(
    10,
    reasons.reduce((s, r) => s + r.points, 0),
  );
  return { score, level: score <= 2 ? 'low' : score <= 5 ? 'medium' : 'high', reasons };
}

/** Text safe inside a Markdown table cell (GitHub): HTML-escaped, pipes and newlines neutralised. */
function cell(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('|', '&#124;')
    .replaceAll('`', '&#96;')
    .replace(/\r?\n/g, ' ⏎ ');
}

/** A JSON value for a cell: long strings (prompts) shortened, with their length. */
function shown(value: Json): string {
  const text = JSON.stringify(value);
  if (typeof value === 'string' && value.length > 60)
    return `<code>${cell(JSON.stringify(value.slice(0, 57)))}…</code> (${value.length} chars)`;
  return `<code>${cell(text)}</code>`;
}

/** A duration for a bake: `45 s`, `5 min`, `2 h`, `1 d 6 h`. */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600)
    return seconds % 60 === 0 ? `${seconds / 60} min` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  if (seconds < 86_400)
    return seconds % 3600 === 0
      ? `${seconds / 3600} h`
      : `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86_400)} d${seconds % 86_400 === 0 ? '' : ` ${Math.round((seconds % 86_400) / 3600)} h`}`;
}

const iso = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString() : 'unknown time');

/**
 * The change record as Markdown (GitHub-flavoured): title, what changes, rings and steps, risk,
 * preflight, links, rollback. Deterministic: the same input gives the same text (no clock).
 */
export function changeRecord(input: ChangeRecordInput): string {
  const { spec, releaseId } = input.release;
  const control = input.control;
  const id = releaseId ?? '<release-id>';
  const risk = assessRisk(input);
  const out: string[] = [];
  out.push(`<!-- iris-change-record: ${cell(spec.name)} ${cell(spec.version)} -->`);
  out.push(`## Release ${cell(spec.name)} ${cell(spec.version)} (colour ${cell(spec.colour)})`);
  out.push('');
  const against =
    control === null
      ? 'There is no control yet: this is the first release.'
      : `Candidate colour **${cell(spec.colour)}** against the control **${cell(control.colour)}**` +
        (control.name === undefined ? '' : ` (${cell([control.name, control.version ?? ''].join(' ').trim())})`) +
        (control.releaseId === null ? '.' : `, release \`${cell(control.releaseId)}\`.`);
  out.push(against);
  if (spec.description !== undefined && spec.description.length > 0) out.push('', `> ${cell(spec.description)}`);
  out.push('', `**Risk: ${risk.score}/10 (${risk.level})**`, '');

  out.push('### What changes', '');
  const changes = configDiff(control, spec);
  if (changes.length === 0) out.push('Nothing: the candidate serves the control configuration (a rebuild or a no-op).');
  else {
    out.push('| path | change | before | after |', '| --- | --- | --- | --- |');
    for (const c of changes) {
      const before = c.kind === 'added' ? '' : shown(c.before);
      const after = c.kind === 'removed' ? '' : shown(c.after);
      out.push(`| <code>${cell(c.path)}</code> | ${c.kind} | ${before} | ${after} |`);
    }
  }
  if (changes.some((c) => c.path === '/graphrag/extractionVersion')) {
    out.push(
      '',
      'The extraction version changes: each ring re-indexes its tenants into a new graph version before cut-over.',
    );
  }

  out.push('', '### Rings in plan order', '');
  out.push('| # | ring | tenants | steps (weight for bake) |', '| --- | --- | --- | --- |');
  spec.plan.rings.forEach((r, i) => {
    const count = Object.hasOwn(input.tenantsByRing, r.ring) ? String(input.tenantsByRing[r.ring]) : 'unknown';
    const steps = r.steps.map((s) => `${s.weight} % for ${duration(s.bakeSeconds)}`).join(' → ');
    out.push(`| ${i + 1} | ${cell(r.ring)} | ${count} | ${steps} |`);
  });
  const p = spec.plan;
  out.push(
    '',
    `Guard every ${duration(p.guardIntervalSeconds)}; at least ${p.minSamples} samples per colour; ` +
      `alpha ${p.thresholds.alpha}, tolerance ${p.thresholds.tolerance}, error margin ${p.thresholds.errorMargin}, ` +
      `latency margin ${p.thresholds.latencyMargin}, latency floor ${p.thresholds.latencyFloorMs ?? DEFAULT_LATENCY_FLOOR_MS} ms.`,
  );
  const bounds = [
    p.shadow?.minCitationOverlap === undefined ? null : `citation overlap >= ${p.shadow.minCitationOverlap}`,
    p.shadow?.minAnswerSimilarity === undefined ? null : `answer similarity >= ${p.shadow.minAnswerSimilarity}`,
    p.shadow?.maxErrorRatio === undefined ? null : `shadow errors <= ${p.shadow.maxErrorRatio}`,
  ].filter((b) => b !== null);
  if (bounds.length > 0) out.push('', `Each bake also judges the shadow queries' agreement: ${bounds.join(', ')}.`);

  out.push('', '### Risk', '');
  if (risk.reasons.length === 0) out.push('No risk factor applies.');
  for (const r of risk.reasons) out.push(`- +${r.points}: ${cell(r.reason)}`);
  if (risk.reasons.reduce((s, r) => s + r.points, 0) > 10) out.push('', '(capped at 10)');

  out.push('', '### Preflight', '');
  if (input.preflight.length === 0) out.push('No preflight gate has run.');
  else {
    out.push('| gate | result | detail | at |', '| --- | --- | --- | --- |');
    for (const g of input.preflight) {
      out.push(`| ${cell(g.gate)} | ${g.ok ? '✅ passed' : '❌ failed'} | ${cell(g.detail)} | ${iso(g.at)} |`);
    }
  }

  out.push('', '### Links', '');
  const links = input.links ?? {};
  if (links.release !== undefined) out.push(`- Release: ${links.release}`);
  if (links.dashboard !== undefined) out.push(`- Dashboard: ${links.dashboard}`);
  out.push(`- Rollback runbook: ${links.runbook ?? ROLLBACK_RUNBOOK}`);

  out.push('', '### Rollback', '');
  out.push('```sh', `iris release rollback ${id} --reason "<why>"`, '```');
  out.push(
    '',
    'Sets the candidate weight to 0 in every ring the release reached, all at once (every ring once promoted, ' +
      'where the previous control is restored), and appends `release.rollback` with the actor and the reason ' +
      'to the audit ledger. A failed fast guard or bake analysis rolls back on its own and fires ' +
      '`IrisReleaseRolledBack`.',
  );
  if (releaseId === null) out.push('', 'The release id is printed by `iris release create`.');
  return `${out.join('\n')}\n`;
}
