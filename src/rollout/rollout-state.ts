// What every replica knows of the rollout, in memory: the rings, the control colour and the
// live releases with their weights per ring. Loaded at start and reloaded on every change
// notification (`iris_rollout`, sent in the transaction that changed a release or a ring) and
// every few seconds besides, so a rollback reaches every replica at once without a request
// ever reading the database for routing. `placement` answers, per request, which ring and
// colour serve a tenant and which configuration that colour serves.
import { platformScope, type Database } from '../core/db.js';
import { Value } from '@sinclair/typebox/value';
import { ReleaseSpecSchema, type ReleaseSpec } from './release-spec.js';
import {
  selectControl,
  selectReleases,
  selectRings,
  type ControlRow,
  type StoredRelease,
  type StoredRing,
} from './release-store.js';
import { ringOf, type RingPlacement, type TenantRingFacts } from './ring-membership.js';
import { colourFor, type ColourChoice, type ColourWeights } from './sticky-hash.js';

/** The notification channel of rollout changes; the payload is the release or ring changed. */
export const ROLLOUT_CHANNEL = 'iris_rollout';

/** Where one tenant is served: its ring, the colour and the configuration that colour serves. */
export interface Placement {
  readonly ring: string;
  readonly by: RingPlacement['by'];
  readonly colour: string;
  /** The release judged in the tenant's ring (its outcomes count there), or null. */
  readonly releaseId: string | null;
  /** Whether the tenant is on the candidate's share. */
  readonly candidate: boolean;
  /** The configuration the colour serves: the candidate's release, or the control's (null: built-in defaults). */
  readonly spec: ReleaseSpec | null;
  readonly choice: ColourChoice;
}

export interface RolloutState {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Reads everything again (also done on notification and on a timer). */
  reload(): Promise<void>;
  rings(): readonly StoredRing[];
  control(): ControlRow;
  /** Live releases (progressing, analysing, paused). */
  live(): readonly StoredRelease[];
  /** The tenant's placement; undefined when no ring is configured. */
  placement(tenant: TenantRingFacts & { readonly version?: string }): Placement | undefined;
  /** Changes since start (tests and status: has this replica seen a change yet). */
  readonly generation: number;
}

interface Snapshot {
  readonly rings: readonly StoredRing[];
  readonly control: ControlRow;
  readonly live: readonly StoredRelease[];
  readonly weights: ColourWeights;
  readonly specs: ReadonlyMap<string, ReleaseSpec>;
}

function weightsOf(control: ControlRow, live: readonly StoredRelease[]): ColourWeights {
  const rings: Record<string, { releaseId: string; colour: string; weight: number }> = {};
  // NOTE: one live candidate per ring is enforced at start (ring conflicts); the first wins here.
  for (const r of live)
    for (const ring of r.spec.plan.rings)
      if (rings[ring.ring] === undefined)
        rings[ring.ring] = { releaseId: r.id, colour: r.colour, weight: r.weights[ring.ring] ?? 0 };
  return { control: control.colour, rings };
}

export function makeRolloutState(deps: { db: Database; fallbackColour: string; reloadMs?: number }): RolloutState {
  const { db } = deps;
  let snap: Snapshot = {
    rings: [],
    control: { colour: deps.fallbackColour, releaseId: null, spec: null },
    live: [],
    weights: { control: deps.fallbackColour, rings: {} },
    specs: new Map(),
  };
  let generation = 0;
  let unlisten: (() => Promise<void>) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let loading: Promise<void> | undefined;
  // Placement per tenant: valid while the tenant's version and the snapshot generation hold.
  const placements = new Map<
    string,
    { version: string | undefined; generation: number; placement: Placement | undefined }
  >();

  async function load(): Promise<void> {
    const next = await db.transaction(
      platformScope,
      async (tx) => {
        const rings = await selectRings(tx);
        const control = await selectControl(tx, deps.fallbackColour);
        const live = await selectReleases(tx, { live: true, limit: 1000 });
        return { rings, control, live };
      },
      { readOnly: true, snapshot: true },
    );
    // NOTE: rows are checked again as they are served: a row edited in the table into something
    // that is not a release document routes nobody (the control serves), rather than failing requests.
    const live = next.live.filter((r) => Value.Check(ReleaseSpecSchema, r.spec));
    const control = Value.Check(ReleaseSpecSchema, next.control.spec) ? next.control : { ...next.control, spec: null };
    const specs = new Map(live.map((r) => [r.colour, r.spec] as const));
    snap = { rings: next.rings, control, live, weights: weightsOf(control, live), specs };
    generation++;
    placements.clear();
  }

  /**
   * Coalesces reloads: one running, at most one more queued behind it. A caller always gets a
   * load that started after its call (one in flight may have read before the change it wants).
   */
  let queued: Promise<void> | undefined;
  function reload(): Promise<void> {
    if (loading === undefined) {
      loading = load().finally(() => {
        loading = undefined;
      });
      return loading;
    }
    queued ??= loading
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return reload();
      });
    return queued;
  }

  return {
    async start() {
      unlisten = await db.listen(
        ROLLOUT_CHANNEL,
        () => void reload().catch(() => undefined),
        () => void reload().catch(() => undefined),
      );
      await reload();
      timer = setInterval(() => void reload().catch(() => undefined), deps.reloadMs ?? 5000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      if (unlisten) await unlisten().catch(() => undefined);
      await loading?.catch(() => undefined);
    },
    reload,
    rings: () => snap.rings,
    control: () => snap.control,
    live: () => snap.live,
    get generation() {
      return generation;
    },
    placement(tenant) {
      const cached = placements.get(tenant.tenantId);
      if (cached !== undefined && cached.generation === generation && cached.version === tenant.version)
        return cached.placement;
      const at = ringOf(tenant, snap.rings);
      let placement: Placement | undefined;
      if (at !== null) {
        const choice = colourFor(tenant.tenantId, at.ring, snap.weights);
        const inRing = snap.weights.rings[at.ring];
        placement = {
          ring: at.ring,
          by: at.by,
          colour: choice.colour,
          releaseId: inRing?.releaseId ?? null,
          candidate: choice.candidate,
          spec: choice.candidate ? (snap.specs.get(choice.colour) ?? null) : snap.control.spec,
          choice,
        };
      }
      // NOTE: bounded: a replica serves a bounded set of tenants; the map is cleared on every change.
      placements.set(tenant.tenantId, { version: tenant.version, generation, placement });
      return placement;
    },
  };
}
