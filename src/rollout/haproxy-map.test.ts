import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  atomicCommands,
  backendOf,
  diffMap,
  incrementalCommands,
  isEmptyDiff,
  mapContents,
  MAX_PAYLOAD_BYTES,
  parsePreparedVersion,
  parseShowBackend,
  parseShowMap,
  prepareCommand,
  withHeld,
  type DesiredRouting,
} from './haproxy-map.js';

const KEY_A = 'kaaaaaaaaaaaaaaaa';
const KEY_B = 'kbbbbbbbbbbbbbbbb';
const KEY_P = 'kpppppppppppppppp';
const FILE = '/etc/haproxy/maps/tenants.map';

function routing(tenants: Record<string, string>, keys: Record<string, string | null>): DesiredRouting {
  return { tenants: new Map(Object.entries(tenants)), keys: new Map(Object.entries(keys)) };
}

describe('mapContents', () => {
  test('tenants map to pool_<colour>, keys follow their tenant, platform keys are left out', () => {
    const c = mapContents(
      routing({ beta: 'blue', alpha: 'green' }, { [KEY_B]: 'beta', [KEY_A]: 'alpha', [KEY_P]: null }),
    );
    assert.deepEqual(
      [...c.maps.tenants],
      [
        ['alpha', 'pool_green'],
        ['beta', 'pool_blue'],
      ],
    );
    assert.deepEqual(
      [...c.maps.keys],
      [
        [KEY_A, 'pool_green'],
        [KEY_B, 'pool_blue'],
      ],
    );
    assert.deepEqual(c.refused, []);
  });

  test('hostile ids and colours are refused, with the reason; a valid tenant with a bad colour is held', () => {
    const c = mapContents(
      routing(
        { 'evil\nshutdown sessions': 'blue', 'ok-t': 'green;del map x', 'semi;colon': 'blue', good: 'blue' },
        { 'k1 2': 'good', [KEY_A]: 'ok-t', [KEY_B]: 'nobody' },
      ),
    );
    assert.deepEqual([...c.maps.tenants], [['good', 'pool_blue']]);
    assert.deepEqual([...c.maps.keys], []);
    assert.deepEqual(
      c.refused.map((r) => [r.map, r.key, r.held]),
      [
        ['tenants', 'evil\nshutdown sessions', false],
        ['tenants', 'ok-t', true],
        ['tenants', 'semi;colon', false],
        ['keys', 'k1 2', false],
        ['keys', KEY_A, true],
        ['keys', KEY_B, false],
      ],
    );
    assert.match(c.refused[1]?.reason ?? '', /invalid colour/);
  });

  test('reserved slugs are not tenants', () => {
    assert.deepEqual(mapContents(routing({ platform: 'blue' }, {})).refused[0]?.reason, 'invalid tenant id');
  });
});

describe('backends', () => {
  test('a colour without its backend is refused and held, with its keys', () => {
    const c = mapContents(routing({ alpha: 'purple', beta: 'blue' }, { [KEY_A]: 'alpha' }), new Set(['pool_blue']));
    assert.deepEqual([...c.maps.tenants], [['beta', 'pool_blue']]);
    assert.deepEqual(
      c.refused.map((r) => [r.key, r.reason, r.held]),
      [
        ['alpha', 'HAProxy has no backend pool_purple', true],
        [KEY_A, "its tenant's entry is refused", true],
      ],
    );
  });

  test('parseShowBackend reads names and refuses an error answer', () => {
    assert.deepEqual([...parseShowBackend('# name\npool_blue\npool_green\n\n')], ['pool_blue', 'pool_green']);
    assert.throws(
      () => parseShowBackend('Unknown command. Please enter one of the following commands only :\n'),
      RangeError,
    );
  });
});

describe('backendOf', () => {
  test('names the pool and refuses what is not a colour', () => {
    assert.equal(backendOf('green'), 'pool_green');
    assert.throws(() => backendOf('Green'), RangeError);
    assert.throws(() => backendOf('blue\nshow info'), RangeError);
    assert.throws(() => backendOf(''), RangeError);
  });
});

