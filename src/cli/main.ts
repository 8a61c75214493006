// Entry point of the `iris` command (bin/iris.js imports this): parse, run, and turn every
// failure into one `error: …` line on stderr and an exit code (1 failed, 2 usage). No stacks.
import { CommanderError, type Command } from 'commander';
import { loadCliEnvironment } from './cli-config.js';
import { EXIT, reportError } from './cli-errors.js';
import { errorHints } from './command-context.js';
import { buildProgram } from './program.js';

/** Commands that only talk to the API; everything else may need the server commands. */
const API_COMMANDS: ReadonlySet<string> = new Set([
  'tenants',
  'keys',
  'audit',
  'policy',
  'alerts',
  'extract',
  'jobs',
  'ingest',
  'documents',
  'query',
  'graph',
]);
/** Global options that take a value, so their value is not mistaken for the command. */
const VALUED_GLOBALS: ReadonlySet<string> = new Set(['--api', '--token', '-o', '--output', '--request-id']);

/** The command name in `argv` (after node and the script), skipping global options. */
function commandName(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (VALUED_GLOBALS.has(a)) i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/**
 * The server commands (up, serve, migrate) load the whole server (Fastify, PGlite, pg). An API
 * command does not need them, so they are imported only for other command lines (including
 * the root help, which lists them): `iris tenants list` starts about twice as fast.
 */
async function serverCommands(argv: readonly string[]): Promise<((program: Command) => void)[]> {
  const name = commandName(argv.slice(2));
  if (name !== undefined && API_COMMANDS.has(name)) return [];
  const { registerServerCommands } = await import('./server-commands.js');
  return [registerServerCommands];
}

/** Runs one command line; resolves to the exit code (long-running commands resolve when started). */
export async function run(argv: readonly string[]): Promise<number> {
  const env = loadCliEnvironment();
  const program = buildProgram(env, await serverCommands(argv));
  try {
    await program.parseAsync([...argv]);
    // A command that finished but reports a failure (a failed job, a rejected file) set exitCode.
    return typeof process.exitCode === 'number' && process.exitCode !== 0 ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // NOTE: commander has already printed its message (or the help) on stderr/stdout.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.ok;
      return EXIT.usage;
    }
    const report = reportError(err, errorHints(program, env));
    process.stderr.write(`${report.lines.join('\n')}\n`);
    return report.exitCode;
  }
}

/**
 * A reader that closes early (`iris policy --help | head -2`) is not a failure: exit quietly,
 * as git and kubectl do, instead of dying on an unhandled EPIPE. Other stream errors still
 * fail the command, as one line.
 */
export function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok);
    process.stderr.write(`error: cannot write output: ${err.message}\n`);
    process.exit(EXIT.failure);
  });
}

exitQuietlyOnClosedPipe(process.stdout);
process.exitCode = await run(process.argv);
