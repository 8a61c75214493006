// Crash safety: a worker killed mid-job loses no job. On PostgreSQL a real worker process is
// SIGKILLed and another worker re-runs its job within lease + sweep. On both stores the same
// recovery path is proven in-process with an abandoned lease (PGlite is single-process).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { storeName } from '../support/test-database.js';
import { actor, counterDrift, createHarness, waitFor, waitForState, type Harness } from './support/harness.js';

const LEASE_MS = 1000;
const SWEEP_MS = 200;
// Slack for timers, a loaded CI machine and the first claim after the sweep.
const SLACK_MS = 1000;

let h: Harness;
before(async () => {
  h = await createHarness();
});
after(async () => {
  await h.dispose();
});

test(
  `[${storeName}] a worker process killed with SIGKILL mid-job has its job re-run by another worker within lease + sweep`,
  {
    skip:
      storeName === 'pglite'
        ? 'PGlite is in-process: no second process can open it (the abandoned-lease test below covers the recovery path)'
        : false,
  },
  async () => {
    const url = h.tdb.url;
    assert.ok(url, 'needs a PostgreSQL URL');
    const child = spawn(process.execPath, [fileURLToPath(new URL('./support/worker-child.js', import.meta.url))], {
      env: {
        ...process.env,
        IRIS_JOBS_CHILD_DB: url,
        IRIS_JOBS_CHILD_WORKER: 'wkr_child',
        IRIS_JOBS_CHILD_LEASE_MS: String(LEASE_MS),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor(() => out.includes('ready'), 'the child worker to start', 15_000);
      const { job } = await h.queue.enqueue('t-crash', { kind: 'test.block', payload: { ms: 200 } }, actor);
      const running = await waitForState(h, 't-crash', job.jobId, 'running', 10_000);
      assert.equal(running.leaseOwner, 'wkr_child');
      await waitFor(() => out.includes(`running ${job.jobId} attempt 1`), 'the child to run the handler');
      child.kill('SIGKILL');
      await once(child, 'exit');
      const killedAt = performance.now();

      const w = h.worker({ leaseMs: LEASE_MS, sweepIntervalMs: SWEEP_MS });
      await w.start();
      try {
        const rerun = await waitFor(
          () => h.runs.find((r) => r.jobId === job.jobId),
          'another worker to re-run the job',
          10_000,
          5,
        );
        const recoveryMs = rerun.at - killedAt;
        assert.equal(rerun.attempt, 2);
        assert.ok(
          recoveryMs <= LEASE_MS + SWEEP_MS + SLACK_MS,
          `re-run started ${recoveryMs.toFixed(0)} ms after the kill`,
        );
        const done = await waitForState(h, 't-crash', job.jobId, 'succeeded');
        assert.equal(done.attempts, 2);
        assert.equal(done.lastError?.code, 'lease_expired');
        assert.ok(
          h.changes.some(
            (c) => c.jobId === job.jobId && c.reason === 'lease-expired' && c.from === 'running' && c.to === 'queued',
          ),
        );
      } finally {
        await w.stop();
      }
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  },
);

test(`[${storeName}] an abandoned lease (worker gone without a word) is swept and the job re-run within lease + sweep`, async () => {
  const { job } = await h.queue.enqueue('t-abandon', { kind: 'test.record' }, actor);
  // A worker claims the job and then vanishes: no heartbeat, no settle, no release.
  const goneAt = performance.now();
  const [claimed] = await h.leases.claim({ workerId: 'wkr_gone', limit: 1, leaseMs: LEASE_MS, kinds: ['test.record'] });
  assert.equal(claimed?.jobId, job.jobId);
  const leaseEnd = claimed.leaseExpiresAt;
  assert.ok(leaseEnd);
  const w = h.worker({ leaseMs: LEASE_MS, sweepIntervalMs: SWEEP_MS });
  await w.start();
  try {
    const rerun = await waitFor(() => h.runs.find((r) => r.jobId === job.jobId), 'the re-run', 10_000, 5);
    const recoveryMs = rerun.at - goneAt;
    assert.equal(rerun.attempt, 2);
    assert.ok(
      recoveryMs <= LEASE_MS + SWEEP_MS + SLACK_MS,
      `re-run started ${recoveryMs.toFixed(0)} ms after the worker vanished`,
    );
    const done = await waitForState(h, 't-abandon', job.jobId, 'succeeded');
    assert.ok(done.startedAt && done.startedAt >= leaseEnd, 'not re-run before the lease ran out (database clock)');
    assert.deepEqual([done.attempts, done.lastError?.code], [2, 'lease_expired']);
    // The vanished worker's late settle is refused: it no longer holds the attempt.
    const late = await h.leases.settle('wkr_gone', [{ job: claimed, to: 'succeeded', result: null }]);
    assert.equal(late.stale.length, 1);
  } finally {
    await w.stop();
  }
});

test(`[${storeName}] a job whose last attempt dies with its worker is poisoned, not re-run`, async () => {
  const { job } = await h.queue.enqueue('t-abandon', { kind: 'test.record', maxAttempts: 1 }, actor);
  await h.leases.claim({ workerId: 'wkr_gone', limit: 1, leaseMs: 300, kinds: ['test.record'] });
  const w = h.worker({ sweepIntervalMs: SWEEP_MS });
  await w.start();
  try {
    const poisoned = await waitForState(h, 't-abandon', job.jobId, 'poisoned', 5000);
    assert.deepEqual([poisoned.attempts, poisoned.lastError?.code], [1, 'lease_expired']);
    assert.equal(h.runs.filter((r) => r.jobId === job.jobId).length, 0);
  } finally {
    await w.stop();
  }
  assert.deepEqual(await counterDrift(h.db), []);
});
