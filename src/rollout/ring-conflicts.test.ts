// Two releases fighting over one ring: found, sorted, and only among live releases.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conflictsForStart, ringConflicts, type RingClaim } from './ring-conflicts.js';

const claim = (releaseId: string, phase: RingClaim['phase'], rings: string[]): RingClaim => ({
  releaseId,
  phase,
  rings,
});

test('two live releases sharing rings conflict on exactly those rings, sorted', () => {
  const found = ringConflicts([
    claim('rel-b', 'paused', ['early', 'canary', 'general']),
    claim('rel-a', 'progressing', ['canary', 'general']),
    claim('rel-c', 'analysing', ['internal']),
  ]);
  assert.deepEqual(found, [
    { ring: 'canary', releaseIds: ['rel-a', 'rel-b'] },
    { ring: 'general', releaseIds: ['rel-a', 'rel-b'] },
  ]);
});

test('planned and finished releases hold no ring; a ring listed twice in one plan is no conflict', () => {
  assert.deepEqual(
    ringConflicts([
      claim('a', 'planned', ['canary']),
      claim('b', 'promoted', ['canary']),
      claim('c', 'rolled_back', ['canary']),
      claim('d', 'aborted', ['canary']),
      claim('e', 'progressing', ['canary', 'canary']),
    ]),
    [],
  );
});

test('starting a release is blocked only by live releases on its own rings', () => {
  const live = [
    claim('old', 'progressing', ['canary']),
    claim('x', 'paused', ['early']),
    claim('y', 'progressing', ['early']),
  ];
  const mine = claim('new', 'planned', ['canary', 'general']);
  // x and y already fight over early; that is not the new release's conflict.
  assert.deepEqual(conflictsForStart(mine, live), [{ ring: 'canary', releaseIds: ['new', 'old'] }]);
  assert.deepEqual(conflictsForStart(claim('new', 'planned', ['general']), live), []);
  // Its own stored row (say, a retried start) does not block it.
  assert.deepEqual(conflictsForStart(mine, [claim('new', 'progressing', ['canary'])]), []);
});
