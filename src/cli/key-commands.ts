// `iris keys create|list|revoke`: API keys of a tenant or of the platform.
import { Option, type Command } from 'commander';
import { DEFAULT_ROLE, ROLES } from '../core/roles.js';
import type { ApiKey } from '../tenants/index.js';
import type { CliEnvironment } from './cli-config.js';
import { UsageError } from './cli-errors.js';
import { commandContext, ownerOf } from './command-context.js';
import { parseDuration } from './option-parsers.js';
import { renderTable, shortTime } from './output.js';

type CreatedKey = ApiKey & { readonly token: string };

function keyState(k: ApiKey, now: Date): string {
  if (k.revokedAt !== null) return 'revoked';
  if (k.expiresAt !== null && new Date(k.expiresAt) <= now) return 'expired';
  return 'active';
}

const ownerOptions = (cmd: Command, verb: string): Command =>
  cmd
    .option('--tenant <id>', `${verb} keys of this tenant`)
    .option('--platform', `${verb} platform-level keys (operators)`);

export function registerKeyCommands(program: Command, env: CliEnvironment): void {
  const keys = program
    .command('keys')
    .description('Create, list and revoke API keys (per tenant, or platform-level)')
    .addHelpText(
      'after',
      '\nExamples:\n  iris keys create --tenant acme --role analyst --name dashboards\n  iris keys list --tenant acme\n  iris keys revoke k0123456789abcdef --tenant acme\nLocked out (no platform-admin key works)? See `iris keys break-glass --help`.',
    );

  ownerOptions(
    keys
      .command('create')
      .summary('create a key (the token is shown once)')
      .description('Create an API key with one role. Its token is printed once and cannot be shown again.'),
    'create',
  )
    .addOption(new Option('--role <role>', `what the key may do (default ${DEFAULT_ROLE}: read-only)`).choices(ROLES))
    .option('--allow-cidr <cidr...>', 'client networks the key may be used from (default: any)')
    .option('--agent <name>', "mark the key as this AI agent's (shown in the audit log)")
    .option('--crew <name>', 'the crew the agent works in (with --agent)')
    .requiredOption('--name <name>', 'what the key is for (letters, digits, space and ._:@/-)')
    .option(
      '--expires-in <duration>',
      'lifetime: seconds, or with a unit (45m, 12h, 30d, 2w, 1y); default: no expiry',
      parseDuration,
    )
    .addHelpText(
      'after',
      `\nRoles: ${ROLES.join(', ')} (platform-admin keys are platform-level: use --platform).\nThe token goes to stdout, the warning to stderr, so this works:\n  TOKEN=$(iris keys create --tenant acme --role analyst --name ci --expires-in 30d --output json | jq -r .token)\nExamples:\n  iris keys create --tenant acme --role tenant-admin --name acme-admin\n  iris keys create --platform --role operator --name on-call --expires-in 12h`,
    )
    .action(
      async (
        o: {
          tenant?: string;
          platform?: boolean;
          role?: string;
          name: string;
          expiresIn?: number;
          allowCidr?: string[];
          agent?: string;
          crew?: string;
        },
        cmd: Command,
      ) => {
        const { out, client } = commandContext(cmd, env);
        const owner = ownerOf(o);
        if (o.crew !== undefined && o.agent === undefined) throw new UsageError('--crew needs --agent.');
        const body = {
          name: o.name,
          ...(o.role === undefined ? {} : { role: o.role }),
          ...(o.expiresIn === undefined ? {} : { expiresInSeconds: o.expiresIn }),
          ...(o.allowCidr === undefined ? {} : { allowedCidrs: o.allowCidr }),
          ...(o.agent === undefined
            ? {}
            : { agent: { name: o.agent, ...(o.crew === undefined ? {} : { crew: o.crew }) } }),
        };
        const k = await client().request<CreatedKey>('POST', owner.keysPath, { body });
        out.result(k, () =>
          [
            `Created ${k.role} key ${k.id} for ${owner.label}${k.expiresAt === null ? '' : `, expires ${shortTime(k.expiresAt)}`}.`,
            'Token:',
            `  ${k.token}`,
          ].join('\n'),
        );
        out.note('warning: this is the only time the token is shown; store it now (Iris keeps only a hash).');
      },
    );

  ownerOptions(
    keys
      .command('list')
      .summary('list keys with their state and last use')
      .description('List API keys (never their secrets), with state and last use'),
    'list',
  )
    .option(
      '--consistent',
      "read the database (stored last use, every replica's changes) instead of the server's snapshot",
    )
    .addHelpText('after', '\nExamples:\n  iris keys list --tenant acme\n  iris keys list --platform --output json')
    .action(async (o: { tenant?: string; platform?: boolean; consistent?: boolean }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const owner = ownerOf(o);
      const page = await client().request<{ items: ApiKey[] }>(
        'GET',
        `${owner.keysPath}${o.consistent ? '?consistent=true' : ''}`,
      );
      const now = new Date();
      out.result(page, () =>
        renderTable(
          ['ID', 'NAME', 'ROLE', 'STATE', 'CREATED', 'EXPIRES', 'LAST USED'],
          page.items.map((k) => [
            k.id,
            k.name,
            k.role,
            keyState(k, now),
            shortTime(k.createdAt),
            shortTime(k.expiresAt),
            shortTime(k.lastUsedAt),
          ]),
          `No keys for ${owner.label}.`,
        ),
      );
    });

  keys
    .command('break-glass')
    .summary('mint a platform-admin key in the store when none works (no API)')
    .description(
      'Recover from a lockout (every platform-admin key revoked or expired): mint a platform-admin key directly in the database, not over the API. Needs what the server has: DATABASE_URL, or IRIS_DATA_DIR of the embedded store, and its ledger signing key.',
    )
    .option('--name <name>', 'what the key is for', 'break-glass')
    .option('--expires-in <duration>', 'lifetime: seconds, or with a unit (45m, 12h, 30d)', parseDuration, 24 * 3600)
    .addHelpText(
      'after',
      [
        '',
        'It opens the store as `iris migrate` does: DATABASE_URL (PostgreSQL), else the embedded store in',
        "IRIS_DATA_DIR (default .iris). The ledger signing key must be the server's (IRIS_LEDGER_SIGNING_KEY and",
        'IRIS_LEDGER_ORIGIN as the server has them, or <data dir>/ledger-ed25519.pem); the command refuses to write',
        'to a platform ledger that does not verify with it. The key is audited in the platform ledger as',
        '`key.break-glass` with your user and host. Running replicas on PostgreSQL serve it within seconds; stop',
        '`iris up` before running this on its embedded store (one process at a time), then start it again.',
        'Then create a regular platform-admin key with it and revoke this one (it expires in 24 h by default).',
        'Examples:',
        '  DATABASE_URL=postgres://iris@db:5432/iris IRIS_LEDGER_SIGNING_KEY="$(cat ledger.pem)" iris keys break-glass',
        '  IRIS_DATA_DIR=/var/lib/iris iris keys break-glass --expires-in 1h --output json',
      ].join('\n'),
    )
    .action(async (o: { name: string; expiresIn: number }, cmd: Command) => {
      const { out } = commandContext(cmd, env);
      // NOTE: loaded only here: it brings the store drivers, which API commands never need.
      const { runBreakGlass } = await import('./break-glass-command.js');
      await runBreakGlass({ name: o.name, expiresIn: o.expiresIn }, out);
    });

  ownerOptions(
    keys
      .command('revoke')
      .summary('revoke a key')
      .description('Revoke an API key; every replica refuses it at once. Revoking twice changes nothing.'),
    'revoke',
  )
    .argument('<key-id>', 'the key id (k followed by 16 characters; see `iris keys list`), not the token')
    .addHelpText(
      'after',
      '\nExamples:\n  iris keys revoke k0123456789abcdef --tenant acme\n  iris keys revoke k0123456789abcdef --platform',
    )
    .action(async (keyId: string, o: { tenant?: string; platform?: boolean }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const owner = ownerOf(o);
      // NOTE: never echo a pasted token back: it is a secret, and it may end up in a log.
      if (keyId.startsWith('iris_'))
        throw new UsageError(
          'that looks like a token; give the key id (k followed by 16 characters, see `iris keys list`).',
        );
      const k = await client().request<ApiKey>('DELETE', `${owner.keysPath}/${encodeURIComponent(keyId)}`);
      out.result(k, () => `Revoked key ${k.id} (${k.name}, ${k.role}) of ${owner.label} at ${shortTime(k.revokedAt)}.`);
    });
}
