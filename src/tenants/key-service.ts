// API key operations: create (token shown once), list, revoke; audited like every change.
import type { Ledger } from '../audit/index.js';
import { type Clock, iso } from '../core/clock.js';
import { authorize, scopeOf, type DecideFn, type RequestContext } from '../core/context.js';
import type { Database, Queryable, ReadOptions } from '../core/db.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../core/errors.js';
import { PLATFORM } from '../core/ids.js';
import { DEFAULT_ROLE, isPlatformRole, isRole, mayManageKeyOf, ROLES, type Role } from '../core/roles.js';
import { newKeyMaterial, type ApiKey, type CreateKeyInput, type KeyRecord } from './api-key.js';
import { parseCidr } from './key-network.js';
import { withChanges, type ApplyLocally } from './changes.js';
import { selectTenant } from './tenant-store.js';

interface KeyRow {
  tenant_id: string;
  key_id: string;
  name: string;
  role: Role;
  secret_hash: string;
  created_by: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  allowed_cidrs: string[] | null;
  agent_name: string | null;
  agent_crew: string | null;
}

const COLUMNS =
  'tenant_id, key_id, name, role, secret_hash, created_by, created_at, expires_at, revoked_at, last_used_at, allowed_cidrs, agent_name, agent_crew';

function toKey(r: KeyRow): ApiKey {
  return {
    id: r.key_id,
    tenantId: r.tenant_id,
    name: r.name,
    role: r.role,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    expiresAt: iso(r.expires_at),
    revokedAt: iso(r.revoked_at),
    lastUsedAt: iso(r.last_used_at),
    allowedCidrs: r.allowed_cidrs ?? [],
    agent: r.agent_name === null ? null : { name: r.agent_name, crew: r.agent_crew },
  };
}

export function toKeyRecord(
  r: Pick<
    KeyRow,
    | 'key_id'
    | 'tenant_id'
    | 'role'
    | 'secret_hash'
    | 'expires_at'
    | 'revoked_at'
    | 'allowed_cidrs'
    | 'agent_name'
    | 'agent_crew'
  >,
): KeyRecord {
  return {
    keyId: r.key_id,
    tenantId: r.tenant_id,
    role: r.role,
    secretHash: r.secret_hash,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    allowedCidrs: r.allowed_cidrs ?? [],
    agentName: r.agent_name,
    agentCrew: r.agent_crew,
  };
}

/** Every key (or the one named), for the in-memory directory (platform scope), with its API view. */
export async function selectKeyRecords(tx: Queryable, keyId?: string): Promise<(KeyRecord & { view: ApiKey })[]> {
  const { rows } = await tx.query<KeyRow>(
    `select ${COLUMNS} from api_keys where ($1::text is null or key_id = $1) order by created_at, key_id`,
    [keyId ?? null],
  );
  return rows.map((r) => ({ ...toKeyRecord(r), view: toKey(r) }));
}

/** Inserts a key row directly: for bootstrap and seeding, which run as the platform. */
export async function insertKeyRow(
  tx: Queryable,
  k: {
    tenantId: string;
    keyId: string;
    name: string;
    role: Role;
    secretHash: string;
    createdBy: string;
    expiresAt: Date | null;
    allowedCidrs?: readonly string[];
    agent?: { name: string; crew?: string | null | undefined } | undefined;
  },
): Promise<ApiKey | null> {
  const { rows } = await tx.query<KeyRow>(
    `insert into api_keys (tenant_id, key_id, name, role, secret_hash, created_by, expires_at, allowed_cidrs, agent_name, agent_crew)
     values ($1, $2, $3, $4, $5, $6, $7, $8::text[], $9, $10) on conflict (tenant_id, key_id) do nothing returning ${COLUMNS}`,
    [
      k.tenantId,
      k.keyId,
      k.name,
      k.role,
      k.secretHash,
      k.createdBy,
      k.expiresAt,
      [...(k.allowedCidrs ?? [])],
      k.agent?.name ?? null,
      k.agent?.crew ?? null,
    ],
  );
  return rows[0] ? toKey(rows[0]) : null;
}

/** Records when keys were last used; one statement for a batch. */
export async function touchKeys(tx: Queryable, used: ReadonlyMap<string, Date>): Promise<void> {
  if (used.size === 0) return;
  await tx.query(
    `update api_keys k set last_used_at = u.at from
       (select unnest($1::text[]) as key_id, unnest($2::timestamptz[]) as at) u
     where k.key_id = u.key_id and (k.last_used_at is null or k.last_used_at < u.at)`,
    [[...used.keys()], [...used.values()]],
  );
}

export interface KeyServiceDeps {
  readonly db: Database;
  readonly ledger: Ledger;
  readonly clock: Clock;
  /** Decides for principals no request bound (Iris's own calls): the app's decision point; undefined: the role table. */
  readonly decide?: DecideFn;
  /** This replica's directory, told of each key change once it commits. */
  readonly applyLocally?: ApplyLocally;
  /** This replica's snapshot of keys (the directory): a list it can prove current is served from it. */
  readonly snapshot?: { currentKeys(tenantId: string): ApiKey[] | undefined };
}

