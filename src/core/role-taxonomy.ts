// The role taxonomy: the one source of who may do what, for people and automation alike. Each
// role has a CrewAI-style role/goal/backstory, its typical task and the Cedar actions it is
// granted; each action names the API operations and CLI commands it covers. Everything else is
// derived from this file: the built-in Cedar bundle's role policies (policy/builtin-bundle.ts),
// `can()` and the key grant rule (core/roles.ts), the route rules (policy/route-actions.ts), the
// CLI's refusals and `iris roles`, the MCP server of each role and the CrewAI export. A test
// walks the live routes and the command tree and fails when one is not covered here.

/** Every action the gateway and the services ask the decision point about, with its meaning. */
export const ACTION_CATALOGUE = {
  'identity.read': 'read the calling key itself: its role, tenant and permissions (whoami)',
  'tenant.create': 'create a tenant',
  'tenant.read': 'read a tenant',
  'tenant.list': 'list the tenants the caller may see',
  'tenant.update': "change a tenant's display name and labels",
  'tenant.update-placement': "change a tenant's tier, region, ring, quotas or status (platform decisions)",
  'tenant.delete': 'soft-delete a tenant',
  'tenant.restore': 'restore a soft-deleted tenant',
  'tenant.export': "export a tenant's rows and audit log as a signed archive",
  'tenant.import': 'import a tenant from a signed archive (create it, or replace its rows)',
  'key.create': "create an API key (only of a role whose grants are all among the caller's)",
  'key.read': 'list API keys (never their secrets)',
  'key.revoke': "revoke an API key (only of a role whose grants are all among the caller's)",
  'audit.read': 'read and verify the audit ledger',
  'audit.checkpoint': 'keep the signed head of a log as a checkpoint',
  'job.create': 'start a job',
  'job.read': 'read jobs and poisoned jobs',
  'job.cancel': 'cancel a queued or running job',
  'job.retry': 'run a failed or cancelled job again',
  'job.redrive': 'requeue a poisoned job',
  'knowledge.query': 'ask questions of the knowledge graph, read documents and the graph',
  'knowledge.write': 'ingest and delete documents, rebuild the graph',
  'policy.read': 'read policy bundles and their differences',
  'policy.write': 'push, activate and roll back policy bundles',
  'policy.decisions.read': 'read the decision log and explain requests',
  'metrics.read': 'scrape /metrics (names tenants)',
  'backup.read': 'list backups and their verification state',
  'backup.create': 'take a backup of the whole store, and verify one by restoring it into a scratch database',
  'backup.restore': 'restore a backup into an empty database or data directory',
  'backup.delete': 'prune backups by count and age',
  'release.read': 'read rings, releases, their status and history, and the flags a tenant is served',
  'release.write': 'create releases from release documents, and create or change rings',
  'release.operate': 'start, pause, resume, promote, abort and roll back releases',
} as const;
export type Action = keyof typeof ACTION_CATALOGUE;
export const ACTIONS = Object.keys(ACTION_CATALOGUE) as Action[];

/** How an operation changes things: the MCP annotations are read from it. */
export type Effect = 'read' | 'write' | 'destructive';

export interface OperationEntry {
  /** "METHOD /route/template", as the router names it. */
  readonly route: string;
  readonly action: Action;
  readonly effect: Effect;
  /** Calling it twice has the effect of calling it once. */
  readonly idempotent: boolean;
  /**
   * Its request or answer body is bytes, not JSON (a tenant archive): the CLI carries the file,
   * and no MCP tool is offered (a tool's arguments and results are JSON text).
   */
  readonly binary?: boolean;
}

const read = (route: string, action: Action): OperationEntry => ({ route, action, effect: 'read', idempotent: true });
const write = (route: string, action: Action, idempotent = false): OperationEntry => ({
  route,
  action,
  effect: 'write',
  idempotent,
});
const destroy = (route: string, action: Action): OperationEntry => ({
  route,
  action,
  effect: 'destructive',
  idempotent: true,
});

/**
 * Every API operation that needs a key, by name (the MCP tool name): its route, its action and
 * its effect. Public routes (health, docs, the ledger's public key) need no action.
 */
