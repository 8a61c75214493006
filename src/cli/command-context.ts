// What every API command needs from the global options: the output format and a client bound
// to --api/--token/--request-id (resolved over the environment read in cli-config.ts).
import type { Command } from 'commander';
import { makeApiClient, type ApiClient } from './api-client.js';
import { adminTokenFile, resolveConnection, type CliEnvironment, type Connection } from './cli-config.js';
import { UsageError } from './cli-errors.js';
import { makeOutput, type Output, type OutputFormat } from './output.js';

export interface GlobalOptions {
  readonly api?: string;
  readonly token?: string;
  readonly output: OutputFormat;
  readonly requestId?: string;
}

export interface CommandContext {
  readonly out: Output;
  readonly conn: Connection;
  /** A client for the API; creating it checks the address. Offline commands never call it. */
  readonly client: () => ApiClient;
}

/** Builds the context of the command being run from its own and its parents' options. */
export function commandContext(cmd: Command, env: CliEnvironment): CommandContext {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  const conn = resolveConnection(g, env);
  return {
    out: makeOutput(g.output),
    conn,
    client: () => {
      let url: URL;
      try {
        url = new URL(conn.api);
      } catch {
        throw new UsageError(`--api '${conn.api}' is not a URL; expected e.g. http://127.0.0.1:8080.`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new UsageError(`--api '${conn.api}' must be an http:// or https:// address.`);
      return makeApiClient(conn);
    },
  };
}

/** Hints for error messages (which token, if any, was presented). */
export function errorHints(program: Command, env: CliEnvironment): { tokenSource: string; tokenFile: string } {
  const conn = resolveConnection(program.opts<GlobalOptions>(), env);
  return { tokenSource: conn.tokenSource, tokenFile: adminTokenFile(env) };
}

/** `--tenant T` or `--platform`, exactly one: the owner of keys or of an audit log. */
export function ownerOf(opts: { tenant?: string; platform?: boolean }): {
  log: string;
  keysPath: string;
  label: string;
} {
  if (opts.tenant !== undefined && opts.platform === true)
    throw new UsageError('give either --tenant or --platform, not both.');
  if (opts.tenant !== undefined) {
    const t = encodeURIComponent(opts.tenant);
    return { log: opts.tenant, keysPath: `/v1/tenants/${t}/keys`, label: `tenant ${opts.tenant}` };
  }
  if (opts.platform === true) return { log: 'platform', keysPath: '/v1/platform/keys', label: 'the platform' };
  throw new UsageError('say whose: --tenant <id> or --platform.');
}
