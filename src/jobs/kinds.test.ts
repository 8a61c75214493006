// Unit tests of the kind registry and the pure job-model rules.
import { Type } from '@sinclair/typebox';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IrisError } from '../core/errors.js';
import { registerBuiltinKinds } from './builtin-kinds.js';
import { describeFailure, JobTimeoutError, NonRetryableJobError } from './errors.js';
import { actionTarget, sameJson } from './job-model.js';
import { defineJobKind, makeJobKindRegistry } from './kinds.js';

const registry = registerBuiltinKinds(makeJobKindRegistry());

function codeOf(fn: () => unknown): [string, number] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof IrisError, `expected an IrisError, got ${String(err)}`);
    return [err.code, err.status];
  }
  assert.fail('expected an error');
}

test('builtin kinds validate their payloads', () => {
  assert.deepEqual(registry.kinds(), ['noop', 'sleep']);
  assert.ok(registry.validate('sleep', { ms: 10 }, 1024) > 0);
  assert.deepEqual(
    codeOf(() => registry.validate('sleep', { ms: -1 }, 1024)),
    ['invalid_job_payload', 400],
  );
  assert.deepEqual(
    codeOf(() => registry.validate('sleep', { ms: 1, extra: true }, 1024)),
    ['invalid_job_payload', 400],
  );
  assert.deepEqual(
    codeOf(() => registry.validate('sleep', {}, 1024)),
    ['invalid_job_payload', 400],
  );
});

test('unknown kinds are 400 and oversized payloads 413', () => {
  assert.deepEqual(
    codeOf(() => registry.validate('nope', {}, 1024)),
    ['unknown_job_kind', 400],
  );
  assert.deepEqual(
    codeOf(() => registry.validate('noop', { echo: 'x'.repeat(900) }, 100)),
    ['payload_too_large', 413],
  );
});

test('kind names are checked and unique; timeouts may depend on the payload', () => {
  const r = makeJobKindRegistry();
  const kind = defineJobKind({
    kind: 'policy.compile',
    payload: Type.Object({ n: Type.Integer() }),
    handler: async (p) => p.n,
    timeoutMs: (p) => p.n * 10,
  });
  r.register(kind);
  assert.throws(() => r.register(kind), /already registered/);
  assert.throws(() => r.register({ ...kind, kind: 'Bad Name' }), /must match/);
  assert.equal(r.require('policy.compile').timeoutFor({ n: 7 }), 70);
  assert.equal(r.require('policy.compile').maxAttempts, 5);
});

test('failures are classified retryable or not', () => {
  const at = new Date(0);
  assert.equal(describeFailure(new Error('boom'), 1, at).retryable, true);
  assert.equal(describeFailure(new NonRetryableJobError('bad input', { code: 'bad_input' }), 1, at).code, 'bad_input');
  assert.equal(describeFailure(new NonRetryableJobError('bad input'), 1, at).retryable, false);
  assert.deepEqual(
    { ...describeFailure(new JobTimeoutError(5), 2, at) },
    {
      code: 'job_timeout',
      message: 'The handler did not finish within its timeout of 5 ms.',
      retryable: true,
      attempt: 2,
      at: at.toISOString(),
    },
  );
  assert.equal(describeFailure(new IrisError('nope', 400, 'x'), 1, at).retryable, false);
  assert.equal(describeFailure(new IrisError('busy', 503, 'x', { retryable: true }), 1, at).retryable, true);
  assert.equal(describeFailure('x'.repeat(5000), 1, at).message.length, 1001);
});

test('operator actions apply only to the right states', () => {
  assert.equal(actionTarget('cancel', 'queued'), 'cancelled');
  assert.equal(actionTarget('cancel', 'running'), 'cancelled');
  assert.equal(actionTarget('cancel', 'succeeded'), null);
  assert.equal(actionTarget('cancel', 'cancelled'), null);
  assert.equal(actionTarget('retry', 'failed'), 'queued');
  assert.equal(actionTarget('retry', 'poisoned'), null);
  assert.equal(actionTarget('redrive', 'poisoned'), 'queued');
  assert.equal(actionTarget('redrive', 'failed'), null);
});

test('sameJson ignores key order', () => {
  assert.ok(sameJson({ a: 1, b: [1, { c: 2, d: 3 }] }, { b: [1, { d: 3, c: 2 }], a: 1 }));
  assert.ok(!sameJson({ a: 1 }, { a: 2 }));
  assert.ok(!sameJson([1, 2], [2, 1]));
  assert.ok(!sameJson({ a: 1 }, { a: 1, b: 2 }));
});
