// Tenant operations: validation, optimistic concurrency, soft delete with a grace period,
// and an audit event in the same transaction as every change; a change is served by this
// replica's directory when the call returns.
import type { AuditRecord, Ledger } from '../audit/index.js';
import type { Clock } from '../core/clock.js';
import { authorize, scopeOf, type DecideFn, type RequestContext } from '../core/context.js';
import { decodeContinue, encodeContinue } from '../core/continue-token.js';
import { platformScope, readsOf, type Database, type Queryable, type ReadOptions } from '../core/db.js';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '../core/errors.js';
import { isTenantSlug, PLATFORM } from '../core/ids.js';
import {
  DEFAULT_RING,
  defaultQuotas,
  PLACEMENT_FIELDS,
  type CreateTenantInput,
  type Tenant,
  type TenantStatus,
  type UpdateTenantInput,
} from './tenant-model.js';
import { newKeyMaterial, type ApiKey } from './api-key.js';
import { withChanges, type ApplyLocally } from './changes.js';
import { insertKeyRow } from './key-service.js';
import {
  deleteTenantRows,
  insertTenant,
  selectPurgeable,
  selectTenant,
  selectTenantPage,
  updateTenantRow,
} from './tenant-store.js';

export interface TenantServiceDeps {
  readonly db: Database;
  readonly ledger: Ledger;
  readonly clock: Clock;
  readonly region: string;
  readonly knownRegions: readonly string[];
  readonly deleteGraceSeconds: number;
  /** Decides for principals no request bound (Iris's own calls): the app's decision point; undefined: the role table. */
  readonly decide?: DecideFn;
  /** This replica's directory, told of each tenant change once it commits. */
  readonly applyLocally?: ApplyLocally;
  /** This replica's snapshot of tenants (the directory): a read it can prove current is served from it. */
  readonly snapshot?: { currentTenant(id: string): Tenant | undefined };
}

/** The version a write is conditioned on: If-Match wins (412), else the body's (409). */
export interface Precondition {
  readonly ifMatch?: string | undefined;
  readonly resourceVersion?: string | undefined;
}

export interface TenantPage {
  readonly items: Tenant[];
  /** Pass as `continue` for the next page; absent on the last page. */
  readonly continue?: string;
}

