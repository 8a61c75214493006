// `iris jobs list|get|cancel|retry|watch|poison list|poison redrive`: a tenant's async jobs.
import type { Command } from 'commander';
import { TERMINAL_JOB_STATES } from '../jobs/constants.js';
import type { CliEnvironment } from './cli-config.js';
import { commandContext } from './command-context.js';
import { renderTable, shortTime } from './output.js';

interface JobView {
  readonly jobId: string;
  readonly kind: string;
  readonly state: string;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly progress: { readonly percent: number | null; readonly message: string | null };
  readonly lastError: { readonly code: string; readonly message: string } | null;
  readonly traceId: string | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

const FINAL: ReadonlySet<string> = new Set(TERMINAL_JOB_STATES);
const jobsPath = (tenant: string): string => `/v1/tenants/${encodeURIComponent(tenant)}/jobs`;

function jobTable(items: readonly JobView[]): string {
  return renderTable(
    ['JOB', 'KIND', 'STATE', 'ATTEMPTS', 'PROGRESS', 'CREATED', 'LAST ERROR'],
    items.map((j) => [
      j.jobId,
      j.kind,
      j.state,
      `${j.attempts}/${j.maxAttempts}`,
      j.progress.percent === null ? '' : `${j.progress.percent}%`,
      shortTime(j.createdAt),
      j.lastError?.message.slice(0, 60) ?? '',
    ]),
    'No jobs.',
  );
}

function jobDetail(j: JobView): string {
  return [
    `Job ${j.jobId} (${j.kind}): ${j.state}`,
    `  attempts   ${j.attempts}/${j.maxAttempts}`,
    `  progress   ${j.progress.percent ?? 0}%${j.progress.message ? ` ${j.progress.message}` : ''}`,
    `  created    ${shortTime(j.createdAt)}   started ${shortTime(j.startedAt)}   finished ${shortTime(j.finishedAt)}`,
    `  trace      ${j.traceId ?? '-'}`,
    ...(j.lastError ? [`  last error ${j.lastError.code}: ${j.lastError.message}`] : []),
  ].join('\n');
}

/** A one-line progress bar for `watch` (redrawn in place on a terminal). */
export function progressBar(j: Pick<JobView, 'state' | 'progress'>, width = 30): string {
  const pct = j.state === 'succeeded' ? 100 : Math.max(0, Math.min(100, j.progress.percent ?? 0));
  const filled = Math.round((pct / 100) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${j.state}${j.progress.message ? ` ${j.progress.message}` : ''}`;
}

export function registerJobCommands(program: Command, env: CliEnvironment): void {
  const jobs = program
    .command('jobs')
    .description("Inspect and steer a tenant's asynchronous jobs (ingest, graph builds, policy compiles)")
    .addHelpText(
      'after',
      '\nExamples:\n  iris jobs list --tenant acme --state running\n  iris jobs watch job_123 --tenant acme\n  iris jobs poison list --tenant acme\n  iris jobs poison redrive job_123 --tenant acme',
    );

  jobs
    .command('list')
    .summary('list jobs, newest first')
    .requiredOption('--tenant <id>', 'the tenant')
    .option('--state <state>', 'only jobs in this state (queued, running, succeeded, failed, poisoned, cancelled)')
    .option('--kind <kind>', 'only jobs of this kind')
    .option('--limit <n>', 'at most this many', '50')
    .action(async (o: { tenant: string; state?: string; kind?: string; limit: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const q = new URLSearchParams({
        limit: o.limit,
        ...(o.state ? { state: o.state } : {}),
        ...(o.kind ? { kind: o.kind } : {}),
      });
      const page = await client().request<{ items: JobView[] }>('GET', `${jobsPath(o.tenant)}?${q.toString()}`);
      out.result(page, () => jobTable(page.items));
    });

  jobs
    .command('get')
    .summary('show one job: state, attempts, progress, timing, errors, trace id')
    .argument('<jobId>', 'the job id (from the 202 response or jobs list)')
    .requiredOption('--tenant <id>', 'the tenant')
    .action(async (jobId: string, o: { tenant: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const j = await client().request<JobView>('GET', `${jobsPath(o.tenant)}/${encodeURIComponent(jobId)}`);
      out.result(j, () => jobDetail(j));
    });

  for (const [verb, summary] of [
    ['cancel', 'cancel a queued or running job (a finished job answers 409)'],
    ['retry', 'run a failed or cancelled job again'],
  ] as const) {
    jobs
      .command(verb)
      .summary(summary)
      .argument('<jobId>', 'the job id')
      .requiredOption('--tenant <id>', 'the tenant')
      .action(async (jobId: string, o: { tenant: string }, cmd: Command) => {
        const { out, client } = commandContext(cmd, env);
        const j = await client().request<JobView>('POST', `${jobsPath(o.tenant)}/${encodeURIComponent(jobId)}/${verb}`);
        out.result(j, () => jobDetail(j));
      });
  }

  jobs
    .command('watch')
    .summary('follow a job with a live progress bar until it finishes')
    .argument('<jobId>', 'the job id')
    .requiredOption('--tenant <id>', 'the tenant')
    .option('--interval <ms>', 'poll interval in milliseconds', '500')
    .action(async (jobId: string, o: { tenant: string; interval: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const api = client();
      const tty = process.stderr.isTTY;
      for (;;) {
        const j = await api.request<JobView>('GET', `${jobsPath(o.tenant)}/${encodeURIComponent(jobId)}`);
        if (tty) process.stderr.write(`\r${progressBar(j)}\x1b[K`);
        if (FINAL.has(j.state)) {
          if (tty) process.stderr.write('\n');
          out.result(j, () => jobDetail(j));
          if (j.state !== 'succeeded') process.exitCode = 1;
          return;
        }
        if (!tty) out.note(progressBar(j));
        await new Promise((r) => setTimeout(r, Math.max(100, Number(o.interval) || 500)));
      }
    });

  const poison = jobs.command('poison').description('Jobs stopped after their last attempt: inspect and redrive');
  poison
    .command('list')
    .summary('list poisoned jobs')
    .requiredOption('--tenant <id>', 'the tenant')
    .action(async (o: { tenant: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const page = await client().request<{ items: JobView[] }>(
        'GET',
        `/v1/tenants/${encodeURIComponent(o.tenant)}/jobs-poisoned`,
      );
      out.result(page, () => jobTable(page.items));
    });
  poison
    .command('redrive')
    .summary('requeue a poisoned job with fresh attempts (409 if it is not poisoned)')
    .argument('<jobId>', 'the job id')
    .requiredOption('--tenant <id>', 'the tenant')
    .action(async (jobId: string, o: { tenant: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const j = await client().request<JobView>('POST', `${jobsPath(o.tenant)}/${encodeURIComponent(jobId)}/redrive`);
      out.result(j, () => jobDetail(j));
    });
}