export const OPERATIONS = {
  whoami: read('GET /v1/whoami', 'identity.read'),
  tenants_create: write('POST /v1/tenants', 'tenant.create'),
  tenants_list: read('GET /v1/tenants', 'tenant.list'),
  tenants_get: read('GET /v1/tenants/:tenantId', 'tenant.read'),
  tenants_update: write('PATCH /v1/tenants/:tenantId', 'tenant.update', true),
  tenants_delete: destroy('DELETE /v1/tenants/:tenantId', 'tenant.delete'),
  tenants_restore: write('POST /v1/tenants/:tenantId/restore', 'tenant.restore', true),
  tenants_export: { ...read('GET /v1/tenants/:tenantId/archive', 'tenant.export'), binary: true },
  tenants_import: { ...write('POST /v1/platform/tenant-archives', 'tenant.import'), binary: true },
  keys_create: write('POST /v1/tenants/:tenantId/keys', 'key.create'),
  keys_list: read('GET /v1/tenants/:tenantId/keys', 'key.read'),
  keys_revoke: destroy('DELETE /v1/tenants/:tenantId/keys/:keyId', 'key.revoke'),
  platform_keys_create: write('POST /v1/platform/keys', 'key.create'),
  platform_keys_list: read('GET /v1/platform/keys', 'key.read'),
  platform_keys_revoke: destroy('DELETE /v1/platform/keys/:keyId', 'key.revoke'),
  audit_events: read('GET /v1/audit/logs/:log/events', 'audit.read'),
  audit_head: read('GET /v1/audit/logs/:log/head', 'audit.read'),
  audit_checkpoints: read('GET /v1/audit/logs/:log/checkpoints', 'audit.read'),
  audit_checkpoint: write('POST /v1/audit/logs/:log/checkpoints', 'audit.checkpoint', true),
  audit_verify: read('GET /v1/audit/logs/:log/verify', 'audit.read'),
  audit_proof: read('GET /v1/audit/logs/:log/proof/:seq', 'audit.read'),
  audit_witnesses: read('GET /v1/audit/logs/:log/witnesses', 'audit.read'),
  audit_consistency: read('GET /v1/audit/logs/:log/consistency', 'audit.read'),
  jobs_create: write('POST /v1/tenants/:tenantId/jobs', 'job.create'),
  jobs_list: read('GET /v1/tenants/:tenantId/jobs', 'job.read'),
  jobs_get: read('GET /v1/tenants/:tenantId/jobs/:jobId', 'job.read'),
  jobs_cancel: destroy('POST /v1/tenants/:tenantId/jobs/:jobId/cancel', 'job.cancel'),
  jobs_retry: write('POST /v1/tenants/:tenantId/jobs/:jobId/retry', 'job.retry'),
  jobs_redrive: write('POST /v1/tenants/:tenantId/jobs/:jobId/redrive', 'job.redrive'),
  jobs_poisoned: read('GET /v1/tenants/:tenantId/jobs-poisoned', 'job.read'),
  documents_ingest: write('POST /v1/tenants/:tenantId/documents', 'knowledge.write'),
  documents_list: read('GET /v1/tenants/:tenantId/documents', 'knowledge.query'),
  documents_get: read('GET /v1/tenants/:tenantId/documents/:documentId', 'knowledge.query'),
  documents_chunk: read('GET /v1/tenants/:tenantId/documents/:documentId/chunks/:chunkIndex', 'knowledge.query'),
  documents_delete: destroy('DELETE /v1/tenants/:tenantId/documents/:documentId', 'knowledge.write'),
  knowledge_query: read('POST /v1/tenants/:tenantId/query', 'knowledge.query'),
  graph_entities: read('GET /v1/tenants/:tenantId/graph/entities', 'knowledge.query'),
  graph_relations: read('GET /v1/tenants/:tenantId/graph/relations', 'knowledge.query'),
  graph_communities: read('GET /v1/tenants/:tenantId/graph/communities', 'knowledge.query'),
  graph_export: read('GET /v1/tenants/:tenantId/graph/export', 'knowledge.query'),
  graph_build: write('POST /v1/tenants/:tenantId/graph/build', 'knowledge.write'),
  policy_bundles_list: read('GET /v1/tenants/:tenantId/policy/bundles', 'policy.read'),
  policy_bundles_push: write('POST /v1/tenants/:tenantId/policy/bundles', 'policy.write', true),
  policy_bundles_get: read('GET /v1/tenants/:tenantId/policy/bundles/:bundleId', 'policy.read'),
  policy_bundles_activate: write('POST /v1/tenants/:tenantId/policy/bundles/:bundleId/activate', 'policy.write', true),
  policy_rollback: write('POST /v1/tenants/:tenantId/policy/rollback', 'policy.write'),
  policy_diff: read('GET /v1/tenants/:tenantId/policy/diff', 'policy.read'),
  policy_decisions: read('GET /v1/tenants/:tenantId/policy/decisions', 'policy.decisions.read'),
  platform_policy_bundles_list: read('GET /v1/platform/policy/bundles', 'policy.read'),
  platform_policy_bundles_push: write('POST /v1/platform/policy/bundles', 'policy.write', true),
  platform_policy_bundles_get: read('GET /v1/platform/policy/bundles/:bundleId', 'policy.read'),
  platform_policy_bundles_activate: write('POST /v1/platform/policy/bundles/:bundleId/activate', 'policy.write', true),
  platform_policy_rollback: write('POST /v1/platform/policy/rollback', 'policy.write'),
  platform_policy_diff: read('GET /v1/platform/policy/diff', 'policy.read'),
  platform_policy_decisions: read('GET /v1/platform/policy/decisions', 'policy.decisions.read'),
  policy_explain: read('GET /v1/policy/decisions/:requestId', 'policy.decisions.read'),
  metrics: read('GET /metrics', 'metrics.read'),
  traffic: read('GET /v1/platform/traffic', 'metrics.read'),
  queues: read('GET /v1/platform/queues', 'metrics.read'),
  backups_list: read('GET /v1/platform/backups', 'backup.read'),
  backups_create: write('POST /v1/platform/backups', 'backup.create'),
  backups_verify: write('POST /v1/platform/backups/:backupId/verify', 'backup.create', true),
  backups_restore: write('POST /v1/platform/backups/:backupId/restore', 'backup.restore'),
  backups_prune: destroy('POST /v1/platform/backups/prune', 'backup.delete'),
  rings_list: read('GET /v1/platform/rings', 'release.read'),
  rings_get: read('GET /v1/platform/rings/:ring', 'release.read'),
  rings_update: write('PUT /v1/platform/rings/:ring', 'release.write', true),
  releases_create: write('POST /v1/platform/releases', 'release.write'),
  releases_list: read('GET /v1/platform/releases', 'release.read'),
  releases_get: read('GET /v1/platform/releases/:releaseId', 'release.read'),
  releases_plan: read('GET /v1/platform/releases/:releaseId/plan', 'release.read'),
  releases_history: read('GET /v1/platform/releases/:releaseId/history', 'release.read'),
  releases_act: write('POST /v1/platform/releases/:releaseId/:action', 'release.operate'),
  flags_explain: read('GET /v1/platform/flags', 'release.read'),
  releases_change_record: read('GET /v1/platform/releases/:releaseId/change-record', 'release.read'),
  releases_preview: read('POST /v1/platform/release-previews', 'release.read'),
  releases_preflight: read('GET /v1/platform/releases/:releaseId/preflight', 'release.read'),
  releases_silence_reviews_list: read('GET /v1/platform/releases/:releaseId/silence-reviews', 'release.read'),
  releases_silence_review: write('POST /v1/platform/releases/:releaseId/silence-reviews', 'release.operate'),
} as const satisfies Record<string, OperationEntry>;
export type OperationName = keyof typeof OPERATIONS;

