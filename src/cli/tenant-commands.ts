// `iris tenants create|get|list|update|delete|restore`: the /v1/tenants API from a shell.
import { readFileSync, writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { errorMessage } from '../core/errors.js';
import type { Tenant } from '../tenants/index.js';
import type { CliEnvironment } from './cli-config.js';
import { UsageError } from './cli-errors.js';
import { parseTrustedKey } from './audit-download.js';
import { commandContext } from './command-context.js';
import { collectLabel, collectLabelChange, collectQuota, entityTag, wholeNumber } from './option-parsers.js';
import { renderFields, renderTable, shortTime } from './output.js';
import { QUOTA_NAMES, SETTABLE_STATUSES, TENANT_STATUSES, TIERS } from './tenant-vocabulary.js';
import type { ImportResult } from '../recovery/index.js';

interface TenantPage {
  readonly items: Tenant[];
  readonly continue?: string;
}

const tenantPath = (id: string): string => `/v1/tenants/${encodeURIComponent(id)}`;

const kv = (rec: Readonly<Record<string, unknown>>): string =>
  Object.entries(rec)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');

/** Tenants as columns. */
export function tenantTable(items: readonly Tenant[]): string {
  return renderTable(
    ['ID', 'NAME', 'TIER', 'REGION', 'RING', 'STATUS', 'VERSION'],
    items.map((t) => [t.id, t.displayName, t.tier, t.homeRegion, t.ring, t.status, t.resourceVersion]),
    'No tenants.',
  );
}

/** One tenant, every field. */
export function tenantFields(t: Tenant): string {
  return renderFields([
    ['ID', t.id],
    ['NAME', t.displayName],
    ['TIER', t.tier],
    ['REGION', t.homeRegion],
    ['RING', t.ring],
    ['STATUS', t.status],
    ['VERSION', t.resourceVersion],
    ['LABELS', kv(t.labels)],
    ['QUOTAS', kv(t.quotas)],
    ['CREATED', shortTime(t.createdAt)],
    ['UPDATED', shortTime(t.updatedAt)],
    ...(t.deletedAt === null
      ? []
      : ([
          ['DELETED', shortTime(t.deletedAt)],
          ['PURGE AFTER', shortTime(t.purgeAfter)],
        ] as const)),
  ]);
}

const QUOTA_HELP = `name=value; names: ${QUOTA_NAMES.join(', ')} (kebab-case works too); repeatable`;
const ifMatchOption = (): Option =>
  new Option('--if-match <version>', 'only if the tenant is still at this resourceVersion (else 412, nothing changes)');

export function registerTenantCommands(program: Command, env: CliEnvironment): void {
  const tenants = program
    .command('tenants')
    .description('Create, read, list, update, delete and restore tenants')
    .addHelpText(
      'after',
      '\nExamples:\n  iris tenants list\n  iris tenants create acme --display-name "Acme Corp" --tier premium --region eu-west\n  iris tenants get acme --output json',
    );

  tenants
    .command('create')
    .summary('create a tenant')
    .description(
      "Create a tenant (platform-admin or tenant-onboarder), optionally with its first tenant-admin key. Tier defaults to standard, region to the server's, ring to general; quotas default from the tier.",
    )
    .argument('<id>', 'tenant id: a slug of 3-63 chars, a-z 0-9 and -, starting with a letter')
    .requiredOption('--display-name <name>', 'human-readable name')
    .addOption(new Option('--tier <tier>', 'service tier').choices(TIERS))
    .option('--region <region>', 'home region (data residency), e.g. eu-west')
    .option('--ring <ring>', 'deployment ring, e.g. canary or general')
    .option('--label <key=value>', 'a label; repeatable', collectLabel)
    .option('--quota <name=value>', `a quota override: ${QUOTA_HELP}`, collectQuota)
    .option(
      '--first-key <name>',
      "also create the tenant's first tenant-admin key (same transaction); its token is shown once",
    )
    .addHelpText(
      'after',
      '\nExamples:\n  iris tenants create acme --display-name "Acme Corp"\n  iris tenants create initech --display-name Initech --tier enterprise --region us-east --ring canary \\\n    --label team=payments --quota requests-per-second=500 --quota burst=1000\n  iris tenants create globex --display-name Globex --first-key globex-admin --output json | jq -r .firstKey.token',
    )
    .action(
      async (
        id: string,
        o: {
          displayName: string;
          tier?: string;
          region?: string;
          ring?: string;
          label?: Record<string, string>;
          quota?: Record<string, number>;
          firstKey?: string;
        },
        cmd: Command,
      ) => {
        const { out, client } = commandContext(cmd, env);
        const body = {
          id,
          displayName: o.displayName,
          ...(o.tier === undefined ? {} : { tier: o.tier }),
          ...(o.region === undefined ? {} : { homeRegion: o.region }),
          ...(o.ring === undefined ? {} : { ring: o.ring }),
          ...(o.label === undefined ? {} : { labels: o.label }),
          ...(o.quota === undefined ? {} : { quotas: o.quota }),
          ...(o.firstKey === undefined ? {} : { firstKey: { name: o.firstKey } }),
        };
        const t = await client().request<Tenant & { firstKey?: { id: string; token: string } }>('POST', '/v1/tenants', {
          body,
        });
        out.result(t, () => {
          const key = t.firstKey === undefined ? '' : `\nFirst tenant-admin key ${t.firstKey.id}: ${t.firstKey.token}`;
          return `Created tenant ${t.id}.\n${tenantFields(t)}${key}`;
        });
        if (t.firstKey !== undefined)
          out.note('warning: this is the only time the token is shown; store it now (Iris keeps only a hash).');
      },
    );

  tenants
    .command('get')
    .summary('show one tenant')
    .description('Show one tenant with its quotas and labels')
    .argument('<id>', 'tenant id')
    .option(
      '--consistent',
      "read the database (the latest committed version) instead of the server's snapshot, which may trail a change made through another replica by the notification delay",
    )
    .addHelpText(
      'after',
      '\nExamples:\n  iris tenants get acme\n  iris tenants get acme --consistent --output json | jq .resourceVersion',
    )
    .action(async (id: string, o: { consistent?: boolean }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const t = await client().request<Tenant>('GET', `${tenantPath(id)}${o.consistent ? '?consistent=true' : ''}`);
      out.result(t, () => tenantFields(t));
    });

  tenants
    .command('list')
    .summary('list tenants (--all follows pages)')
    .description('List the tenants you may see (all of them for a platform admin), a page at a time')
    .addOption(new Option('--status <status>', 'only tenants with this status').choices(TENANT_STATUSES))
    .option('--search <text>', 'only tenants whose id or display name contains this text (any case)')
    .option('--limit <n>', 'page size (1-500)', wholeNumber(1), 100)
    .option('--continue <token>', 'continue from a previous page (its continue token)')
    .option('--all', 'follow continue tokens and list every page')
    .addHelpText(
      'after',
      '\nExamples:\n  iris tenants list\n  iris tenants list --status suspended --all\n  iris tenants list --search acme\n  iris tenants list --limit 20 --output json | jq -r .continue',
    )
    .action(
      async (
        o: { status?: string; search?: string; limit: number; continue?: string; all?: boolean },
        cmd: Command,
      ) => {
        const { out, client } = commandContext(cmd, env);
        const api = client();
        const items: Tenant[] = [];
        let next = o.continue;
        let page: TenantPage;
        do {
          page = await api.request<TenantPage>('GET', '/v1/tenants', {
            query: { limit: o.limit, status: o.status, search: o.search, continue: next },
          });
          items.push(...page.items);
          next = page.continue;
        } while (o.all === true && next !== undefined);
        const result: TenantPage = next === undefined ? { items } : { items, continue: next };
        out.result(result, () => tenantTable(items));
        if (out.format === 'table' && next !== undefined) out.note(`More tenants: add --all, or --continue ${next}`);
      },
    );

  tenants
    .command('update')
    .summary('change name, placement, status, labels, quotas')
    .description(
      'Change a tenant. Name and labels need tenant-admin; tier, region, ring, status and quotas need platform-admin.',
    )
    .argument('<id>', 'tenant id')
    .option('--display-name <name>', 'new human-readable name')
    .addOption(new Option('--tier <tier>', 'new service tier').choices(TIERS))
    .option('--region <region>', 'new home region')
    .option('--ring <ring>', 'new deployment ring')
    .addOption(new Option('--status <status>', 'suspend or reactivate').choices(SETTABLE_STATUSES))
    .option('--label <key=value|key->', 'set a label, or remove it with a trailing -; repeatable', collectLabelChange)
    .option('--quota <name=value>', `change a quota: ${QUOTA_HELP}`, collectQuota)
    .addOption(ifMatchOption())
    .addHelpText(
      'after',
      '\nExamples:\n  iris tenants update acme --display-name "Acme Inc" --label team=core --label legacy-\n  iris tenants update acme --status suspended --if-match 7\n  iris tenants update acme --quota llm-tokens-per-day=2000000',
    )
    .action(
      async (
        id: string,
        o: {
          displayName?: string;
          tier?: string;
          region?: string;
          ring?: string;
          status?: string;
          label?: Record<string, string | null>;
          quota?: Record<string, number>;
          ifMatch?: string;
        },
        cmd: Command,
      ) => {
        const { out, client } = commandContext(cmd, env);
        const body = {
          ...(o.displayName === undefined ? {} : { displayName: o.displayName }),
          ...(o.tier === undefined ? {} : { tier: o.tier }),
          ...(o.region === undefined ? {} : { homeRegion: o.region }),
          ...(o.ring === undefined ? {} : { ring: o.ring }),
          ...(o.status === undefined ? {} : { status: o.status }),
          ...(o.label === undefined ? {} : { labels: o.label }),
          ...(o.quota === undefined ? {} : { quotas: o.quota }),
        };
        if (Object.keys(body).length === 0)
          throw new UsageError(
            'nothing to change: give at least one of --display-name, --tier, --region, --ring, --status, --label, --quota.',
          );
        const t = await client().request<Tenant>('PATCH', tenantPath(id), {
          body,
          headers: o.ifMatch === undefined ? {} : { 'if-match': entityTag(o.ifMatch) },
        });
        out.result(t, () => `Updated tenant ${t.id} (version ${t.resourceVersion}).\n${tenantFields(t)}`);
      },
    );

  tenants
    .command('delete')
    .summary('soft-delete a tenant (restorable during the grace period)')
    .description(
      'Soft-delete a tenant: it stops serving now and is purged after the grace period (restorable until then)',
    )
    .argument('<id>', 'tenant id')
    .addOption(ifMatchOption())
    .addHelpText('after', '\nExamples:\n  iris tenants delete acme\n  iris tenants delete acme --if-match 12')
    .action(async (id: string, o: { ifMatch?: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const t = await client().request<Tenant>('DELETE', tenantPath(id), {
        headers: o.ifMatch === undefined ? {} : { 'if-match': entityTag(o.ifMatch) },
      });
      out.result(
        t,
        () =>
          `Deleted tenant ${t.id}; it is purged after ${shortTime(t.purgeAfter)} unless restored (iris tenants restore ${t.id}).`,
      );
    });

  tenants
    .command('restore')
    .summary('restore a soft-deleted tenant')
    .description('Restore a soft-deleted tenant before its grace period ends')
    .argument('<id>', 'tenant id')
    .addOption(ifMatchOption())
    .addHelpText('after', '\nExample:\n  iris tenants restore acme')
    .action(async (id: string, o: { ifMatch?: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const t = await client().request<Tenant>('POST', `${tenantPath(id)}/restore`, {
        headers: o.ifMatch === undefined ? {} : { 'if-match': entityTag(o.ifMatch) },
      });
      out.result(t, () => `Restored tenant ${t.id} (status ${t.status}, version ${t.resourceVersion}).`);
    });

  registerArchiveCommands(tenants, env);
}

/** What `POST /v1/platform/tenant-archives` answers: the import's result. */
type ImportAnswer = ImportResult;

/** Archives can be large: their transfers get this long. */
const ARCHIVE_TIMEOUT_MS = 30 * 60_000;

function registerArchiveCommands(tenants: Command, env: CliEnvironment): void {
  tenants
    .command('export')
    .summary("write one tenant's rows and audit log to a signed archive")
    .description(
      "Export one tenant: every row it owns (knowledge, jobs, keys, policy bundles, its audit log, the tenant itself), read in one snapshot, into one gzip archive whose manifest is signed with this Iris's ledger key. `iris tenants import` restores it here or into another Iris. The export is recorded in the tenant's audit log. The archive holds the tenant's data and its API keys' hashes: keep it as you keep a backup.",
    )
    .argument('<id>', 'tenant id')
    .option('--out <file>', 'where to write the archive ("-" for stdout)', undefined)
    .addHelpText(
      'after',
      "\nNeeds a platform-admin key.\nExamples:\n  iris tenants export acme                      # writes ./acme.iris-tenant.gz\n  iris tenants export acme --out /backups/acme.gz\n  iris tenants export acme --out - | ssh other-host 'cat > acme.gz'",
    )
    .action(async (id: string, o: { out?: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const started = Date.now();
      const bytes = await client().request<Buffer>('GET', `${tenantPath(id)}/archive`, {
        binary: true,
        timeoutMs: ARCHIVE_TIMEOUT_MS,
      });
      const file = o.out ?? `${id}.iris-tenant.gz`;
      if (file === '-') {
        process.stdout.write(bytes);
        return;
      }
      writeFileSync(file, bytes, { mode: 0o600 });
      const seconds = (Date.now() - started) / 1000;
      out.result(
        { tenantId: id, file, bytes: bytes.length, seconds },
        () =>
          `Exported tenant ${id} to ${file} (${bytes.length} bytes, ${seconds.toFixed(1)} s).\nRestore it with: iris tenants import ${file}`,
      );
    });

  tenants
    .command('import')
    .summary('restore a tenant from a signed archive (here or from another Iris)')
    .description(
      "Import a tenant archive written by `iris tenants export`. The archive is checked whole first (gzip integrity, the manifest's signature, every table's digest, the schema version, the archived audit log); then the tenant's rows are restored in one transaction that touches no other tenant, read back against the signed digests, and its audit log is verified: the verification is printed. Anything refused changes nothing.\n\nAn archive from another Iris is only trusted with that Iris's verifier key (its `GET /v1/audit/key`, or `iris audit` output) given as --verifier-key. A tenant that already has rows here is refused unless --replace. A tenant whose home region this Iris does not serve is refused unless --rehome names a region it serves (recorded as a tenant.rehome audit event). The tenant's audit log is append-only: if this Iris already holds it (a replace, a purged tenant), it must continue the archived one and is kept; the import and any rehome are appended to it. Imported API keys keep working (their hashes move with the tenant): revoke them after the move if old holders should lose access.",
    )
    .argument('<file>', 'archive file ("-" for stdin)')
    .option('--replace', 'restore over the tenant if it already has rows here (they are removed first)')
    .option('--rehome <region>', "make this served region the tenant's home (audited as tenant.rehome)")
    .option(
      '--verifier-key <vkey>',
      "the exporting Iris's verifier key (name+hash+key, or @file); default: this Iris's own",
    )
    .addHelpText(
      'after',
      '\nNeeds a platform-admin key.\nExamples:\n  iris tenants import acme.iris-tenant.gz\n  iris tenants import acme.iris-tenant.gz --replace\n  iris tenants import acme.iris-tenant.gz --verifier-key @old-iris.vkey --rehome eu-central\n  curl -s http://old-iris:8080/v1/audit/key | jq -r .vkey > old-iris.vkey',
    )
    .action(async (file: string, o: { replace?: boolean; rehome?: string; verifierKey?: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      let bytes: Buffer;
      try {
        bytes = readFileSync(file === '-' ? 0 : file);
      } catch (err) {
        throw new UsageError(`cannot read the archive ${file}: ${errorMessage(err)}`);
      }
      const vkey =
        o.verifierKey === undefined ? undefined : parseTrustedKey(o.verifierKey, (f) => readFileSync(f, 'utf8')).vkey;
      const started = Date.now();
      const r = await client().request<ImportAnswer>('POST', '/v1/platform/tenant-archives', {
        bytes,
        query: { replace: o.replace === true ? 'true' : undefined, rehome: o.rehome, verifierKey: vkey },
        timeoutMs: ARCHIVE_TIMEOUT_MS,
      });
      const seconds = (Date.now() - started) / 1000;
      const v = r.ledger.verification;
      const total = Object.values(r.rows).reduce((n, c) => n + c, 0);
      out.result(r, () =>
        [
          `Imported tenant ${r.tenantId} (${total} rows in ${Object.keys(r.rows).length} tables, ${seconds.toFixed(1)} s)${r.replaced ? ', replacing its rows here' : ''}.`,
          renderFields([
            ['REGION', r.rehomedFrom === null ? r.homeRegion : `${r.homeRegion} (rehomed from ${r.rehomedFrom})`],
            [
              'LEDGER',
              `${r.ledger.outcome === 'kept' ? 'kept the log already here' : 'restored from the archive'}; ${v.size} events`,
            ],
            ['VERIFIED', v.ok ? 'ok' : `FAILED: ${v.problems.map((p) => p.problem).join('; ')}`],
            ['SIGNER', r.signer],
            ['ARCHIVE', `sha256 ${r.archiveSha256}`],
          ]),
        ].join('\n'),
      );
      if (!v.ok) process.exitCode = 1;
    });
}
