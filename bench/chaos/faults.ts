// The fault schedule: what is broken, when, and when the broken part was back. A fault is
// either instant (a kill, a termination, a restart: recovery counts from the moment it hit) or
// held for a while (Redis down, the LLM failing or slow: recovery counts from the moment it
// was lifted, since the outage itself is the experiment).
import type { Cluster } from './cluster.js';
import { sleep } from './processes.js';

export interface FaultRecord {
  readonly name: string;
  /** ms on the suite's clock when the fault was injected. */
  readonly start: number;
  /** When the fault was lifted (= start for instant faults). */
  readonly lifted: number;
  /** When the broken part answered again (a restarted process ready, PostgreSQL accepting). */
  readonly back: number;
  readonly note: string;
}

interface Fault {
  readonly name: string;
  /** Injects the fault and undoes it; resolves with when it was lifted and when the part was back. */
  run(c: Cluster): Promise<{ lifted: number; back: number; note: string }>;
}

const now = (): number => performance.now();

function faults(holdMs: number): readonly Fault[] {
  return [
    {
      name: 'api-replica-sigkill',
      async run(c) {
        const r = c.replicas[0];
        if (!r) throw new Error('no replica');
        const lifted = now();
        r.kill();
        await r.start();
        return { lifted, back: now(), note: `SIGKILL ${r.name}, restarted` };
      },
    },
    {
      name: 'api-replica-sigterm',
      async run(c) {
        const r = c.replicas[1];
        if (!r) throw new Error('no replica');
        const lifted = now();
        await r.terminate();
        await r.start();
        return { lifted, back: now(), note: `SIGTERM ${r.name} (a rolling restart), restarted` };
      },
    },
    {
      name: 'worker-sigkill-mid-job',
      async run(c) {
        const w = c.workers[0];
        if (!w) throw new Error('no worker');
        // Mid-job: wait (a little) until the worker holds leases, so the kill strands running jobs.
        let held = 0;
        for (let i = 0; i < 50 && held === 0; i++) {
          held = await c.postgres.runningJobs(w.id() ?? '');
          if (held === 0) await sleep(100);
        }
        const lifted = now();
        w.kill();
        await w.start();
        return { lifted, back: now(), note: `SIGKILL ${w.name} holding ${held} running jobs, restarted` };
      },
    },
    {
      name: 'pg-terminate-backends',
      async run(c) {
        const n = await c.postgres.terminateBackends();
        const t = now();
        return { lifted: t, back: t, note: `${n} backends terminated` };
      },
    },
    {
      name: 'pg-restart',
      async run(c) {
        await c.postgres.restart();
        const t = now();
        return { lifted: t, back: t, note: 'fast shutdown, started again' };
      },
    },
    {
      name: 'redis-stop-start',
      async run(c) {
        await c.redis.stop();
        await sleep(holdMs);
        const lifted = now();
        await c.redis.start();
        return { lifted, back: now(), note: `stopped for ${holdMs / 1000} s` };
      },
    },
    {
      name: 'llm-failing',
      async run(c) {
        c.llm.behave({ kind: 'fail', status: 500 });
        await sleep(holdMs);
        c.llm.behave({ kind: 'ok' });
        const t = now();
        return { lifted: t, back: t, note: `500s for ${holdMs / 1000} s` };
      },
    },
    {
      name: 'llm-slow',
      async run(c) {
        c.llm.behave({ kind: 'slow', ms: 3_000 });
        await sleep(holdMs);
        c.llm.behave({ kind: 'ok' });
        const t = now();
        return { lifted: t, back: t, note: `3 s per answer for ${holdMs / 1000} s` };
      },
    },
  ];
}

/**
 * Runs every fault once, the first after `calmMs` of undisturbed load and the next ones
 * `everyMs` apart; stops early when `stopped()` says the load has ended.
 */
export async function runFaults(
  c: Cluster,
  opts: { calmMs: number; everyMs: number; holdMs: number; log: (line: string) => void },
): Promise<FaultRecord[]> {
  const records: FaultRecord[] = [];
  const t0 = now();
  let previousEnd = t0;
  for (const [i, f] of faults(opts.holdMs).entries()) {
    // NOTE: a fault that ran long (a slow restart) still leaves half a period of load before the
    // next one, so each fault's requests and recovery are its own.
    const at = Math.max(t0 + opts.calmMs + i * opts.everyMs, previousEnd + opts.everyMs / 2);
    if (at > now()) await sleep(at - now());
    const start = now();
    const r = await f.run(c);
    records.push({ name: f.name, start, ...r });
    previousEnd = now();
    opts.log(
      `fault ${f.name}: ${r.note}; lifted +${((r.lifted - start) / 1000).toFixed(1)} s, back +${((r.back - start) / 1000).toFixed(1)} s`,
    );
  }
  return records;
}

/** How many faults the schedule holds (the load must outlast them). */
export const FAULT_COUNT = faults(0).length;
