// bench:rollout — rainbow releases measured on a real server (the whole gateway through
// app.inject) under generated multi-tenant load, with the fixed test intervals (guard
// every 5 s, bakes of 30 s, at least 50 samples per colour):
// - detect_errors_s / detect_latency_s: from the onset of a fault injected into the candidate
//   colour (30 % of its requests fail; or every request takes 300 ms more) to the release being
//   rolled back (weight 0 on every replica), medians of BENCH_ROUNDS;
// - extra_error_ratio: the errors served beyond the control's error rate, over all requests,
//   from the release's start until the rollback (what the regression cost everyone);
// - promote_3rings_s: a healthy release through three rings (one 30 s bake each) until promoted;
// - shadow_overhead_ratio: GraphRAG query throughput with shadowing on against off, the
//   candidate at 10 % of the ring, two servers on one database measured in interleaved rounds;
//   shadow_coverage: the share of the queries chosen for a shadow run that ran (not dropped).
// PostgreSQL at IRIS_BENCH_DATABASE_URL (default the machine's); PGlite when none answers
// (then the two shadow servers each get their own copy of the corpus).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App, type AppDeps } from '../src/app/index.js';
import { systemContext } from '../src/app/system-context.js';
import { loadConfig } from '../src/core/config.js';
import type { Database } from '../src/core/db.js';
import type { StoredRelease } from '../src/rollout/index.js';
import { migrate, openPgliteDatabase } from '../src/store/index.js';
import { createScratchPostgres, type ScratchPostgres } from './support/scratch-postgres.js';
import { releaseDoc as shared } from '../test/support/release-doc.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SHADOW_SECONDS = Number(process.env.BENCH_SHADOW_SECONDS ?? 8);
const SHADOW_ROUNDS = Number(process.env.BENCH_SHADOW_ROUNDS ?? 5);
const PG_URL = process.env.IRIS_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TOKEN = 'bench-bootstrap-token-0123456789abcdef';
const RINGS = ['canary', 'early', 'general'] as const;
const PER_RING = 16;
const EXAMPLES = join(process.cwd(), 'examples', 'acme');

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Store {
  readonly kind: 'postgres' | 'pglite';
  open(): Promise<Database>;
  dispose(): Promise<void>;
}

