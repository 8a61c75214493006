// `iris release preflight <release>` and `iris release review-silences <release> --silence <id>
// --reviewer <name>`: run a release's preflight gates now (recorded on the server), and record a
// named person's review of an Alertmanager silence that matches the release's rings.
import type { Command } from 'commander';
import type { CliEnvironment } from './cli-config.js';
import { CommandFailedError, UsageError } from './cli-errors.js';
import { commandContext } from './command-context.js';
import { renderTable, shortTime } from './output.js';

interface PreflightRunView {
  releaseId: string;
  runSeq: number;
  stage: string;
  actor: string;
  ok: boolean;
  results: { gate: string; ok: boolean; detail: string; at: number }[];
}

interface ReviewView {
  releaseId: string;
  silenceId: string;
  reviewer: string;
  note: string;
  at: string;
}

const releasePath = (id: string): string => `/v1/platform/releases/${encodeURIComponent(id)}`;

/** Adds `preflight` and `review-silences` under `iris release`. */
export function registerPreflightCommands(release: Command, env: CliEnvironment): void {
  release
    .command('preflight')
    .summary('run the preflight gates now (policy bundle, silences, dashboards, load probe); exits 1 if one fails')
    .argument('<release>', 'release id (name@version)')
    .option('--stage <stage>', "'start' or 'promote:<ring>' (default: start, or the next ring of a started release)")
    .action(async (id: string, o: { stage?: string }, cmd: Command) => {
      if (o.stage !== undefined && !/^(start|promote:[a-z][a-z0-9-]{0,31})$/.test(o.stage))
        throw new UsageError(`--stage is 'start' or 'promote:<ring>', not '${o.stage}'.`);
      const { out, client } = commandContext(cmd, env);
      const run = await client().request<PreflightRunView>('GET', `${releasePath(id)}/preflight`, {
        query: o.stage === undefined ? {} : { stage: o.stage },
      });
      out.result(run, () =>
        [
          `Preflight #${run.runSeq} of ${run.releaseId} (${run.stage}): ${run.ok ? 'passed' : 'FAILED'}`,
          renderTable(
            ['GATE', 'OK', 'DETAIL'],
            run.results.map((r) => [r.gate, r.ok ? 'yes' : 'NO', r.detail]),
          ),
        ].join('\n'),
      );
      if (!run.ok)
        throw new CommandFailedError(
          `Preflight failed: ${run.results
            .filter((r) => !r.ok)
            .map((r) => r.gate)
            .join(', ')}.`,
        );
    });

  release
    .command('review-silences')
    .summary('record that a named person reviewed an active Alertmanager silence matching the release')
    .argument('<release>', 'release id (name@version)')
    .option('--silence <id>', 'the Alertmanager silence id (omit to list the reviews recorded)')
    .option('--reviewer <name>', 'who reviewed it, by name')
    .option('--note <text>', 'why the silence may stay during the rollout')
    .action(async (id: string, o: { silence?: string; reviewer?: string; note?: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      if (o.silence === undefined) {
        const page = await client().request<{ items: ReviewView[] }>('GET', `${releasePath(id)}/silence-reviews`);
        out.result(page, () =>
          renderTable(
            ['SILENCE', 'REVIEWER', 'AT', 'NOTE'],
            page.items.map((r) => [r.silenceId, r.reviewer, shortTime(r.at), r.note]),
            'No silence reviewed. Run iris release preflight to see which silences need one.',
          ),
        );
        return;
      }
      if (o.reviewer === undefined || o.reviewer.trim() === '')
        throw new UsageError('--reviewer <name> is required: a review names the person who made it.');
      const r = await client().request<ReviewView>('POST', `${releasePath(id)}/silence-reviews`, {
        body: { silenceId: o.silence, reviewer: o.reviewer, ...(o.note === undefined ? {} : { note: o.note }) },
      });
      out.result(r, () => `Silence ${r.silenceId} reviewed by ${r.reviewer} for ${r.releaseId}.`);
    });
}
