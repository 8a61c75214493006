// Streamable HTTP for the role MCP servers: one endpoint per role (/mcp/<role>), stateless (a
// fresh server and transport per request, as the SDK documents for stateless use), the caller's
// Iris key taken from the request's Authorization header and handed to the tools.
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Role } from '../core/roles.js';
import { makeRoleServer, type RoleServerOptions } from './mcp-server.js';

export interface RoleHttpServer {
  /** http://host:port */
  readonly url: string;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

function jsonRpcError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { 'content-type': 'application/json', ...headers })
    .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** Serves the MCP servers of `roles` over streamable HTTP on host:port (port 0: any free one). */
export async function serveRolesOverHttp(
  roles: ReadonlyMap<Role, Omit<RoleServerOptions, 'tokenOf' | 'agentRun'>>,
  listen: { host: string; port: number },
): Promise<RoleHttpServer> {
  const http: HttpServer = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        jsonRpcError(res, 500, `internal error: ${err instanceof Error ? err.message : String(err)}`);
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const m = /^\/mcp\/([a-z-]+)\/?(?:\?.*)?$/.exec(req.url ?? '');
    const role = m?.[1] as Role | undefined;
    const opts = role === undefined ? undefined : roles.get(role);
    if (opts === undefined)
      return jsonRpcError(
        res,
        404,
        `No MCP server here; serving ${[...roles.keys()].map((r) => `/mcp/${r}`).join(', ')}.`,
      );
    if (req.method !== 'POST')
      return jsonRpcError(res, 405, 'Method not allowed: this stateless server answers POST only.', { allow: 'POST' });
    const auth = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (auth === null)
      return jsonRpcError(res, 401, 'Send your Iris API key as "Authorization: Bearer <key>".', {
        'www-authenticate': 'Bearer',
      });
    let body: unknown;
    try {
      body = await readJson(req);
    } catch (err) {
      return jsonRpcError(res, 400, `Parse error: ${err instanceof Error ? err.message : String(err)}`);
    }
    const run = req.headers['x-iris-agent-run'];
    const server = makeRoleServer({ ...opts, tokenOf: (t) => t, agentRun: typeof run === 'string' ? run : undefined });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(
      Object.assign(req, { auth: { token: auth[1] as string, clientId: 'iris-key', scopes: [] } }),
      res,
      body,
    );
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(listen.port, listen.host, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}
