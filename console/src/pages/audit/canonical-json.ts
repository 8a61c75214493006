// RFC 8785 (JCS) canonical JSON in the browser: the byte form of an audit event that the ledger
// hashes. The server uses the `canonicalize` package (src/audit/canonical-json.ts); this is the
// same algorithm for values that came from JSON, so no bundle is needed for it.

/**
 * The RFC 8785 text of a JSON value: object keys sorted by UTF-16 code units (JavaScript's
 * default string order), no whitespace, numbers in ECMAScript shortest form (what
 * JSON.stringify writes), strings escaped as JSON.stringify escapes them (RFC 8785 section 3.2.2.2).
 *
 * @throws Error for a value JSON cannot carry faithfully (non-finite numbers, undefined at the
 *   top level, functions, bigint).
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`canonicalJson: ${value} is not a JSON number`);
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value))
        return `[${(value as unknown[]).map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
      const record = value as Record<string, unknown>;
      // NOTE: sort() without a comparator orders by UTF-16 code units, exactly as RFC 8785 asks.
      const members = Object.keys(record)
        .sort()
        .filter((k) => record[k] !== undefined)
        .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`);
      return `{${members.join(',')}}`;
    }
    default:
      throw new Error(`canonicalJson: a ${typeof value} has no JSON form`);
  }
}
