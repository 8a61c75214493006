// The MCP server of each role, driven by the SDK's real client over both transports: stdio (the
// built CLI, `iris mcp serve`) and streamable HTTP. tools/list is exactly the role's operations
// in the taxonomy; a tool outside the role is refused; the server's role is a ceiling, never a
// grant (the caller's own key decides at the API); bad arguments and revoked keys are MCP tool
// errors and the server goes on; a tool call reaches what the CLI reaches. Agent identity: the
// key's agent and the client's run id land in the audit log and the decision log.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createApp, type App } from '../../src/app/index.js';
import { loadConfig } from '../../src/core/config.js';
import { OPERATIONS } from '../../src/core/role-taxonomy.js';
import { ROLES, toolOperationsOf, type Role } from '../../src/core/roles.js';
import { serveRolesOverHttp, toolsOf, type OpenApiDocument, type RoleHttpServer } from '../../src/mcp/index.js';
import { RUNBOOK_DIR } from '../../src/mcp/mcp-resources.js';
import { BIN, runCli } from '../support/run-cli.js';
import { createTestDatabase, storeName, type TestDatabase } from '../support/test-database.js';

const ADMIN = 'test-bootstrap-token-0123456789abcdef';

interface ToolResult {
  readonly isError?: boolean;
  readonly content: readonly { type: string; text?: string }[];
  readonly structuredContent?: Record<string, unknown>;
}