function checkVersion(current: Tenant, pre: Precondition): void {
  if (pre.ifMatch !== undefined) {
    const wanted = pre.ifMatch.replace(/^W\//, '').replace(/^"|"$/g, '');
    if (pre.ifMatch !== '*' && wanted !== current.resourceVersion) {
      throw new PreconditionFailedError(
        `If-Match ${pre.ifMatch} does not match the current resourceVersion "${current.resourceVersion}"; read the tenant again and retry.`,
        {
          currentResourceVersion: current.resourceVersion,
        },
      );
    }
  } else if (pre.resourceVersion !== undefined && pre.resourceVersion !== current.resourceVersion) {
    throw new ConflictError(
      'conflict',
      `resourceVersion ${pre.resourceVersion} is stale; the current one is ${current.resourceVersion}. Read the tenant again and retry.`,
      {
        currentResourceVersion: current.resourceVersion,
      },
    );
  }
}

const record = (t: { id: string }, action: string, before: unknown, after: Tenant | null): AuditRecord => ({
  log: t.id,
  action,
  resource: { kind: 'Tenant', id: t.id, ...(after ? { resourceVersion: after.resourceVersion } : {}) },
  before,
  after,
});

export function makeTenantService(deps: TenantServiceDeps) {
  const { db, ledger, clock } = deps;

  function checkRegion(region: string): void {
    if (!deps.knownRegions.includes(region)) {
      throw new ValidationError(`Unknown region '${region}'. Known regions: ${deps.knownRegions.join(', ')}.`, {
        field: 'homeRegion',
      });
    }
  }

  /** Loads a tenant the caller may see, for update when `lock`; 404 otherwise. */
  async function load(tx: Queryable, id: string, lock: boolean): Promise<Tenant> {
    const t = await selectTenant(tx, id, lock);
    if (!t) throw new NotFoundError('Tenant', id);
    return t;
  }

  return {
    /**
     * Creates a tenant; with `firstKey`, also its first tenant-admin key in the same transaction,
     * so an onboarder (tenant.create only) can hand the new tenant its administrator.
     */
    async create(
      ctx: RequestContext,
      input: CreateTenantInput,
    ): Promise<Tenant & { firstKey?: ApiKey & { token: string } }> {
      authorize(ctx.principal, 'tenant.create', PLATFORM, 'Tenant', deps.decide);
      if (!isTenantSlug(input.id))
        throw new ValidationError(`'${input.id}' is not a usable tenant id: it is reserved or contains '--'.`, {
          field: 'id',
        });
      const tier = input.tier ?? 'standard';
      const homeRegion = input.homeRegion ?? deps.region;
      checkRegion(homeRegion);
      const quotas = { ...defaultQuotas(tier), ...input.quotas };
      return withChanges(db, platformScope, deps.applyLocally, async (tx, announce) => {
        const created = await insertTenant(tx, {
          id: input.id,
          displayName: input.displayName,
          tier,
          homeRegion,
          ring: input.ring ?? DEFAULT_RING,
          status: 'active',
          quotas,
          labels: input.labels ?? {},
        });
        if (!created)
          throw new ConflictError('tenant_exists', `A tenant with id '${input.id}' already exists.`, { id: input.id });
        void announce({ kind: 'tenant', tenantId: created.id, id: created.id }, created); // sent first: pipelined with the ledger's statements
        await ledger.append(tx, ctx, record(created, 'tenant.create', null, created));
        if (input.firstKey === undefined) return created;
        const material = newKeyMaterial();
        const { expiresInSeconds } = input.firstKey;
        const key = await insertKeyRow(tx, {
          tenantId: created.id,
          keyId: material.keyId,
          name: input.firstKey.name,
          role: 'tenant-admin',
          secretHash: material.secretHash,
          createdBy: ctx.principal.keyId,
          expiresAt: expiresInSeconds === undefined ? null : new Date(clock.now().getTime() + expiresInSeconds * 1000),
        });
        if (!key) throw new Error('key id collision'); // 80 random bits: not expected in practice
        await ledger.append(tx, ctx, {
          log: created.id,
          action: 'key.create',
          resource: { kind: 'ApiKey', id: key.id },
          before: null,
          after: key,
        });
        await announce({ kind: 'key', tenantId: created.id, id: key.id });
        return { ...created, firstKey: { ...key, token: material.token } };
      });
    },

    async get(ctx: RequestContext, id: string, opts: ReadOptions = {}): Promise<Tenant> {
      authorize(ctx.principal, 'tenant.read', id, 'Tenant', deps.decide);
      const served = opts.consistent === true ? undefined : deps.snapshot?.currentTenant(id);
      return served ?? load(readsOf(db, scopeOf(ctx)), id, false);
    },

    /** Tenants the caller may see: all for platform admins, its own for everyone else. */
    async list(
      ctx: RequestContext,
      opts: {
        limit: number;
        continue?: string | undefined;
        status?: TenantStatus | undefined;
        /** Only tenants whose id or display name contains this text (any case). */
        search?: string | undefined;
      },
    ): Promise<TenantPage> {
      authorize(ctx.principal, 'tenant.list', ctx.principal.tenantId, 'Tenant', deps.decide);
      const after = opts.continue === undefined ? '' : decodeContinue(opts.continue);
      if (opts.continue !== undefined && !isTenantSlug(after))
        throw new ValidationError('The continue token is not valid; start again without it.', { field: 'continue' });
      const items = await db.transaction(
        scopeOf(ctx),
        (tx) => selectTenantPage(tx, after, opts.limit + 1, opts.status, opts.search),
        { readOnly: true },
      );
      const more = items.length > opts.limit;
      const page = more ? items.slice(0, opts.limit) : items;
      const last = page[page.length - 1];
      return more && last ? { items: page, continue: encodeContinue(last.id) } : { items: page };
    },

    async update(ctx: RequestContext, id: string, patch: UpdateTenantInput, pre: Precondition): Promise<Tenant> {
      authorize(ctx.principal, 'tenant.update', id, 'Tenant', deps.decide);
      const placement = PLACEMENT_FIELDS.filter((f) => patch[f] !== undefined);
      if (placement.length > 0) {
        authorize(ctx.principal, 'tenant.update-placement', id, 'Tenant', deps.decide);
      }
      if (patch.homeRegion !== undefined) checkRegion(patch.homeRegion);
      return withChanges(db, scopeOf(ctx), deps.applyLocally, async (tx, announce) => {
        const loading = load(tx, id, true);
        ledger.lockAhead(tx, id); // pipelined behind the row lock: same lock order, one round trip fewer
        const before = await loading;
        checkVersion(before, { ifMatch: pre.ifMatch, resourceVersion: pre.resourceVersion ?? patch.resourceVersion });
        if (before.status === 'deleting') {
          throw new ConflictError('tenant_deleting', `Tenant '${id}' is being deleted; restore it before changing it.`);
        }
        const labels: Record<string, string> = { ...before.labels };
        for (const [k, v] of Object.entries(patch.labels ?? {})) {
          if (v === null) delete labels[k];
          else labels[k] = v;
        }
        const next: Tenant = {
          ...before,
          displayName: patch.displayName ?? before.displayName,
          tier: patch.tier ?? before.tier,
          homeRegion: patch.homeRegion ?? before.homeRegion,
          ring: patch.ring ?? before.ring,
          status: patch.status ?? before.status,
          quotas: { ...before.quotas, ...patch.quotas },
          labels,
        };
        const after = await updateTenantRow(tx, next);
        void announce({ kind: 'tenant', tenantId: id, id }, after); // sent first: pipelined with the ledger's statements
        await ledger.append(tx, ctx, record(after, 'tenant.update', before, after));
        return after;
      });
    },

    /** Soft delete: the tenant stops serving now and is purged after the grace period. */
    async remove(ctx: RequestContext, id: string, pre: Precondition): Promise<Tenant> {
      authorize(ctx.principal, 'tenant.delete', id, 'Tenant', deps.decide);
      return withChanges(db, scopeOf(ctx), deps.applyLocally, async (tx, announce) => {
        const before = await load(tx, id, true);
        checkVersion(before, pre);
        if (before.status === 'deleting') return before;
        const now = clock.now();
        const after = await updateTenantRow(tx, {
          ...before,
          status: 'deleting',
          deletedAt: now.toISOString(),
          purgeAfter: new Date(now.getTime() + deps.deleteGraceSeconds * 1000).toISOString(),
        });
        void announce({ kind: 'tenant', tenantId: id, id }, after); // sent first: pipelined with the ledger's statements
        await ledger.append(tx, ctx, record(after, 'tenant.delete', before, after));
        return after;
      });
    },

    async restore(ctx: RequestContext, id: string, pre: Precondition): Promise<Tenant> {
      authorize(ctx.principal, 'tenant.restore', id, 'Tenant', deps.decide);
      return withChanges(db, scopeOf(ctx), deps.applyLocally, async (tx, announce) => {
        const before = await load(tx, id, true);
        checkVersion(before, pre);
        if (before.status !== 'deleting')
          throw new ConflictError('tenant_not_deleted', `Tenant '${id}' is not deleted; there is nothing to restore.`);
        const after = await updateTenantRow(tx, { ...before, status: 'active', deletedAt: null, purgeAfter: null });
        void announce({ kind: 'tenant', tenantId: id, id }, after); // sent first: pipelined with the ledger's statements
        await ledger.append(tx, ctx, record(after, 'tenant.restore', before, after));
        return after;
      });
    },

    /** Purges tenants whose grace period is over; returns their ids. Platform control loop. */
    async purgeExpired(ctx: RequestContext): Promise<string[]> {
      if (ctx.principal.role !== 'platform-admin') throw new ForbiddenError('Only the platform purges tenants.');
      return withChanges(db, platformScope, deps.applyLocally, async (tx, announce) => {
        const ids = await selectPurgeable(tx, clock.now());
        for (const id of ids) {
          const before = await selectTenant(tx, id, true);
          await deleteTenantRows(tx, id);
          void announce({ kind: 'tenant', tenantId: id, id }); // sent first: pipelined with the ledger's statements
          await ledger.append(tx, ctx, record({ id }, 'tenant.purge', before, null));
        }
        return ids;
      });
    },
  };
}

export type TenantService = ReturnType<typeof makeTenantService>;
