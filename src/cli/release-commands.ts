// `iris rings list|show|update`, `iris release create|list|plan|status|history|change-record|
// start|pause|resume|promote|abort|rollback` and `iris flags list|explain`: rainbow releases of
// the data plane's configuration over tenant rings (platform keys).
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { errorMessage } from '../core/errors.js';
import type { StoredRelease, StoredRing } from '../rollout/index.js';
import type { CliEnvironment } from './cli-config.js';
import { CommandFailedError, UsageError } from './cli-errors.js';
import { commandContext } from './command-context.js';
import { renderFields, renderTable, shortTime } from './output.js';
import { registerPreflightCommands } from './preflight-commands.js';

type ReleaseView = StoredRelease & { ring: string | null; bakeSecondsLeft: number | null };

interface PlanView {
  release: ReleaseView;
  rings: {
    ring: string;
    tenants: number;
    onCandidate: number;
    weight: number;
    steps: { weight: number; bakeSeconds: number }[];
  }[];
  conflicts: { ring: string; releaseIds: string[] }[];
}

interface HistoryEntry {
  seq: number;
  at: string;
  event: string;
  from: string;
  to: string;
  actor: string;
  reason: string | null;
  detail: Record<string, unknown>;
}

const releasePath = (id: string): string => `/v1/platform/releases/${encodeURIComponent(id)}`;

/** Reads a release document: YAML or JSON (JSON is YAML). */
function readDocument(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`Cannot read ${file}: ${errorMessage(err)}`);
  }
  try {
    return parseYaml(text, { maxAliasCount: 100 }) as unknown;
  } catch (err) {
    throw new UsageError(`${file} is not YAML or JSON: ${errorMessage(err)}`);
  }
}

function step(r: ReleaseView): string {
  if (r.position === null) return '-';
  const ring = r.spec.plan.rings[r.position.ringIndex];
  const steps = ring?.steps.length ?? 0;
  return `${ring?.ring ?? '?'} ${r.position.stepIndex + 1}/${steps} @${r.position.weight}%`;
}

function releaseTable(items: readonly ReleaseView[]): string {
  return renderTable(
    ['RELEASE', 'COLOUR', 'PHASE', 'STEP', 'BAKE LEFT', 'CREATED', 'REASON'],
    items.map((r) => [
      r.id,
      r.colour,
      r.phase,
      step(r),
      r.bakeSecondsLeft === null ? '-' : `${r.bakeSecondsLeft}s`,
      shortTime(r.createdAt),
      r.reason ?? '',
    ]),
    'No releases. Create one: iris release create -f release.yaml',
  );
}

interface GuardRing {
  action: string;
  reason: string;
  checks: { check: string; outcome: string; candidate: number | null; control: number | null; z: number | null }[];
}
interface Verdict {
  verdict: string;
  explanation: {
    metric: string;
    samples?: { control: number; candidate: number };
    p?: number | null;
    reason: string;
  };
}

/** One verdict: metric, verdict, samples per colour and why. */
const verdictLine = (v: Verdict): string =>
  `${v.explanation.metric}: ${v.verdict}${v.explanation.samples === undefined ? '' : ` (samples control ${v.explanation.samples.control}, candidate ${v.explanation.samples.candidate})`} — ${v.explanation.reason}`;

/** A history line's reason; an analysis line adds where its numbers came from and each verdict. */
function historyReason(e: HistoryEntry): string {
  const verdicts = e.detail.verdicts as Verdict[] | undefined;
  const source = typeof e.detail.source === 'string' ? e.detail.source : undefined;
  const parts = [e.reason ?? ''];
  if (source !== undefined) parts.push(`from ${source}`);
  if (Array.isArray(verdicts))
    parts.push(
      verdicts
        .map(
          (v) =>
            `${v.explanation.metric} ${v.verdict}${v.explanation.samples === undefined ? '' : ` n=${v.explanation.samples.control}/${v.explanation.samples.candidate}`}`,
        )
        .join(', '),
    );
  return parts.filter((p) => p !== '').join('; ');
}

