// A worker process for bench:queue's crash-recovery measurement: it runs `sleep` jobs until the
// bench kills it with SIGKILL. Does nothing unless IRIS_BENCH_CHILD_DB is set.
import { makeJobKindRegistry, makeWorker, registerBuiltinKinds } from '../../src/jobs/index.js';
import { openPostgresDatabase } from '../../src/store/index.js';

const url = process.env.IRIS_BENCH_CHILD_DB;
if (url !== undefined && url !== '') {
  const db = await openPostgresDatabase(url, 2);
  const worker = makeWorker(
    { db, registry: registerBuiltinKinds(makeJobKindRegistry()) },
    {
      workerId: process.env.IRIS_BENCH_CHILD_WORKER,
      concurrency: 1,
      leaseMs: Number(process.env.IRIS_BENCH_CHILD_LEASE_MS ?? 1000),
      pollIntervalMs: 50,
      sweepIntervalMs: 60_000,
    },
  );
  await worker.start();
  process.stdout.write('ready\n');
}
