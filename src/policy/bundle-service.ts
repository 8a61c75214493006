// Bundle operations per owner (a tenant's overlay, or the platform bundle): push (verified,
// checked against every bundle invariant, and only then stored), activate and rollback (all
// checks and a trial load before anything is recorded; audited in the ledger in the same
// transaction, then announced on the change channel), list, get and diff. And the replica
// side: loading the active bundles, re-checking each, and keeping the last good one when a
// stored bundle no longer passes.
import type { Ledger } from '../audit/index.js';
import type { Clock } from '../core/clock.js';
import { authorizeAction, crossesTenants, scopeOf, type DecideFn, type RequestContext } from '../core/context.js';
import { platformScope, type Database, type Queryable } from '../core/db.js';
import { ConflictError, errorMessage, ForbiddenError, IrisError, NotFoundError } from '../core/errors.js';
import { PLATFORM } from '../core/ids.js';
import { CHANGES_CHANNEL } from '../tenants/index.js';
import { BundleError } from './bundle-errors.js';
import { shortBundleId, type SignedBundle } from './bundle-format.js';
import { checkBundle } from './bundle-invariants.js';
import { verifyBundle, type TrustedKey, type VerifiedBundle } from './bundle-signing.js';
import {
  activeStack,
  insertActivation,
  insertBundle,
  selectActivations,
  selectBundle,
  selectBundleIdsByPrefix,
  selectBundles,
  type ActivationRow,
} from './bundle-store.js';
import type { DecisionPoint } from './decision-point.js';
import { activeBundleOf } from './policy-runtime.js';

/** The id that names the built-in platform bundle in commands and diffs. */
const BUILTIN = 'builtin';

export interface BundleSummary {
  readonly id: string;
  readonly shortId: string;
  readonly name: string;
  readonly scope: 'platform' | 'tenant';
  readonly tenant?: string | undefined;
  readonly signer: string;
  readonly createdAt: string;
  readonly policies: readonly string[];
  readonly verification: SignedBundle['manifest']['verification'];
}

export interface BundleDiff {
  readonly from: string;
  readonly to: string;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly { readonly id: string; readonly from: string; readonly to: string }[];
  readonly unchanged: number;
}

/** What one replica serves, and what it refused to load. */
export interface ServingStatus {
  readonly platform: string;
  readonly overlays: Readonly<Record<string, string>>;
  readonly refused: Readonly<Record<string, string>>;
}

export interface BundleServiceDeps {
  readonly db: Database;
  readonly ledger: Ledger;
  readonly clock: Clock;
  readonly pdp: DecisionPoint;
  readonly trust: readonly TrustedKey[];
  readonly maxBytes: number;
  readonly builtin: VerifiedBundle;
  /** Decides for principals no request bound (Iris's own calls): the app's decision point; undefined: the role table. */
  readonly decide?: DecideFn;
}

const summaryOf = (v: VerifiedBundle): BundleSummary => {
  const m = v.bundle.manifest;
  return {
    id: v.id,
    shortId: shortBundleId(v.id),
    name: m.name,
    scope: m.scope,
    tenant: m.tenant,
    signer: v.bundle.signature?.keyId ?? 'none',
    createdAt: m.createdAt,
    policies: m.policies.ids,
    verification: m.verification,
  };
};

const PROVED = ['proved', 'builtin'];

