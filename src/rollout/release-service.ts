// Releases as a service: create from a release document, plan, the operator's transitions
// (start, pause, resume, promote, abort, rollback), and the driver's tick that fires due bakes,
// runs the end-of-bake analysis and the fast guard. Every transition runs in one platform
// transaction that locks the release row, asks the pure state machine (release-machine.ts),
// applies its effects (weights, bake time, control colour), appends the history line and the
// ledger event, and notifies every replica: nothing is half-applied, and any replica resumes
// where another stopped.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../audit/index.js';
import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import { platformScope, platformScopeIn, type Database, type Queryable } from '../core/db.js';
import { ConflictError, errorMessage, NotFoundError, ValidationError } from '../core/errors.js';
import { DEFAULT_GUARD_THRESHOLDS, guardInterval, type GuardDecision } from './fast-guard.js';
import {
  guardWindow,
  irisOutcomeSource,
  isGuardDue,
  makeOutcomeReader,
  type ReadAhead,
  type OutcomeSource,
} from './outcome-source.js';
import type { MetricVerdict } from './mann-whitney.js';
import { isFinished, transition, type ReleaseEffect, type ReleaseEvent, type ReleaseRun } from './release-machine.js';
import { BUILTIN_EXTRACTION_VERSION, parseReleaseSpec, type SpecProblem } from './release-spec.js';
import {
  insertRelease,
  insertReleaseEvent,
  lockDueReleases,
  runOf,
  selectControl,
  selectPromotedOfColour,
  selectRelease,
  selectReleaseEvents,
  selectReleases,
  selectRings,
  updateAnalysis,
  updateGuard,
  updateReleaseRun,
  upsertControl,
  upsertRing,
  type ReleaseHistoryEntry,
  type StoredRelease,
  type StoredRing,
} from './release-store.js';
import { conflictsForStart, type RingClaim } from './ring-conflicts.js';
import { ringOf, ringProblems, type TenantRingFacts } from './ring-membership.js';
import { ROLLOUT_CHANNEL } from './rollout-state.js';
import { selectShadowWindow } from './shadow-samples.js';
import {
  analyseStep,
  DEFAULT_LATENCY_FLOOR_MS,
  judgeShadow,
  unavailableAnalysis,
  type StepAnalysis,
} from './step-analysis.js';
import { bucketOf, thresholdOf } from './sticky-hash.js';

/** The operator's events. */
export const OPERATOR_ACTIONS = ['start', 'pause', 'resume', 'promote', 'abort', 'rollback'] as const;
export type OperatorAction = (typeof OPERATOR_ACTIONS)[number];

/** What the service asks of its surroundings. */
export interface ReleaseServiceDeps {
  readonly db: Database;
  readonly clock: Clock;
  /** The colour served before any release was promoted (IRIS_RELEASE_COLOR). */
  readonly fallbackColour: string;
  /** Appends an event to the platform ledger within `tx`. */
  readonly audit: (
    tx: Queryable,
    ctx: RequestContext,
    record: { action: string; resource: { kind: string; id: string }; before?: unknown; after?: unknown },
  ) => Promise<void>;
  /** Every tenant's ring facts (plan counts, ring membership). */
  readonly tenantFacts: () => Promise<TenantRingFacts[]>;
  /** An automatic rollback: the alert fires (metric) and the log says why. */
  readonly onAlert?: (alert: { releaseId: string; name: string; reason: string; runbook: string }) => void;
  /** Iris's own context, for the driver's transitions. */
  readonly systemContext: () => RequestContext;
  /**
   * Preflight gates (preflight-service.ts `check`), run before an operator's `start` and
   * `promote`; absent: none run. Results are recorded by `check` in its own transaction.
   */
  readonly preflight?: ReleasePreflight;
  /** Where the guard and the bake read their numbers; absent: Iris's own counters (`iris`). */
  readonly source?: OutcomeSource;
  /** The extraction versions this build can re-index graphs into (default: the built-in one only). */
  readonly extractionVersions?: readonly string[];
  /**
   * The `graph_probe` verdict of a bake in `ring` of a release that changes the extraction
   * version (graph-rollout.ts `judgeGraphs` over the ring's tenants); absent: not judged.
   */
  readonly graphVerdict?: (
    tx: Queryable,
    release: StoredRelease,
    ring: string,
    settings: { alpha: number },
  ) => Promise<MetricVerdict | undefined>;
}

