// The role taxonomy: one least-privilege set of roles for people and automation alike, and
// the one table of what each may do. Cedar decides every request from the role policies the
// built-in bundle compiles out of ROLE_GRANTS; `can()` answers from the same table where no
// decision point is installed.

export const ROLES = ['platform-admin', 'tenant-admin', 'operator', 'analyst', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** Every action the gateway and the services ask the decision point about. */
export const ACTIONS = [
  'tenant.create',
  'tenant.read',
  'tenant.list',
  'tenant.update', // display name, labels
  'tenant.update-placement', // tier, region, ring, quotas, status: platform decisions
  'tenant.delete',
  'key.create',
  'key.read',
  'key.revoke',
  'audit.read',
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
  'metrics.read', // /metrics names tenants: platform-admin (or the scrape token, which is no key)
  // Routes of other contexts that declare no action of their own (policy/route-actions.ts).
  'api.read',
  'api.write',
] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * What each tenant role may do within its own tenant: the one role table. The built-in Cedar
 * bundle compiles it into the role policies (policy/builtin-bundle.ts); `can()` reads it where
 * no decision point runs. A platform-admin may do everything, in every tenant.
 */
export const ROLE_GRANTS: Readonly<Record<Exclude<Role, 'platform-admin'>, readonly Action[]>> = {
  'tenant-admin': [
    'tenant.read',
    'tenant.list',
    'tenant.update',
    'key.create',
    'key.read',
    'key.revoke',
    'audit.read',
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
    'api.read',
    'api.write',
  ],
  operator: [
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
    'api.read',
    'api.write',
  ],
  // Queries, never mutates.
  analyst: ['tenant.read', 'tenant.list', 'job.read', 'knowledge.query', 'api.read'],
  // Reads the ledger and nothing else.
  auditor: ['audit.read'],
};

/** Whether `role` may perform `action` at all (tenant scoping is checked separately). */
export function can(role: Role, action: Action): boolean {
  return role === 'platform-admin' || ROLE_GRANTS[role].includes(action);
}

/** Every action a key of `role` holds: its row of the table; platform-admin holds them all. */
export function grantsOf(role: Role): readonly Action[] {
  return role === 'platform-admin' ? ACTIONS : ROLE_GRANTS[role];
}

/**
 * Whether a key of role `actor` may create or revoke a key of role `target`: only when every
 * grant of `target` is also one of `actor`'s (grants(target) ⊆ grants(actor)), so no key hands
 * out, or takes away, more than it holds. Roles are not a ladder: analyst and auditor are not
 * comparable, so neither manages the other's keys.
 *
 * The rule reads roles only, and holds the same for platform-level keys: a platform-level key
 * of a tenant role holds that role's grants over platform-level objects and nothing more, so a
 * platform-level tenant-admin manages platform-level keys up to tenant-admin and never a
 * platform-admin key (the bootstrap key included). Where a key may act at all (its tenant, or
 * every tenant for platform-admin) is checked separately, by `authorize`.
 */
export function mayManageKeyOf(actor: Role, target: Role): boolean {
  if (actor === 'platform-admin') return true;
  // NOTE: explicit, not only through the table: platform-admin's grants span every tenant,
  // which no tenant role's do even if its row someday listed every action.
  if (target === 'platform-admin') return false;
  const held: ReadonlySet<Action> = new Set(grantsOf(actor));
  return grantsOf(target).every((action) => held.has(action));
}
