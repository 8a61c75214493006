// The release state machine: a full walk through two rings, every automated stop, stale and
// early timers, the refusals users meet, and the table checked against `transition` for every
// phase and event.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  RELEASE_PHASES,
  RELEASE_TRANSITIONS,
  ReleaseEventKinds,
  ROLLBACK_RUNBOOK,
  transition,
  type ReleaseEffect,
  type ReleaseEvent,
  type ReleaseEventKind,
  type ReleaseRun,
  type TransitionResult,
} from './release-machine.js';

const T0 = Date.UTC(2026, 11, 6, 12, 0, 0);
const planned: ReleaseRun = {
  releaseId: 'rel-1',
  colour: 'green',
  control: 'blue',
  plan: [
    {
      ring: 'canary',
      steps: [
        { weight: 10, bakeSeconds: 30 },
        { weight: 100, bakeSeconds: 30 },
      ],
    },
    { ring: 'general', steps: [{ weight: 50, bakeSeconds: 60 }] },
  ],
  phase: 'planned',
  position: null,
  reason: null,
};

function ok(result: TransitionResult): { next: ReleaseRun; effects: readonly ReleaseEffect[] } {
  if ('refused' in result) assert.fail(`refused: ${result.refused}`);
  return result;
}
function refused(result: TransitionResult): { refused: string; code: string } {
  if (!('refused' in result)) assert.fail(`expected a refusal, got phase ${result.next.phase}`);
  return result;
}
const kinds = (effects: readonly ReleaseEffect[]): string[] => effects.map((e) => e.kind);
const op = (kind: 'start' | 'resume' | 'promote' | 'step_passed', at: number): ReleaseEvent => ({
  kind,
  at,
  actor: 'ops@example',
});
const step = (ringIndex: number, stepIndex: number) => ({ ringIndex, stepIndex });

test('a healthy release walks every step of every ring and promotes', () => {
  const started = ok(transition(planned, op('start', T0)));
  assert.equal(started.next.phase, 'progressing');
  assert.deepEqual(started.next.position, { ringIndex: 0, stepIndex: 0, weight: 10, bakeStartedAt: T0 });
  assert.deepEqual(started.effects, [
    { kind: 'set_weight', ring: 'canary', colour: 'green', weight: 10 },
    { kind: 'schedule_bake', step: step(0, 0), until: T0 + 30_000 },
    { kind: 'audit', action: 'release.start', from: 'planned', to: 'progressing', actor: 'ops@example', reason: null },
  ]);

  const baked = ok(
    transition(started.next, { kind: 'bake_elapsed', at: T0 + 30_000, actor: 'system', step: step(0, 0) }),
  );
  assert.equal(baked.next.phase, 'analysing');
  assert.deepEqual(baked.effects[0], { kind: 'request_analysis', step: step(0, 0), from: T0, to: T0 + 30_000 });

  const t1 = T0 + 31_000;
  const second = ok(transition(baked.next, { kind: 'analysis_passed', at: t1, actor: 'system', step: step(0, 0) }));
  assert.deepEqual(second.next.position, { ringIndex: 0, stepIndex: 1, weight: 100, bakeStartedAt: t1 });
  assert.deepEqual(second.effects[0], { kind: 'set_weight', ring: 'canary', colour: 'green', weight: 100 });

  // The operator skips the rest of canary's last step: on to general's first step.
  const general = ok(transition(second.next, op('step_passed', t1 + 1000)));
  assert.deepEqual(general.next.position, { ringIndex: 1, stepIndex: 0, weight: 50, bakeStartedAt: t1 + 1000 });
  assert.deepEqual(general.effects[0], { kind: 'set_weight', ring: 'general', colour: 'green', weight: 50 });

  const t2 = t1 + 1000 + 60_000;
  const analysing = ok(
    transition(general.next, { kind: 'bake_elapsed', at: t2, actor: 'system', step: step(1, 0) }),
  ).next;
  const done = ok(transition(analysing, { kind: 'analysis_passed', at: t2 + 500, actor: 'system', step: step(1, 0) }));
  assert.equal(done.next.phase, 'promoted');
  assert.deepEqual(kinds(done.effects), ['set_weight', 'set_weight', 'make_control', 'audit', 'change_record']);
  assert.deepEqual(done.effects[2], { kind: 'make_control', colour: 'green' });
});