/** What the release service asks of preflight (PreflightService fits `check`). */
export interface ReleasePreflight {
  readonly check: (
    ctx: RequestContext,
    releaseId: string,
    stage: 'start' | `promote:${string}`,
  ) => Promise<{ readonly ok: boolean; readonly results: readonly { gate: string; ok: boolean; detail: string }[] }>;
  /** true: a failed gate refuses the action (409 preflight_failed); false: results are recorded only. */
  readonly enforce: boolean;
}

/** How a release's plan meets the tenants: per ring, how many tenants and how many on the candidate now. */
export interface ReleasePlanView {
  readonly release: StoredRelease;
  readonly rings: readonly {
    readonly ring: string;
    readonly tenants: number;
    readonly onCandidate: number;
    readonly weight: number;
    readonly steps: readonly { weight: number; bakeSeconds: number }[];
  }[];
  readonly conflicts: readonly { ring: string; releaseIds: readonly string[] }[];
}

/** The outcome of one driver tick for one release (tests and logs). */
export interface TickOutcome {
  readonly releaseId: string;
  readonly did: 'bake' | 'guard' | 'none';
  readonly event?: string;
  readonly phase: string;
  readonly reason?: string | null;
}

export interface ReleaseService {
  create(ctx: RequestContext, document: unknown): Promise<StoredRelease>;
  get(id: string): Promise<StoredRelease>;
  list(opts: { live?: boolean; limit: number; before?: string | undefined }): Promise<StoredRelease[]>;
  history(id: string, limit: number): Promise<ReleaseHistoryEntry[]>;
  plan(id: string): Promise<ReleasePlanView>;
  act(ctx: RequestContext, id: string, action: OperatorAction, reason?: string): Promise<StoredRelease>;
  rings(): Promise<StoredRing[]>;
  updateRing(
    ctx: RequestContext,
    name: string,
    ring: { order: number; selector?: Record<string, string>; pins?: string[] },
    ifMatch?: string,
  ): Promise<StoredRing>;
  /** Fires what is due on every live release this replica can lock; the driver calls it every second. */
  tick(): Promise<TickOutcome[]>;
}

/** What the ring-conflict check needs of a release. */
const claimOf = (r: StoredRelease): RingClaim => ({
  releaseId: r.id,
  phase: r.phase,
  rings: r.spec.plan.rings.map((p) => p.ring),
});

/** The 400 for a release document that does not parse: every problem with its path. */
export function releaseDocumentError(problems: readonly SpecProblem[]): ValidationError {
  return new ValidationError(
    `The release document has ${problems.length} problem(s): ${problems.map((p) => `${p.path || '/'} ${p.message}`).join('; ')}`,
    { problems },
  );
}

/** A release's id from its name and version: `name@version`. */
export const releaseIdOf = (name: string, version: string): string => `${name}@${version}`;

const digestOf = (v: unknown): string => `sha256:${createHash('sha256').update(canonicalJson(v)).digest('hex')}`;

