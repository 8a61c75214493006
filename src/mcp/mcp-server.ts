// The MCP server of one role: its tools are exactly the role's operations in the taxonomy, and
// every call goes to the Iris API with the caller's own key, so the API authorises it again (the
// server's role is a ceiling, never a grant). Arguments are checked against the tool's schema
// first; anything that goes wrong is an MCP tool error (isError), never a crashed server.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import AjvModule from 'ajv';
import addFormats from 'ajv-formats';
import type { Role } from '../core/roles.js';
import {
  documentPath,
  documentResource,
  DOCUMENT_TEMPLATE,
  readRunbook,
  readsDocuments,
  runbookResources,
} from './mcp-resources.js';
import { requestOf, type RoleTool } from './mcp-tools.js';

// NOTE: ajv is CommonJS; under NodeNext its default import is the module object.
const Ajv = AjvModule.default;

export interface RoleServerOptions {
  readonly role: Role;
  /** Iris API address, e.g. http://127.0.0.1:8080. */
  readonly api: string;
  readonly tools: readonly RoleTool[];
  readonly version: string;
  /** The caller's key for a call: the HTTP request's bearer token, or the stdio process's key. */
  readonly tokenOf: (authToken: string | undefined) => string | undefined;
  /** Fills `tenantId` when a call leaves it out (`--tenant`). */
  readonly tenant?: string | undefined;
  /** X-Iris-Agent-Run sent with every call (the run the agent claims to act in). */
  readonly agentRun?: string | undefined;
}

const TIMEOUT_MS = 60_000;

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function toolError(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

/** A problem+json answer as one line for the agent: detail, code, status. */
function problemText(status: number, body: unknown): string {
  const p = (typeof body === 'object' && body !== null ? body : {}) as {
    detail?: unknown;
    code?: unknown;
    errors?: { field?: string; message?: string }[];
  };
  const detail = typeof p.detail === 'string' ? p.detail : `HTTP ${status}`;
  const fields = Array.isArray(p.errors)
    ? p.errors.map((e) => ` ${e.field ?? ''}: ${e.message ?? ''}`.trimEnd()).join(';')
    : '';
  return `Iris refused the call (${status}${typeof p.code === 'string' ? ` ${p.code}` : ''}): ${detail}${fields}`;
}

/** Builds the MCP server of one role (connect it to a stdio or streamable HTTP transport). */
export function makeRoleServer(opts: RoleServerOptions): Server {
  const server = new Server(
    { name: `iris-${opts.role}`, version: opts.version },
    {
      capabilities: { tools: {}, resources: {} },
      instructions: `Iris as the '${opts.role}' role: each tool is one Iris API operation, called with your own API key.`,
    },
  );
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const byName = new Map(opts.tools.map((t) => [t.name as string, { tool: t, validate: ajv.compile(t.inputSchema) }]));

  /** One GET of the Iris API with the caller's key; the parsed body, or an MCP error. */
  async function readApi(path: string, authToken: string | undefined): Promise<unknown> {
    const token = opts.tokenOf(authToken);
    if (token === undefined) throw new McpError(ErrorCode.InvalidRequest, 'No Iris API key for this call.');
    let res: Response;
    try {
      res = await fetch(`${opts.api}${path}`, {
        headers: { accept: 'application/json, application/problem+json', authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      throw new McpError(ErrorCode.InternalError, `Iris at ${opts.api} could not be reached: ${errorText(err)}`);
    }
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      // not JSON: passed on as text
    }
    if (!res.ok) throw new McpError(ErrorCode.InvalidParams, problemText(res.status, body));
    return body;
  }

  const documents = readsDocuments(opts.tools);
  const runbooks = runbookResources(); // read once, when the server is built
  server.setRequestHandler(ListResourcesRequestSchema, async (_req, extra) => {
    const resources = [...runbooks];
    if (documents && opts.tenant !== undefined && opts.tokenOf(extra.authInfo?.token) !== undefined) {
      const page = (await readApi(`/v1/tenants/${opts.tenant}/documents?limit=100`, extra.authInfo?.token)) as {
        items?: { documentId: string; name?: string; status?: string }[];
      };
      for (const d of page.items ?? []) resources.push(documentResource(opts.tenant, d));
    }
    return { resources };
  });
  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
    resourceTemplates: documents
      ? [
          {
            uriTemplate: DOCUMENT_TEMPLATE,
            name: 'document',
            description: "A tenant's document: name, format, status, chunks and its ingest job.",
            mimeType: 'application/json',
          },
        ]
      : [],
  }));
  server.setRequestHandler(ReadResourceRequestSchema, async (req, extra) => {
    const uri = req.params.uri;
    const runbook = readRunbook(uri);
    if (runbook !== undefined) return { contents: [{ uri, mimeType: 'text/markdown', text: runbook }] };
    const path = documentPath(uri);
    if (path === undefined || !documents)
      throw new McpError(ErrorCode.InvalidParams, `'${uri}' is not a resource of the '${opts.role}' role.`);
    const doc = await readApi(path, extra.authInfo?.token);
    return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(doc, null, 2) }] };
  });

  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: opts.tools.map((t) => ({
      name: t.name,
      description: t.description,
      inputSchema: t.inputSchema,
      annotations: t.annotations,
    })),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (req, extra): Promise<CallToolResult> => {
    const entry = byName.get(req.params.name);
    if (entry === undefined)
      return toolError(
        `'${req.params.name}' is not a tool of the '${opts.role}' role; its tools: ${[...byName.keys()].join(', ')}.`,
      );
    const token = opts.tokenOf(extra.authInfo?.token);
    if (token === undefined)
      return toolError(
        'No Iris API key: send it as "Authorization: Bearer <key>" (HTTP) or start the server with --token / IRIS_TOKEN (stdio).',
      );
    const args: Record<string, unknown> = { ...(req.params.arguments ?? {}) };
    if (opts.tenant !== undefined && entry.tool.binding.pathParams.includes('tenantId') && args.tenantId === undefined)
      args.tenantId = opts.tenant;
    if (!entry.validate(args)) {
      const why = (entry.validate.errors ?? []).map(
        (e) =>
          `${e.instancePath === '' ? 'arguments' : e.instancePath.slice(1)} ${e.message ?? 'is invalid'}${e.keyword === 'additionalProperties' ? ` ('${String((e.params as { additionalProperty?: string }).additionalProperty)}')` : ''}`,
      );
      return toolError(`Invalid arguments for ${entry.tool.name}: ${why.join('; ')}.`);
    }
    const call = requestOf(entry.tool, args);
    const headers: Record<string, string> = {
      accept: 'application/json, application/problem+json',
      authorization: `Bearer ${token}`,
    };
    if (opts.agentRun !== undefined) headers['x-iris-agent-run'] = opts.agentRun;
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${opts.api}${call.url}`, {
        method: call.method,
        headers,
        ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      return toolError(`Iris at ${opts.api} could not be reached: ${err instanceof Error ? err.message : String(err)}`);
    }
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      // not JSON (GraphML export, metrics): passed on as text
    }
    if (!res.ok) return toolError(problemText(res.status, body));
    const structured =
      typeof body === 'object' && body !== null && !Array.isArray(body)
        ? { structuredContent: body as Record<string, unknown> }
        : {};
    return {
      content: [{ type: 'text', text: typeof body === 'string' ? body : JSON.stringify(body, null, 2) }],
      ...structured,
    };
  });
  return server;
}
