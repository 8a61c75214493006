// Preflight as a service: runs the gates of preflight.ts for a release at a stage (before start,
// before a promotion into a ring) over what its sources report, records every result (table
// release_preflight, and one `preflight` line in the release's history), and records a named
// person's review of an Alertmanager silence. A source that fails makes its gate fail with the
// error's message: preflight never passes on what it could not see.
import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import { BUILTIN_EXTRACTION_VERSION } from './release-spec.js';
import { platformScope, platformScopeIn, readsOf, type Database, type Queryable } from '../core/db.js';
import { errorMessage, NotFoundError, ValidationError } from '../core/errors.js';
import type { PreflightResult } from './change-record.js';
import {
  dashboardsGate,
  loadProbeGate,
  policyGate,
  probeRingOf,
  ringsOfStage,
  silencesGate,
  type LoadProbeResult,
  type PolicyBundleFacts,
  type PreflightStage,
  type Silence,
  type SilenceReview,
} from './preflight.js';
import {
  insertPreflightRun,
  insertSilenceReview,
  selectLatestPreflight,
  selectSilenceReviews,
  type PreflightRun,
} from './preflight-store.js';
import { insertReleaseEvent, selectControl, selectRelease, type StoredRelease } from './release-store.js';

export interface PreflightServiceDeps {
  readonly db: Database;
  readonly clock: Clock;
  /** The colour served before any release was promoted (as the release service's). */
  readonly fallbackColour: string;
  /** Active Alertmanager silences (AlertmanagerClient.activeSilences); undefined: not configured. */
  readonly silences: (() => Promise<Silence[]>) | undefined;
  /** The rings dashboard document, parsed; `source` names it in details. */
  readonly dashboard: { readonly source: string; readonly read: () => Promise<unknown> };
  /** A stored policy bundle by digest; undefined when none has it. */
  readonly policyBundle: (ref: { name: string; digest: string }) => Promise<PolicyBundleFacts | undefined>;
  /** The candidate's load probe in a ring; undefined when none ran. */
  readonly loadProbe: (release: StoredRelease, ring: string) => Promise<LoadProbeResult | undefined>;
  /** Appends an event to the platform ledger within `tx`. */
  readonly audit: (
    tx: Queryable,
    ctx: RequestContext,
    record: { action: string; resource: { kind: string; id: string }; after?: unknown },
  ) => Promise<void>;
}

export interface PreflightService {
  /** Runs every gate for `stage` without recording (I/O to the sources, reads within `tx`). */
  evaluate(tx: Queryable, release: StoredRelease, stage: PreflightStage): Promise<PreflightResult[]>;
  /** Records a run within `tx`: its rows and one history line. */
  record(
    tx: Queryable,
    release: StoredRelease,
    stage: PreflightStage,
    actor: string,
    results: readonly PreflightResult[],
  ): Promise<PreflightRun>;
  /** Runs the gates now and records them, in one platform transaction. */
  check(ctx: RequestContext, releaseId: string, stage?: PreflightStage): Promise<PreflightRun>;
  /** The newest recorded run (of a stage when given). */
  latest(releaseId: string, stage?: PreflightStage): Promise<PreflightRun | undefined>;
  /** Records a named person's review of an active silence that matches the release's rings. */
  review(
    ctx: RequestContext,
    releaseId: string,
    review: { silenceId: string; reviewer: string; note?: string | undefined },
  ): Promise<SilenceReview>;
  reviews(releaseId: string): Promise<SilenceReview[]>;
}

/** Whether a stage names a ring of the plan. @throws ValidationError otherwise. */
function checkStage(release: StoredRelease, stage: PreflightStage): void {
  if (stage === 'start') return;
  const ring = stage.slice('promote:'.length);
  if (!release.spec.plan.rings.some((r) => r.ring === ring))
    throw new ValidationError(`Release ${release.id} has no ring '${ring}' in its plan.`);
}

