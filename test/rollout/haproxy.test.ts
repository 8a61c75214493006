// A real HAProxy (the shipped ops/haproxy/haproxy.cfg, started foreground from a tmpdir) in
// front of two colour pools, with Iris's map sync moving a tenant between them over the
// runtime API: by its path segment and by its key id, back again (a rollback) within one sync,
// never reloading HAProxy (same pid throughout), and refusing a hostile id instead of sending it.
//
// Two variants of the pools: two plain node:http servers that name their colour (cheap, the
// routing alone), and two real `iris serve` replicas with IRIS_RELEASE_COLOR=blue and =green.
// NOTE: the replicas each have their own embedded store (IRIS_DATA_DIR): routing needs no shared
// state, and one PGlite cannot be shared by two processes. Iris tells its colour on /metrics
// (the default label `color`), which the platform-admin bootstrap token may read; HAProxy adds
// `x-iris-pool` (the backend's name) to every response, for requests Iris does not answer with
// its colour.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DesiredRouting } from '../../src/rollout/haproxy-map.js';
import {
  makeHaproxyMapSync,
  makeHaproxyRuntime,
  syncMaps,
  type HaproxyMapSync,
  type HaproxyRuntime,
  type MapFiles,
} from '../../src/rollout/haproxy-runtime.js';
import { startIris, type Proc } from '../support/iris-process.js';

const HAPROXY = process.env.IRIS_TEST_HAPROXY ?? '/usr/sbin/haproxy';
const CONFIG = resolve(fileURLToPath(import.meta.url), '../../../../ops/haproxy/haproxy.cfg');

const KEY_A = 'kaaaaaaaaaaaaaaaa';
const KEY_B = 'kbbbbbbbbbbbbbbbb';
const KEY_P = 'kpppppppppppppppp';
const tokenOf = (keyId: string): string => `iris_${keyId}_${'s'.repeat(43)}`;
/** The replicas' scrape token: not shaped like a key, so HAProxy sees no key id in it. */
const SCRAPE_TOKEN = 'iris-haproxy-test-scrape-token-0123456789';

