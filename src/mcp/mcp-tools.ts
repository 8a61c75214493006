// The MCP tools of a role: one per API operation the role taxonomy grants it, with the input
// schema taken from the API's own OpenAPI document (path and query parameters and the JSON body,
// flattened into one object) and the annotations from the operation's effect. Pure: no network.
import { OPERATIONS, type OperationName } from '../core/role-taxonomy.js';
import { toolOperationsOf, type Role } from '../core/roles.js';

/** A JSON Schema object, as loosely as the OpenAPI document gives it. */
export type JsonSchema = Record<string, unknown>;

/** The parts of an OpenAPI 3.1 document the tools are built from. */
export interface OpenApiDocument {
  readonly paths: Record<string, Record<string, OpenApiOperation>>;
  readonly components?: { readonly schemas?: Record<string, JsonSchema> };
}

interface OpenApiOperation {
  readonly summary?: string;
  readonly parameters?: readonly {
    readonly in: string;
    readonly name: string;
    readonly required?: boolean;
    readonly schema?: JsonSchema;
    readonly description?: string;
  }[];
  readonly requestBody?: {
    readonly required?: boolean;
    readonly content?: Record<string, { readonly schema?: JsonSchema }>;
  };
}

/** Where each argument of a tool goes in the HTTP request. */
export interface ToolBinding {
  readonly method: string;
  /** Route template with `{param}` placeholders, e.g. /v1/tenants/{tenantId}. */
  readonly path: string;
  readonly pathParams: readonly string[];
  readonly queryParams: readonly string[];
  /** Body properties taken from the arguments (flattened), or 'body' when they are nested under `body`. */
  readonly body: 'none' | 'flat' | 'nested';
}

export interface RoleTool {
  readonly name: OperationName;
  readonly description: string;
  readonly inputSchema: JsonSchema & { type: 'object' };
  readonly annotations: {
    readonly title: string;
    readonly readOnlyHint: boolean;
    readonly destructiveHint: boolean;
    readonly idempotentHint: boolean;
    readonly openWorldHint: boolean;
  };
  readonly binding: ToolBinding;
}

/** Inlines `#/components/schemas/...` references (the document has a handful, none cyclic in inputs). */
function resolveRefs(schema: unknown, doc: OpenApiDocument, depth = 0): unknown {
  if (depth > 16 || schema === null || typeof schema !== 'object') return schema;
  if (Array.isArray(schema)) return schema.map((s) => resolveRefs(s, doc, depth + 1));
  const o = schema as Record<string, unknown>;
  if (typeof o.$ref === 'string' && o.$ref.startsWith('#/components/schemas/')) {
    return resolveRefs(doc.components?.schemas?.[o.$ref.slice('#/components/schemas/'.length)] ?? {}, doc, depth + 1);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (k !== '$id') out[k] = resolveRefs(v, doc, depth + 1);
  return out;
}

/** The tool of `name` from the OpenAPI document (a route the document hides: from its template). */
export function toolOf(name: OperationName, doc: OpenApiDocument): RoleTool {
  const op = OPERATIONS[name];
  const [method = 'GET', template = '/'] = op.route.split(' ');
  const path = template.replace(/:(\w+)/g, '{$1}');
  // NOTE: routes hidden from the document (/metrics) get their path parameters as strings.
  const spec: OpenApiOperation = doc.paths[path]?.[method.toLowerCase()] ?? {
    summary: name,
    parameters: [...template.matchAll(/:(\w+)/g)].map((m) => ({
      in: 'path',
      name: m[1] as string,
      required: true,
      schema: { type: 'string' },
    })),
  };
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  const pathParams: string[] = [];
  const queryParams: string[] = [];
  for (const p of spec.parameters ?? []) {
    if (p.in !== 'path' && p.in !== 'query') continue;
    const schema = resolveRefs(p.schema ?? {}, doc) as JsonSchema;
    properties[p.name] = p.description === undefined ? schema : { ...schema, description: p.description };
    // NOTE: the API fills defaults itself, so a parameter with one is optional for the caller.
    if (p.in === 'path' || (p.required === true && schema.default === undefined)) required.push(p.name);
    (p.in === 'path' ? pathParams : queryParams).push(p.name);
  }
  let body: ToolBinding['body'] = 'none';
  const bodySchema = spec.requestBody?.content?.['application/json']?.schema;
  if (bodySchema !== undefined) {
    let resolved = resolveRefs(bodySchema, doc) as JsonSchema;
    // NOTE: a body that may be null (`{}` or null) takes the object's fields, none of them required.
    const members = Array.isArray(resolved.anyOf) ? (resolved.anyOf as JsonSchema[]) : [];
    const object = members.find((m) => m.type === 'object');
    if (object !== undefined && members.some((m) => m.type === 'null')) resolved = { ...object, required: [] };
    const props = (resolved.properties ?? {}) as Record<string, unknown>;
    const clash = Object.keys(props).some((k) => k in properties);
    if (resolved.type === 'object' && !clash) {
      body = 'flat';
      Object.assign(properties, props);
      for (const r of (resolved.required ?? []) as string[]) required.push(r);
    } else {
      body = 'nested';
      properties.body = resolved;
      if (spec.requestBody?.required === true) required.push('body');
    }
  }
  const readOnly = op.effect === 'read';
  return {
    name,
    description: `${spec.summary ?? name} (Iris ${method} ${template}; needs '${op.action}').`,
    inputSchema: {
      type: 'object',
      properties,
      ...(required.length > 0 ? { required } : {}),
      additionalProperties: false,
    },
    annotations: {
      title: spec.summary ?? name,
      readOnlyHint: readOnly,
      destructiveHint: op.effect === 'destructive',
      idempotentHint: op.idempotent,
      openWorldHint: false,
    },
    binding: { method, path, pathParams, queryParams, body },
  };
}

/** The tools of `role`: exactly its JSON operations in the taxonomy, in the taxonomy's order. */
export function toolsOf(role: Role, doc: OpenApiDocument): RoleTool[] {
  return toolOperationsOf(role).map((name) => toolOf(name, doc));
}

/** A parameter as text (the schema made it a scalar: numbers and booleans as JSON writes them). */
const scalar = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));

/** The HTTP request a tool call makes: path with its parameters, query string and body. */
export function requestOf(
  tool: RoleTool,
  args: Readonly<Record<string, unknown>>,
): { method: string; url: string; body: unknown } {
  const b = tool.binding;
  let url = b.path;
  for (const p of b.pathParams) url = url.replace(`{${p}}`, encodeURIComponent(scalar(args[p])));
  const q = new URLSearchParams();
  for (const p of b.queryParams) if (args[p] !== undefined) q.set(p, scalar(args[p]));
  const qs = q.toString();
  let body: unknown;
  if (b.body === 'nested') body = args.body;
  else if (b.body === 'flat') {
    const taken = new Set([...b.pathParams, ...b.queryParams]);
    body = Object.fromEntries(Object.entries(args).filter(([k]) => !taken.has(k)));
  }
  return { method: b.method, url: qs === '' ? url : `${url}?${qs}`, body };
}
