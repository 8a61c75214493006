// `iris alerts lint`: checks the Prometheus alert rules against their runbooks (and their
// promtool tests) without a server. Exit 1 when anything disagrees.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommandFailedError } from './cli-errors.js';
import { makeOutput, renderTable, type OutputFormat } from './output.js';

/** ops/ of the working directory, else the one shipped beside this installation. */
function defaultOpsDir(): string {
  const local = resolve('ops');
  if (existsSync(join(local, 'prometheus'))) return local;
  // dist/src/cli/alerts-commands.js -> the package root
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'ops');
}

/** Adds `iris alerts lint`. */
export function registerAlertsCommands(program: Command): void {
  const alerts = program.command('alerts').description('Prometheus alert rules, runbooks and their tests.');
  alerts
    .command('lint')
    .description(
      'Check that every alert rule has severity, summary, description and a runbook that exists, every runbook is used, and every alert has a promtool test.',
    )
    .option('--ops <dir>', 'the ops directory (default ./ops, else the installed one)')
    .addHelpText('after', '\nExample:\n  iris alerts lint --output json')
    .action(async (opts: { ops?: string }) => {
      const dir = opts.ops === undefined ? defaultOpsDir() : resolve(opts.ops);
      // NOTE: loaded here, not at start-up: the observability context brings OpenTelemetry.
      const { lintAlerts } = await import('../observability/index.js');
      const report = lintAlerts(dir);
      const out = makeOutput(program.opts<{ output?: OutputFormat }>().output ?? 'table');
      out.result({ ok: report.problems.length === 0, ...report }, () =>
        report.problems.length === 0
          ? `${report.alerts.length} alerts, ${report.runbooks.length} runbooks: every alert has its runbook and a test; every runbook is used.\n`
          : renderTable(
              ['SUBJECT', 'PROBLEM'],
              report.problems.map((p) => [p.subject, p.message]),
            ),
      );
      if (report.problems.length > 0) throw new CommandFailedError(`${report.problems.length} problem(s) in ${dir}`);
    });
}