test('a failed guard rolls back at once: weight 0 in every ring reached, alert with runbook, change record', () => {
  let run = ok(transition(planned, op('start', T0))).next;
  run = ok(transition(run, op('step_passed', T0 + 1))).next;
  run = ok(transition(run, op('step_passed', T0 + 2))).next; // now in general
  const r = ok(
    transition(run, { kind: 'guard_failed', at: T0 + 5000, actor: 'system', reason: 'error ratio 9% vs 1%' }),
  );
  assert.equal(r.next.phase, 'rolled_back');
  assert.equal(r.next.reason, 'guard: error ratio 9% vs 1%');
  assert.equal(r.next.position?.weight, 0);
  assert.deepEqual(r.effects, [
    { kind: 'set_weight', ring: 'canary', colour: 'green', weight: 0 },
    { kind: 'set_weight', ring: 'general', colour: 'green', weight: 0 },
    { kind: 'alert', name: 'IrisReleaseRolledBack', reason: 'guard: error ratio 9% vs 1%', runbook: ROLLBACK_RUNBOOK },
    {
      kind: 'audit',
      action: 'release.guard_failed',
      from: 'progressing',
      to: 'rolled_back',
      actor: 'system',
      reason: 'guard: error ratio 9% vs 1%',
    },
    { kind: 'change_record', phase: 'rolled_back', reason: 'guard: error ratio 9% vs 1%' },
  ]);
});

test('an operator abort in the first ring sets only that ring to 0 and fires no alert', () => {
  const run = ok(transition(planned, op('start', T0))).next;
  const r = ok(transition(run, { kind: 'abort', at: T0 + 1, actor: 'ops@example', reason: 'wrong model' }));
  assert.equal(r.next.phase, 'aborted');
  assert.deepEqual(kinds(r.effects), ['set_weight', 'audit', 'change_record']);
  assert.deepEqual(r.effects[0], { kind: 'set_weight', ring: 'canary', colour: 'green', weight: 0 });
});

test('NoData pauses (never passes); resume restarts the bake of the same step', () => {
  let run = ok(transition(planned, op('start', T0))).next;
  run = ok(transition(run, { kind: 'bake_elapsed', at: T0 + 30_000, actor: 'system', step: step(0, 0) })).next;
  const nodata = ok(
    transition(run, {
      kind: 'analysis_nodata',
      at: T0 + 30_500,
      actor: 'system',
      step: step(0, 0),
      reason: 'latency: 12 of 50 samples',
    }),
  );
  assert.equal(nodata.next.phase, 'paused');
  assert.equal(nodata.next.reason, 'no data: latency: 12 of 50 samples');
  assert.deepEqual(nodata.next.position, { ringIndex: 0, stepIndex: 0, weight: 10, bakeStartedAt: null });
  assert.deepEqual(kinds(nodata.effects), ['audit', 'change_record']);
  const resumed = ok(transition(nodata.next, op('resume', T0 + 90_000)));
  assert.deepEqual(resumed.next.position, { ringIndex: 0, stepIndex: 0, weight: 10, bakeStartedAt: T0 + 90_000 });
  assert.deepEqual(resumed.effects[1], { kind: 'schedule_bake', step: step(0, 0), until: T0 + 120_000 });
});

test('late or early timers are refused without changing anything', () => {
  const run = ok(transition(planned, op('start', T0))).next;
  const early = refused(transition(run, { kind: 'bake_elapsed', at: T0 + 10_000, actor: 'system', step: step(0, 0) }));
  assert.equal(early.code, 'too_early');
  assert.match(early.refused, /has 20 s left/);
  const stale = refused(transition(run, { kind: 'bake_elapsed', at: T0 + 99_000, actor: 'system', step: step(0, 1) }));
  assert.equal(stale.code, 'stale');
  assert.match(stale.refused, /ring 0 \(canary\) step 0/);
});

test('a paused release that still serves is rolled back by a failed analysis', () => {
  let run = ok(transition(planned, op('start', T0))).next;
  run = ok(transition(run, { kind: 'bake_elapsed', at: T0 + 30_000, actor: 'system', step: step(0, 0) })).next;
  run = ok(transition(run, { kind: 'pause', at: T0 + 30_001, actor: 'ops@example', reason: 'looking' })).next;
  const r = ok(
    transition(run, {
      kind: 'analysis_failed',
      at: T0 + 30_002,
      actor: 'system',
      step: step(0, 0),
      reason: 'latency High',
    }),
  );
  assert.equal(r.next.phase, 'rolled_back');
  assert.ok(r.effects.some((e) => e.kind === 'alert'));
});

