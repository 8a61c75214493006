// The CLI refuses, before sending anything, a command the caller's key may not run: it asks the
// API who the key is (`GET /v1/whoami`), compares the command's actions from the role taxonomy
// with the key's, and names the roles that would do. When the API cannot say (older server,
// bad token, unreachable), the command runs and the API's own answer decides.
import type { Command } from 'commander';
import { rolesFor, actionsOfCommand } from '../core/roles.js';
import { makeApiClient } from './api-client.js';
import { resolveConnection, type CliEnvironment } from './cli-config.js';
import { CommandFailedError } from './cli-errors.js';
import type { GlobalOptions } from './command-context.js';
import type { WhoamiView } from './role-commands.js';

/** "jobs poison redrive" for the command `iris jobs poison redrive`. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c !== null && c.parent !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Why `whoami` may not run `path`, or undefined when it may (or when nothing is known). */
export function refusal(path: string, whoami: WhoamiView): string | undefined {
  const needed = actionsOfCommand(path) ?? [];
  const held = new Set(whoami.actions);
  const missing = needed.filter((a) => !held.has(a));
  if (missing.length === 0) return undefined;
  const roles = rolesFor(needed);
  return (
    `\`iris ${path}\` needs ${missing.map((a) => `'${a}'`).join(', ')}, which the ${whoami.role} key ${whoami.keyId} (${whoami.tenantId}) does not hold; ` +
    `a key of role ${roles.map((r) => `'${r}'`).join(' or ')} may run it. Nothing was sent.`
  );
}

function isWhoami(v: unknown): v is WhoamiView {
  const w = v as Partial<WhoamiView> | undefined;
  return (
    typeof w === 'object' &&
    w !== null &&
    typeof w.role === 'string' &&
    typeof w.keyId === 'string' &&
    Array.isArray(w.actions)
  );
}

/** Installs the check on every command of `program` that needs a key. */
export function installRoleGuard(program: Command, env: CliEnvironment): void {
  program.hook('preAction', async (_root, action) => {
    const path = commandPath(action);
    const needed = actionsOfCommand(path);
    if (needed === undefined || needed.length === 0) return;
    const conn = resolveConnection(action.optsWithGlobals<GlobalOptions>(), env);
    if (conn.token === undefined) return;
    let me: unknown;
    try {
      // NOTE: without the caller's --request-id: that id belongs to the command's own request.
      me = await makeApiClient({ ...conn, requestId: undefined }).request('GET', '/v1/whoami');
    } catch {
      return;
    }
    if (!isWhoami(me)) return;
    const why = refusal(path, me);
    if (why !== undefined) throw new CommandFailedError(why);
  });
}