export function makeBundleService(deps: BundleServiceDeps) {
  const { db, ledger, clock, pdp } = deps;
  const refused = new Map<string, string>();
  let unlisten: (() => Promise<void>) | undefined;
  let timer: NodeJS.Timeout | undefined;

  const verify = (doc: unknown): VerifiedBundle => verifyBundle(doc, deps.trust, clock.now(), deps.maxBytes);

  // NOTE: a bundle id is a content address (verify ties the document to it), so a bundle that
  // held every invariant once holds them for the life of this process: resyncs skip the check.
  const sound = new Set<string>();
  function checkInvariants(v: VerifiedBundle): void {
    if (sound.has(v.id)) return;
    checkBundle(v.bundle);
    sound.add(v.id);
  }

  /**
   * Writing a bundle needs policy.write on its owner; the platform bundle also needs a
   * platform-admin key, whatever the bundle in force says: it decides for every tenant and for
   * platform-admin keys themselves, so a lesser platform-level key (a platform-level
   * tenant-admin) writing it would hold more than its grants (the grant rule of core/roles.ts).
   */
  function authorizeWrite(ctx: RequestContext, owner: string): void {
    authorizeAction(ctx.principal, 'policy.write', owner, owner === PLATFORM ? 'Platform' : 'Tenant', deps.decide);
    if (owner === PLATFORM && !crossesTenants(ctx.principal))
      throw new ForbiddenError('Only platform-admin keys write the platform bundle.');
  }

  /** Full bundle id of `ref` (full id, hex prefix of 12+ digits, or 'builtin'); null: built-in. */
  async function resolve(tx: Queryable, owner: string, ref: string): Promise<string | null> {
    if (ref === BUILTIN) {
      if (owner !== PLATFORM) throw new NotFoundError('PolicyBundle', ref);
      return null;
    }
    const hex = ref.replace(/^sha256:/, '');
    if (hex.length === 64) return `sha256:${hex}`;
    const ids = await selectBundleIdsByPrefix(tx, owner, `sha256:${hex}`);
    if (ids.length === 0) throw new NotFoundError('PolicyBundle', ref);
    if (ids.length > 1)
      throw new ConflictError(
        'ambiguous_bundle_id',
        `Bundle id prefix '${ref}' matches more than one bundle; give more digits.`,
      );
    return ids[0] as string;
  }

  /** A stored bundle, verified; `toServe`: also checked against every bundle invariant. */
  async function loadVerified(
    tx: Queryable,
    owner: string,
    id: string | null,
    toServe: boolean,
  ): Promise<VerifiedBundle | null> {
    if (id === null) return owner === PLATFORM ? deps.builtin : null;
    const row = await selectBundle(tx, owner, id);
    if (!row) throw new NotFoundError('PolicyBundle', id);
    const v = verify(row.document);
    if (v.id !== id)
      throw new BundleError(
        [{ message: `stored bundle ${id} now has id ${v.id}: it was altered` }],
        'bundle_signature_invalid',
      );
    // NOTE: bundles stored before push checked the invariants may break them: never serve one.
    if (toServe) checkInvariants(v);
    return v;
  }

  /** Applies `owner`'s active bundle on this replica; on any failure the last good one stays. */
  async function reload(owner: string): Promise<void> {
    try {
      const v = await db.transaction(platformScope, async (tx) =>
        loadVerified(tx, owner, activeStack(await selectActivations(tx, owner)).at(-1) ?? null, true),
      );
      if (owner === PLATFORM) pdp.setPlatform(activeBundleOf(v ?? deps.builtin));
      else pdp.setOverlay(owner, v === null ? undefined : activeBundleOf(v));
      refused.delete(owner);
    } catch (err) {
      refused.set(owner, errorMessage(err));
    }
  }

  async function reloadAll(): Promise<void> {
    const history = await db.transaction(platformScope, (tx) => selectActivations(tx));
    const owners = new Set(history.map((h) => h.tenantId));
    await reload(PLATFORM);
    for (const o of owners) if (o !== PLATFORM) await reload(o);
    // Overlays no longer in any history (a purged tenant) stop being served.
  }

  async function record(
    tx: Queryable,
    ctx: RequestContext,
    owner: string,
    action: string,
    id: string,
    before: unknown,
    after: unknown,
  ): Promise<void> {
    await ledger.append(tx, ctx, { log: owner, action, resource: { kind: 'PolicyBundle', id }, before, after });
  }

  const announce = (tx: Queryable, owner: string): Promise<unknown> =>
    // NOTE: the id is not a tenant id, so the tenant directory's listener finds nothing to change.
    tx.query('select pg_notify($1, $2)', [
      CHANGES_CHANNEL,
      JSON.stringify({ kind: 'policy', tenantId: owner, id: `policy:${owner}` }),
    ]);

  function checkMerge(owner: string, v: VerifiedBundle): void {
    const ids = (b: { policies: Readonly<Record<string, string>> } | undefined): Set<string> =>
      new Set(Object.keys(b?.policies ?? {}));
    if (owner === PLATFORM) {
      const platformIds = ids(v.bundle);
      for (const tenantId of servingOverlays()) {
        const clash = [...ids(pdp.overlay(tenantId))].find((id) => platformIds.has(id));
        if (clash !== undefined)
          throw new ConflictError(
            'policy_id_conflict',
            `Policy @id("${clash}") of this bundle is also defined by ${tenantId}'s overlay; rename one of them.`,
          );
      }
    } else {
      const platformIds = ids(pdp.platform());
      const clash = Object.keys(v.bundle.policies).find((id) => platformIds.has(id));
      if (clash !== undefined)
        throw new ConflictError(
          'policy_id_conflict',
          `Policy @id("${clash}") is already defined by the platform bundle; rename it in the overlay.`,
        );
    }
  }

  /** Loads `v` as `owner`'s bundle in a scratch slot of the decision point; 422 if it would not load. */
  function trialLoad(owner: string, v: VerifiedBundle): void {
    try {
      pdp.check(owner, activeBundleOf(v));
    } catch (err) {
      if (err instanceof IrisError) throw err;
      throw new BundleError([{ message: `bundle ${shortBundleId(v.id)} cannot be served: ${errorMessage(err)}` }]);
    }
  }

  const overlayOwners = new Set<string>();
  const servingOverlays = (): string[] => [...overlayOwners].filter((t) => pdp.overlay(t) !== undefined);

  async function activateTo(
    ctx: RequestContext,
    owner: string,
    op: 'activate' | 'rollback',
    target: (tx: Queryable, history: ActivationRow[]) => Promise<string | null>,
  ) {
    const result = await db.transaction(scopeOf(ctx), async (tx) => {
      const history = await selectActivations(tx, owner);
      const before = activeStack(history).at(-1) ?? null;
      const id = await target(tx, history);
      // Every check, and a trial load on this replica, before anything is recorded: an
      // activation that fails leaves no activation row and no ledger event.
      const v = await loadVerified(tx, owner, id, true);
      if (v && owner === PLATFORM) {
        const ver = v.bundle.manifest.verification;
        if (!PROVED.includes(ver.isolation) || !PROVED.includes(ver.residency)) {
          throw new IrisError(
            'bundle_unverified',
            422,
            `Bundle ${shortBundleId(v.id)} was compiled without proving isolation and residency (${ver.isolation}/${ver.residency}); compile it with verification to activate it.`,
          );
        }
      }
      if (v) {
        checkMerge(owner, v);
        trialLoad(owner, v);
      }
      const row = await insertActivation(tx, {
        tenantId: owner,
        op,
        bundleId: id,
        actor: `key:${ctx.principal.keyId}`,
        requestId: ctx.requestId,
      });
      await record(
        tx,
        ctx,
        owner,
        op === 'activate' ? 'policy.activate' : 'policy.rollback',
        id ?? BUILTIN,
        { active: before ?? BUILTIN },
        { active: id ?? (owner === PLATFORM ? BUILTIN : 'none'), seq: row.seq },
      );
      await announce(tx, owner);
      return {
        owner,
        active: id ?? (owner === PLATFORM ? BUILTIN : null),
        previous: before,
        seq: row.seq,
        bundle: v ? summaryOf(v) : null,
      };
    });
    if (owner !== PLATFORM) overlayOwners.add(owner);
    await reload(owner);
    const problem = refused.get(owner);
    // NOTE: only a change racing this one (another platform bundle or overlay) gets here: the
    // trial load in the transaction passed.
    if (problem !== undefined)
      throw new IrisError(
        'bundle_not_loaded',
        422,
        `The activation was recorded but this replica could not load the bundle: ${problem}`,
      );
    return result;
  }

  return {
    reload,
    reloadAll,
    status(): ServingStatus {
      return {
        platform: pdp.platform()?.id ?? 'none',
        overlays: Object.fromEntries(servingOverlays().map((t) => [t, pdp.overlay(t)?.id ?? ''])),
        refused: Object.fromEntries(refused),
      };
    },
    /** Loads the active bundles and follows activations on other replicas. */
    async start(resyncMs = 60_000): Promise<void> {
      unlisten = await db.listen(
        CHANGES_CHANNEL,
        (payload) => {
          let change: { kind?: unknown; tenantId?: unknown };
          try {
            change = JSON.parse(payload) as typeof change;
          } catch {
            return;
          }
          if (change.kind === 'policy' && typeof change.tenantId === 'string') {
            if (change.tenantId !== PLATFORM) overlayOwners.add(change.tenantId);
            void reload(change.tenantId);
          }
        },
        () => void reloadAll().catch(() => undefined),
      ); // activations missed while the LISTEN connection was down
      try {
        const history = await db.transaction(platformScope, (tx) => selectActivations(tx));
        for (const h of history) if (h.tenantId !== PLATFORM) overlayOwners.add(h.tenantId);
        await reloadAll();
      } catch (err) {
        // NOTE: e.g. migrations not applied yet: serve the built-in bundle; the resync retries.
        refused.set(PLATFORM, `could not read activations: ${errorMessage(err)}`);
      }
      timer = setInterval(() => void reloadAll().catch(() => undefined), resyncMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      if (unlisten) await unlisten();
    },

    /** Verifies a signed bundle and checks every invariant; stores it only when all hold. */
    async push(ctx: RequestContext, owner: string, doc: unknown): Promise<BundleSummary & { created: boolean }> {
      authorizeWrite(ctx, owner);
      const v = verify(doc);
      const m = v.bundle.manifest;
      if (owner === PLATFORM ? m.scope !== 'platform' : m.scope !== 'tenant' || m.tenant !== owner) {
        throw new BundleError(
          [
            {
              path: '/manifest/scope',
              message:
                owner === PLATFORM
                  ? `is '${m.scope}'; only platform bundles go to the platform`
                  : `this bundle is for ${m.scope === 'tenant' ? `tenant '${m.tenant ?? ''}'` : 'the platform'}, not for '${owner}'`,
            },
          ],
          'bundle_scope_mismatch',
        );
      }
      checkInvariants(v);
      const created = await db.transaction(scopeOf(ctx), async (tx) => {
        const inserted = await insertBundle(tx, {
          tenantId: owner,
          bundleId: v.id,
          name: m.name,
          scope: m.scope,
          document: v.bundle,
          signerKeyId: v.bundle.signature?.keyId ?? '',
          sizeBytes: Buffer.byteLength(JSON.stringify(v.bundle)),
          pushedBy: `key:${ctx.principal.keyId}`,
        });
        if (inserted)
          await record(tx, ctx, owner, 'policy.push', v.id, null, {
            id: v.id,
            name: m.name,
            scope: m.scope,
            signer: v.bundle.signature?.keyId,
          });
        return inserted;
      });
      return { ...summaryOf(v), created };
    },

    activate(ctx: RequestContext, owner: string, ref: string) {
      authorizeWrite(ctx, owner);
      return activateTo(ctx, owner, 'activate', (tx) => resolve(tx, owner, ref));
    },

    rollback(ctx: RequestContext, owner: string) {
      authorizeWrite(ctx, owner);
      return activateTo(ctx, owner, 'rollback', async (_tx, history) => {
        const stack = activeStack(history);
        if (stack.length === 0)
          throw new ConflictError(
            'nothing_to_roll_back',
            `${owner === PLATFORM ? 'The platform' : `Tenant '${owner}'`} has no activated bundle to roll back from.`,
          );
        return stack.at(-2) ?? null;
      });
    },

    async list(ctx: RequestContext, owner: string) {
      authorizeAction(ctx.principal, 'policy.read', owner, owner === PLATFORM ? 'Platform' : 'Tenant', deps.decide);
      return db.transaction(scopeOf(ctx), async (tx) => {
        const history = await selectActivations(tx, owner);
        const active = activeStack(history).at(-1) ?? (owner === PLATFORM ? BUILTIN : null);
        const items = (await selectBundles(tx, owner)).map((b) => ({
          id: b.bundleId,
          shortId: shortBundleId(b.bundleId),
          name: b.name,
          scope: b.scope,
          signer: b.signerKeyId,
          sizeBytes: b.sizeBytes,
          pushedBy: b.pushedBy,
          pushedAt: b.pushedAt,
          active: b.bundleId === active,
        }));
        return {
          owner,
          active,
          serving: owner === PLATFORM ? (pdp.platform()?.id ?? null) : (pdp.overlay(owner)?.id ?? null),
          items,
          history,
        };
      });
    },

    async get(ctx: RequestContext, owner: string, ref: string) {
      authorizeAction(ctx.principal, 'policy.read', owner, owner === PLATFORM ? 'Platform' : 'Tenant', deps.decide);
      return db.transaction(scopeOf(ctx), async (tx) => {
        const v = await loadVerified(tx, owner, await resolve(tx, owner, ref), false);
        if (!v) throw new NotFoundError('PolicyBundle', ref);
        return { ...summaryOf(v), policiesText: v.bundle.policies, files: Object.keys(v.bundle.files) };
      });
    },

    async diff(ctx: RequestContext, owner: string, fromRef: string | undefined, toRef: string): Promise<BundleDiff> {
      authorizeAction(ctx.principal, 'policy.read', owner, owner === PLATFORM ? 'Platform' : 'Tenant', deps.decide);
      return db.transaction(scopeOf(ctx), async (tx) => {
        const fromId =
          fromRef === undefined
            ? (activeStack(await selectActivations(tx, owner)).at(-1) ?? null)
            : await resolve(tx, owner, fromRef);
        const toId = await resolve(tx, owner, toRef);
        const a = (await loadVerified(tx, owner, fromId, false))?.bundle.policies ?? {};
        const b = (await loadVerified(tx, owner, toId, false))?.bundle.policies ?? {};
        const changed = Object.keys(b)
          .filter((id) => id in a && a[id] !== b[id])
          .map((id) => ({ id, from: a[id] ?? '', to: b[id] ?? '' }));
        return {
          from: fromId ?? (owner === PLATFORM ? BUILTIN : 'none'),
          to: toId ?? BUILTIN,
          added: Object.keys(b)
            .filter((id) => !(id in a))
            .sort(),
          removed: Object.keys(a)
            .filter((id) => !(id in b))
            .sort(),
          changed,
          unchanged: Object.keys(b).filter((id) => id in a && a[id] === b[id]).length,
        };
      });
    },
  };
}

export type BundleService = ReturnType<typeof makeBundleService>;
