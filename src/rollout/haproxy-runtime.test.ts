// The sync's own logic against a stand-in for HAProxy's runtime API (the external boundary):
// never two syncs at once, a follow-up that reads the routing afresh, the fallback for an
// HAProxy without map versions, and the client's timeout. test/rollout/haproxy.test.ts runs the
// same code against a real HAProxy.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import type { DesiredRouting } from './haproxy-map.js';
import {
  HaproxyRuntimeError,
  makeHaproxyMapSync,
  makeHaproxyRuntime,
  syncMaps,
  type HaproxyRuntime,
} from './haproxy-runtime.js';

const FILES = { tenants: '/m/tenants.map', keys: '/m/keys.map' };
const KEY_A = 'kaaaaaaaaaaaaaaaa';

/** The map commands of HAProxy's runtime API, in memory; `versions: false` is HAProxy < 2.4. */
function fakeHaproxy(options: { versions?: boolean; delayMs?: number } = {}) {
  const maps = new Map<string, Map<string, string>>([
    [FILES.tenants, new Map()],
    [FILES.keys, new Map()],
  ]);
  const drafts = new Map<string, Map<string, string>>();
  let next = 0;
  const log: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const runtime: HaproxyRuntime = {
    async execute(command) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        await new Promise((r) => setTimeout(r, options.delayMs ?? 0));
        log.push(command.split('\n')[0] as string);
        const [head = '', ...payload] = command.split('\n');
        const words = head.split(' ');
        const map = (file: string | undefined) => maps.get(file ?? '');
        if (head === 'show backend') return '# name\npool_blue\npool_green\npool_red\n\n';
        if (words[0] === 'show') return [...(map(words[2]) ?? [])].map(([k, v], i) => `0x${i} ${k} ${v}\n`).join('');
        if (options.versions === false && (words[0] === 'prepare' || words[2]?.startsWith('@')))
          return 'Unknown command. Please enter one of the following commands only :\n';
        if (words[0] === 'prepare') {
          drafts.set(`${++next}`, new Map());
          return `New version created: ${next}\n`;
        }
        if (words[0] === 'commit') {
          maps.set(words[3] as string, drafts.get((words[2] as string).slice(1)) as Map<string, string>);
          return '\n';
        }
        if (words[0] === 'add' && words[2]?.startsWith('@')) {
          const draft = drafts.get(words[2].slice(1)) as Map<string, string>;
          for (const line of payload.filter((l) => l !== '')) draft.set(...(line.split(' ') as [string, string]));
          return '\n';
        }
        if (words[0] === 'add' || words[0] === 'set') map(words[2])?.set(words[3] as string, words[4] as string);
        if (words[0] === 'del') map(words[2])?.delete(words[3] as string);
        return '\n';
      } finally {
        inFlight--;
      }
    },
  };
  return { runtime, maps, log, maxInFlight: () => maxInFlight };
}

function routing(alpha: string): DesiredRouting {
  return { tenants: new Map([['alpha', alpha]]), keys: new Map([[KEY_A, 'alpha']]) };
}

