// RFC 8785 conformance of canonicalJson, using the RFC's own examples, and its refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson } from './canonical-json.js';

/** The IEEE 754 double with the given big-endian bit pattern. */
function double(bits: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${bits}`));
  return view.getFloat64(0);
}

test('RFC 8785 section 3.2.2: the sample object canonicalizes byte for byte', () => {
  // Parsed from the RFC's JSON text so its escapes and number spellings go through a parser.
  const sample: unknown = JSON.parse(String.raw`{
    "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
    "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
    "literals": [null, true, false]
  }`);
  const expected =
    '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
    String.raw`"string":"€$\u000f\nA'B\"\\\\\"/"}`;
  assert.equal(canonicalJson(sample), expected);
});

test('RFC 8785 section 3.2.3: keys sort by UTF-16 code units, not code points or locale', () => {
  const input = {
    '\u20ac': 'Euro Sign',
    '\r': 'Carriage Return',
    '\ufb33': 'Hebrew Letter Dalet With Dagesh',
    '1': 'One',
    '\ud83d\ude00': 'Emoji: Grinning Face',
    '\u0080': 'Control',
    '\u00f6': 'Latin Small Letter O With Diaeresis',
  };
  assert.equal(
    canonicalJson(input),
    '{"\\r":"Carriage Return","1":"One","\u0080":"Control",' +
      '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",' +
      '"\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
  );
  // U+1F600 (surrogates d83d..) sorts before U+FB33 although its code point is larger.
  assert.equal(canonicalJson({ '\ufb33': 1, '\ud83d\ude00': 2 }), '{"\ud83d\ude00":2,"\ufb33":1}');
  // Appendix: French collation would put "péché" after "pêche"; JCS must not.
  assert.equal(
    canonicalJson({ sin: 4, 'p\u00eache': 3, 'p\u00e9ch\u00e9': 2, peach: 1 }),
    '{"peach":1,"p\u00e9ch\u00e9":2,"p\u00eache":3,"sin":4}',
  );
});

test('keys are sorted at every depth and array order is kept', () => {
  assert.equal(
    canonicalJson({ b: { d: 1, c: [{ z: 0, y: 1 }] }, a: null }),
    '{"a":null,"b":{"c":[{"y":1,"z":0}],"d":1}}',
  );
  assert.equal(canonicalJson(['third', 'first', 'second']), '["third","first","second"]');
});

test('RFC 8785 Appendix B: every finite number vector', () => {
  const vectors: readonly [string, string][] = [
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ];
  for (const [bits, expected] of vectors) {
    assert.equal(canonicalJson(double(bits)), expected, `0x${bits}`);
  }
  assert.equal(canonicalJson({ n: -0 }), '{"n":0}');
  assert.equal(canonicalJson([1e21, 1e20, 0.000001, 1e-7]), '[1e+21,100000000000000000000,0.000001,1e-7]');
});

test('strings escape only what JSON requires, in lowercase \\u form', () => {
  assert.equal(
    canonicalJson('\u0000\u0008\t\n\u000b\f\r\u001f "\\/\u007f\u00e9\u2028'),
    '"\\u0000\\b\\t\\n\\u000b\\f\\r\\u001f \\"\\\\/\u007f\u00e9\u2028"',
  );
  // A well-formed surrogate pair is one character, written as itself.
  assert.equal(canonicalJson('\ud83d\ude00'), '"\ud83d\ude00"');
});

test('values are taken as JSON.stringify would take them', () => {
  assert.equal(canonicalJson({ a: undefined, b: 1 }), '{"b":1}');
  assert.equal(canonicalJson([undefined, 1]), '[null,1]');
  // eslint-disable-next-line no-sparse-arrays
  assert.equal(canonicalJson([1, , 3]), '[1,null,3]');
  assert.equal(canonicalJson({ at: new Date(0) }), '{"at":"1970-01-01T00:00:00.000Z"}');
  const bare = Object.assign(Object.create(null) as object, { z: 1, a: 2 });
  assert.equal(canonicalJson(bare), '{"a":2,"z":1}');
  assert.equal(canonicalJson(null), 'null');
  assert.equal(canonicalJson(true), 'true');
  // The same object twice is fine; only a cycle is not.
  const shared = { x: 1 };
  assert.equal(canonicalJson([shared, shared]), '[{"x":1},{"x":1}]');
});

test('a "__proto__" member parsed from JSON stays a member', () => {
  assert.equal(canonicalJson(JSON.parse('{"b":1,"__proto__":{"x":1}}')), '{"__proto__":{"x":1},"b":1}');
});

test('values with no faithful JSON form are refused with a message naming where', () => {
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  const cases: readonly [unknown, RegExp][] = [
    [undefined, /undefined has no JSON form \(\$\)/],
    [Number.NaN, /NaN is not a JSON number \(\$\)/],
    [Number.POSITIVE_INFINITY, /Infinity is not a JSON number/],
    [{ deep: [1, Number.NEGATIVE_INFINITY] }, /-Infinity is not a JSON number \(\$\.deep\[1\]\)/],
    [10n, /bigint has no JSON form/],
    [{ amount: 10n }, /bigint has no JSON form .*\(\$\.amount\)/],
    [{ f: () => 1 }, /function has no JSON form \(\$\.f\)/],
    [[Symbol('s')], /symbol has no JSON form \(\$\[0\]\)/],
    ['\ud800', /lone UTF-16 surrogate \(\$\)/],
    [{ ['\udc00']: 1 }, /key contains a lone UTF-16 surrogate/],
    [new Map([['a', 1]]), /Map is not a plain object/],
    [{ s: new Set([1]) }, /Set is not a plain object.*\(\$\.s\)/],
    [
      new (class Point {
        x = 1;
      })(),
      /Point is not a plain object/,
    ],
    [cycle, /circular reference \(\$\.self\)/],
  ];
  for (const [value, message] of cases) {
    assert.throws(() => canonicalJson(value), message);
  }
});
