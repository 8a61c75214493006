// `iris tenants create|get|list|update|delete|restore`: the /v1/tenants API from a shell.
import { Option, type Command } from 'commander';
import type { Tenant } from '../tenants/index.js';
import type { CliEnvironment } from './cli-config.js';
import { UsageError } from './cli-errors.js';
import { commandContext } from './command-context.js';
import { collectLabel, collectLabelChange, collectQuota, entityTag, wholeNumber } from './option-parsers.js';
import { renderFields, renderTable, shortTime } from './output.js';
import { QUOTA_NAMES, SETTABLE_STATUSES, TENANT_STATUSES, TIERS } from './tenant-vocabulary.js';

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
}