describe('syncMaps', () => {
  test('an HAProxy without map versions gets one command per change', async () => {
    const h = fakeHaproxy({ versions: false });
    const result = await syncMaps(h.runtime, FILES, routing('green'));
    assert.ok(result.ok);
    assert.deepEqual(
      result.maps.map((m) => m.mode),
      ['incremental', 'incremental'],
    );
    assert.equal(h.maps.get(FILES.keys)?.get(KEY_A), 'pool_green');
    assert.ok(h.log.includes(`add map ${FILES.tenants} alpha pool_green`));
  });

  test('atomic: true refuses to fall back', async () => {
    const h = fakeHaproxy({ versions: false });
    const result = await syncMaps(h.runtime, FILES, routing('green'), { atomic: true });
    assert.equal(result.ok, false);
    assert.equal(result.maps[0]?.error?.code, 'haproxy_refused');
    assert.equal(h.maps.get(FILES.tenants)?.size, 0);
  });

  test('an unsafe map file path is refused before anything is sent', async () => {
    const h = fakeHaproxy();
    await assert.rejects(
      syncMaps(h.runtime, { ...FILES, keys: '/m/keys.map;shutdown sessions' }, routing('green')),
      (err: unknown) => err instanceof HaproxyRuntimeError && err.code === 'haproxy_unsafe_command' && !err.retryable,
    );
    assert.deepEqual(h.log, []);
  });

  test('a colour HAProxy has no pool for is refused and held', async () => {
    const h = fakeHaproxy();
    await syncMaps(h.runtime, FILES, routing('green'));
    const result = await syncMaps(h.runtime, FILES, routing('purple'));
    assert.deepEqual(
      result.refused.map((r) => [r.key, r.reason, r.held]),
      [
        ['alpha', 'HAProxy has no backend pool_purple', true],
        [KEY_A, "its tenant's entry is refused", true],
      ],
    );
    assert.deepEqual(
      result.maps.map((m) => m.status),
      ['unchanged', 'unchanged'],
    );
    assert.equal(h.maps.get(FILES.tenants)?.get('alpha'), 'pool_green');
  });

  test('an error answer to show backend fails both maps and sends nothing else', async () => {
    const h = fakeHaproxy();
    const runtime: HaproxyRuntime = {
      execute: (c) => (c === 'show backend' ? Promise.resolve('Permission denied\n') : h.runtime.execute(c)),
    };
    const result = await syncMaps(runtime, FILES, routing('green'));
    assert.equal(result.ok, false);
    assert.match(result.maps[1]?.error?.message ?? '', /Permission denied/);
    assert.deepEqual(h.log, []);
  });
});

describe('makeHaproxyMapSync', () => {
  test('never two syncs at once; callers during a sync share one follow-up that reads afresh', async () => {
    const h = fakeHaproxy({ delayMs: 5 });
    let colour = 'green';
    let reads = 0;
    const mapSync = makeHaproxyMapSync({
      runtime: h.runtime,
      mapFiles: FILES,
      desired: () => {
        reads++;
        return routing(colour);
      },
      intervalMs: 0,
      onError: (err) => assert.fail(String(err)),
    });
    const first = mapSync.sync();
    colour = 'red';
    const followers = [mapSync.sync(), mapSync.sync(), mapSync.sync()];
    assert.equal(followers[0], followers[2], 'one follow-up for every caller during the sync');
    await first;
    const [after] = await Promise.all(followers);
    assert.equal(reads, 2);
    assert.equal(h.maxInFlight(), 1, 'one command at a time');
    assert.deepEqual(
      after?.maps.map((m) => m.changed),
      [1, 1],
    );
    assert.equal(h.maps.get(FILES.tenants)?.get('alpha'), 'pool_red');
  });

  test('the timer reports a throwing desired() and keeps going', async () => {
    const h = fakeHaproxy();
    const errors: unknown[] = [];
    let calls = 0;
    const mapSync = makeHaproxyMapSync({
      runtime: h.runtime,
      mapFiles: FILES,
      desired: () => {
        if (++calls < 3) throw new Error('directory not loaded');
        return routing('green');
      },
      intervalMs: 5,
      onError: (err) => errors.push(err),
    });
    mapSync.start();
    const deadline = Date.now() + 2_000;
    while (h.maps.get(FILES.tenants)?.get('alpha') !== 'pool_green' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 5));
    await mapSync.stop();
    assert.equal(errors.length, 2);
    assert.equal(h.maps.get(FILES.tenants)?.get('alpha'), 'pool_green');
  });
});

describe('makeHaproxyRuntime', () => {
  test('a silent peer times out, retryably', async () => {
    const server = createServer(() => undefined);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const runtime = makeHaproxyRuntime(
        { host: '127.0.0.1', port: (server.address() as AddressInfo).port },
        { timeoutMs: 100 },
      );
      await assert.rejects(
        runtime.execute('show map /m/tenants.map'),
        (err: unknown) =>
          err instanceof HaproxyRuntimeError &&
          err.code === 'haproxy_timeout' &&
          err.retryable &&
          err.command === 'show map /m/tenants.map',
      );
    } finally {
      server.close();
    }
  });

  test('a peer that answers and closes: the whole answer', async () => {
    const server = createServer((socket) => socket.once('data', () => socket.end('0x1 alpha pool_blue\n\n')));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const runtime = makeHaproxyRuntime({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
      assert.equal(await runtime.execute('show map /m/tenants.map'), '0x1 alpha pool_blue\n\n');
    } finally {
      server.close();
    }
  });
});