test('refusals users meet say why', () => {
  const running = ok(transition(planned, op('start', T0))).next;
  assert.match(refused(transition(running, op('resume', T0))).refused, /already running \(progressing at ring 0/);
  assert.match(refused(transition(running, op('start', T0))).refused, /already running/);
  const rolledBack = ok(transition(running, { kind: 'guard_failed', at: T0, actor: 'system', reason: 'errors' })).next;
  const promoteFailed = refused(transition(rolledBack, op('promote', T0)));
  assert.equal(promoteFailed.code, 'finished');
  assert.match(promoteFailed.refused, /rolled back \(guard: errors\); a finished release does not promote/);
  const promoted = ok(transition(running, op('promote', T0))).next;
  assert.match(refused(transition(promoted, op('promote', T0))).refused, /is promoted; only rollback/);
  assert.match(refused(transition(planned, op('promote', T0))).refused, /has not started/);
  const paused = ok(transition(running, { kind: 'pause', at: T0, actor: 'a', reason: 'x' })).next;
  assert.match(
    refused(transition(paused, { kind: 'pause', at: T0, actor: 'a', reason: 'x' })).refused,
    /already paused/,
  );
  const empty = refused(transition({ ...planned, plan: [] }, op('start', T0)));
  assert.equal(empty.code, 'empty_plan');
  assert.equal(refused(transition(planned, op('start', Number.NaN))).code, 'bad_event');
  // A stored plan whose first ring lost its steps starts in the first ring that has one.
  const skipping = ok(
    transition({ ...planned, plan: [{ ring: 'internal', steps: [] }, ...planned.plan] }, op('start', T0)),
  );
  assert.deepEqual(skipping.next.position, { ringIndex: 1, stepIndex: 0, weight: 10, bakeStartedAt: T0 });
});

test('rolling back a promoted release restores the previous control everywhere', () => {
  const promoted = ok(transition(ok(transition(planned, op('start', T0))).next, op('promote', T0 + 1))).next;
  const r = ok(transition(promoted, { kind: 'rollback', at: T0 + 2, actor: 'ops@example', reason: 'complaints' }));
  assert.equal(r.next.phase, 'rolled_back');
  assert.deepEqual(r.effects.slice(0, 3), [
    { kind: 'set_weight', ring: 'canary', colour: 'green', weight: 0 },
    { kind: 'set_weight', ring: 'general', colour: 'green', weight: 0 },
    { kind: 'make_control', colour: 'blue' },
  ]);
});

test('the table and transition agree for every phase and event', () => {
  const sample: Record<ReleaseEventKind, ReleaseEvent> = {
    start: op('start', T0),
    resume: op('resume', T0),
    promote: op('promote', T0),
    step_passed: op('step_passed', T0),
    pause: { kind: 'pause', at: T0, actor: 'a', reason: 'r' },
    abort: { kind: 'abort', at: T0, actor: 'a', reason: 'r' },
    rollback: { kind: 'rollback', at: T0, actor: 'a', reason: 'r' },
    guard_failed: { kind: 'guard_failed', at: T0, actor: 's', reason: 'r' },
    // Late enough that no bake is too early.
    bake_elapsed: { kind: 'bake_elapsed', at: T0 + 3_600_000, actor: 's', step: step(0, 1) },
    analysis_passed: { kind: 'analysis_passed', at: T0, actor: 's', step: step(0, 1) },
    analysis_failed: { kind: 'analysis_failed', at: T0, actor: 's', step: step(0, 1), reason: 'r' },
    analysis_nodata: { kind: 'analysis_nodata', at: T0, actor: 's', step: step(0, 1), reason: 'r' },
  };
  let checked = 0;
  for (const phase of RELEASE_PHASES) {
    const run: ReleaseRun = {
      ...planned,
      phase,
      position: phase === 'planned' ? null : { ringIndex: 0, stepIndex: 1, weight: 100, bakeStartedAt: T0 },
    };
    const row: Partial<Record<ReleaseEventKind, string>> = RELEASE_TRANSITIONS[phase];
    for (const kind of Object.values(ReleaseEventKinds)) {
      const result = transition(run, sample[kind]);
      const target = row[kind];
      if (target === undefined) {
        assert.ok('refused' in result, `${phase} + ${kind} should be refused`);
      } else {
        assert.ok('next' in result, `${phase} + ${kind} should move (${'refused' in result ? result.refused : ''})`);
        // From step (0,1), advancing enters ring 1 step 0: progressing.
        assert.equal(result.next.phase, target === 'advance' ? 'progressing' : target, `${phase} + ${kind}`);
        assert.ok(
          result.effects.some((e) => e.kind === 'audit'),
          `${phase} + ${kind} is audited`,
        );
      }
      checked++;
    }
  }
  assert.equal(checked, 7 * 12);
});