export function makeReleaseService(deps: ReleaseServiceDeps): ReleaseService {
  const { db, clock } = deps;
  const source = deps.source ?? irisOutcomeSource;
  const reader = makeOutcomeReader(source);

  const notify = (tx: Queryable, what: string): Promise<unknown> =>
    tx.query('select pg_notify($1, $2)', [ROLLOUT_CHANNEL, what]);

  /**
   * Preflight before an operator's start (stage `start`) or full promotion (`promote:<ring>` for
   * every ring the release has not entered). NOTE: it runs, and is recorded, before the
   * transition's transaction: a refused action keeps its results, and Alertmanager's latency
   * never holds the release row's lock.
   */
  async function runPreflight(
    preflight: ReleasePreflight,
    ctx: RequestContext,
    id: string,
    action: 'start' | 'promote',
  ): Promise<void> {
    let stages: ('start' | `promote:${string}`)[] = ['start'];
    if (action === 'promote') {
      const release = await db.transaction(platformScope, (tx) => mustGet(tx, id), { readOnly: true });
      stages = release.spec.plan.rings
        .filter((r) => (release.weights[r.ring] ?? 0) <= 0)
        .map((r) => `promote:${r.ring}` as const);
    }
    const failed: { stage: string; gate: string; detail: string }[] = [];
    for (const stage of stages) {
      const run = await preflight.check(ctx, id, stage);
      for (const r of run.results) if (!r.ok) failed.push({ stage, gate: r.gate, detail: r.detail });
    }
    if (failed.length > 0 && preflight.enforce)
      throw new ConflictError(
        'preflight_failed',
        `Release ${id} cannot ${action}: preflight failed: ${failed.map((f) => `${f.stage} ${f.gate}: ${f.detail}`).join('; ')}. See iris release preflight ${id}.`,
        { failed },
      );
  }

  async function mustGet(tx: Queryable, id: string, lock = false): Promise<StoredRelease> {
    const r = await selectRelease(tx, id, lock);
    if (r === undefined) throw new NotFoundError('Release', id);
    return r;
  }

  /**
   * Applies `event` to a locked release within `tx`: the machine's transition and every effect
   * it asks for. An analysis requested by a bake's end runs here too, in the same transaction,
   * and its verdict is applied at once. Refusals throw a ConflictError (409) for operators and
   * return undefined for the driver (`quiet`).
   */
  async function apply(
    tx: Queryable,
    ctx: RequestContext,
    release: StoredRelease,
    event: ReleaseEvent,
    detail: object,
    quiet: boolean,
    ahead?: ReadAhead,
  ): Promise<StoredRelease | undefined> {
    const control = (await selectControl(tx, deps.fallbackColour)).colour;
    const run = runOf(release, control);
    const result = transition(run, event);
    if ('refused' in result) {
      if (quiet) return undefined;
      throw new ConflictError(`release_${result.code}`, `Release ${release.id}: ${result.refused}.`, {
        phase: release.phase,
      });
    }
    const weights: Record<string, number> = { ...release.weights };
    let bakeUntil: Date | null = release.bakeUntil === null ? null : new Date(release.bakeUntil);
    let analysis: StepAnalysis | undefined;
    for (const effect of result.effects) {
      switch (effect.kind) {
        case 'set_weight':
          weights[effect.ring] = effect.weight;
          break;
        case 'schedule_bake':
          bakeUntil = new Date(effect.until);
          break;
        case 'request_analysis':
          analysis = await analyse(tx, release, result.next, effect, ahead);
          break;
        case 'make_control':
          await makeControl(tx, release, effect.colour);
          break;
        case 'audit':
          await deps.audit(tx, ctx, {
            action: effect.action,
            resource: { kind: 'Release', id: release.id },
            before: { phase: effect.from },
            after: { phase: effect.to, reason: effect.reason, weights },
          });
          break;
        case 'alert':
          deps.onAlert?.({ releaseId: release.id, name: effect.name, reason: effect.reason, runbook: effect.runbook });
          break;
        case 'change_record':
          // NOTE: the change record is rendered from the stored release and its history on demand,
          // so recording the transition (below) is what updates it.
          break;
        default: {
          const never: never = effect;
          throw new Error(`unknown effect ${JSON.stringify(never)}`);
        }
      }
    }
    const next: ReleaseRun = result.next;
    // A stopped or paused release holds no bake timer; a finished one no weights but its own.
    if (next.phase !== 'progressing') bakeUntil = null;
    await updateReleaseRun(tx, release.id, next, weights, bakeUntil);
    await insertReleaseEvent(tx, release.id, {
      event: event.kind,
      from: release.phase,
      to: next.phase,
      actor: event.actor,
      reason: next.reason,
      detail,
    });
    await notify(tx, release.id);
    const stored = await mustGet(tx, release.id);
    if (analysis === undefined) return stored;
    // The bake's verdict is the next event, in the same transaction.
    await updateAnalysis(tx, release.id, analysis);
    const verdict: ReleaseEvent =
      analysis.event === 'analysis_passed'
        ? { kind: 'analysis_passed', step: analysis.step, at: event.at, actor: 'iris:analysis' }
        : { kind: analysis.event, step: analysis.step, at: event.at, actor: 'iris:analysis', reason: analysis.reason };
    return apply(
      tx,
      ctx,
      stored,
      verdict,
      { source: analysis.source, requests: analysis.requests, verdicts: analysis.verdicts },
      quiet,
    );
  }

  async function analyse(
    tx: Queryable,
    release: StoredRelease,
    run: ReleaseRun,
    effect: Extract<ReleaseEffect, { kind: 'request_analysis' }>,
    ahead: ReadAhead | undefined,
  ): Promise<StepAnalysis> {
    const ring = release.spec.plan.rings[effect.step.ringIndex]?.ring ?? '';
    const pair = { releaseId: release.id, ring, candidate: run.colour, control: run.control };
    const { thresholds, minSamples, shadow } = release.spec.plan;
    const settings = { minSamples, alpha: thresholds.alpha, tolerance: thresholds.tolerance };
    const from = new Date(effect.from);
    const to = new Date(effect.to);
    const reading = await reader.bake(tx, ahead, pair, from, to, minSamples);
    // A latency rise counts only beyond the floor; shadow agreement only where the plan bounds it.
    const floor = thresholds.latencyFloorMs ?? DEFAULT_LATENCY_FLOOR_MS;
    const bounded: MetricVerdict[] =
      shadow === undefined
        ? []
        : judgeShadow(await selectShadowWindow(tx, { releaseId: release.id, ring }, from, to), shadow, {
            minSamples,
            alpha: thresholds.alpha,
          });
    // A new extraction version: the ring's graphs must be built and their probes passed.
    const control = await selectControl(tx, deps.fallbackColour);
    const extractionChange =
      release.spec.graphrag.extractionVersion !==
      (control.spec?.graphrag.extractionVersion ?? BUILTIN_EXTRACTION_VERSION);
    const graph =
      extractionChange && deps.graphVerdict !== undefined
        ? await deps.graphVerdict(tx, release, ring, { alpha: thresholds.alpha })
        : undefined;
    if (graph !== undefined) bounded.push(graph);
    const analysis = reading.ok
      ? analyseStep(
          effect.step,
          reading.value.metrics.map((m) => (m.metric === 'latency_ms' ? { ...m, minShift: floor } : m)),
          { ...settings, minSamples: reading.value.minSamples },
          bounded,
        )
      : unavailableAnalysis(effect.step, `${source.name}: ${reading.reason}`, settings);
    // Every verdict says where its numbers came from (and, from Prometheus, how many requests were behind its steps).
    const requests = reading.ok ? reading.value.requests : undefined;
    return {
      ...analysis,
      source: source.name,
      reason: analysis.reason === '' ? '' : `from ${source.name}: ${analysis.reason}`,
      ...(requests === undefined ? {} : { requests }),
    };
  }

  async function makeControl(tx: Queryable, release: StoredRelease, colour: string): Promise<void> {
    if (colour === release.colour) {
      await upsertControl(tx, { colour, releaseId: release.id, spec: release.spec });
      return;
    }
    // A rollback after promotion restores the previous control: its newest promoted release.
    const previous = await selectPromotedOfColour(tx, colour, release.id);
    await upsertControl(tx, { colour, releaseId: previous?.id ?? null, spec: previous?.spec ?? null });
  }

  async function guard(
    tx: Queryable,
    release: StoredRelease,
    now: Date,
    ahead: ReadAhead | undefined,
  ): Promise<GuardDecision | undefined> {
    const { from, to } = guardWindow(now, release.spec.plan.guardIntervalSeconds);
    const control = release.control ?? (await selectControl(tx, deps.fallbackColour)).colour;
    const { thresholds } = release.spec.plan;
    const perRing: Record<string, GuardDecision> = {};
    let failed: { ring: string; decision: GuardDecision } | undefined;
    for (const { ring } of release.spec.plan.rings) {
      if ((release.weights[ring] ?? 0) <= 0) continue;
      const c = await reader.counters(tx, ahead, { releaseId: release.id, ring, colour: release.colour }, from, to);
      const k = await reader.counters(tx, ahead, { releaseId: release.id, ring, colour: control }, from, to);
      if (!c.ok || !k.ok) {
        // A source that cannot tell gives the guard no say: it neither aborts nor passes (the bake is NoData).
        const missing = [c.ok ? '' : `candidate: ${c.reason}`, k.ok ? '' : `control: ${k.reason}`];
        const reason = `${source.name}: ${missing.filter((m) => m !== '').join('; ')}`;
        perRing[ring] = {
          action: 'continue',
          checks: [{ check: 'error_ratio', outcome: 'insufficient', candidate: null, control: null, z: null, reason }],
          reason,
        };
        continue;
      }
      const decision = guardInterval(c.value, k.value, {
        ...DEFAULT_GUARD_THRESHOLDS,
        errorMargin: thresholds.errorMargin,
        latencyMargin: thresholds.latencyMargin,
      });
      perRing[ring] = decision;
      if (decision.action === 'abort' && failed === undefined) failed = { ring, decision };
    }
    await updateGuard(tx, release.id, now, {
      at: now.toISOString(),
      from: from.toISOString(),
      to: to.toISOString(),
      source: source.name,
      rings: perRing,
    });
    return failed === undefined
      ? undefined
      : { ...failed.decision, reason: `ring ${failed.ring} (from ${source.name}): ${failed.decision.reason}` };
  }

  /**
   * Before a bake that ends a ring hands the release to the next ring, that ring's preflight
   * runs (outside the row lock: Alertmanager and the load probe take time). A failure with
   * enforcement pauses the release with the failing gates as its reason; resuming re-bakes the
   * step and asks again.
   */
  async function preflightBeforeNextRing(release: StoredRelease): Promise<TickOutcome | undefined> {
    const preflight = deps.preflight;
    const pos = release.position;
    if (preflight === undefined || release.phase !== 'progressing' || pos === null || release.bakeUntil === null)
      return undefined;
    if (Date.parse(release.bakeUntil) > clock.now().getTime()) return undefined;
    const rings = release.spec.plan.rings;
    if (pos.stepIndex + 1 < (rings[pos.ringIndex]?.steps.length ?? 0)) return undefined;
    const next = rings.slice(pos.ringIndex + 1).find((r) => r.steps.length > 0);
    if (next === undefined) return undefined;
    const ctx = deps.systemContext();
    const run = await preflight.check(ctx, release.id, `promote:${next.ring}`);
    if (run.ok || !preflight.enforce) return undefined;
    const reason = `preflight before ring ${next.ring} failed: ${run.results
      .filter((r) => !r.ok)
      .map((r) => `${r.gate}: ${r.detail}`)
      .join('; ')}`;
    const after = await db.transaction(platformScope, async (tx) => {
      const locked = await selectRelease(tx, release.id, true);
      if (locked === undefined || locked.phase !== 'progressing') return undefined;
      return apply(
        tx,
        ctx,
        locked,
        { kind: 'pause', reason, at: clock.now().getTime(), actor: 'iris:preflight' },
        { results: run.results },
        true,
      );
    });
    return { releaseId: release.id, did: 'bake', event: 'pause', phase: after?.phase ?? release.phase, reason };
  }

  async function tickOne(release: StoredRelease): Promise<TickOutcome | undefined> {
    const id = release.id;
    const now = clock.now();
    const ahead = reader.readAhead(release, now);
    if (ahead !== undefined) await Promise.all(ahead.values());
    return db.transaction(platformScope, async (tx) => {
      const [due] = await lockDueReleases(tx, now, id);
      if (due === undefined) return undefined;
      const ctx = deps.systemContext();
      // The guard first: a regression rolls back whatever the bake would have said.
      const guardDue = isGuardDue(due, now);
      if (guardDue) {
        const failed = await guard(tx, due, now, ahead);
        if (failed !== undefined) {
          const after = await apply(
            tx,
            ctx,
            due,
            { kind: 'guard_failed', reason: failed.reason, at: now.getTime(), actor: 'iris:guard' },
            { source: source.name, checks: failed.checks },
            true,
          );
          return {
            releaseId: id,
            did: 'guard',
            event: 'guard_failed',
            phase: after?.phase ?? due.phase,
            reason: after?.reason ?? null,
          };
        }
      }
      if (
        due.phase === 'progressing' &&
        due.bakeUntil !== null &&
        Date.parse(due.bakeUntil) <= now.getTime() &&
        due.position
      ) {
        const step = { ringIndex: due.position.ringIndex, stepIndex: due.position.stepIndex };
        const after = await apply(
          tx,
          ctx,
          due,
          { kind: 'bake_elapsed', step, at: now.getTime(), actor: 'iris:driver' },
          {},
          true,
          ahead,
        );
        return {
          releaseId: id,
          did: 'bake',
          event: 'bake_elapsed',
          phase: after?.phase ?? due.phase,
          reason: after?.reason ?? null,
        };
      }
      return { releaseId: id, did: guardDue ? 'guard' : 'none', phase: due.phase };
    });
  }

  return {
    async create(ctx, document) {
      const known = await db.transaction(platformScope, (tx) => selectRings(tx), { readOnly: true });
      const parsed = parseReleaseSpec(
        document,
        known.map((r) => r.name),
      );
      if (!parsed.ok) throw releaseDocumentError(parsed.problems);
      const spec = parsed.spec;
      // A release may only name an extraction version this build can re-index into.
      const versions = deps.extractionVersions ?? [BUILTIN_EXTRACTION_VERSION];
      if (!versions.includes(spec.graphrag.extractionVersion))
        throw releaseDocumentError([
          {
            path: '/graphrag/extractionVersion',
            message: `extraction version '${spec.graphrag.extractionVersion}' is not one this build serves (${versions.join(', ')})`,
          },
        ]);
      const id = releaseIdOf(spec.name, spec.version);
      return db.transaction(platformScopeIn(ctx.trace), async (tx) => {
        const control = await selectControl(tx, deps.fallbackColour);
        if (spec.colour === control.colour)
          throw new ValidationError(
            `Colour '${spec.colour}' is the control colour now; a release needs a colour of its own to be compared with it.`,
          );
        const created = await insertRelease(tx, {
          id,
          spec,
          specDigest: digestOf(spec),
          createdBy: ctx.principal.keyId,
        });
        if (created === undefined)
          throw new ConflictError('release_exists', `Release ${id} exists; give the new document another version.`);
        await deps.audit(tx, ctx, {
          action: 'release.create',
          resource: { kind: 'Release', id },
          after: { colour: spec.colour, digest: created.specDigest },
        });
        await insertReleaseEvent(tx, id, {
          event: 'create',
          from: 'planned',
          to: 'planned',
          actor: ctx.principal.keyId,
          reason: null,
          detail: { digest: created.specDigest },
        });
        return created;
      });
    },

    get: (id) => db.transaction(platformScope, (tx) => mustGet(tx, id), { readOnly: true }),

    list: (opts) => db.transaction(platformScope, (tx) => selectReleases(tx, opts), { readOnly: true }),

    async history(id, limit) {
      return db.transaction(
        platformScope,
        async (tx) => {
          await mustGet(tx, id);
          return selectReleaseEvents(tx, id, limit);
        },
        { readOnly: true },
      );
    },

    async plan(id) {
      const { release, rings, live } = await db.transaction(
        platformScope,
        async (tx) => ({
          release: await mustGet(tx, id),
          rings: await selectRings(tx),
          live: await selectReleases(tx, { live: true, limit: 1000 }),
        }),
        { readOnly: true },
      );
      const tenants = await deps.tenantFacts();
      const counts = new Map<string, { tenants: number; onCandidate: number }>();
      const weightOf = (ring: string): number => release.weights[ring] ?? 0;
      // Each tenant is placed once; the candidate's share follows the sticky hash at today's weight.
      for (const t of tenants) {
        const at = ringOf(t, rings);
        if (at === null) continue;
        const c = counts.get(at.ring) ?? { tenants: 0, onCandidate: 0 };
        c.tenants++;
        if (bucketOf(release.id, t.tenantId) < thresholdOf(weightOf(at.ring))) c.onCandidate++;
        counts.set(at.ring, c);
      }
      return {
        release,
        rings: release.spec.plan.rings.map((p) => ({
          ring: p.ring,
          tenants: counts.get(p.ring)?.tenants ?? 0,
          onCandidate: counts.get(p.ring)?.onCandidate ?? 0,
          weight: weightOf(p.ring),
          steps: p.steps,
        })),
        conflicts: isFinished(release.phase) ? [] : conflictsForStart(claimOf(release), live.map(claimOf)),
      };
    },

    async act(ctx, id, action, reason) {
      if ((action === 'abort' || action === 'rollback' || action === 'pause') && (reason ?? '').trim() === '')
        throw new ValidationError(
          `'${action}' needs a reason (--reason): it is recorded in the ledger and the history.`,
        );
      if (deps.preflight !== undefined && (action === 'start' || action === 'promote'))
        await runPreflight(deps.preflight, ctx, id, action);
      return db.transaction(platformScopeIn(ctx.trace), async (tx) => {
        const release = await mustGet(tx, id, true);
        if (action === 'start') {
          const live = await selectReleases(tx, { live: true, limit: 1000 });
          const conflicts = conflictsForStart(claimOf(release), live.map(claimOf));
          if (conflicts.length > 0)
            throw new ConflictError(
              'ring_conflict',
              `Release ${id} cannot start: ${conflicts.map((c) => `ring '${c.ring}' is held by ${c.releaseIds.filter((r) => r !== id).join(', ')}`).join('; ')}. Finish or abort that release first.`,
              { conflicts },
            );
          const control = await selectControl(tx, deps.fallbackColour);
          if (control.colour === release.colour)
            throw new ConflictError(
              'release_is_control',
              `Release ${id}'s colour '${release.colour}' is the control colour now.`,
            );
          // The control it is compared with is fixed at start (a later promotion elsewhere does not move it).
          await tx.query('update releases set control_colour = $2 where release_id = $1', [id, control.colour]);
        }
        const at = clock.now().getTime();
        const actor = ctx.principal.keyId;
        const event: ReleaseEvent =
          action === 'pause' || action === 'abort' || action === 'rollback'
            ? { kind: action, reason: (reason ?? '').trim(), at, actor }
            : { kind: action, at, actor };
        const fresh = action === 'start' ? await mustGet(tx, id) : release;
        const after = await apply(tx, ctx, fresh, event, reason === undefined ? {} : { reason }, false);
        // Not reached with quiet = false: apply throws on a refusal.
        return after ?? fresh;
      });
    },

    rings: () => db.transaction(platformScope, (tx) => selectRings(tx), { readOnly: true }),

    async updateRing(ctx, name, ring, ifMatch) {
      return db.transaction(platformScopeIn(ctx.trace), async (tx) => {
        const rings = await selectRings(tx);
        const existing = rings.find((r) => r.name === name);
        const next = {
          name,
          order: ring.order,
          selector: ring.selector ?? existing?.selector ?? {},
          pins: ring.pins ?? existing?.pins ?? [],
        };
        const problems = ringProblems([...rings.filter((r) => r.name !== name), next]);
        if (problems.length > 0) throw new ValidationError(`Ring ${name}: ${problems.join('; ')}.`, { problems });
        const stored = await upsertRing(tx, { ...next, selector: { ...next.selector }, pins: [...next.pins] }, ifMatch);
        if (stored === null)
          throw new ConflictError(
            'stale',
            `Ring ${name} changed since resourceVersion ${ifMatch ?? '?'}; read it again.`,
          );
        await deps.audit(tx, ctx, {
          action: existing ? 'ring.update' : 'ring.create',
          resource: { kind: 'Ring', id: name },
          before:
            existing === undefined
              ? undefined
              : { order: existing.order, selector: existing.selector, pins: existing.pins },
          after: { order: stored.order, selector: stored.selector, pins: stored.pins },
        });
        await notify(tx, `ring:${name}`);
        return stored;
      });
    },

    async tick() {
      const live = await db.transaction(platformScope, (tx) => selectReleases(tx, { live: true, limit: 1000 }), {
        readOnly: true,
      });
      const out: TickOutcome[] = [];
      // One transaction per release: one release's failure never holds back another's rollback.
      for (const release of live) {
        try {
          const held = await preflightBeforeNextRing(release);
          if (held !== undefined) {
            out.push(held);
            continue;
          }
          const o = await tickOne(release);
          if (o !== undefined) out.push(o);
        } catch (err) {
          // NOTE: one broken release (a row edited by hand, say) must not stall the others.
          out.push({
            releaseId: release.id,
            did: 'none',
            phase: release.phase,
            reason: `tick failed: ${errorMessage(err)}`,
          });
        }
      }
      return out;
    },
  };
}