async function pickStore(): Promise<Store> {
  let scratch: ScratchPostgres | undefined;
  try {
    scratch = await createScratchPostgres(PG_URL, 8);
  } catch {
    scratch = undefined;
  }
  if (scratch !== undefined) {
    const s = scratch;
    const { openPostgresDatabase } = await import('../src/store/index.js');
    const extra: Database[] = [];
    return {
      kind: 'postgres',
      async open() {
        const db = await openPostgresDatabase(s.url, 8);
        extra.push(db);
        return db;
      },
      async dispose() {
        for (const db of extra) await db.close();
        await s.dispose();
      },
    };
  }
  const dirs: string[] = [];
  return {
    kind: 'pglite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'iris-bench-rollout-'));
      dirs.push(dir);
      const db = await openPgliteDatabase(join(dir, 'pgdata'));
      await migrate(db);
      return db;
    },
    async dispose() {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

async function startApp(db: Database, env: Record<string, string>, deps: Omit<AppDeps, 'db'> = {}): Promise<App> {
  const dataDir = mkdtempSync(join(tmpdir(), 'iris-bench-rollout-app-'));
  const config = loadConfig({
    IRIS_DATA_DIR: dataDir,
    IRIS_BOOTSTRAP_TOKEN: TOKEN,
    IRIS_RATE_LIMITS: 'false',
    IRIS_TELEMETRY: 'false',
    IRIS_RELEASE_COLOR: 'blue',
    ...env,
  });
  return createApp(config, { ...deps, db });
}

async function call(
  app: App,
  method: 'GET' | 'POST',
  url: string,
  body?: unknown,
): Promise<{ status: number; json: unknown; colour?: string }> {
  const res = await app.server.inject({
    method,
    url,
    headers: { authorization: `Bearer ${TOKEN}` },
    ...(body === undefined ? {} : { payload: body as object }),
  });
  const colour = res.headers['x-iris-colour'];
  return {
    status: res.statusCode,
    json: res.body === '' ? null : (JSON.parse(res.body) as unknown),
    ...(typeof colour === 'string' ? { colour } : {}),
  };
}

function releaseDoc(
  name: string,
  colour: string,
  rings: readonly string[],
  weight: number,
  bakeSeconds: number,
): object {
  return shared(name, colour, {
    rings,
    weight,
    bakeSeconds,
    topK: 6,
    answerPrompt: 'Answer from the sources, citing each.',
  });
}

async function phaseOf(app: App, id: string): Promise<StoredRelease> {
  return (await call(app, 'GET', `/v1/platform/releases/${id}`)).json as StoredRelease;
}

async function waitFinished(app: App, id: string, timeoutMs: number): Promise<{ release: StoredRelease; at: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const release = await phaseOf(app, id);
    if (['promoted', 'rolled_back', 'aborted', 'paused'].includes(release.phase)) return { release, at: Date.now() };
    if (Date.now() > deadline) throw new Error(`release ${id} still ${release.phase}`);
    await sleep(100);
  }
}

/** Tenant reads over every tenant, 8 at a time, ~25 per second per worker, until stopped. */
function tenantLoad(app: App, tenants: readonly string[]): { stop(): Promise<{ status: number; colour?: string }[]> } {
  const served: { status: number; colour?: string }[] = [];
  let running = true;
  let i = 0;
  const workers = Array.from({ length: 8 }, async () => {
    while (running) {
      const r = await call(app, 'GET', `/v1/tenants/${tenants[i++ % tenants.length] as string}`);
      served.push({ status: r.status, ...(r.colour === undefined ? {} : { colour: r.colour }) });
      await sleep(40);
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(workers);
      return served;
    },
  };
}

async function detection(
  app: App,
  tenants: readonly string[],
  faults: Map<string, { errorRatio: number; delayMs: number }>,
  name: string,
  colour: string,
  fault: { errorRatio: number; delayMs: number },
): Promise<{ seconds: number; extra: number; requests: number }> {
  const created = await call(app, 'POST', '/v1/platform/releases', releaseDoc(name, colour, RINGS, 50, 300));
  if (created.status !== 201) throw new Error(JSON.stringify(created.json));
  const id = `${name}@1.0.0`;
  const load = tenantLoad(app, tenants);
  await call(app, 'POST', `/v1/platform/releases/${id}/start`, {});
  await sleep(6000);
  faults.set(colour, fault);
  const onset = Date.now();
  const { release, at } = await waitFinished(app, id, 60_000);
  faults.delete(colour);
  const served = await load.stop();
  if (release.phase !== 'rolled_back') throw new Error(`${id} ended ${release.phase}: ${release.reason ?? ''}`);
  const control = served.filter((s) => s.colour !== colour);
  const controlRate = control.length === 0 ? 0 : control.filter((s) => s.status >= 500).length / control.length;
  const errors = served.filter((s) => s.status >= 500).length;
  return {
    seconds: (at - onset) / 1000,
    extra: Math.max(0, errors - controlRate * served.length) / Math.max(1, served.length),
    requests: served.length,
  };
}

async function seedTenants(app: App, ring: (i: number) => string, count: number, prefix: string): Promise<string[]> {
  const ctx = systemContext();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `${prefix}-${String(i).padStart(2, '0')}`;
    await app.tenants.create(ctx, { id, displayName: id, ring: ring(i) });
    ids.push(id);
  }
  await app.directory.resync();
  return ids;
}

/** Questions over the example corpus: every one unique, so each query is answered, not cached. */
function questionMaker(): () => string {
  const words = new Set<string>();
  for (const f of readdirSync(EXAMPLES))
    for (const w of readFileSync(join(EXAMPLES, f), 'utf8').match(/\b[A-Za-z][a-z]{5,}\b/g) ?? [])
      words.add(w.toLowerCase());
  const pool = [...words];
  let n = 0;
  return () => {
    n++;
    return `What does the team say about ${pool[n % pool.length] ?? 'payments'} and ${pool[(n * 7) % pool.length] ?? 'owners'} ${n}?`;
  };
}

async function queryRound(app: App, tenants: readonly string[], next: () => string, seconds: number): Promise<number> {
  const until = Date.now() + seconds * 1000;
  let done = 0;
  let i = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (Date.now() < until) {
        const tenant = tenants[i++ % tenants.length] as string;
        const r = await call(app, 'POST', `/v1/tenants/${tenant}/query`, { question: next(), mode: 'naive' });
        if (r.status !== 200) throw new Error(`query ${r.status}: ${JSON.stringify(r.json)}`);
        done++;
      }
    }),
  );
  return done / seconds;
}

