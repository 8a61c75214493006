// Scheduled backups: with IRIS_BACKUP_SCHEDULE set, the app asks for the current slot's backup
// as a platform job; a worker takes it, verifies it and prunes; the backup gauges report the
// schedule and the newest verified backup's age, which the IrisBackupStale alert reads.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PLATFORM } from '../../src/core/ids.js';
import { BACKUP_JOB_KIND, type BackupSummary } from '../../src/recovery/index.js';
import { createTestApp, SCRAPE_TOKEN, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

describe(`scheduled backups (${storeName})`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ IRIS_BACKUP_SCHEDULE: '1h', IRIS_BACKUP_KEEP: '2' });
  });
  after(async () => t.dispose());

  test('one job per slot takes, verifies and prunes a backup; the gauges report it', async () => {
    const metricsBefore = await t.call('GET', '/metrics', { token: SCRAPE_TOKEN });
    assert.match(metricsBefore.body, /^iris_backup_schedule_seconds(\{[^}]*\})? 3600$/m);
    assert.match(
      metricsBefore.body,
      /^iris_backup_last_verified_age_seconds(\{[^}]*\})? \+Inf$/m,
      'no verified backup yet',
    );

    await t.app.startWorker({ concurrency: 1 });
    const deadline = Date.now() + 120_000;
    let state = '';
    while (Date.now() < deadline) {
      const jobs = await t.app.jobs.list(PLATFORM, { kind: BACKUP_JOB_KIND });
      assert.ok(jobs.items.length <= 1, 'one job per slot');
      state = jobs.items[0]?.state ?? 'none';
      if (state === 'succeeded' || state === 'failed' || state === 'poisoned') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(state, 'succeeded');
    const { items } = await t.app.backups.list();
    assert.equal(items.length, 1);
    assert.equal((items[0] as BackupSummary).verification.state, 'ok');

    // Another replica (or the next tick) asking for the same slot gets the same job.
    const [job] = (await t.app.jobs.list(PLATFORM, { kind: BACKUP_JOB_KIND })).items;
    assert.ok(job);
    const again = await t.app.jobs.enqueue(
      PLATFORM,
      { kind: BACKUP_JOB_KIND, payload: job.payload, dedupKey: job.dedupKey ?? '' },
      { actor: 'system', requestId: 'r-test' },
    );
    assert.equal(again.created, false);

    await new Promise((r) => setTimeout(r, 10_100)); // the gauges' catalog read is reused for 10 s
    const metrics = await t.call('GET', '/metrics', { token: SCRAPE_TOKEN });
    const age = Number(/^iris_backup_last_verified_age_seconds(?:\{[^}]*\})? (\S+)$/m.exec(metrics.body)?.[1]);
    assert.ok(age >= 0 && age < 120, `age ${age}`);
  });
});
