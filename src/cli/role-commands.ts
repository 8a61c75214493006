// `iris whoami` (the calling key: role, tenant, permissions) and `iris roles list|show|export`
// (the role taxonomy, offline; `export --format crewai` writes a CrewAI crew's YAML).
import { Option, type Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROLE_TAXONOMY, ROLES, type Role } from '../core/role-taxonomy.js';
import { commandsOf, grantsOf, isRole, operationsOf } from '../core/roles.js';
import type { CliEnvironment } from './cli-config.js';
import { UsageError } from './cli-errors.js';
import { commandContext } from './command-context.js';
import { exportCrew } from './crewai-export.js';
import { renderFields, renderTable } from './output.js';

/** Whoami as the API answers it. */
export interface WhoamiView {
  readonly keyId: string;
  readonly role: string;
  readonly tenantId: string;
  readonly scope: string;
  readonly agent: { readonly name: string | null; readonly crew: string | null; readonly run: string | null } | null;
  readonly actions: readonly string[];
  readonly operations: readonly string[];
  readonly commands: readonly string[];
}

/** The role named on the command line, or a usage error listing the known ones. */
export function roleArgument(name: string): Role {
  if (!isRole(name)) throw new UsageError(`unknown role '${name}'; roles: ${ROLES.join(', ')}.`);
  return name;
}

function roleView(role: Role) {
  const r = ROLE_TAXONOMY[role];
  return {
    name: role,
    title: r.title,
    scope: r.scope,
    goal: r.goal,
    backstory: r.backstory,
    task: r.task,
    actions: [...grantsOf(role)],
    operations: operationsOf(role),
    commands: commandsOf(role),
  };
}

export function registerRoleCommands(program: Command, env: CliEnvironment): void {
  program
    .command('whoami')
    .description(
      'Show the calling key: its role, tenant, agent, and the actions, API operations and commands its role allows',
    )
    .addHelpText('after', '\nExamples:\n  iris whoami\n  IRIS_TOKEN=iris_k… iris whoami --output json')
    .action(async (_o: unknown, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const me = await client().request<WhoamiView>('GET', '/v1/whoami');
      out.result(me, () =>
        [
          renderFields([
            ['Key', me.keyId],
            ['Role', me.role],
            ['Tenant', me.tenantId],
            [
              'Agent',
              me.agent === null
                ? '-'
                : [
                    me.agent.name,
                    me.agent.crew === null ? null : `crew ${me.agent.crew}`,
                    me.agent.run === null ? null : `run ${me.agent.run}`,
                  ]
                    .filter((x) => x !== null)
                    .join(', '),
            ],
            ['Actions', me.actions.join(', ')],
          ]),
          'Commands:',
          ...me.commands.map((c) => `  iris ${c}`),
        ].join('\n'),
      );
    });

  const roles = program
    .command('roles')
    .description('The role taxonomy: what each role may do, and its export for agent frameworks (offline)')
    .addHelpText(
      'after',
      '\nExamples:\n  iris roles list\n  iris roles show knowledge-curator\n  iris roles export --format crewai --tenant acme --dir crew/config',
    );

  roles
    .command('list')
    .description('List the roles with their scope, goal and number of actions')
    .action((_o: unknown, cmd: Command) => {
      const { out } = commandContext(cmd, env);
      const rows = ROLES.map(roleView);
      out.result({ items: rows }, () =>
        renderTable(
          ['ROLE', 'SCOPE', 'ACTIONS', 'GOAL'],
          rows.map((r) => [r.name, r.scope, r.actions.length, r.goal]),
        ),
      );
    });

  roles
    .command('show')
    .description('Show one role: goal, backstory, actions, API operations and CLI commands')
    .argument('<role>', `one of: ${ROLES.join(', ')}`)
    .action((name: string, _o: unknown, cmd: Command) => {
      const { out } = commandContext(cmd, env);
      const v = roleView(roleArgument(name));
      out.result(v, () =>
        [
          renderFields([
            ['Role', v.name],
            ['Title', v.title],
            ['Scope', v.scope],
            ['Goal', v.goal],
            ['Backstory', v.backstory],
            ['Actions', v.actions.join(', ')],
          ]),
          'API operations (MCP tools):',
          ...v.operations.map((o) => `  ${o}`),
          'Commands:',
          ...v.commands.map((c) => `  iris ${c}`),
        ].join('\n'),
      );
    });

  roles
    .command('export')
    .description(
      "Write the taxonomy for an agent framework: --format crewai writes agents.yaml and tasks.yaml in CrewAI's layout",
    )
    .addOption(new Option('--format <format>', 'the framework').choices(['crewai']).makeOptionMandatory())
    .requiredOption('--tenant <id>', 'the tenant the crew works for')
    .option('--roles <list>', 'comma-separated roles (default: every tenant role)')
    .option('--dir <dir>', 'where to write the files', '.')
    .option(
      '--mcp-url <base>',
      'where `iris mcp serve --http` listens (agents reach <base>/mcp/<role>)',
      'http://127.0.0.1:8765',
    )
    .addHelpText(
      'after',
      '\nExample:\n  iris roles export --format crewai --tenant acme --roles analyst,knowledge-curator --dir my_crew/src/my_crew/config',
    )
    .action((o: { tenant: string; roles?: string; dir: string; mcpUrl: string }, cmd: Command) => {
      const { out } = commandContext(cmd, env);
      const chosen =
        o.roles === undefined
          ? ROLES.filter((r) => ROLE_TAXONOMY[r].scope === 'tenant')
          : o.roles.split(',').map((s) => roleArgument(s.trim()));
      const files = exportCrew({ tenant: o.tenant, roles: chosen, mcpBase: o.mcpUrl });
      const dir = resolve(o.dir);
      mkdirSync(dir, { recursive: true });
      const written = Object.entries(files).map(([name, text]) => {
        writeFileSync(join(dir, name), text);
        return join(dir, name);
      });
      out.result(
        { files: written, roles: chosen },
        () => `Wrote ${written.join(' and ')} (${chosen.length} agents).\n`,
      );
    });
}
