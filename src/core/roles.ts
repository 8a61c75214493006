// The role taxonomy: one least-privilege set of roles for people and automation alike.
// Until the policy context (Cedar) takes over decisions, `can()` is the single table of
// what each role may do; the policy issue compiles the same table into Cedar policies.

export const ROLES = ['platform-admin', 'tenant-admin', 'operator', 'analyst', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

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
] as const;
export type Action = (typeof ACTIONS)[number];

const grants: Readonly<Record<Role, ReadonlySet<Action>>> = {
  'platform-admin': new Set(ACTIONS),
  'tenant-admin': new Set<Action>(['tenant.read', 'tenant.list', 'tenant.update', 'key.create', 'key.read', 'key.revoke', 'audit.read']),
  operator: new Set<Action>(['tenant.read', 'tenant.list', 'key.read']),
  analyst: new Set<Action>(['tenant.read', 'tenant.list']),
  auditor: new Set<Action>(['audit.read']),
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Whether `role` may perform `action` at all (tenant scoping is checked separately). */
export function can(role: Role, action: Action): boolean {
  return grants[role].has(action);
}

/** Roles a key of `creator` may hand out: never more than its own. */
export function grantableRoles(creator: Role): readonly Role[] {
  return creator === 'platform-admin' ? ROLES : ROLES.filter((r) => r !== 'platform-admin');
}