/** The live status: per ring colour and weight, the bake's time left, the last guard and verdicts. */
function statusText(plan: PlanView): string {
  const r = plan.release;
  const lines = [
    renderFields([
      ['Release', `${r.id} (colour ${r.colour}, against control ${r.control ?? '-'})`],
      ['Phase', r.phase + (r.reason ? ` — ${r.reason}` : '')],
      ['Step', step(r)],
      ['Bake left', r.bakeSecondsLeft === null ? '-' : `${r.bakeSecondsLeft} s`],
      ['Updated', shortTime(r.updatedAt)],
    ]),
    '',
    renderTable(
      ['RING', 'TENANTS', 'ON CANDIDATE', 'WEIGHT', 'STEPS'],
      plan.rings.map((p) => [
        p.ring,
        p.tenants,
        p.onCandidate,
        `${p.weight}%`,
        p.steps.map((s) => `${s.weight}%/${s.bakeSeconds}s`).join(' → '),
      ]),
    ),
  ];
  const guard = r.lastGuard as { at?: string; source?: string; rings?: Record<string, GuardRing> } | null;
  if (guard?.rings !== undefined) {
    lines.push('', `Fast guard at ${shortTime(guard.at)} (from ${guard.source ?? 'iris'}):`);
    for (const [ring, d] of Object.entries(guard.rings))
      lines.push(
        `  ${ring}: ${d.action}`,
        ...d.checks.map(
          (c) =>
            `    ${c.check} ${c.outcome}: candidate ${fmt(c.candidate)} vs control ${fmt(c.control)}, z ${fmt(c.z)}`,
        ),
      );
  }
  const analysis = r.lastAnalysis as {
    event?: string;
    source?: string;
    requests?: { control: number; candidate: number };
    verdicts?: Verdict[];
  } | null;
  if (analysis?.verdicts !== undefined) {
    const requests =
      analysis.requests === undefined
        ? ''
        : `; requests control ${analysis.requests.control}, candidate ${analysis.requests.candidate}`;
    lines.push('', `Last bake analysis: ${analysis.event ?? '?'} (from ${analysis.source ?? 'iris'}${requests})`);
    for (const v of analysis.verdicts) lines.push(`  ${verdictLine(v)}`);
  }
  if (plan.conflicts.length > 0)
    lines.push('', ...plan.conflicts.map((c) => `Ring conflict: ${c.ring} is held by ${c.releaseIds.join(', ')}`));
  return lines.join('\n');
}

const fmt = (n: number | null | undefined): string =>
  n === null || n === undefined ? '-' : Number.isInteger(n) ? String(n) : n.toFixed(3);

const FINISHED = new Set(['promoted', 'aborted', 'rolled_back']);