/**
 * Every CLI command (as `iris <path>` without `iris`) and the actions it needs at the API; an
 * empty list is a command that needs no key (it works offline or on the store directly).
 */
export const COMMANDS: Readonly<Record<string, readonly Action[]>> = {
  whoami: ['identity.read'],
  'tenants create': ['tenant.create'],
  'tenants get': ['tenant.read'],
  'tenants list': ['tenant.list'],
  'tenants update': ['tenant.update'],
  'tenants delete': ['tenant.delete'],
  'tenants restore': ['tenant.restore'],
  'tenants export': ['tenant.export'],
  'tenants import': ['tenant.import'],
  'keys create': ['key.create'],
  'keys list': ['key.read'],
  'keys revoke': ['key.revoke'],
  'keys break-glass': [],
  'audit list': ['audit.read'],
  'audit verify': ['audit.read'],
  'audit prove': ['audit.read'],
  'audit verify-proof': [],
  'audit checkpoint': ['audit.checkpoint'],
  'jobs list': ['job.read'],
  'jobs get': ['job.read'],
  'jobs cancel': ['job.cancel'],
  'jobs retry': ['job.retry'],
  'jobs watch': ['job.read'],
  'jobs poison list': ['job.read'],
  'jobs poison redrive': ['job.redrive'],
  'policy init': [],
  'policy compile': [],
  'policy test': [],
  'policy push': ['policy.write'],
  'policy activate': ['policy.write'],
  'policy rollback': ['policy.write'],
  'policy list': ['policy.read'],
  'policy diff': ['policy.read'],
  'policy decisions': ['policy.decisions.read'],
  'policy explain': ['policy.decisions.read'],
  ingest: ['knowledge.write'],
  'documents list': ['knowledge.query'],
  'documents get': ['knowledge.query'],
  'documents delete': ['knowledge.write'],
  query: ['knowledge.query'],
  'graph entities': ['knowledge.query'],
  'graph relations': ['knowledge.query'],
  'graph communities': ['knowledge.query'],
  'graph export': ['knowledge.query'],
  'graph build': ['knowledge.write'],
  'roles list': [],
  'roles show': [],
  'roles export': [],
  'mcp serve': [],
  up: [],
  serve: [],
  worker: [],
  migrate: [],
  'alerts lint': [],
  'backup create': ['backup.create'],
  'backup list': ['backup.read'],
  'backup verify': ['backup.create'],
  'backup restore': ['backup.restore'],
  'backup prune': ['backup.delete'],
  'rings list': ['release.read'],
  'rings show': ['release.read'],
  'rings update': ['release.write'],
  'release create': ['release.write'],
  'release list': ['release.read'],
  'release plan': ['release.read'],
  'release status': ['release.read'],
  'release history': ['release.read'],
  'release change-record': ['release.read'],
  'release start': ['release.operate'],
  'release pause': ['release.operate'],
  'release resume': ['release.operate'],
  'release promote': ['release.operate'],
  'release abort': ['release.operate'],
  'release rollback': ['release.operate'],
  'release preflight': ['release.read'],
  'release review-silences': ['release.operate'],
  'flags list': ['release.read'],
  'flags explain': ['release.read'],
  extract: [],
};