/** The grant rule (core/roles.ts): no key creates or revokes a key holding more than it holds. */
function checkGrant(ctx: RequestContext, verb: 'create' | 'revoke', target: Role): void {
  if (!mayManageKeyOf(ctx.principal.role, target)) {
    throw new ForbiddenError(
      `A '${ctx.principal.role}' key cannot ${verb} '${target}' keys: a key may only ${verb} keys whose grants are all among its own.`,
    );
  }
}

export function makeKeyService(deps: KeyServiceDeps) {
  const { db, ledger, clock } = deps;

  async function ensureOwner(tx: Queryable, tenantId: string): Promise<void> {
    if (tenantId === PLATFORM) return;
    const t = await selectTenant(tx, tenantId);
    if (!t) throw new NotFoundError('Tenant', tenantId);
    if (t.status === 'deleting')
      throw new ValidationError(`Tenant '${tenantId}' is being deleted; it cannot get new keys.`);
  }

  return {
    /** Creates a key; the returned token is the only time the secret is ever shown. */
    async create(ctx: RequestContext, tenantId: string, input: CreateKeyInput): Promise<ApiKey & { token: string }> {
      authorize(ctx.principal, 'key.create', tenantId, 'Tenant', deps.decide);
      // Least privilege by default: a key names its role, or gets the read-only one.
      const role: Role = input.role ?? DEFAULT_ROLE;
      if (!isRole(role))
        throw new ValidationError(`Unknown role '${String(role)}'; roles: ${ROLES.join(', ')}.`, { field: 'role' });
      checkGrant(ctx, 'create', role);
      if (isPlatformRole(role) && tenantId !== PLATFORM) {
        throw new ValidationError(`'${role}' keys are platform-level: create them under /v1/platform/keys.`, {
          field: 'role',
        });
      }
      const cidrs = input.allowedCidrs ?? [];
      const badCidr = cidrs.find((c) => parseCidr(c) === null);
      if (badCidr !== undefined)
        throw new ValidationError(`'${badCidr}' is not a network in CIDR notation (e.g. 10.0.0.0/8, 2001:db8::/32).`, {
          field: 'allowedCidrs',
        });
      const material = newKeyMaterial();
      const expiresAt =
        input.expiresInSeconds === undefined ? null : new Date(clock.now().getTime() + input.expiresInSeconds * 1000);
      return withChanges(db, scopeOf(ctx), deps.applyLocally, async (tx, announce) => {
        await ensureOwner(tx, tenantId);
        const key = await insertKeyRow(tx, {
          tenantId,
          keyId: material.keyId,
          name: input.name,
          role,
          secretHash: material.secretHash,
          createdBy: ctx.principal.keyId,
          expiresAt,
          allowedCidrs: cidrs,
          agent: input.agent,
        });
        if (!key) throw new Error('key id collision'); // 80 random bits: not expected in practice
        await ledger.append(tx, ctx, {
          log: tenantId,
          action: 'key.create',
          resource: { kind: 'ApiKey', id: key.id },
          before: null,
          after: key,
        });
        await announce({ kind: 'key', tenantId, id: key.id });
        return { ...key, token: material.token };
      });
    },

    async list(ctx: RequestContext, tenantId: string, opts: ReadOptions = {}): Promise<ApiKey[]> {
      authorize(ctx.principal, 'key.read', tenantId, 'Tenant', deps.decide);
      const served = opts.consistent === true ? undefined : deps.snapshot?.currentKeys(tenantId);
      if (served !== undefined) return served;
      return db.transaction(
        scopeOf(ctx),
        async (tx) => {
          await ensureOwner(tx, tenantId);
          const { rows } = await tx.query<KeyRow>(
            `select ${COLUMNS} from api_keys where tenant_id = $1 order by created_at, key_id`,
            [tenantId],
          );
          return rows.map(toKey);
        },
        { readOnly: true },
      );
    },

    /**
     * Revokes a key: refused on this replica when the call returns, on the others within the
     * delay of one change-feed poll. Revoking a revoked key changes nothing.
     */
    async revoke(ctx: RequestContext, tenantId: string, keyId: string): Promise<ApiKey> {
      authorize(ctx.principal, 'key.revoke', tenantId, 'Tenant', deps.decide);
      return withChanges(db, scopeOf(ctx), deps.applyLocally, async (tx, announce) => {
        const { rows } = await tx.query<KeyRow>(
          `select ${COLUMNS} from api_keys where tenant_id = $1 and key_id = $2 for update`,
          [tenantId, keyId],
        );
        const before = rows[0];
        if (!before) throw new NotFoundError('ApiKey', keyId);
        checkGrant(ctx, 'revoke', before.role);
        if (before.revoked_at !== null) return toKey(before);
        const after = (
          await tx.query<KeyRow>(
            `update api_keys set revoked_at = now() where tenant_id = $1 and key_id = $2 returning ${COLUMNS}`,
            [tenantId, keyId],
          )
        ).rows[0];
        if (!after) throw new NotFoundError('ApiKey', keyId);
        await ledger.append(tx, ctx, {
          log: tenantId,
          action: 'key.revoke',
          resource: { kind: 'ApiKey', id: keyId },
          before: toKey(before),
          after: toKey(after),
        });
        await announce({ kind: 'key', tenantId, id: keyId });
        return toKey(after);
      });
    },
  };
}

export type KeyService = ReturnType<typeof makeKeyService>;