export function registerReleaseCommands(program: Command, env: CliEnvironment): void {
  const rings = program
    .command('rings')
    .description('Rings: ordered tenant groups releases go through, in promotion order (platform keys)')
    .addHelpText(
      'after',
      [
        '',
        'A tenant is placed by, in order: a pin, its own `ring` field, the first ring whose label',
        'selector it matches, else the last ring. The default rings are internal, canary, early, general.',
        '',
        'Examples:',
        '  iris rings list',
        '  iris rings show canary',
        '  iris rings update canary --order 1 --selector beta=yes --pin acme',
      ].join('\n'),
    );

  rings
    .command('list')
    .summary('rings in promotion order')
    .action(async (_o: unknown, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const page = await client().request<{ items: StoredRing[] }>('GET', '/v1/platform/rings');
      out.result(page, () =>
        renderTable(
          ['ORDER', 'RING', 'SELECTOR', 'PINS', 'VERSION'],
          page.items.map((r) => [
            r.order,
            r.name,
            Object.entries(r.selector)
              .map(([k, v]) => `${k}=${v}`)
              .join(',') || '-',
            r.pins.length,
            r.resourceVersion,
          ]),
        ),
      );
    });

  rings
    .command('show')
    .summary('one ring and the tenants in it, with how each was placed')
    .argument('<ring>', 'ring name')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const r = await client().request<StoredRing & { tenants: { tenantId: string; by: string }[] }>(
        'GET',
        `/v1/platform/rings/${encodeURIComponent(name)}`,
      );
      out.result(r, () =>
        [
          renderFields([
            ['Ring', r.name],
            ['Order', r.order],
            [
              'Selector',
              Object.entries(r.selector)
                .map(([k, v]) => `${k}=${v}`)
                .join(', ') || '-',
            ],
            ['Pins', r.pins.join(', ') || '-'],
          ]),
          '',
          renderTable(
            ['TENANT', 'PLACED BY'],
            r.tenants.map((t) => [t.tenantId, t.by]),
            'No tenants.',
          ),
        ].join('\n'),
      );
    });

  rings
    .command('update')
    .summary('create or change a ring: order, label selector, pinned tenants')
    .argument('<ring>', 'ring name (lowercase letters, digits, dashes)')
    .requiredOption('--order <n>', 'promotion order: lower goes first')
    .option('--selector <k=v...>', 'labels a tenant must all carry (repeat, or none to clear with --clear-selector)')
    .option('--clear-selector', 'remove the label selector')
    .option('--pin <tenant...>', 'tenants placed here whatever their field or labels say (replaces the list)')
    .option('--if-match <version>', 'only if the ring is still at this resourceVersion')
    .action(
      async (
        name: string,
        o: { order: string; selector?: string[]; clearSelector?: boolean; pin?: string[]; ifMatch?: string },
        cmd: Command,
      ) => {
        const { out, client } = commandContext(cmd, env);
        const order = Number(o.order);
        if (!Number.isInteger(order) || order < 0) throw new UsageError('--order must be a whole number >= 0.');
        let selector: Record<string, string> | undefined;
        if (o.clearSelector === true) selector = {};
        else if (o.selector !== undefined) {
          selector = {};
          for (const pair of o.selector) {
            const at = pair.indexOf('=');
            if (at <= 0) throw new UsageError(`--selector takes key=value, not '${pair}'.`);
            selector[pair.slice(0, at)] = pair.slice(at + 1);
          }
        }
        const r = await client().request<StoredRing>('PUT', `/v1/platform/rings/${encodeURIComponent(name)}`, {
          body: { order, ...(selector ? { selector } : {}), ...(o.pin ? { pins: o.pin } : {}) },
          ...(o.ifMatch ? { headers: { 'if-match': o.ifMatch } } : {}),
        });
        out.result(r, () => `Ring ${r.name}: order ${r.order}, resourceVersion ${r.resourceVersion}.`);
      },
    );

  const release = program
    .command('release')
    .description('Rainbow releases: a versioned data-plane configuration rolled out by colour over the rings')
    .addHelpText(
      'after',
      [
        '',
        'A release document (YAML) carries GraphRAG settings, feature flag values, an optional policy',
        'bundle and a plan: per ring, steps of weight (percent of the ring) and bake time. Each step bakes;',
        "a fast guard compares the candidate's errors and latency with the control colour in the same ring",
        'every guard interval and rolls back at once on a clear regression; at the end of each bake a',
        'Mann-Whitney judgement passes, fails (rollback) or pauses (too little traffic: never a pass).',
        '',
        'Examples:',
        '  iris release create -f release.yaml',
        '  iris release plan answers-tuning@1.4.0',
        '  iris release start answers-tuning@1.4.0',
        '  iris release status answers-tuning@1.4.0 --watch',
        '  iris release rollback answers-tuning@1.4.0 --reason "answers cite fewer sources"',
        '  iris release change-record --file release.yaml --output markdown',
        '',
        'Runbook for automatic rollbacks: ops/runbooks/IrisReleaseRolledBack.md.',
      ].join('\n'),
    );

  release
    .command('create')
    .summary('create a release from a release document (YAML or JSON); every problem is listed')
    .requiredOption('-f, --file <path>', 'the release document')
    .action(async (o: { file: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const r = await client().request<ReleaseView>('POST', '/v1/platform/releases', { body: readDocument(o.file) });
      out.result(r, () =>
        [
          `Release ${r.id} created: colour ${r.colour}, ${r.spec.plan.rings.length} ring(s), ${r.specDigest}.`,
          `See how it meets the tenants: iris release plan ${r.id}`,
          `Start it: iris release start ${r.id}`,
        ].join('\n'),
      );
    });

  release
    .command('list')
    .summary('releases, newest first')
    .option('--live', 'only releases holding rings (progressing, analysing, paused)')
    .option('--limit <n>', 'at most this many', '50')
    .action(async (o: { live?: boolean; limit: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const page = await client().request<{ items: ReleaseView[] }>('GET', '/v1/platform/releases', {
        query: { live: o.live === true ? 'true' : undefined, limit: o.limit },
      });
      out.result(page, () => releaseTable(page.items));
    });

  release
    .command('plan')
    .summary('how the plan meets the tenants: per ring, tenants and those on the candidate now; conflicts')
    .argument('<release>', 'release id (name@version)')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const plan = await client().request<PlanView>('GET', `${releasePath(id)}/plan`);
      out.result(plan, () => statusText(plan));
    });

  release
    .command('status')
    .summary('live status per ring: colour, weight, step, time left in the bake, guard and verdicts')
    .argument('<release>', 'release id (name@version)')
    .option('--watch', 'redraw until the release finishes')
    .option('--interval <ms>', 'poll interval in milliseconds', '1000')
    .action(async (id: string, o: { watch?: boolean; interval: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const api = client();
      const tty = process.stdout.isTTY && o.watch === true;
      for (;;) {
        const plan = await api.request<PlanView>('GET', `${releasePath(id)}/plan`);
        if (tty) process.stdout.write('\x1b[2J\x1b[H');
        out.result(plan, () => statusText(plan));
        if (o.watch !== true || FINISHED.has(plan.release.phase)) {
          if (plan.release.phase === 'rolled_back' || plan.release.phase === 'aborted') process.exitCode = 1;
          return;
        }
        await new Promise((r) => setTimeout(r, Math.max(200, Number(o.interval) || 1000)));
      }
    });

  release
    .command('history')
    .summary('every transition and verdict, oldest first, with the numbers that decided it')
    .argument('<release>', 'release id (name@version)')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const page = await client().request<{ items: HistoryEntry[] }>('GET', `${releasePath(id)}/history`);
      out.result(page, () =>
        renderTable(
          ['#', 'AT', 'EVENT', 'FROM', 'TO', 'ACTOR', 'REASON'],
          page.items.map((e) => [e.seq, shortTime(e.at), e.event, e.from, e.to, e.actor, historyReason(e)]),
        ),
      );
    });

  release
    .command('change-record')
    .summary('Markdown for a pull request: the diff against the control, rings, risk, rollback steps')
    .argument('[release]', 'a stored release id (name@version)')
    .option('--file <path>', 'a release document not yet created (checked, not stored)')
    .action(async (id: string | undefined, o: { file?: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      if ((id === undefined) === (o.file === undefined))
        throw new UsageError('Give a release id or --file <release.yaml>, not both.');
      const r =
        o.file !== undefined
          ? await client().request<{ markdown: string }>('POST', '/v1/platform/release-previews', {
              body: readDocument(o.file),
            })
          : await client().request<{ markdown: string }>('GET', `${releasePath(id as string)}/change-record`);
      out.result(r, () => r.markdown);
    });

  const act = (name: 'start' | 'pause' | 'resume' | 'promote' | 'abort' | 'rollback', summary: string): void => {
    const needsReason = name === 'pause' || name === 'abort' || name === 'rollback';
    const c = release.command(name).summary(summary).argument('<release>', 'release id (name@version)');
    if (needsReason) c.requiredOption('--reason <text>', 'why (recorded in the ledger and the history)');
    c.action(async (id: string, o: { reason?: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const r = await client().request<ReleaseView>('POST', `${releasePath(id)}/${name}`, {
        body: o.reason === undefined ? {} : { reason: o.reason },
      });
      out.result(r, () => `Release ${r.id}: ${r.phase}${r.reason ? ` (${r.reason})` : ''}; step ${step(r)}.`);
      if (r.phase === 'rolled_back' && name !== 'rollback')
        throw new CommandFailedError(`Release ${r.id} rolled back.`);
    });
  };
  registerPreflightCommands(release, env);
  act('start', "start the rollout: the first ring's first step");
  act('pause', 'hold the current weight and stop the bake clock');
  act('resume', "restart the current step's bake");
  act('promote', 'promote at once: every ring, and the release becomes the control');
  act('abort', 'stop: weight 0 in every ring it reached (a manual decision)');
  act('rollback', 'roll back: weight 0 everywhere at once; a promoted release restores the previous control');

  const flags = program
    .command('flags')
    .description('Feature flags per ring: the values a tenant is served by the release of its ring and colour')
    .addHelpText(
      'after',
      [
        '',
        "Code asks through OpenFeature (the Iris provider): client.getBooleanValue('graphrag.rerank', false,",
        "{ tenantId }). A tenant on the candidate's share gets the candidate release's flags; others the control's.",
        '',
        'Examples:',
        '  iris flags list --tenant acme',
        '  iris flags explain --tenant acme',
      ].join('\n'),
    );
  interface FlagsView {
    tenant: string;
    ring: string;
    placedBy: string;
    colour: string;
    candidate: boolean;
    releaseId: string | null;
    bucket: number | null;
    threshold: number;
    flags: { name: string; value: unknown; source: string }[];
  }
  flags
    .command('list')
    .summary('the flag values a tenant is served now')
    .requiredOption('--tenant <id>', 'the tenant')
    .action(async (o: { tenant: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const f = await client().request<FlagsView>('GET', '/v1/platform/flags', { query: { tenant: o.tenant } });
      out.result(f, () =>
        renderTable(
          ['FLAG', 'VALUE'],
          f.flags.map((x) => [x.name, JSON.stringify(x.value)]),
          'No flags set by the configuration serving this tenant.',
        ),
      );
    });
  flags
    .command('explain')
    .summary('why a tenant gets each value: its ring, how it was placed, its bucket, the release or the control')
    .requiredOption('--tenant <id>', 'the tenant')
    .action(async (o: { tenant: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const f = await client().request<FlagsView>('GET', '/v1/platform/flags', { query: { tenant: o.tenant } });
      out.result(f, () =>
        [
          renderFields([
            ['Tenant', f.tenant],
            ['Ring', `${f.ring} (by ${f.placedBy})`],
            ['Colour', `${f.colour}${f.candidate ? ` (candidate of ${f.releaseId ?? '?'})` : ' (control)'}`],
            [
              'Bucket',
              f.bucket === null ? 'no release in this ring' : `${f.bucket} of 10000; candidate below ${f.threshold}`,
            ],
          ]),
          '',
          renderTable(
            ['FLAG', 'VALUE', 'FROM'],
            f.flags.map((x) => [x.name, JSON.stringify(x.value), x.source]),
            'No flags.',
          ),
        ].join('\n'),
      );
    });
}
