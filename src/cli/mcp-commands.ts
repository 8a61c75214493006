// `iris mcp serve --role R`: the MCP server of a role, over stdio (one role; the key is this
// process's --token / IRIS_TOKEN) or streamable HTTP (--http; one endpoint per role, each
// request's own bearer key). Tools and schemas come from the taxonomy and the API's OpenAPI.
import type { Command } from 'commander';
import { createRequire } from 'node:module';
import type { Role } from '../core/roles.js';
import type { OpenApiDocument } from '../mcp/index.js';
import type { CliEnvironment } from './cli-config.js';
import { CommandFailedError, UsageError } from './cli-errors.js';
import { commandContext } from './command-context.js';
import { wholeNumber } from './option-parsers.js';
import { roleArgument } from './role-commands.js';

const { version: VERSION } = createRequire(import.meta.url)('../../../package.json') as { version: string };

interface ServeOptions {
  readonly role: string;
  readonly http?: boolean;
  readonly host: string;
  readonly port: number;
  readonly tenant?: string;
  readonly run?: string;
}

export function registerMcpCommands(program: Command, env: CliEnvironment): void {
  const mcp = program.command('mcp').description('Model Context Protocol servers: one per role, for AI agents');
  mcp
    .command('serve')
    .description(
      "Serve a role's API operations as MCP tools, over stdio (default) or streamable HTTP (--http). Every call uses the caller's own key; the role is a ceiling, never a grant.",
    )
    .requiredOption('--role <role>', 'the role whose operations become tools (with --http: a comma-separated list)')
    .option('--http', 'serve streamable HTTP at http://HOST:PORT/mcp/<role> instead of stdio')
    .option('--host <host>', 'HTTP address to listen on', '127.0.0.1')
    .option('--port <port>', 'HTTP port (0: any free one)', wholeNumber(0), 8765)
    .option('--tenant <id>', 'tenant used when a call leaves tenantId out')
    .option(
      '--run <id>',
      'agent run id sent as X-Iris-Agent-Run with every call (stdio; over HTTP the client sends its own)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  IRIS_TOKEN=iris_k… iris mcp serve --role analyst --tenant acme\n  iris mcp serve --http --role analyst,knowledge-curator --port 8765',
    )
    .action(async (o: ServeOptions, cmd: Command) => {
      const { conn, client } = commandContext(cmd, env);
      // NOTE: loaded here, so other commands do not pay for the MCP SDK at start.
      const { makeRoleServer, serveRolesOverHttp, toolsOf } = await import('../mcp/index.js');
      const roles = o.role.split(',').map((r) => roleArgument(r.trim()));
      if (o.http !== true && roles.length !== 1)
        throw new UsageError('over stdio, serve exactly one role (--http serves several).');
      let doc: OpenApiDocument;
      try {
        doc = await client().request<OpenApiDocument>('GET', '/openapi.json', { anonymous: true });
      } catch (err) {
        throw new CommandFailedError(
          `cannot read the API's OpenAPI document at ${conn.api}/openapi.json: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      const base = (role: Role) => ({
        role,
        api: conn.api,
        tools: toolsOf(role, doc),
        version: VERSION,
        tenant: o.tenant,
      });
      if (o.http === true) {
        const served = await serveRolesOverHttp(new Map(roles.map((r) => [r, base(r)])), {
          host: o.host,
          port: o.port,
        });
        process.stderr.write(`${roles.map((r) => `MCP server of role ${r}: ${served.url}/mcp/${r}`).join('\n')}\n`);
        const stop = (): void => void served.close().then(() => process.exit(0));
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        return;
      }
      if (conn.token === undefined)
        throw new UsageError('give the key the MCP server calls Iris with: --token or IRIS_TOKEN.');
      const token = conn.token;
      const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
      const server = makeRoleServer({ ...base(roles[0] as Role), tokenOf: () => token, agentRun: o.run });
      await server.connect(new StdioServerTransport());
      process.stderr.write(`MCP server of role ${roles[0] as Role} on stdio, calling ${conn.api}\n`);
    });
}