async function main(): Promise<void> {
  const store = await pickStore();
  console.log(`bench:rollout on ${store.kind}; ${ROUNDS} rounds; test intervals: guard 5 s, bakes 30 s, 50 samples`);
  const faults = new Map<string, { errorRatio: number; delayMs: number }>();
  const db = await store.open();
  const app = await startApp(db, { IRIS_ROLLOUT_SHADOW_CONCURRENCY: '0' }, { rolloutFaults: (c) => faults.get(c) });
  const detectErrors: number[] = [];
  const detectLatency: number[] = [];
  const extra: number[] = [];
  let promoteS: number;
  const shadowOn: number[] = [];
  const shadowOff: number[] = [];
  let coverage: number;
  try {
    const tenants = await seedTenants(app, (i) => RINGS[i % RINGS.length] as string, RINGS.length * PER_RING, 'rt');
    // Healthy first: green becomes the control; the faulty candidates are compared with it.
    await call(app, 'POST', '/v1/platform/releases', releaseDoc('healthy', 'green', RINGS, 50, 30));
    const load = tenantLoad(app, tenants);
    const t0 = Date.now();
    await call(app, 'POST', '/v1/platform/releases/healthy@1.0.0/start', {});
    const healthy = await waitFinished(app, 'healthy@1.0.0', 300_000);
    await load.stop();
    promoteS = (healthy.at - t0) / 1000;
    console.log(`healthy release: ${healthy.release.phase} after ${promoteS.toFixed(1)} s`);
    for (let r = 0; r < ROUNDS; r++) {
      const e = await detection(app, tenants, faults, `errors-${r}`, `red${r}`, { errorRatio: 0.3, delayMs: 0 });
      const l = await detection(app, tenants, faults, `latency-${r}`, `violet${r}`, { errorRatio: 0, delayMs: 300 });
      detectErrors.push(e.seconds);
      detectLatency.push(l.seconds);
      extra.push(e.extra);
      console.log(
        `round ${r + 1}: errors detected in ${e.seconds.toFixed(1)} s (extra error ratio ${e.extra.toFixed(4)} over ${e.requests} requests), latency in ${l.seconds.toFixed(1)} s`,
      );
    }
  } finally {
    await app.close();
  }

  // Shadow: two servers (on, off) over one corpus; the candidate at 10 % of the ring.
  const dbOn = store.kind === 'postgres' ? db : await store.open();
  const dbOff = await store.open();
  const on = await startApp(dbOn, { IRIS_ROLLOUT_SHADOW_CONCURRENCY: '2' });
  const off = await startApp(dbOff, { IRIS_ROLLOUT_SHADOW_CONCURRENCY: '0' });
  try {
    const docs = readdirSync(EXAMPLES).map((name) => ({ name, bytes: readFileSync(join(EXAMPLES, name)) }));
    const corpora = store.kind === 'postgres' ? [on] : [on, off];
    const queried: string[] = [];
    for (const a of corpora) {
      const ids = await seedTenants(a, () => 'general', 8, 'kg');
      for (const id of ids)
        for (const d of docs) {
          const { document } = await a.knowledge.submit(id, { documentId: `docs/${d.name}`, ...d }, systemContext());
          await a.knowledge.ingestSubmitted(id, document.documentId, document.sha256);
        }
      if (queried.length === 0) queried.push(...ids);
    }
    await off.directory.resync();
    for (const a of corpora) {
      await call(a, 'POST', '/v1/platform/releases', releaseDoc('shadowed', 'amber', ['general'], 10, 3600));
      await call(a, 'POST', '/v1/platform/releases/shadowed@1.0.0/start', {});
      await a.rollout.state.reload();
    }
    await on.rollout.state.reload();
    await off.rollout.state.reload();
    // Only tenants served by the control are shadowed; pick those (the candidate's tenants are served by it).
    const controlTenants = queried.filter((t) => on.rollout.placementOf(t)?.candidate === false);
    const next = questionMaker();
    await queryRound(on, controlTenants, next, 2);
    await queryRound(off, controlTenants, next, 2);
    for (let r = 0; r < SHADOW_ROUNDS; r++) {
      shadowOn.push(await queryRound(on, controlTenants, next, SHADOW_SECONDS));
      shadowOff.push(await queryRound(off, controlTenants, next, SHADOW_SECONDS));
      console.log(
        `shadow round ${r + 1}: ${shadowOn.at(-1)?.toFixed(0)} q/s with shadowing, ${shadowOff.at(-1)?.toFixed(0)} without`,
      );
    }
    const shadow = on.rollout.shadow;
    await shadow?.runner.drain();
    coverage = shadow === undefined || shadow.selected() === 0 ? 0 : shadow.runner.completed / shadow.selected();
    console.log(
      `shadow: ${shadow?.selected() ?? 0} queries chosen (10 % of the control's), ${shadow?.runner.completed ?? 0} ran, ${shadow?.runner.dropped ?? 0} dropped`,
    );
  } finally {
    await on.close();
    await off.close();
    await store.dispose();
  }
  const ratio = median(shadowOn) / Math.max(1e-9, median(shadowOff));
  console.log(
    `RESULT rollout detect_errors_s=${median(detectErrors).toFixed(1)} detect_latency_s=${median(detectLatency).toFixed(1)} extra_error_ratio=${median(extra).toFixed(4)} promote_3rings_s=${promoteS.toFixed(1)} shadow_overhead_ratio=${ratio.toFixed(3)} shadow_coverage=${coverage.toFixed(3)}`,
  );
}

await main();