describe(`MCP server per role: contract over stdio and streamable HTTP (${storeName})`, () => {
  let tdb: TestDatabase;
  let app: App;
  let api: string;
  let work: string;
  let http: RoleHttpServer;
  const tokens = new Map<string, string>();
  const clients: Client[] = [];

  async function httpClient(role: Role, token: string, run?: string): Promise<Client> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      ...(run === undefined ? {} : { 'x-iris-agent-run': run }),
    };
    const client = new Client({ name: 'iris-contract-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${http.url}/mcp/${role}`), { requestInit: { headers } }),
    );
    clients.push(client);
    return client;
  }

  async function stdioClient(role: Role, token: string): Promise<Client> {
    const client = new Client({ name: 'iris-contract-test', version: '1.0.0' });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, 'mcp', 'serve', '--role', role, '--tenant', 'alpha'],
      env: { PATH: process.env.PATH ?? '', IRIS_API: api, IRIS_TOKEN: token, IRIS_DATA_DIR: join(work, 'none') },
      stderr: 'pipe',
    });
    await client.connect(transport);
    clients.push(client);
    return client;
  }

  const call = async (client: Client, name: string, args: Record<string, unknown>): Promise<ToolResult> =>
    (await client.callTool({ name, arguments: args })) as ToolResult;
  const text = (r: ToolResult): string => r.content.map((c) => c.text ?? '').join('\n');

  async function key(role: Role, extra: Record<string, unknown> = {}): Promise<{ id: string; token: string }> {
    const res = await fetch(`${api}/v1/tenants/alpha/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `${role}-mcp`, role, ...extra }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    await app.directory.resync();
    return (await res.json()) as { id: string; token: string };
  }

  before(async () => {
    tdb = await createTestDatabase();
    work = mkdtempSync(join(tmpdir(), 'iris-mcp-test-'));
    app = await createApp(
      loadConfig({ IRIS_BOOTSTRAP_TOKEN: ADMIN, IRIS_DATA_DIR: work, IRIS_RATE_LIMITS: 'false' }, { port: 0 }),
      { db: tdb.db },
    );
    api = await app.listen();
    const created = await fetch(`${api}/v1/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'alpha', displayName: 'Alpha' }),
    });
    assert.equal(created.status, 201);
    for (const role of ['analyst', 'knowledge-curator', 'auditor'] as const) tokens.set(role, (await key(role)).token);
    const doc = (await (await fetch(`${api}/openapi.json`)).json()) as OpenApiDocument;
    http = await serveRolesOverHttp(
      new Map(ROLES.map((r) => [r, { role: r, api, tools: toolsOf(r, doc), version: 'test', tenant: 'alpha' }])),
      { host: '127.0.0.1', port: 0 },
    );
  });

  after(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await http.close();
    await app.close();
    await tdb.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  test('streamable HTTP: tools/list of every role is exactly its operations, with schemas and annotations', async () => {
    for (const role of ROLES) {
      const client = await httpClient(role, ADMIN);
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), toolOperationsOf(role).sort(), role);
      for (const t of tools) {
        const op = OPERATIONS[t.name as keyof typeof OPERATIONS];
        assert.equal(t.annotations?.readOnlyHint, op.effect === 'read', `${role} ${t.name} readOnlyHint`);
        assert.equal(t.annotations?.destructiveHint, op.effect === 'destructive', `${role} ${t.name} destructiveHint`);
        assert.equal(t.annotations?.idempotentHint, op.idempotent, `${role} ${t.name} idempotentHint`);
        assert.equal(t.inputSchema.type, 'object');
      }
    }
    const curator = (await (await httpClient('knowledge-curator', ADMIN)).listTools()).tools;
    const del = curator.find((t) => t.name === 'documents_delete');
    assert.deepEqual(del?.inputSchema.required, ['tenantId', 'documentId'], 'path parameters are required arguments');
    const keysCreate = (await (await httpClient('tenant-admin', ADMIN)).listTools()).tools.find(
      (t) => t.name === 'keys_create',
    );
    assert.ok(
      (keysCreate?.inputSchema.properties as Record<string, unknown>).role,
      'body properties from the OpenAPI schema',
    );
  });

  test('stdio (the built CLI): tools/list matches the taxonomy; a tool call reaches what the CLI reaches', async () => {
    const analyst = tokens.get('analyst') as string;
    const client = await stdioClient('analyst', analyst);
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), toolOperationsOf('analyst').sort());
    const viaMcp = await call(client, 'tenants_get', {});
    assert.equal(viaMcp.isError, undefined, text(viaMcp));
    const viaCli = await runCli(
      ['tenants', 'get', 'alpha', '--output', 'json'],
      { IRIS_API: api, IRIS_TOKEN: analyst, IRIS_DATA_DIR: join(work, 'none') },
      work,
      60_000,
    );
    assert.equal(viaCli.code, 0, viaCli.stderr);
    assert.deepEqual(viaMcp.structuredContent, JSON.parse(viaCli.stdout));
    assert.equal(viaMcp.structuredContent?.id, 'alpha');
  });

  test('a call outside the role is refused; the role is a ceiling, never a grant', async () => {
    const analystServer = await httpClient('analyst', ADMIN);
    const outside = await call(analystServer, 'keys_create', { tenantId: 'alpha', name: 'x', role: 'analyst' });
    assert.equal(outside.isError, true);
    assert.match(text(outside), /'keys_create' is not a tool of the 'analyst' role/);
    // The curator's server with an analyst's key: listed, but the analyst's key cannot delete.
    const ceiling = await httpClient('knowledge-curator', tokens.get('analyst') as string);
    const denied = await call(ceiling, 'documents_delete', { tenantId: 'alpha', documentId: 'doc_none' });
    assert.equal(denied.isError, true);
    assert.match(text(denied), /^Iris refused the call \(403 forbidden\): .*knowledge\.write/);
  });

  test('bad arguments and a revoked key are MCP tool errors; the server goes on', async () => {
    const client = await httpClient('analyst', tokens.get('analyst') as string);
    const bad = await call(client, 'tenants_list', { limit: 'many', bogus: 1 });
    assert.equal(bad.isError, true);
    assert.match(text(bad), /^Invalid arguments for tenants_list: .*limit must be integer/);
    assert.match(text(bad), /'bogus'/);
    const fine = await call(client, 'tenants_list', { limit: 5 });
    assert.equal(fine.isError, undefined, text(fine));
    assert.deepEqual(
      (fine.structuredContent?.items as { id: string }[]).map((t) => t.id),
      ['alpha'],
    );

    const doomed = await key('analyst');
    const revoked = await fetch(`${api}/v1/tenants/alpha/keys/${doomed.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    assert.equal(revoked.status, 200);
    const stale = await httpClient('analyst', doomed.token);
    const refused = await call(stale, 'tenants_get', { tenantId: 'alpha' });
    assert.equal(refused.isError, true);
    assert.match(text(refused), /401 unauthenticated\): The API key has been revoked/);

    const noKey = await fetch(`${http.url}/mcp/analyst`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
    });
    assert.equal(noKey.status, 401);
    const unknownRole = await fetch(`${http.url}/mcp/root`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(unknownRole.status, 404);
    const unknownCli = await runCli(
      ['mcp', 'serve', '--role', 'root'],
      { IRIS_API: api, IRIS_TOKEN: ADMIN, IRIS_DATA_DIR: join(work, 'none') },
      work,
      60_000,
    );
    assert.equal(unknownCli.code, 2);
    assert.match(unknownCli.stderr, /^error: unknown role 'root'; roles: platform-admin, /);
  });

  test('resources: every role reads the runbooks; a role that reads documents lists and reads them with its own key', async () => {
    const submitted = await fetch(`${api}/v1/tenants/alpha/documents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        documentId: 'guides/oncall.md',
        name: 'oncall.md',
        content: '# On call\n\nPage the payments team.\n',
      }),
    });
    assert.ok(submitted.status === 202 || submitted.status === 201, await submitted.clone().text());
    const runbooks = readdirSync(RUNBOOK_DIR).filter((f) => f.endsWith('.md') && f !== 'README.md');
    assert.ok(runbooks.length > 0, 'the repository has runbooks');

    const analyst = await httpClient('analyst', tokens.get('analyst') as string);
    const listed = (await analyst.listResources()).resources;
    assert.deepEqual(
      listed
        .filter((r) => r.uri.startsWith('iris://runbooks/'))
        .map((r) => r.uri)
        .sort(),
      runbooks.map((f) => `iris://runbooks/${f.slice(0, -3)}`).sort(),
    );
    const docUri = 'iris://tenants/alpha/documents/guides%2Foncall.md';
    assert.ok(
      listed.some((r) => r.uri === docUri),
      listed.map((r) => r.uri).join(', '),
    );
    const doc = await analyst.readResource({ uri: docUri });
    assert.equal(JSON.parse((doc.contents[0] as { text: string }).text).documentId, 'guides/oncall.md');
    const first = runbooks[0] as string;
    const book = await analyst.readResource({ uri: `iris://runbooks/${first.slice(0, -3)}` });
    assert.equal((book.contents[0] as { text: string }).text, readFileSync(join(RUNBOOK_DIR, first), 'utf8'));
    assert.deepEqual(
      (await analyst.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate),
      ['iris://tenants/{tenantId}/documents/{documentId}'],
    );

    // The auditor's tools read no documents: runbooks only, and a document URI is refused.
    const auditor = await httpClient('auditor', tokens.get('auditor') as string);
    const auditorListed = (await auditor.listResources()).resources;
    assert.ok(auditorListed.every((r) => r.uri.startsWith('iris://runbooks/')));
    await assert.rejects(auditor.readResource({ uri: docUri }), /not a resource of the 'auditor' role/);
    // The role is a ceiling, never a grant: the auditor's key on the analyst's server is refused by the API.
    const borrowed = await httpClient('analyst', tokens.get('auditor') as string);
    await assert.rejects(borrowed.readResource({ uri: docUri }), /403|refused/);
    await assert.rejects(analyst.readResource({ uri: 'iris://runbooks/../../etc/passwd' }), /not a resource/);

    // Over stdio too.
    const stdio = await stdioClient('analyst', tokens.get('analyst') as string);
    assert.ok((await stdio.listResources()).resources.some((r) => r.uri === docUri));
  });

  test("agent identity: the key's agent and the client's run land in the audit event and the decision log", async () => {
    const bot = await key('knowledge-curator', { agent: { name: 'curator-bot', crew: 'kb-crew' } });
    const client = await httpClient('knowledge-curator', bot.token, 'run-42');
    const built = await call(client, 'graph_build', { tenantId: 'alpha' });
    assert.equal(built.isError, undefined, text(built));
    // A deny is always logged: the curator may not list keys.
    const denied = await fetch(`${api}/v1/tenants/alpha/keys`, {
      headers: { authorization: `Bearer ${bot.token}`, 'x-iris-agent-run': 'run-42' },
    });
    assert.equal(denied.status, 403);
    // A change made in the request itself carries the run the client claimed.
    const admin = await key('tenant-admin', { agent: { name: 'admin-bot' } });
    const made = await call(await httpClient('tenant-admin', admin.token, 'run-42'), 'keys_create', {
      tenantId: 'alpha',
      name: 'made-by-agent',
    });
    assert.equal(made.isError, undefined, text(made));
    assert.equal(made.structuredContent?.role, 'analyst', 'a key without a role is read-only');

    const env = { IRIS_API: api, IRIS_TOKEN: ADMIN, IRIS_DATA_DIR: join(work, 'none') };
    const listed = await runCli(
      ['audit', 'list', '--tenant', 'alpha', '--run', 'run-42', '--output', 'json'],
      env,
      work,
      60_000,
    );
    assert.equal(listed.code, 0, listed.stderr);
    const events = (
      JSON.parse(listed.stdout) as { items: { event: { action: string; actor: { keyId: string; agent?: unknown } } }[] }
    ).items;
    assert.deepEqual(
      events.map((e) => [e.event.action, e.event.actor.keyId, e.event.actor.agent]),
      [['key.create', admin.id, { name: 'admin-bot', crew: null, run: 'run-42' }]],
    );
    // Jobs the agent started are its own in the ledger (their later changes happen outside the request: no run).
    const byAgent = await runCli(
      ['audit', 'list', '--tenant', 'alpha', '--agent', 'curator-bot', '--output', 'json'],
      env,
      work,
      60_000,
    );
    assert.equal(byAgent.code, 0, byAgent.stderr);
    const jobEvents = (
      JSON.parse(byAgent.stdout) as {
        items: { event: { action: string; actor: { keyId: string; agent?: unknown } } }[];
      }
    ).items;
    assert.ok(jobEvents.length >= 1, "the graph build job is audited as the agent's");
    for (const e of jobEvents)
      assert.deepEqual(
        [e.event.actor.keyId, e.event.actor.agent],
        [bot.id, { name: 'curator-bot', crew: 'kb-crew', run: null }],
      );
    const otherRun = await fetch(`${api}/v1/audit/logs/alpha/events?run=run-43`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    assert.deepEqual(((await otherRun.json()) as { items: unknown[] }).items, []);

    await app.decisions.flush();
    const decisions = await fetch(`${api}/v1/tenants/alpha/policy/decisions?decision=deny`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    const rows = (
      (await decisions.json()) as { items: { principal: string; inputs: { agent?: unknown } }[] }
    ).items.filter((d) => d.principal === bot.id);
    assert.ok(rows.length >= 1);
    assert.deepEqual(rows[0]?.inputs.agent, { name: 'curator-bot', crew: 'kb-crew', run: 'run-42' });

    const badRun = await fetch(`${api}/v1/whoami`, {
      headers: { authorization: `Bearer ${bot.token}`, 'x-iris-agent-run': 'no spaces allowed' },
    });
    assert.equal(badRun.status, 400);
    assert.match(badRun.headers.get('content-type') ?? '', /application\/problem\+json/);
  });
});
