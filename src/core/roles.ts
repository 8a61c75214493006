// What the role taxonomy (role-taxonomy.ts, the one source) means for a key: its grants,
// `can()`, the key grant rule, and the operations and commands each role may use. Cedar decides
// every request from the role policies the built-in bundle compiles out of ROLE_GRANTS; `can()`
// answers from the same table where no decision point is installed.

import {
  ACTIONS,
  COMMANDS,
  OPERATIONS,
  ROLE_TAXONOMY,
  ROLES,
  type Action,
  type OperationName,
  type Role,
} from './role-taxonomy.js';

export { ACTIONS, DEFAULT_ROLE, ROLES, type Action, type Role } from './role-taxonomy.js';

type TenantRole = Exclude<Role, 'platform-admin'>;

/**
 * What each role other than platform-admin may do within its own key's tenant (or, for a
 * platform-scoped role, over platform-level objects): the rows of the taxonomy. The built-in
 * Cedar bundle compiles it into the role policies (policy/builtin-bundle.ts); `can()` reads it
 * where no decision point runs. A platform-admin may do everything, in every tenant.
 */
export const ROLE_GRANTS = Object.fromEntries(
  ROLES.filter((r): r is TenantRole => r !== 'platform-admin').map((r) => [
    r,
    ROLE_TAXONOMY[r].actions as readonly Action[],
  ]),
) as Readonly<Record<TenantRole, readonly Action[]>>;

/** Whether `role` may perform `action` at all (tenant scoping is checked separately). */
/** Whether `value` names a role of the taxonomy. */
export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

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

/** Whether keys of `role` live at the platform level only (no tenant may hold one). */
export function isPlatformRole(role: Role): boolean {
  return ROLE_TAXONOMY[role].scope === 'platform';
}

/** The API operations a key of `role` may call. */
export function operationsOf(role: Role): OperationName[] {
  return (Object.keys(OPERATIONS) as OperationName[]).filter((op) => can(role, OPERATIONS[op].action));
}

/** The MCP tool names of `role`: its operations but those whose bodies are bytes (archives). */
export function toolOperationsOf(role: Role): OperationName[] {
  return operationsOf(role).filter((op) => OPERATIONS[op].binary !== true);
}

/** The CLI commands a key of `role` may run (commands that need no key included). */
export function commandsOf(role: Role): string[] {
  return Object.keys(COMMANDS).filter((c) => (COMMANDS[c] ?? []).every((a) => can(role, a)));
}

/** The actions the command `iris <command>` needs at the API (undefined: no such command). */
export function actionsOfCommand(command: string): readonly Action[] | undefined {
  return COMMANDS[command];
}

/**
 * The roles that may do all of `actions`, narrowest first (fewest grants); platform-admin only
 * when no other role would do.
 */
export function rolesFor(actions: readonly Action[]): Role[] {
  const all = ROLES.filter((r) => actions.every((a) => can(r, a)));
  const fit = all.length > 1 ? all.filter((r) => r !== 'platform-admin') : all;
  const size = (r: Role): number => grantsOf(r).length;
  return fit.sort((a, b) => size(a) - size(b));
}
