// The `iris` command tree: global options (--api, --token, --output, --request-id), the API
// commands of this folder and the server commands (up, serve, migrate).
import { Command, Option } from 'commander';
import { createRequire } from 'node:module';
import { registerAlertsCommands } from './alerts-commands.js';
import { registerAuditCommands } from './audit-commands.js';
import { registerBackupCommands } from './backup-commands.js';
import { registerReleaseCommands } from './release-commands.js';
import { DEFAULT_API, type CliEnvironment } from './cli-config.js';
import { registerExtractCommand } from './extract-command.js';
import { registerJobCommands } from './job-commands.js';
import { registerKeyCommands } from './key-commands.js';
import { registerKnowledgeCommands } from './knowledge-commands.js';
import { registerMcpCommands } from './mcp-commands.js';
import { registerPolicyCommands } from './policy-commands.js';
import { registerRoleCommands } from './role-commands.js';
import { installRoleGuard } from './role-guard.js';
import { OUTPUT_FORMATS } from './output.js';
import { registerTenantCommands } from './tenant-commands.js';

// NOTE: read here rather than imported from src/app, so API commands need not load the server.
const { version: VERSION } = createRequire(import.meta.url)('../../../package.json') as { version: string };

/** The first sentence of a description, at most 64 characters. */
function firstSentence(text: string): string {
  const s = (text.split(/\.\s/)[0] ?? '').replace(/\.$/, '');
  return s.length > 64 ? `${s.slice(0, s.lastIndexOf(' ', 62)).replace(/[,:;(]$/, '')} …` : s;
}

/** Every runnable command, as `iris a b <args>` lines, for the root help. */
function commandIndex(root: Command): string[] {
  const lines: string[] = [];
  const walk = (cmd: Command, prefix: string): void => {
    for (const sub of cmd.commands) {
      const name = `${prefix} ${sub.name()}`;
      if (sub.commands.length > 0) walk(sub, name);
      else {
        const usage =
          `${name} ${sub.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`)).join(' ')}`.trimEnd();
        lines.push(`${usage.padEnd(34)} ${firstSentence(sub.summary() || sub.description())}`);
      }
    }
  };
  walk(root, root.name());
  return lines;
}

/**
 * Builds the program; `env` is the environment read once by cli-config. `registerMore` adds
 * commands defined elsewhere (the server commands: up, serve, migrate).
 */
export function buildProgram(env: CliEnvironment, registerMore: readonly ((program: Command) => void)[] = []): Command {
  const program = new Command('iris')
    .description(
      'Iris: a multi-tenant control plane. Run the server (`iris up`) and manage tenants, API keys and the audit ledger through its API.',
    )
    .version(VERSION, '-V, --version', 'print the Iris version')
    .addOption(new Option('--api <url>', `Iris API address (env IRIS_API; default ${DEFAULT_API})`))
    .addOption(
      new Option(
        '--token <key>',
        'API key to present (env IRIS_TOKEN; else <IRIS_DATA_DIR or .iris>/admin-token of a local server)',
      ),
    )
    .addOption(
      new Option('-o, --output <format>', "json prints only the API's JSON on stdout")
        .choices(OUTPUT_FORMATS)
        .default('table'),
    )
    .addOption(
      new Option('--request-id <id>', 'correlation id sent as X-Request-Id (shown in errors and the audit log)'),
    )
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();

  registerTenantCommands(program, env);
  registerKeyCommands(program, env);
  registerAuditCommands(program, env);
  registerBackupCommands(program, env);
  registerReleaseCommands(program, env);
  registerJobCommands(program, env);
  registerPolicyCommands(program, env);
  registerKnowledgeCommands(program, env);
  registerRoleCommands(program, env);
  registerMcpCommands(program, env);
  for (const register of registerMore) register(program);
  registerAlertsCommands(program);
  registerExtractCommand(program);
  installRoleGuard(program, env);

  program.addHelpText('after', () =>
    [
      '',
      'All commands:',
      ...commandIndex(program).map((l) => `  ${l}`),
      '',
      'Global options go before or after the command. `iris <command> --help` shows its options and examples.',
      'Examples:',
      '  npm start                                   # run Iris locally; writes .iris/admin-token',
      '  iris tenants list',
      '  iris tenants create acme --display-name "Acme Corp" --tier premium',
      '  IRIS_API=https://iris.example.com IRIS_TOKEN=iris_k… iris audit verify --tenant acme --output json',
    ].join('\n'),
  );
  return program;
}
