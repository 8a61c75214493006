// Every route, every field, hostile values: generated from the server's own OpenAPI document.
// For each operation a minimal valid request is built from its schemas, then each path
// parameter, query parameter, header and body field (to two levels) is replaced in turn by
// hostile strings (NUL, lone surrogates, huge, path tricks, impossible dates, forged continue
// tokens), numbers at the edges, wrong types and deep nesting; and whole bodies are replaced
// by hostile documents. Sent as a platform admin and as a tenant admin. No answer may be a
// 5xx, and every error must be problem+json without a stack trace.
import assert from 'node:assert/strict';
import { validateHeaderValue } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { storeName } from '../support/test-database.js';
import { ADMIN_TOKEN, createTestApp, type TestApp } from '../support/test-app.js';

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  pattern?: string;
  format?: string;
  minimum?: number;
  minLength?: number;
}
interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}

/** Strings tried, in order, for a string schema with a pattern: the first that matches is used. */
const SAMPLES = ['acme', 'fuzz-1', 'analyst', 'noop', 'k0123456789abcdef', 'doc-1.md', 'x1', 'a', '1'];

/** A minimal valid value of `schema` (the fields of the base request). */
function sample(schema: Schema, name = ''): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum !== undefined) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  if (schema.anyOf?.[0]) return sample(schema.anyOf[0], name);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of schema.required ?? []) out[key] = sample(schema.properties?.[key] ?? {}, key);
      return out;
    }
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'string': {
      if (schema.format === 'date-time') return new Date(Date.now() + 60_000).toISOString();
      if (name === 'tenantId' || name === 'log') return 'acme';
      if (name === 'kind') return 'noop';
      if (schema.pattern) return SAMPLES.find((s) => new RegExp(schema.pattern as string, 'u').test(s)) ?? 'x';
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    }
    default:
      return 'x';
  }
}

// NOTE: deep documents are sent as text: JSON.stringify itself overflows the stack on them.
// A placeholder string stands for each one in the value and is swapped for its text on send.
const RAW = new Map<string, string>();
const raw = (name: string, text: string): string => {
  const placeholder = `__raw_${name}__`;
  RAW.set(placeholder, text);
  return placeholder;
};
const deepArray = (n: number): string => raw(`array${n}`, `${'['.repeat(n)}0${']'.repeat(n)}`);
const deepObject = (n: number): string => raw(`object${n}`, `${'{"a":'.repeat(n)}0${'}'.repeat(n)}`);
const toJson = (v: unknown): string =>
  JSON.stringify(v).replace(/"(__raw_\w+__)"/g, (_m, name: string) => RAW.get(name) ?? 'null');

const HOSTILE_STRINGS: readonly string[] = [
  'a\u0000b',
  '\u0000',
  '\ud800',
  'x\udfff',
  '',
  ' ',
  'x'.repeat(5000),
  '%00',
  '../../etc/passwd',
  '😀\u202e',
  "'; drop table tenants; --",
  '0000-01-01T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '9999-12-31T23:59:60Z',
  'AA', // a continue token that decodes to NUL
  'AAA=',
  '-1',
  '1e999',
];
const HOSTILE_VALUES: readonly unknown[] = [
  ...HOSTILE_STRINGS,
  -1,
  0,
  1.5,
  1e308,
  -1e308,
  2 ** 53 + 1,
  true,
  null,
  [],
  {},
  ['a\u0000'],
  { 'k\u0000': 1 },
  { '\ud800': 'x' },
  deepArray(10_000),
  deepObject(300),
];
const HOSTILE_BODIES: readonly unknown[] = [
  deepArray(10_000),
  deepObject(10_000),
  'a\u0000b',
  '\ud800',
  [],
  42,
  null,
  { 'a\u0000': 1 },
];

/** Path segment for a value, with lone surrogates sent as the UTF-8 bytes of a surrogate. */
function pathSegment(v: unknown): string {
  const s = typeof v === 'string' ? (RAW.get(v) ?? v) : toJson(v);
  try {
    return encodeURIComponent(s);
  } catch {
    return s.replace(/[\ud800-\udfff]/g, '%ED%A0%80').replace(/[^%A-Za-z0-9_.~-]/g, (c) => encodeURIComponent(c));
  }
}

const headerOk = (name: string, v: string): boolean => {
  try {
    validateHeaderValue(name, v);
    return true;
  } catch {
    return false;
  }
};

interface Request {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: unknown;
  readonly what: string;
}

