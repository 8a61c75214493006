// A worker in its own process for the crash test: it runs `test.block` jobs by blocking until
// the parent kills it with SIGKILL. Does nothing unless IRIS_JOBS_CHILD_DB is set, because the
// test runner also loads every file under test/ as a test file.
import { Type } from '@sinclair/typebox';
import { defineJobKind, makeJobKindRegistry, makeWorker, registerBuiltinKinds } from '../../../src/jobs/index.js';
import { openPostgresDatabase } from '../../../src/store/index.js';

const url = process.env.IRIS_JOBS_CHILD_DB;
if (url !== undefined && url !== '') {
  const db = await openPostgresDatabase(url, 2);
  const registry = registerBuiltinKinds(makeJobKindRegistry());
  registry.register(
    defineJobKind({
      kind: 'test.block',
      payload: Type.Object({ ms: Type.Optional(Type.Integer()) }, { additionalProperties: false }),
      timeoutMs: 120_000,
      handler: async (_p, ctx) => {
        process.stdout.write(`running ${ctx.jobId} attempt ${ctx.attempt}\n`);
        await new Promise(() => undefined);
      },
    }),
  );
  const worker = makeWorker(
    { db, registry },
    {
      workerId: process.env.IRIS_JOBS_CHILD_WORKER,
      concurrency: 2,
      leaseMs: Number(process.env.IRIS_JOBS_CHILD_LEASE_MS ?? 1000),
      heartbeatMs: 200,
      pollIntervalMs: 100,
      sweepIntervalMs: 60_000,
    },
  );
  await worker.start();
  process.stdout.write('ready\n');
}