/** A free TCP port on loopback (closed again; HAProxy binds it a moment later). */
async function freePort(): Promise<number> {
  const server = createNetServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

interface Haproxy {
  readonly child: ChildProcess;
  readonly front: string;
  readonly runtime: HaproxyRuntime;
  readonly mapFiles: MapFiles;
  output: string;
  /** The pid HAProxy reports on its runtime API (`show info`). */
  pid(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts HAProxy on the shipped config with empty maps; resolves once both pools are up. */
async function startHaproxy(dir: string, pools: { blue: string; green: string }): Promise<Haproxy> {
  const socket = join(dir, 'admin.sock');
  const mapFiles = { tenants: join(dir, 'tenants.map'), keys: join(dir, 'keys.map') };
  writeFileSync(mapFiles.tenants, '');
  writeFileSync(mapFiles.keys, '');
  const port = await freePort();
  const child = spawn(HAPROXY, ['-db', '-f', CONFIG], {
    env: {
      PATH: process.env.PATH ?? '',
      IRIS_HAPROXY_BIND: `127.0.0.1:${port}`,
      IRIS_HAPROXY_SOCKET: socket,
      IRIS_HAPROXY_MAPS: dir,
      IRIS_CONTROL_COLOUR: 'blue',
      IRIS_POOL_BLUE: pools.blue,
      IRIS_POOL_GREEN: pools.green,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const runtime = makeHaproxyRuntime({ path: socket }, { timeoutMs: 2_000 });
  const h: Haproxy = {
    child,
    front: `http://127.0.0.1:${port}`,
    runtime,
    mapFiles,
    output: '',
    async pid() {
      const m = /^Pid: (\d+)$/m.exec(await runtime.execute('show info'));
      assert.ok(m, 'show info names the pid');
      return Number(m[1]);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await once(child, 'exit');
      clearTimeout(timer);
    },
  };
  child.stdout?.on('data', (d: Buffer) => (h.output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (h.output += d.toString()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    assert.equal(child.exitCode, null, `haproxy exited: ${h.output}`);
    assert.ok(Date.now() < deadline, `haproxy did not come up: ${h.output}`);
    try {
      const stat = await runtime.execute('show stat');
      // NOTE: both pools' servers UP (the first health check passed), so a 503 is never a start-up race.
      if (/^pool_blue,blue-1,.*,UP,/m.test(stat) && /^pool_green,green-1,.*,UP,/m.test(stat)) return h;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Which pool served a request, by HAProxy's header; and Iris's own word where it gives one. */
async function poolOf(front: string, path: string, keyId?: string): Promise<string | null> {
  const headers: Record<string, string> = keyId === undefined ? {} : { authorization: `Bearer ${tokenOf(keyId)}` };
  const res = await fetch(`${front}${path}`, { headers });
  await res.arrayBuffer();
  return res.headers.get('x-iris-pool');
}

/**
 * Iris's own colour as it reports it on /metrics (the default label), read with the bootstrap
 * token (key A: routed as alpha's key) or the scrape token (no key id: routed to the control).
 */
async function irisColour(front: string, bearer: string): Promise<string | null> {
  const res = await fetch(`${front}/metrics`, { headers: { authorization: `Bearer ${bearer}` } });
  const body = await res.text();
  assert.equal(res.status, 200, body.slice(0, 300));
  return /\bcolor="([a-z0-9-]+)"/.exec(body)?.[1] ?? null;
}

function routing(tenants: Record<string, string>): DesiredRouting {
  return {
    tenants: new Map(Object.entries(tenants)),
    keys: new Map<string, string | null>([
      [KEY_A, 'alpha'],
      [KEY_B, 'beta'],
      [KEY_P, null],
    ]),
  };
}

/** The scenario both variants run; `viaIris` also asks the replicas their colour. */
async function moveAndRollBack(t: TestContext, h: Haproxy, viaIris: boolean): Promise<void> {
  let desired = routing({ alpha: 'blue', beta: 'blue' });
  const errors: unknown[] = [];
  const mapSync: HaproxyMapSync = makeHaproxyMapSync({
    runtime: h.runtime,
    mapFiles: h.mapFiles,
    desired: () => desired,
    intervalMs: 0,
    onError: (err) => errors.push(err),
  });
  const pid = await h.pid();

  const first = await mapSync.sync();
  assert.ok(first.ok, JSON.stringify(first));
  assert.deepEqual(
    first.maps.map((m) => [m.map, m.status, m.mode, m.added]),
    [
      ['tenants', 'applied', 'atomic', 2],
      ['keys', 'applied', 'atomic', 2],
    ],
  );
  assert.equal(await poolOf(h.front, '/v1/tenants/alpha'), 'pool_blue');
  assert.equal(await poolOf(h.front, '/v1/tenants', KEY_A), 'pool_blue');
  assert.equal(await poolOf(h.front, '/v1/tenants/beta/jobs', KEY_B), 'pool_blue');
  if (viaIris) assert.equal(await irisColour(h.front, tokenOf(KEY_A)), 'blue');

  // Move alpha to green: by path and by its key, at once (one committed version per map).
  desired = routing({ alpha: 'green', beta: 'blue' });
  const started = performance.now();
  const moved = await mapSync.sync();
  const synced = performance.now() - started;
  assert.ok(moved.ok, JSON.stringify(moved));
  assert.deepEqual(
    moved.maps.map((m) => [m.status, m.changed]),
    [
      ['applied', 1],
      ['applied', 1],
    ],
  );
  const firstGreen = await poolOf(h.front, '/v1/tenants/alpha');
  const landed = performance.now() - started;
  assert.equal(firstGreen, 'pool_green', 'the first request after sync() resolves already lands on green');
  t.diagnostic(
    `sync() took ${synced.toFixed(1)} ms; first request on green ${landed.toFixed(1)} ms after sync() began`,
  );
  assert.equal(await poolOf(h.front, '/v1/tenants/alpha/jobs', KEY_B), 'pool_green', "the path's tenant wins");
  assert.equal(await poolOf(h.front, '/v1/tenants', KEY_A), 'pool_green', "alpha's key follows alpha");
  assert.equal(await poolOf(h.front, '/v1/tenants/beta', KEY_A), 'pool_blue', "beta's path stays on blue");
  assert.equal(await poolOf(h.front, '/v1/tenants', KEY_B), 'pool_blue', "beta's key stays on blue");
  assert.equal(await poolOf(h.front, '/v1/tenants', KEY_P), 'pool_blue', 'a platform key goes to the control');
  assert.equal(await poolOf(h.front, '/healthz'), 'pool_blue', 'no tenant, no key: the control');
  if (viaIris) {
    assert.equal(await irisColour(h.front, tokenOf(KEY_A)), 'green', "the green replica answers alpha's key");
    assert.equal(await irisColour(h.front, SCRAPE_TOKEN), 'blue', 'the blue replica answers the rest');
  }

  const again = await mapSync.sync();
  assert.deepEqual(
    again.maps.map((m) => m.status),
    ['unchanged', 'unchanged'],
    'the same routing sends nothing',
  );

  // Roll back: alpha to blue within one sync.
  desired = routing({ alpha: 'blue', beta: 'blue' });
  assert.ok((await mapSync.sync()).ok);
  assert.equal(await poolOf(h.front, '/v1/tenants/alpha'), 'pool_blue');
  assert.equal(await poolOf(h.front, '/v1/tenants', KEY_A), 'pool_blue');
  if (viaIris) assert.equal(await irisColour(h.front, tokenOf(KEY_A)), 'blue');

  // Hostile ids and colours are refused, never sent; so is a colour HAProxy has no pool for
  // (it would answer 503). Alpha and beta keep their live entries.
  const before = await h.runtime.execute(`show map ${h.mapFiles.tenants}`);
  desired = {
    tenants: new Map([
      ['alpha', `green\nshutdown sessions server pool_blue/blue-1`],
      ['beta', 'purple'],
      ['evil;del map', 'green'],
      [`gamma\nset server pool_blue/blue-1 state maint`, 'green'],
    ]),
    keys: new Map<string, string | null>([
      [KEY_A, 'alpha'],
      [KEY_B, 'beta'],
      [`${KEY_P} x`, 'beta'],
    ]),
  };
  const hostile = await mapSync.sync();
  assert.deepEqual(
    hostile.maps.map((m) => m.status),
    ['unchanged', 'unchanged'],
  );
  assert.deepEqual(
    hostile.refused.map((r) => [r.map, r.held]),
    [
      ['tenants', true],
      ['tenants', true],
      ['tenants', false],
      ['tenants', false],
      ['keys', true],
      ['keys', true],
      ['keys', false],
    ],
  );
  assert.equal(hostile.refused[1]?.reason, 'HAProxy has no backend pool_purple');
  assert.equal(await h.runtime.execute(`show map ${h.mapFiles.tenants}`), before);
  assert.match(await h.runtime.execute('show stat'), /^pool_blue,blue-1,.*,UP,/m, 'no server was put in maintenance');
  assert.equal(await poolOf(h.front, '/v1/tenants/alpha'), 'pool_blue');
  assert.equal(await poolOf(h.front, '/v1/tenants/beta'), 'pool_blue');

  assert.equal(await h.pid(), pid, 'the same HAProxy process throughout: no reload');
  assert.equal(h.child.pid, pid);
  assert.deepEqual(errors, []);
}

const skip = existsSync(HAPROXY) ? false : `no HAProxy at ${HAPROXY}`;

describe('HAProxy routing maps over the runtime API: plain colour pools', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'iris-haproxy-'));
  const servers: Server[] = [];
  let h: Haproxy | undefined;

  before(async () => {
    const pools: Record<string, string> = {};
    for (const colour of ['blue', 'green']) {
      const server = createHttpServer((_req, res) => res.end(JSON.stringify({ colour })));
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      servers.push(server);
      pools[colour] = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    }
    h = await startHaproxy(dir, { blue: pools.blue as string, green: pools.green as string });
  });

  after(async () => {
    await h?.stop();
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('a tenant moves to green by path and key, rolls back in one sync, hostile ids are refused; no reload', async (t) => {
    await moveAndRollBack(t, h as Haproxy, false);
  });

  test('a big change lands as one committed version, cut into payloads HAProxy accepts', async () => {
    const hx = h as Haproxy;
    const tenants = new Map<string, string>();
    for (let i = 0; i < 3_000; i++) tenants.set(`tenant-${i}`, i % 3 === 0 ? 'green' : 'blue');
    const result = await syncMaps(hx.runtime, hx.mapFiles, { tenants, keys: new Map() });
    assert.ok(result.ok, JSON.stringify(result.maps.map((m) => m.error?.message)));
    assert.equal(result.maps[0]?.mode, 'atomic');
    const live = (await hx.runtime.execute(`show map ${hx.mapFiles.tenants}`)).trim().split('\n');
    assert.equal(live.length, 3_000);
    assert.equal(await poolOf(hx.front, '/v1/tenants/tenant-2997'), 'pool_green');
    assert.equal(await poolOf(hx.front, '/v1/tenants/tenant-2998'), 'pool_blue');
    const second = await syncMaps(hx.runtime, hx.mapFiles, { tenants, keys: new Map() });
    assert.deepEqual(
      second.maps.map((m) => m.status),
      ['unchanged', 'unchanged'],
    );
  });

  test('an unreachable runtime API is a retryable failure in the result, and the timer survives it', async () => {
    const hx = h as Haproxy;
    const errors: unknown[] = [];
    const mapSync = makeHaproxyMapSync({
      runtime: makeHaproxyRuntime({ path: join(dir, 'no-such.sock') }, { timeoutMs: 500 }),
      mapFiles: hx.mapFiles,
      desired: () => routing({ alpha: 'green' }),
      intervalMs: 20,
      onError: (err) => errors.push(err),
    });
    const result = await mapSync.sync();
    assert.equal(result.ok, false);
    assert.equal(result.maps[0]?.error?.code, 'haproxy_unreachable');
    assert.equal(result.maps[0]?.error?.retryable, true);
    mapSync.start();
    await new Promise((r) => setTimeout(r, 150));
    await mapSync.stop();
    assert.ok(errors.length >= 4, `the timer kept syncing after failures (${errors.length} errors)`);
  });
});

describe('HAProxy routing maps over the runtime API: two real Iris replicas', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'iris-haproxy-iris-'));
  const replicas: Proc[] = [];
  let h: Haproxy | undefined;

  before(async () => {
    const addresses = await Promise.all(
      (['blue', 'green'] as const).map(async (colour) => {
        const proc = await startIris(
          ['serve'],
          {
            IRIS_DATA_DIR: join(dir, colour),
            IRIS_PORT: '0',
            IRIS_BOOTSTRAP_TOKEN: tokenOf(KEY_A),
            IRIS_METRICS_TOKEN: SCRAPE_TOKEN,
            IRIS_RELEASE_COLOR: colour,
            IRIS_LOG_LEVEL: 'warn',
            IRIS_EXTRACT_THREADS: '0',
          },
          /API\s+http:\/\/\S+\/v1/,
          { startTimeoutMs: 90_000 },
        );
        replicas.push(proc);
        return (/API\s+http:\/\/(\S+)\/v1/.exec(proc.output) as RegExpExecArray)[1] as string;
      }),
    );
    h = await startHaproxy(dir, { blue: addresses[0] as string, green: addresses[1] as string });
  });

  after(async () => {
    await h?.stop();
    await Promise.all(replicas.map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('a tenant moves to the green replica and back, no reload; Iris itself says which colour answered', async (t) => {
    await moveAndRollBack(t, h as Haproxy, true);
  });
});
