// The rollout context wired to the rest of the app: the routing snapshot, per-colour outcome
// counters, the release service (audited in the platform log) and its driver, which runs on
// every replica every second and acts on whatever release rows it can lock (a replica that
// disappears mid-step leaves its rows to the others: state lives in the database).
import type { FastifyBaseLogger } from 'fastify';
import type { Ledger } from '../audit/index.js';
import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import { platformScope, type Database } from '../core/db.js';
import { PLATFORM } from '../core/ids.js';
import type { Telemetry } from '../observability/index.js';
import type { Provider } from '@openfeature/server-sdk';
import {
  makeFlagProvider,
  makeOutcomeCounters,
  makeReleaseService,
  makeRolloutState,
  ringOf,
  type OutcomeCounters,
  type Placement,
  type ReleaseService,
  type RolloutState,
  type TenantRingFacts,
} from '../rollout/index.js';
import type { Directory } from '../tenants/index.js';

export interface RolloutWiring {
  readonly state: RolloutState;
  readonly outcomes: OutcomeCounters;
  readonly releases: ReleaseService;
  readonly placementOf: (tenantId: string) => Placement | undefined;
  readonly tenantsOf: (ring: string) => Promise<{ tenantId: string; by: string }[]>;
  readonly tenantsByRing: () => Promise<Record<string, number>>;
  /** The OpenFeature provider answering flags from the release serving each tenant. */
  readonly flagProvider: Provider;
  /** Starts the snapshot and the driver loop. */
  start(log: FastifyBaseLogger): Promise<void>;
  stop(): Promise<void>;
}

async function allTenantFacts(db: Database): Promise<TenantRingFacts[]> {
  const { rows } = await db.read<{ tenant_id: string; ring: string; labels: Record<string, string> }>(
    platformScope,
    'select tenant_id, ring, labels from tenants where deleted_at is null order by tenant_id',
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, ring: r.ring, labels: r.labels }));
}

export function makeRolloutWiring(deps: {
  db: Database;
  clock: Clock;
  ledger: Ledger;
  directory: Directory;
  fallbackColour: string;
  replicaId: string;
  signals: Pick<Telemetry['signals'], 'releaseRolledBack'>;
  systemContext: () => RequestContext;
  driverMs?: number;
}): RolloutWiring {
  const { db, directory } = deps;
  const state = makeRolloutState({ db, fallbackColour: deps.fallbackColour });
  const outcomes = makeOutcomeCounters({ db, clock: deps.clock, replicaId: deps.replicaId });
  let log: FastifyBaseLogger | undefined;
  const releases = makeReleaseService({
    db,
    clock: deps.clock,
    fallbackColour: deps.fallbackColour,
    systemContext: deps.systemContext,
    tenantFacts: () => allTenantFacts(db),
    audit: async (tx, ctx, record) => {
      await deps.ledger.append(tx, ctx, { log: PLATFORM, ...record });
    },
    onAlert: (alert) => {
      deps.signals.releaseRolledBack(alert.reason.startsWith('guard') ? 'guard' : 'analysis');
      log?.warn(
        { alert: alert.name, release: alert.releaseId, reason: alert.reason, runbook: alert.runbook },
        'release rolled back automatically',
      );
    },
  });

  const placementOf = (tenantId: string): Placement | undefined => {
    const t = directory.tenant(tenantId);
    if (t === undefined) return undefined;
    return state.placement({ tenantId, ring: t.ring, labels: t.labels, version: t.resourceVersion });
  };
  // Flags come from the configuration serving the tenant: the candidate's release on its share, else the control's.
  const flagProvider = makeFlagProvider({
    flagsFor: ({ tenantId }) => {
      const p = placementOf(tenantId);
      if (p === undefined) return undefined;
      return {
        values: p.spec?.flags ?? {},
        colour: p.colour,
        releaseId: p.candidate ? p.releaseId : state.control().releaseId,
        ring: p.ring,
      };
    },
  });

  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;
  const tick = (): void => {
    if (ticking !== undefined) return;
    ticking = (async () => {
      // The guard reads what every replica flushed; this replica's own counts go first.
      await outcomes.flush();
      for (const o of await releases.tick())
        if (o.event !== undefined)
          log?.info({ release: o.releaseId, event: o.event, phase: o.phase, reason: o.reason }, 'release driver');
    })()
      .catch((err: unknown) => log?.warn({ err }, 'release driver tick failed'))
      .finally(() => {
        ticking = undefined;
      });
  };

  return {
    state,
    outcomes,
    releases,
    placementOf,
    flagProvider,
    tenantsByRing: async () => {
      const rings = state.rings();
      const counts: Record<string, number> = {};
      for (const t of await allTenantFacts(db)) {
        const at = ringOf(t, rings);
        if (at !== null) counts[at.ring] = (counts[at.ring] ?? 0) + 1;
      }
      return counts;
    },
    tenantsOf: async (ring) => {
      const rings = state.rings();
      const out: { tenantId: string; by: string }[] = [];
      for (const t of await allTenantFacts(db)) {
        const at = ringOf(t, rings);
        if (at?.ring === ring) out.push({ tenantId: t.tenantId, by: at.by });
      }
      return out;
    },
    async start(logger) {
      log = logger;
      await state.start();
      timer = setInterval(tick, deps.driverMs ?? 1000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await ticking;
      await outcomes.stop();
      await state.stop();
    },
  };
}
