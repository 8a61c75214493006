// `npm run chaos`: Iris under generated multi-tenant load while faults are injected on a
// schedule (an API replica and a worker SIGKILLed, every PostgreSQL backend terminated,
// PostgreSQL restarted, Redis stopped, the LLM failing then slow), on real parts of the suite's
// own. Last line: RESULT chaos success_ratio=… p99_fault_ms=… p99_calm_ms=… jobs_lost=…
// double_effects=… ledger_ok=… max_recovery_s=…
//
// CHAOS_MODE=ci (or --short) is the shortened run CI makes; it exits non-zero when the target
// is missed. CHAOS_RPS, CHAOS_TENANTS and CHAOS_KEEP=1 (keep the temp dir) tune a run.
import { checkDoubleEffects, checkJobs, checkLedgers } from './checks.js';
import { startCluster, type Cluster } from './cluster.js';
import { FAULT_COUNT, runFaults, type FaultRecord } from './faults.js';
import { createTenants, runLoad } from './load.js';
import { killAllNow, stopAll } from './processes.js';
import { failureTable, recoveries, summarize } from './report.js';

const TARGET_SUCCESS = 0.999;

interface Mode {
  readonly name: 'full' | 'ci';
  readonly rps: number;
  readonly tenants: number;
  readonly calmMs: number;
  readonly everyMs: number;
  readonly holdMs: number;
  readonly tailMs: number;
  readonly workerSlots: number;
}

function mode(): Mode {
  const short = process.env.CHAOS_MODE === 'ci' || process.argv.includes('--short');
  const base: Mode = short
    ? {
        name: 'ci',
        rps: 30,
        tenants: 20,
        calmMs: 12_000,
        everyMs: 9_000,
        holdMs: 5_000,
        tailMs: 10_000,
        workerSlots: 8,
      }
    : {
        name: 'full',
        rps: 60,
        tenants: 24,
        calmMs: 30_000,
        everyMs: 20_000,
        holdMs: 8_000,
        tailMs: 20_000,
        workerSlots: 8,
      };
  const num = (v: string | undefined, d: number): number => (v === undefined || v === '' ? d : Number(v));
  return { ...base, rps: num(process.env.CHAOS_RPS, base.rps), tenants: num(process.env.CHAOS_TENANTS, base.tenants) };
}

const log = (line: string): void =>
  void process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

async function main(): Promise<number> {
  const m = mode();
  const loadMs = m.calmMs + FAULT_COUNT * m.everyMs + m.tailMs;
  log(`mode ${m.name}: ${m.rps} req/s across ${m.tenants} tenants for ${(loadMs / 1000).toFixed(0)} s`);
  let cluster: Cluster | undefined;
  const cleanup = async (): Promise<void> => {
    const c = cluster;
    cluster = undefined;
    if (c && process.env.CHAOS_KEEP !== '1') await c.close();
    await stopAll();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      log(`${signal}: stopping every process of the suite`);
      void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  process.once('exit', killAllNow);
  try {
    cluster = await startCluster({ workerSlots: m.workerSlots });
    const c = cluster;
    log(`cluster up in ${c.dir}: HAProxy ${c.api}, replicas ${c.replicas.map((r) => r.url).join(' ')}`);
    const tenants = await createTenants(c.api, m.tenants, Date.now().toString(36));

    const loadStart = performance.now();
    // NOTE: a fault that takes longer than planned (a slow restart) delays the next ones; the
    // load then runs on until `tailMs` after the last fault.
    let faultsDone: number | undefined;
    const load = runLoad(c.api, tenants, {
      rps: m.rps,
      durationMs: loadMs,
      more: () => faultsDone === undefined || performance.now() < faultsDone + m.tailMs,
      maxInFlight: 400,
    });
    let faults: FaultRecord[];
    try {
      faults = await runFaults(c, { calmMs: m.calmMs, everyMs: m.everyMs, holdMs: m.holdMs, log });
    } finally {
      faultsDone = performance.now();
      await load;
    }
    const { outcomes, skipped } = await load;
    const loadEnd = performance.now();
    log(`load done: ${outcomes.length} requests (${skipped} not sent: too many in flight)`);

    const jobs = await checkJobs(c.api, tenants, m.name === 'ci' ? 60_000 : 120_000);
    const doubles = await checkDoubleEffects(c.api, tenants);
    const ledgers = await checkLedgers(c.api, tenants);

    const s = summarize(outcomes, faults, loadStart, loadEnd - loadStart);
    const rec = recoveries(outcomes, faults);
    const maxRecovery = Math.max(0, ...rec.map((r) => r.recoveryS));
    const report: string[] = [];
    report.push(
      `chaos ${m.name}: ${s.requests} requests, ${s.rps.toFixed(1)}/s, ${s.tenants} tenants, ${((100 * s.writes) / Math.max(1, s.requests)).toFixed(0)}% writes`,
    );
    report.push(`  failures ${s.failures}, tenant-quota 429s ${s.quota}, not sent ${skipped}`);
    for (const line of failureTable(outcomes)) report.push(`  ${line}`);
    report.push('  faults:');
    for (const r of rec)
      report.push(
        `    ${r.name.padEnd(24)} recovery ${r.recoveryS.toFixed(1).padStart(5)} s (clients ${r.clientRecoveryS.toFixed(1)} s), ${r.failures} failed and ${r.retried} retried after Retry-After of ${r.requests}`,
      );
    report.push(`  LLM calls ${c.llm.count}`);
    report.push(
      `  jobs: ${jobs.accepted} accepted, ${jobs.succeeded} succeeded, ${jobs.unsuccessful.length} failed/poisoned/cancelled, ${jobs.lost.length} lost`,
    );
    for (const j of [...jobs.lost, ...jobs.unsuccessful].slice(0, 10)) report.push(`    ${j}`);
    for (const d of doubles.slice(0, 10)) report.push(`  double effect: ${d}`);
    for (const l of ledgers.slice(0, 10)) report.push(`  ledger: ${l}`);
    report.push(
      `RESULT chaos success_ratio=${s.successRatio.toFixed(4)} p99_fault_ms=${s.p99FaultMs.toFixed(0)} p99_calm_ms=${s.p99CalmMs.toFixed(0)} jobs_lost=${jobs.lost.length} double_effects=${doubles.length} ledger_ok=${ledgers.length === 0} max_recovery_s=${maxRecovery.toFixed(1)}`,
    );
    for (const line of report) console.log(line);
    const missed = s.successRatio < TARGET_SUCCESS || jobs.lost.length > 0 || doubles.length > 0 || ledgers.length > 0;
    if (missed && m.name === 'ci') {
      // NOTE: CI logs keep their last lines: the processes' tails go first and the report again
      // after them, so the failed requests and the faults are what the log ends with.
      console.error(c.tails());
      for (const line of report) console.error(line);
      return 1;
    }
    return 0;
  } catch (err) {
    console.error(`chaos: ${(err as Error).stack ?? String(err)}`);
    if (cluster) console.error(cluster.tails());
    return 2;
  } finally {
    await cleanup();
  }
}

process.exitCode = await main();
