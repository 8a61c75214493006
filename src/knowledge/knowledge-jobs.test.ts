// What a document's status becomes when its ingest job changes state outside its handler.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { documentStatusAfterJob } from './knowledge-jobs.js';

test('a cancelled, given-up or failed job fails its document with a reason; only from pending or ingesting', () => {
  for (const from of ['queued', 'running'] as const) {
    const next = documentStatusAfterJob(from, 'cancelled', 'j1', undefined);
    assert.equal(next?.status, 'failed');
    assert.match(next?.error ?? '', /^cancelled: ingest job j1 was cancelled/);
    assert.deepEqual(next?.from, ['pending', 'ingesting']);
  }
  assert.deepEqual(documentStatusAfterJob('running', 'poisoned', 'j2', 'worker died'), {
    status: 'failed',
    error: 'ingest job j2 gave up: worker died',
    from: ['pending', 'ingesting'],
  });
  assert.deepEqual(documentStatusAfterJob('running', 'failed', 'j3', 'not valid YAML'), {
    status: 'failed',
    error: 'not valid YAML',
    from: ['pending', 'ingesting'],
  });
});

test('a retried or redriven job makes its document pending again; a lost lease puts an ingesting one back', () => {
  for (const from of ['failed', 'cancelled', 'poisoned'] as const)
    assert.deepEqual(documentStatusAfterJob(from, 'queued', 'j', undefined), {
      status: 'pending',
      error: null,
      from: ['failed'],
    });
  assert.deepEqual(documentStatusAfterJob('running', 'queued', 'j', undefined), {
    status: 'pending',
    error: null,
    from: ['ingesting'],
  });
});

test("claims, successes and new jobs are the handler's to record", () => {
  assert.equal(documentStatusAfterJob('queued', 'running', 'j', undefined), undefined);
  assert.equal(documentStatusAfterJob('running', 'succeeded', 'j', undefined), undefined);
  assert.equal(documentStatusAfterJob(null, 'queued', 'j', undefined), undefined);
});
