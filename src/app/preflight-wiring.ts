// The preflight service wired to the rest of the app: Alertmanager (IRIS_ALERTMANAGER_URL) for
// active silences, the provisioned rings dashboard (ops/grafana/dashboards/iris-rings.json), the
// policy bundle store for a release's bundle and its proofs, and the load probe (none yet: the
// gate then fails with "no load probe result"). Reviews are audited in the platform log.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ledger } from '../audit/index.js';
import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import type { Database } from '../core/db.js';
import { NotFoundError } from '../core/errors.js';
import { PLATFORM } from '../core/ids.js';
import type { BundleService } from '../policy/index.js';
import {
  makeAlertmanagerClient,
  makePreflightService,
  type LoadProbeResult,
  type PolicyBundleFacts,
  type PreflightService,
  type StoredRelease,
} from '../rollout/index.js';

/** The rings dashboard shipped with Iris (dist/src/app → the package root). */
export const RINGS_DASHBOARD = resolve(
  fileURLToPath(import.meta.url),
  '../../../../ops/grafana/dashboards/iris-rings.json',
);

export function makePreflightWiring(deps: {
  db: Database;
  clock: Clock;
  ledger: Ledger;
  bundles: BundleService;
  fallbackColour: string;
  systemContext: () => RequestContext;
  /** IRIS_ALERTMANAGER_URL; undefined: the silences gate says "not checked: no Alertmanager configured". */
  alertmanagerUrl: string | undefined;
  alertmanagerTimeoutMs?: number;
  dashboardPath?: string;
  /** The candidate's load probe in a ring; absent: no probe runs, and the gate says so. */
  loadProbe?: (release: StoredRelease, ring: string) => Promise<LoadProbeResult | undefined>;
}): PreflightService {
  const alertmanager =
    deps.alertmanagerUrl === undefined
      ? undefined
      : makeAlertmanagerClient(deps.alertmanagerUrl, { timeoutMs: deps.alertmanagerTimeoutMs ?? 5000 });
  const dashboardPath = deps.dashboardPath ?? RINGS_DASHBOARD;
  return makePreflightService({
    db: deps.db,
    clock: deps.clock,
    fallbackColour: deps.fallbackColour,
    silences: alertmanager === undefined ? undefined : () => alertmanager.activeSilences(),
    dashboard: {
      source: 'ops/grafana/dashboards/iris-rings.json',
      read: async () => JSON.parse(await readFile(dashboardPath, 'utf8')) as unknown,
    },
    // NOTE: the release's digest is the bundle id (the content address `iris policy push` prints);
    // `get` verifies the stored document against it, so a bundle found here is the one compiled.
    policyBundle: async (ref): Promise<PolicyBundleFacts | undefined> => {
      try {
        const b = await deps.bundles.get(deps.systemContext(), PLATFORM, ref.digest);
        return {
          id: b.id,
          name: b.name,
          verification: { isolation: b.verification.isolation, residency: b.verification.residency },
          problems: [],
        };
      } catch (err) {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      }
    },
    loadProbe: deps.loadProbe ?? (async () => undefined),
    audit: async (tx, ctx, record) => {
      await deps.ledger.append(tx, ctx, { log: PLATFORM, ...record });
    },
  });
}