/** The base request of an operation and every mutation of it. */
function requestsFor(method: string, template: string, op: Operation): Request[] {
  const params = op.parameters ?? [];
  const base = {
    path: Object.fromEntries(
      params.filter((p) => p.in === 'path').map((p) => [p.name, sample(p.schema, p.name)]),
    ) as Record<string, unknown>,
    query: Object.fromEntries(
      params.filter((p) => p.in === 'query' && p.required).map((p) => [p.name, sample(p.schema, p.name)]),
    ) as Record<string, unknown>,
    headers: {} as Record<string, string>,
  };
  const media = op.requestBody ? Object.keys(op.requestBody.content)[0] : undefined;
  const bodySchema = media ? op.requestBody?.content[media]?.schema : undefined;
  const body = bodySchema ? sample(bodySchema) : undefined;
  const build = (
    what: string,
    path: Record<string, unknown>,
    query: Record<string, unknown>,
    headers: Record<string, string>,
    b: unknown,
  ): Request => {
    const url = template.replace(/\{(\w+)\}/g, (_m, name: string) => pathSegment(path[name]));
    const qs = Object.entries(query)
      .map(([k, v]) => `${encodeURIComponent(k)}=${pathSegment(v)}`)
      .join('&');
    const h: Record<string, string> = { ...headers };
    if (b !== undefined) h['content-type'] = media === 'application/merge-patch+json' ? media : 'application/json';
    return { method, url: qs === '' ? url : `${url}?${qs}`, headers: h, body: b, what };
  };
  const out: Request[] = [];
  for (const p of params) {
    for (const v of HOSTILE_VALUES) {
      if (p.in === 'path')
        out.push(build(`path ${p.name}`, { ...base.path, [p.name]: v }, base.query, base.headers, body));
      else if (p.in === 'query')
        out.push(build(`query ${p.name}`, base.path, { ...base.query, [p.name]: v }, base.headers, body));
      else if (typeof v === 'string' && headerOk(p.name, v))
        out.push(build(`header ${p.name}`, base.path, base.query, { [p.name]: v }, body));
    }
  }
  if (bodySchema) {
    // Every property the schema names, at the top level and one level down.
    const fields: string[][] = [];
    for (const [key, s] of Object.entries(bodySchema.properties ?? {})) {
      fields.push([key]);
      for (const inner of Object.keys(s.properties ?? {})) fields.push([key, inner]);
    }
    for (const field of fields) {
      for (const v of HOSTILE_VALUES) {
        const b = structuredClone((body ?? {}) as Record<string, unknown>);
        if (field.length === 1) b[field[0] as string] = v;
        else {
          const outer = (
            typeof b[field[0] as string] === 'object' && b[field[0] as string] !== null ? b[field[0] as string] : {}
          ) as Record<string, unknown>;
          b[field[0] as string] = { ...outer, [field[1] as string]: v };
        }
        out.push(build(`body /${field.join('/')}`, base.path, base.query, base.headers, b));
      }
    }
    for (const b of HOSTILE_BODIES) out.push(build('whole body', base.path, base.query, base.headers, b));
  }
  // The valid request last (it may change state: a delete, a revoke).
  out.push(build('valid', base.path, base.query, base.headers, body));
  return out;
}

describe(`OpenAPI-generated fuzz of every route (${storeName})`, () => {
  let t: TestApp;
  let tenantToken: string;
  before(async () => {
    t = await createTestApp();
    for (const id of ['acme', 'globex']) {
      const r = await t.call('POST', '/v1/tenants', { body: { id, displayName: id } });
      assert.equal(r.statusCode, 201, r.body);
    }
    tenantToken = await t.keyFor('acme', 'tenant-admin');
  });
  after(async () => t?.dispose());

  test(
    'no route answers 5xx to hostile input, and every error is problem+json without a stack',
    { timeout: 280_000 },
    async () => {
      const doc = (await t.call('GET', '/openapi.json')).json<{ paths: Record<string, Record<string, Operation>> }>();
      const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
      );
      assert.ok(operations.length >= 40, `the OpenAPI document lists ${operations.length} operations`);
      const failures: string[] = [];
      let sent = 0;
      let failed = 0;
      // NOTE: destructive operations (deletes) go last, so the others run against live tenants.
      const order = [...operations].sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
      for (const { method, path, op } of order) {
        const tenantScoped = path.includes('{tenantId}') || path.includes('{log}');
        for (const req of requestsFor(method, path, op)) {
          for (const token of tenantScoped ? [undefined, tenantToken] : [undefined]) {
            const payload = req.body === undefined ? undefined : toJson(req.body);
            const res = await t.app.server.inject({
              method: req.method as 'GET',
              url: req.url,
              headers: { ...req.headers, authorization: `Bearer ${token ?? ADMIN_TOKEN}` },
              ...(payload === undefined ? {} : { payload }),
            });
            sent++;
            const problem =
              res.statusCode >= 400
                ? String(res.headers['content-type'] ?? '').startsWith('application/problem+json')
                : true;
            if (res.statusCode >= 500 || !problem || /\bat .+:\d+:\d+\)/.test(res.body)) {
              const kind = `${res.statusCode} ${req.method} ${path} (${req.what})`;
              if (!failures.some((f) => f.startsWith(kind)))
                failures.push(
                  `${kind} ${req.url.slice(0, 100)} ${req.body === undefined ? '' : toJson(req.body).slice(0, 100)}: ${res.body.slice(0, 200)}`,
                );
              failed++;
            }
          }
        }
      }
      process.stdout.write(
        `# OpenAPI fuzz (${storeName}): ${sent} requests over ${operations.length} operations, ${failed} failed\n`,
      );
      assert.deepEqual(
        failures.slice(0, 40),
        [],
        `${failed} requests failed, ${failures.length} kinds (status, route, field)`,
      );
    },
  );
});
