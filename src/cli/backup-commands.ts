// `iris backup create|list|verify|restore|prune`: backups of the whole store, run by the
// server (it holds the store; the embedded one can only be snapshotted by its own process).
import type { Command } from 'commander';
import { isAbsolute, resolve } from 'node:path';
import type { BackupSummary, BackupVerification, VerificationState } from '../recovery/index.js';
import type { CliEnvironment } from './cli-config.js';
import { CommandFailedError, UsageError } from './cli-errors.js';
import { commandContext } from './command-context.js';
import { renderFields, renderTable, shortTime } from './output.js';

/** Backups take as long as the store is large: wait up to an hour for the server's answer. */
const LONG = { timeoutMs: 3_600_000 };

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

function verified(v: VerificationState): string {
  switch (v.state) {
    case 'never':
      return 'never verified';
    case 'ok':
      return `ok ${shortTime(v.at)}`;
    case 'failed':
      return `FAILED ${shortTime(v.at)}`;
    case 'untrusted':
      return `untrusted: ${v.reason}`;
    default: {
      const never: never = v;
      return String(never);
    }
  }
}

/** A directory option, made absolute here: the server resolves nothing relative to its own cwd. */
const absolute = (dir: string | undefined): string | undefined => (dir === undefined ? undefined : resolve(dir));

function checksTable(v: BackupVerification): string {
  return [
    renderTable(
      ['CHECK', 'RESULT', 'MS', 'DETAIL'],
      v.checks.map((c) => [c.name, c.ok ? 'ok' : 'FAILED', c.ms, c.detail]),
    ),
    '',
    v.ok
      ? `Backup ${v.id} verified: it restores, and its copy proves every check.`
      : `Backup ${v.id} FAILED verification.`,
  ].join('\n');
}