/** Where a role's keys live: in a tenant, or at the platform level only. */
export type RoleScope = 'tenant' | 'platform';

export interface RoleEntry {
  /** CrewAI `role`: the agent's function, one line. */
  readonly title: string;
  readonly goal: string;
  readonly backstory: string;
  /** Its typical work, as a CrewAI task: what it does and what it hands back. */
  readonly task: { readonly description: string; readonly expectedOutput: string };
  readonly scope: RoleScope;
  /** Cedar actions granted within the key's own tenant (platform-admin: all, everywhere). */
  readonly actions: readonly Action[] | 'all';
}

/** The roles, least privilege first where it matters: a new key without a role gets DEFAULT_ROLE. */
export const ROLE_TAXONOMY = {
  'platform-admin': {
    title: 'Iris platform administrator',
    goal: 'Keep the whole Iris platform healthy, isolated and correctly configured across every tenant.',
    backstory:
      'You run Iris for the organisation. You hold every permission in every tenant, so you act rarely, deliberately and always through audited operations.',
    task: {
      description:
        'Review the platform: tenants, platform keys, the platform policy bundle and the platform audit log; fix what is wrong.',
      expectedOutput: 'A list of the changes made (or none needed), each with the audit event that records it.',
    },
    scope: 'platform',
    actions: 'all',
  },
  'tenant-onboarder': {
    title: 'Tenant onboarder',
    goal: 'Create new tenants with the right tier, region and ring, and hand each its first tenant-admin key.',
    backstory:
      'You work at the platform level and do one thing: bring new customers onto Iris. You cannot read or change a tenant once it exists.',
    task: {
      description:
        'Create the tenant {tenant} with the requested display name, tier and home region, with its first tenant-admin key.',
      expectedOutput: 'The created tenant (id, tier, region, ring) and the id of its first tenant-admin key.',
    },
    scope: 'platform',
    actions: ['identity.read', 'tenant.create', 'tenant.list'],
  },
  'tenant-admin': {
    title: 'Tenant administrator',
    goal: 'Run one tenant end to end: its keys, jobs, knowledge, policy overlay and audit log.',
    backstory:
      'You administer tenant {tenant}. You hand out keys of the narrowest role that does the work and never more than you hold yourself.',
    task: {
      description: 'Review tenant {tenant}: its keys (revoke unused ones), failed jobs, and the policy overlay.',
      expectedOutput: 'What was found and changed, with the audit events that record each change.',
    },
    scope: 'tenant',
    actions: [
      'identity.read',
      'tenant.read',
      'tenant.list',
      'tenant.update',
      'key.create',
      'key.read',
      'key.revoke',
      'audit.read',
      'audit.checkpoint',
      'job.create',
      'job.read',
      'job.cancel',
      'job.retry',
      'job.redrive',
      'knowledge.query',
      'knowledge.write',
      'policy.read',
      'policy.write',
      'policy.decisions.read',
    ],
  },
  operator: {
    title: 'Tenant operator',
    goal: "Keep tenant {tenant}'s work flowing: start, cancel, retry and redrive jobs and answer questions about its state.",
    backstory:
      'You are on call for tenant {tenant}. You operate jobs and read configuration, but change no keys, documents or policies.',
    task: {
      description: 'Check the job queue of tenant {tenant}; retry failed jobs that can succeed and cancel stuck ones.',
      expectedOutput: 'The jobs acted on, with their new states, and the ones left alone with the reason.',
    },
    scope: 'tenant',
    actions: [
      'identity.read',
      'tenant.read',
      'tenant.list',
      'key.read',
      'job.create',
      'job.read',
      'job.cancel',
      'job.retry',
      'job.redrive',
      'knowledge.query',
      'policy.read',
      'policy.decisions.read',
    ],
  },
  analyst: {
    title: 'Knowledge analyst',
    goal: "Answer questions from tenant {tenant}'s knowledge graph, citing every source.",
    backstory:
      'You read and never change anything: the least privilege a key can have, and the role a new key gets when none is named.',
    task: {
      description: 'Answer the question "{question}" from the knowledge graph of tenant {tenant}.',
      expectedOutput: 'An answer with its citations (document, chunk) and the entities it used.',
    },
    scope: 'tenant',
    actions: ['identity.read', 'tenant.read', 'tenant.list', 'job.read', 'knowledge.query'],
  },
  'knowledge-curator': {
    title: 'Knowledge curator',
    goal: "Keep tenant {tenant}'s knowledge graph complete and current: ingest and delete documents, rebuild the graph.",
    backstory:
      'You own the documents of tenant {tenant}. You add what is new, remove what is stale and rebuild communities when they drift.',
    task: {
      description:
        'Ingest the documents in {path} into tenant {tenant}, delete superseded ones, and rebuild the graph when done.',
      expectedOutput: "The documents ingested and deleted with their job outcomes, and the graph build job's result.",
    },
    scope: 'tenant',
    actions: ['identity.read', 'tenant.read', 'job.read', 'knowledge.query', 'knowledge.write'],
  },
  'incident-responder': {
    title: 'Incident responder',
    goal: 'Restore service for tenant {tenant} during an incident: find failing jobs and denied requests, retry and redrive what can succeed.',
    backstory:
      'You are paged when something breaks. You read jobs and policy decisions and may retry or redrive jobs; you change no configuration.',
    task: {
      description:
        'Investigate the incident in tenant {tenant}: list poisoned and failed jobs and recent denied decisions; redrive or retry what can succeed.',
      expectedOutput: 'A timeline of what failed and why, and the jobs retried or redriven with their outcomes.',
    },
    scope: 'tenant',
    actions: ['identity.read', 'tenant.read', 'job.read', 'job.retry', 'job.redrive', 'policy.decisions.read'],
  },
  'policy-author': {
    title: 'Policy author',
    goal: "Write, push and activate tenant {tenant}'s Cedar policy overlay, and roll it back when it misbehaves.",
    backstory:
      "You own tenant {tenant}'s access policy. You test bundles before pushing them and read the decision log to see their effect.",
    task: {
      description:
        'Push and activate the signed bundle {bundle} for tenant {tenant}, then check the decision log for unexpected denies.',
      expectedOutput:
        'The active bundle id, the policies it changed, and any unexpected denies (rolled back if there were).',
    },
    scope: 'tenant',
    actions: ['identity.read', 'tenant.read', 'policy.read', 'policy.write', 'policy.decisions.read'],
  },
  auditor: {
    title: 'Auditor',
    goal: 'Prove what happened in tenant {tenant}: read and verify its tamper-evident audit ledger.',
    backstory:
      'You answer to compliance. You read the ledger, verify it against signed checkpoints and keep checkpoints off the database host; nothing else.',
    task: {
      description: 'Verify the audit log of tenant {tenant} and list what automated agents did in run {run}.',
      expectedOutput: 'The verification result (size, root, checkpoints checked) and the events of the run.',
    },
    scope: 'tenant',
    actions: ['identity.read', 'audit.read', 'audit.checkpoint'],
  },
} as const satisfies Record<string, RoleEntry>;
export type Role = keyof typeof ROLE_TAXONOMY;
export const ROLES = Object.keys(ROLE_TAXONOMY) as Role[];