describe('parseShowMap', () => {
  test('reads entries and refuses an error answer', () => {
    const m = parseShowMap('0x55d1c0a0e0c0 alpha pool_green\n0x55d1c0a0e1c0 beta pool_blue\n\n');
    assert.deepEqual(
      [...m],
      [
        ['alpha', 'pool_green'],
        ['beta', 'pool_blue'],
      ],
    );
    assert.equal(parseShowMap('\n').size, 0);
    assert.throws(() => parseShowMap('Unknown map identifier. Please use #<id> or <file>.\n'), RangeError);
  });

  test('a key present twice counts as its first entry (the one HAProxy matches)', () => {
    assert.equal(parseShowMap('0x1 alpha pool_green\n0x2 alpha pool_blue\n').get('alpha'), 'pool_green');
  });
});

describe('diffMap', () => {
  test('adds, changes and deletes only what differs; the same content diffs empty', () => {
    const current = new Map([
      ['alpha', 'pool_blue'],
      ['beta', 'pool_blue'],
      ['gone', 'pool_blue'],
    ]);
    const desired = new Map([
      ['alpha', 'pool_green'],
      ['beta', 'pool_blue'],
      ['new', 'pool_blue'],
    ]);
    assert.deepEqual(diffMap(current, desired), {
      add: [['new', 'pool_blue']],
      set: [['alpha', 'pool_green']],
      del: ['gone'],
    });
    assert.ok(isEmptyDiff(diffMap(desired, new Map(desired))));
  });

  test('a held entry keeps its live value instead of being deleted', () => {
    const current = new Map([['held', 'pool_green']]);
    const desired = withHeld(new Map(), current, ['held', 'absent']);
    assert.ok(isEmptyDiff(diffMap(current, desired)));
  });
});

describe('commands', () => {
  test('incremental: del, set, add; a hand-added unsafe live key is left alone', () => {
    const diff = {
      add: [['new', 'pool_blue']] as const,
      set: [['alpha', 'pool_green']] as const,
      del: ['gone', 'x y'],
    };
    assert.deepEqual(incrementalCommands(FILE, diff), [
      `del map ${FILE} gone`,
      `set map ${FILE} alpha pool_green`,
      `add map ${FILE} new pool_blue`,
    ]);
  });

  test('atomic: payloads under the limit with every entry once, then the commit', () => {
    const entries = new Map<string, string>();
    for (let i = 0; i < 1000; i++) entries.set(`tenant-${i}`, i % 2 === 0 ? 'pool_blue' : 'pool_green');
    const commands = atomicCommands(FILE, 7, entries);
    assert.equal(commands.at(-1), `commit map @7 ${FILE}`);
    const payloads = commands.slice(0, -1);
    assert.ok(payloads.length > 1, 'a big map is cut into several payloads');
    const lines: string[] = [];
    for (const p of payloads) {
      assert.ok(p.length <= MAX_PAYLOAD_BYTES, `payload of ${p.length} bytes`);
      assert.ok(p.startsWith(`add map @7 ${FILE} <<\n`));
      assert.ok(p.endsWith('\n\n'), 'an empty line ends the payload');
      lines.push(...p.split('\n').slice(1, -2));
    }
    assert.equal(lines.length, 1000);
    assert.equal(new Set(lines).size, 1000);
    assert.equal(lines[1], 'tenant-1 pool_green');
  });

  test('atomic: an empty map is a bare commit (it empties the live map)', () => {
    assert.deepEqual(atomicCommands(FILE, 3, new Map()), [`commit map @3 ${FILE}`]);
  });

  test('nothing unsafe is ever rendered', () => {
    assert.throws(() => atomicCommands(FILE, 1, new Map([['a;b', 'pool_blue']])), RangeError);
    assert.throws(() => atomicCommands(FILE, 1, new Map([['alpha', 'pool_blue\ndel map x']])), RangeError);
    assert.throws(() => prepareCommand('/etc/haproxy/t.map;show info'), RangeError);
    assert.throws(() => prepareCommand('relative.map'), RangeError);
    assert.throws(() => prepareCommand('/etc/../t.map'), RangeError);
    assert.throws(() => atomicCommands(FILE, -1, new Map()), RangeError);
  });

  test('parsePreparedVersion reads the version, null otherwise', () => {
    assert.equal(parsePreparedVersion('New version created: 12\n\n'), 12);
    assert.equal(parsePreparedVersion('Unknown command. Please enter one of the following commands only :\n'), null);
  });
});