export function registerBackupCommands(program: Command, env: CliEnvironment): void {
  const backup = program
    .command('backup')
    .description('Back up the whole store, verify backups by restoring them, restore, prune (platform admins)')
    .addHelpText(
      'after',
      [
        '',
        'The server takes the backup (it holds the store): a consistent snapshot (pg_dump of one',
        "snapshot on PostgreSQL, PGlite's data-directory dump embedded) and a manifest signed with the",
        "ledger key: sha256 per part, schema and Iris versions, row counts, and every ledger's signed head.",
        "Directories are on the server's host; default IRIS_BACKUP_DIR (<IRIS_DATA_DIR>/backups).",
        '',
        'Examples:',
        '  iris backup create',
        '  iris backup list',
        '  iris backup verify 20261206T153012Z-a1b2c3',
        '  iris backup restore 20261206T153012Z-a1b2c3 --target postgres://iris@db2/iris_restored',
        '  iris backup prune --keep 7 --max-age-days 30',
        '',
        'Recovery procedure, RPO and RTO: docs/operations.md.',
      ].join('\n'),
    );

  backup
    .command('create')
    .summary('take a consistent snapshot of everything Iris stores')
    .description(
      'Snapshot configuration, keys, policy bundles, the audit ledger, jobs and knowledge graphs into a new backup directory with a signed manifest. Prints the backup id.',
    )
    .option('--dir <path>', "backup directory on the server's host (default IRIS_BACKUP_DIR)")
    .action(async (o: { dir?: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const dir = absolute(o.dir);
      out.note('taking a snapshot (the server answers when the backup is complete)…');
      const b = await client().request<BackupSummary>('POST', '/v1/platform/backups', {
        body: dir === undefined ? {} : { dir },
        ...LONG,
      });
      out.result(b, () =>
        [
          `Backup ${b.id}: ${size(b.bytes)}, ${b.tenants} tenants, ${b.ledgerEvents} ledger events, schema ${b.schemaVersion}.`,
          `  ${b.path}`,
          `Not verified yet: iris backup verify ${b.id}`,
        ].join('\n'),
      );
    });

  backup
    .command('list')
    .summary('backups, newest first, with their verification state')
    .description('List the backups in the directory, newest first. A backup that was never verified says so.')
    .option('--dir <path>', "backup directory on the server's host (default IRIS_BACKUP_DIR)")
    .option('--verifier-key <vkey>', "also trust backups signed by this Iris's key (its GET /v1/audit/key)")
    .action(async (o: { dir?: string; verifierKey?: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const page = await client().request<{
        items: BackupSummary[];
        unreadable: { id: string; problem: string }[];
      }>('GET', '/v1/platform/backups', { query: { dir: absolute(o.dir), verifierKey: o.verifierKey } });
      out.result(page, () =>
        [
          renderTable(
            ['ID', 'CREATED', 'STORE', 'SIZE', 'TENANTS', 'SCHEMA', 'VERIFIED'],
            page.items.map((b) => [
              b.id,
              shortTime(b.createdAt),
              b.store,
              size(b.bytes),
              b.tenants,
              b.schemaVersion,
              verified(b.verification),
            ]),
            'No backups yet: iris backup create',
          ),
          ...page.unreadable.map((u) => `not a usable backup: ${u.id}: ${u.problem}`),
        ].join('\n'),
      );
    });

  backup
    .command('verify')
    .summary('restore a backup into a scratch database and prove it')
    .description(
      "Check the manifest's signature, each part's sha256 and the schema version; restore into a scratch database; compare row counts; migrate to this build's schema; re-verify every ledger against the signed head in the manifest; check forced row-level security. Exits 1 when a check fails.",
    )
    .argument('<backup-id>', 'the backup (iris backup list)')
    .option('--dir <path>', "backup directory on the server's host (default IRIS_BACKUP_DIR)")
    .option('--verifier-key <vkey>', 'trust a backup signed by another Iris (its verifier key)')
    .action(async (id: string, o: { dir?: string; verifierKey?: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      out.note(`verifying ${id}: restoring it into a scratch database…`);
      const v = await client().request<BackupVerification>(
        'POST',
        `/v1/platform/backups/${encodeURIComponent(id)}/verify`,
        {
          body: {
            ...(o.dir === undefined ? {} : { dir: absolute(o.dir) }),
            ...(o.verifierKey === undefined ? {} : { verifierKey: o.verifierKey }),
          },
          ...LONG,
        },
      );
      out.result(v, () => checksTable(v));
      if (!v.ok) throw new CommandFailedError(`Backup ${id} failed verification.`);
    });

  backup
    .command('restore')
    .summary('verify a backup, then restore it into an empty target')
    .description(
      'Verify the backup in full, then restore it into an empty target: a postgres:// URL of an empty database (PostgreSQL backups), or an empty Iris data directory (embedded backups; start Iris with IRIS_DATA_DIR set to it). Nothing is written unless verification passes; a non-empty target is refused. The live store is never overwritten: point Iris at the restored copy.',
    )
    .argument('<backup-id>', 'the backup (iris backup list)')
    .requiredOption('--target <url-or-dir>', 'an empty database (postgres://…) or an empty data directory')
    .option('--dir <path>', "backup directory on the server's host (default IRIS_BACKUP_DIR)")
    .option('--verifier-key <vkey>', 'trust a backup signed by another Iris (its verifier key)')
    .addHelpText(
      'after',
      '\nExamples:\n  iris backup restore 20261206T153012Z-a1b2c3 --target postgres://iris@127.0.0.1/iris_restored\n  iris backup restore 20261206T153012Z-a1b2c3 --target /var/lib/iris-restored\n\nThe ledger signing key is not in a backup: start the restored Iris with the same key\n(IRIS_LEDGER_SIGNING_KEY, or copy ledger-ed25519.pem into its data directory).',
    )
    .action(async (id: string, o: { target: string; dir?: string; verifierKey?: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const target = /^postgres(ql)?:\/\//.test(o.target) ? o.target : resolve(o.target);
      if (!/^postgres(ql)?:\/\//.test(target) && !isAbsolute(target))
        throw new UsageError('--target must be a URL or a directory.');
      out.note(`restoring ${id}: verifying it first…`);
      const res = await client().request<{ id: string; target: string; verification: BackupVerification }>(
        'POST',
        `/v1/platform/backups/${encodeURIComponent(id)}/restore`,
        {
          body: {
            target,
            ...(o.dir === undefined ? {} : { dir: absolute(o.dir) }),
            ...(o.verifierKey === undefined ? {} : { verifierKey: o.verifierKey }),
          },
          ...LONG,
        },
      );
      out.result(res, () =>
        [
          checksTable(res.verification),
          `Restored ${res.id} into ${res.target}.`,
          'Start Iris on it (it migrates on start).',
        ].join('\n'),
      );
    });

  backup
    .command('prune')
    .summary('remove old backups (never the newest, nor the newest verified)')
    .description(
      'Remove backups past the newest --keep and those older than --max-age-days. The newest backup and the newest verified one always stay.',
    )
    .requiredOption('--keep <n>', 'keep the newest N backups', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new UsageError('--keep must be a whole number (0 or more).');
      return n;
    })
    .option('--max-age-days <days>', 'also remove backups older than this', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new UsageError('--max-age-days must be a whole number of days.');
      return n;
    })
    .option('--dry-run', 'only show what would be removed')
    .option('--dir <path>', "backup directory on the server's host (default IRIS_BACKUP_DIR)")
    .addHelpText(
      'after',
      '\nExamples:\n  iris backup prune --keep 7 --dry-run\n  iris backup prune --keep 7 --max-age-days 30',
    )
    .action(async (o: { keep: number; maxAgeDays?: number; dryRun?: boolean; dir?: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const res = await client().request<{ removed: string[]; kept: string[]; dryRun: boolean }>(
        'POST',
        '/v1/platform/backups/prune',
        {
          body: {
            keep: o.keep,
            ...(o.maxAgeDays === undefined ? {} : { maxAgeDays: o.maxAgeDays }),
            ...(o.dryRun === true ? { dryRun: true } : {}),
            ...(o.dir === undefined ? {} : { dir: absolute(o.dir) }),
          },
        },
      );
      out.result(res, () =>
        renderFields([
          [res.dryRun ? 'would remove' : 'removed', res.removed.join(', ') || 'none'],
          ['kept', res.kept.join(', ') || 'none'],
        ]),
      );
    });
}