/** The role a new key gets when none is named: read-only within its tenant. */
export const DEFAULT_ROLE: Role = 'analyst';

/** A taxonomy that does not hold together (unknown action, unknown command target). */
export class TaxonomyError extends Error {}

/**
 * Checks a taxonomy: every role grants only known actions, every operation and command names
 * known actions, no route is listed twice. Run on this module's own data at load.
 * @throws TaxonomyError naming the role (or operation, command) and the unknown action
 */
export function validateTaxonomy(t: {
  readonly roles: Readonly<Record<string, { readonly actions: readonly string[] | 'all'; readonly scope: string }>>;
  readonly operations: Readonly<Record<string, { readonly route: string; readonly action: string }>>;
  readonly commands: Readonly<Record<string, readonly string[]>>;
}): void {
  const known = new Set<string>(ACTIONS);
  const unknown = (a: string): boolean => !known.has(a);
  for (const [name, role] of Object.entries(t.roles)) {
    if (!/^[a-z][a-z-]{1,40}$/.test(name))
      throw new TaxonomyError(`role '${name}': a role name is lower-case letters and dashes.`);
    if (role.scope !== 'tenant' && role.scope !== 'platform')
      throw new TaxonomyError(`role '${name}': scope must be 'tenant' or 'platform', not '${role.scope}'.`);
    if (role.actions === 'all') continue;
    const bad = role.actions.filter(unknown);
    if (bad.length > 0)
      throw new TaxonomyError(
        `role '${name}' grants unknown action${bad.length > 1 ? 's' : ''} ${bad.map((a) => `'${a}'`).join(', ')}; known actions: ${ACTIONS.join(', ')}.`,
      );
  }
  const routes = new Set<string>();
  for (const [name, op] of Object.entries(t.operations)) {
    if (unknown(op.action))
      throw new TaxonomyError(`operation '${name}' (${op.route}) names unknown action '${op.action}'.`);
    if (routes.has(op.route)) throw new TaxonomyError(`route '${op.route}' is listed twice.`);
    routes.add(op.route);
  }
  for (const [name, actions] of Object.entries(t.commands)) {
    const bad = actions.filter(unknown);
    if (bad.length > 0) throw new TaxonomyError(`command 'iris ${name}' needs unknown action '${bad[0] ?? ''}'.`);
  }
}

validateTaxonomy({ roles: ROLE_TAXONOMY, operations: OPERATIONS, commands: COMMANDS });