export function makePreflightService(deps: PreflightServiceDeps): PreflightService {
  const { db, clock } = deps;

  async function mustGet(tx: Queryable, id: string): Promise<StoredRelease> {
    const r = await selectRelease(tx, id);
    if (r === undefined) throw new NotFoundError('Release', id);
    return r;
  }

  /** A source's answer, or the gate's failure naming why it could not be read. */
  async function attempt<T>(
    gate: string,
    at: number,
    read: () => Promise<T>,
  ): Promise<{ value: T } | { failure: PreflightResult }> {
    try {
      return { value: await read() };
    } catch (err) {
      return { failure: { gate, ok: false, detail: `could not read: ${errorMessage(err)}`, at } };
    }
  }

  const service: PreflightService = {
    async evaluate(tx, release, stage) {
      checkStage(release, stage);
      const at = clock.now().getTime();
      const planRings = release.spec.plan.rings.map((r) => r.ring);
      const rings = ringsOfStage(stage, planRings);
      const out: PreflightResult[] = [];

      const bundle = release.spec.policyBundle;
      const facts = await attempt('policy', at, async () =>
        bundle === undefined ? undefined : deps.policyBundle(bundle),
      );
      out.push('failure' in facts ? facts.failure : policyGate({ bundle, facts: facts.value, at }));

      const silences = deps.silences;
      if (silences === undefined)
        // NOTE: with no Alertmanager there is no silence Iris could know of; the result says so.
        out.push({
          gate: 'silences',
          ok: true,
          detail: 'not checked: no Alertmanager configured (IRIS_ALERTMANAGER_URL)',
          at,
        });
      else {
        const active = await attempt('silences', at, silences);
        out.push(
          'failure' in active
            ? active.failure
            : silencesGate({
                releaseId: release.id,
                rings,
                silences: active.value,
                reviews: await selectSilenceReviews(tx, release.id),
                at,
              }),
        );
      }

      const dashboard = await attempt('dashboards', at, deps.dashboard.read);
      out.push(
        'failure' in dashboard
          ? dashboard.failure
          : dashboardsGate({ rings, dashboard: dashboard.value, source: deps.dashboard.source, at }),
      );

      const ring = probeRingOf(stage, planRings);
      if (ring !== undefined) {
        const control = await selectControl(tx, deps.fallbackColour);
        const extractionChange =
          release.spec.graphrag.extractionVersion !==
          (control.spec?.graphrag.extractionVersion ?? BUILTIN_EXTRACTION_VERSION);
        const probe = await attempt(`load-probe:${ring}`, at, () => deps.loadProbe(release, ring));
        out.push(
          'failure' in probe ? probe.failure : loadProbeGate({ ring, probe: probe.value, extractionChange, at }),
        );
      }
      return out;
    },

    async record(tx, release, stage, actor, results) {
      const runSeq = await insertPreflightRun(tx, release.id, stage, actor, results);
      const ok = results.every((r) => r.ok);
      await insertReleaseEvent(tx, release.id, {
        event: 'preflight',
        from: release.phase,
        to: release.phase,
        actor,
        reason: ok
          ? null
          : `preflight failed: ${results
              .filter((r) => !r.ok)
              .map((r) => r.gate)
              .join(', ')}`,
        detail: { stage, runSeq, ok, results },
      });
      return { releaseId: release.id, runSeq, stage, actor, ok, results: [...results] };
    },

    async check(ctx, releaseId, stage) {
      const release = await db.transaction(platformScope, (tx) => mustGet(tx, releaseId), { readOnly: true });
      // Before start for a planned release; else before the ring after the current one.
      const next = release.position === null ? undefined : release.spec.plan.rings[release.position.ringIndex + 1];
      const s: PreflightStage =
        stage ?? (release.phase === 'planned' || next === undefined ? 'start' : `promote:${next.ring}`);
      // NOTE: the gates read outside any transaction (each read its own): Alertmanager, the bundle
      // store and the load probe take time and run transactions of their own, which must not wait
      // behind one held here (PGlite has a single connection).
      const results = await service.evaluate(readsOf(db, platformScope), release, s);
      return db.transaction(platformScopeIn(ctx.trace), async (tx) => {
        const current = await mustGet(tx, releaseId);
        return service.record(tx, current, s, ctx.principal.keyId, results);
      });
    },

    latest: (releaseId, stage) =>
      db.transaction(platformScope, (tx) => selectLatestPreflight(tx, releaseId, stage), { readOnly: true }),

    async review(ctx, releaseId, input) {
      const reviewer = input.reviewer.trim();
      if (reviewer === '') throw new ValidationError('A review names the person who reviewed (--reviewer).');
      if (deps.silences !== undefined) {
        // NOTE: read before the transaction: Alertmanager's latency never holds a database connection.
        const active = await deps.silences();
        if (!active.some((s) => s.id === input.silenceId))
          throw new ValidationError(`Silence ${input.silenceId} is not active in Alertmanager.`);
      }
      return db.transaction(platformScopeIn(ctx.trace), async (tx) => {
        await mustGet(tx, releaseId);
        const review: SilenceReview = {
          releaseId,
          silenceId: input.silenceId,
          reviewer,
          note: input.note ?? '',
          at: clock.now().toISOString(),
        };
        await insertSilenceReview(tx, review);
        await deps.audit(tx, ctx, {
          action: 'release.silence_review',
          resource: { kind: 'Release', id: releaseId },
          after: { silenceId: review.silenceId, reviewer, note: review.note },
        });
        return review;
      });
    },

    reviews: (releaseId) =>
      db.transaction(
        platformScope,
        async (tx) => {
          await mustGet(tx, releaseId);
          return selectSilenceReviews(tx, releaseId);
        },
        { readOnly: true },
      ),
  };
  return service;
}
