// Canonical JSON (RFC 8785, JCS): the one byte form of an audit event that gets hashed into the
// ledger. Serialization itself is the `canonicalize` package; this module owns the gate in front
// of it, so a value that JSON cannot carry faithfully is refused instead of silently changed.
import canonicalizeModule from 'canonicalize';

// NOTE: `canonicalize` is CommonJS (`module.exports = fn`) but its types declare an ES default
// export, so under NodeNext TypeScript types the default import as the module, not the function.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

// A lone UTF-16 surrogate has no UTF-8 form; I-JSON (which RFC 8785 builds on) forbids it.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The RFC 8785 canonical JSON text of `value`: object keys sorted by UTF-16 code units, no
 * whitespace, numbers in ECMAScript shortest form (`1e+21`, `0.000001`, `-0` as `0`) and strings
 * escaped only where JSON requires it.
 *
 * Accepted: null, booleans, finite numbers, strings, arrays and plain objects (prototype
 * `Object.prototype` or null), plus anything with a `toJSON()` method (Date, Buffer), which is
 * replaced by its result. As with `JSON.stringify`, an object member whose value is `undefined`
 * is left out and an `undefined` array element becomes `null`.
 *
 * @throws Error naming the path of the first value that has no faithful JSON form: `undefined`
 *   at the top level, NaN, ±Infinity, bigint, functions, symbols, lone surrogates in strings or
 *   keys, circular references and non-plain objects such as Map, Set or class instances.
 */
export function canonicalJson(value: unknown): string {
  const plain = toPlainJson(value, [], new Set());
  if (plain === undefined) throw new Error('canonicalJson: undefined has no JSON form ($).');
  const text = canonicalize(plain);
  // NOTE: unreachable once toPlainJson accepted the value; kept so a library change cannot
  // hand an `undefined` to a hash.
  if (text === undefined) throw new Error('canonicalJson: value has no JSON form ($).');
  return text;
}

/**
 * The steps from the root to the node being walked: member keys and array indexes. NOTE: kept
 * as a stack and spelled out only for an error; building a path string for every member was a
 * third of the time an audited write spent here.
 */
type Path = (string | number)[];

function pathText(path: Path): string {
  return `$${path.map((step) => (typeof step === 'number' ? `[${step}]` : `.${step}`)).join('')}`;
}

/**
 * Walks `value` once, applying `toJSON()` and dropping `undefined` members, and returns a tree of
 * plain JSON values; `undefined` means "omit this member". Throws at the first unencodable node.
 */
function toPlainJson(value: unknown, path: Path, ancestors: Set<object>): unknown {
  switch (typeof value) {
    case 'undefined':
      return undefined;
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) fail(path, `${String(value)} is not a JSON number`);
      return value;
    case 'string':
      if (LONE_SURROGATE.test(value)) fail(path, 'string contains a lone UTF-16 surrogate');
      return value;
    case 'bigint':
      return fail(path, 'bigint has no JSON form (convert it to a string or a safe integer)');
    case 'function':
    case 'symbol':
      return fail(path, `a ${typeof value} has no JSON form`);
    case 'object':
      return value === null ? null : objectToPlainJson(value, path, ancestors);
    default:
      return fail(path, `unexpected type ${typeof value}`);
  }
}

function objectToPlainJson(value: object, path: Path, ancestors: Set<object>): unknown {
  if (ancestors.has(value)) fail(path, 'circular reference');
  const toJSON: unknown = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    ancestors.add(value);
    const replaced = toPlainJson((toJSON as () => unknown).call(value), path, ancestors);
    ancestors.delete(value);
    return replaced;
  }

  ancestors.add(value);
  let plain: unknown;
  if (Array.isArray(value)) {
    // Array.from, not map: map skips holes, and `canonicalize` would then drop them entirely.
    plain = Array.from(value as unknown[], (item, i) => {
      path.push(i);
      const converted = toPlainJson(item, path, ancestors) ?? null;
      path.pop();
      return converted;
    });
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      fail(path, `${kind} is not a plain object; convert it to one first`);
    }
    // NOTE: null prototype, so a "__proto__" key (legal JSON) stays an ordinary member.
    const members = Object.create(null) as Record<string, unknown>;
    for (const [key, member] of Object.entries(value)) {
      path.push(key);
      if (LONE_SURROGATE.test(key)) fail(path, 'key contains a lone UTF-16 surrogate');
      const converted = toPlainJson(member, path, ancestors);
      path.pop();
      if (converted !== undefined) members[key] = converted;
    }
    plain = members;
  }
  ancestors.delete(value);
  return plain;
}

function fail(path: Path, problem: string): never {
  throw new Error(`canonicalJson: ${problem} (${pathText(path)}).`);
}
