// Least privilege by default and the CLI's side of the taxonomy, end to end: a key without a
// role is read-only, CIDR lists bind keys to networks, platform roles stay at the platform;
// `iris whoami`, the CLI refusing what the key cannot run (naming the roles that can), `iris
// roles show` and the CrewAI export.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { operationsOf } from '../../src/core/roles.js';
import { runCli } from '../support/run-cli.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

describe(`roles: least privilege, whoami, refusals, export (${storeName})`, () => {
  let t: TestApp;
  let api: string;
  let work: string;
  const cli = (args: string[], token: string) =>
    runCli(args, { IRIS_API: api, IRIS_TOKEN: token, IRIS_DATA_DIR: join(work, 'none') }, work, 60_000);

  before(async () => {
    t = await createTestApp();
    api = await t.app.listen();
    work = mkdtempSync(join(tmpdir(), 'iris-roles-test-'));
    assert.equal(
      (await t.call('POST', '/v1/tenants', { body: { id: 'alpha', displayName: 'Alpha' } })).statusCode,
      201,
    );
  });
  after(async () => {
    await t.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  test('a key without a role is read-only; CIDR lists bind keys; bad roles and networks are 400s', async () => {
    const plain = await t.call('POST', '/v1/tenants/alpha/keys', { body: { name: 'no-role' } });
    assert.equal(plain.statusCode, 201, plain.body);
    assert.equal(plain.json().role, 'analyst');
    assert.deepEqual(plain.json().allowedCidrs, []);
    const bound = await t.call('POST', '/v1/tenants/alpha/keys', {
      body: { name: 'bound', role: 'analyst', allowedCidrs: ['10.0.0.0/8'] },
    });
    assert.equal(bound.statusCode, 201, bound.body);
    await t.app.directory.resync();
    const fromHere = await t.call('GET', '/v1/tenants/alpha', { token: bound.json().token });
    assert.equal(fromHere.statusCode, 403, 'inject comes from 127.0.0.1, outside 10.0.0.0/8');
    assert.match(fromHere.json().detail, /network address/);
    const bad = await t.call('POST', '/v1/tenants/alpha/keys', {
      body: { name: 'bad', allowedCidrs: ['10.0.0.0/33'] },
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().detail, /'10\.0\.0\.0\/33' is not a network in CIDR notation/);
    const onboarder = await t.call('POST', '/v1/tenants/alpha/keys', { body: { name: 'o', role: 'tenant-onboarder' } });
    assert.equal(onboarder.statusCode, 400);
    assert.match(onboarder.json().detail, /platform-level/);
    const unknown = await t.call('POST', '/v1/tenants/alpha/keys', { body: { name: 'u', role: 'root' } });
    assert.equal(unknown.statusCode, 400);
    assert.match(unknown.headers['content-type'] as string, /problem\+json/);
  });

  test("an onboarder creates a tenant with its first tenant-admin key from the CLI; the key is that tenant's admin", async () => {
    const platform = await t.call('POST', '/v1/platform/keys', { body: { name: 'onb', role: 'tenant-onboarder' } });
    assert.equal(platform.statusCode, 201, platform.body);
    await t.app.directory.resync();
    const made = await cli(
      ['tenants', 'create', 'hooli', '--display-name', 'Hooli', '--first-key', 'hooli-admin', '--output', 'json'],
      platform.json().token,
    );
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stderr, /only time the token is shown/);
    const token = (JSON.parse(made.stdout) as { firstKey: { token: string } }).firstKey.token;
    const me = await cli(['whoami', '--output', 'json'], token);
    assert.equal(me.code, 0, me.stderr);
    assert.deepEqual([JSON.parse(me.stdout).role, JSON.parse(me.stdout).tenantId], ['tenant-admin', 'hooli']);
  });

  test('iris whoami shows the role and its permissions; the CLI refuses what the key cannot run', async () => {
    const analyst = await t.keyFor('alpha', 'analyst');
    const me = await cli(['whoami', '--output', 'json'], analyst);
    assert.equal(me.code, 0, me.stderr);
    const view = JSON.parse(me.stdout) as { role: string; tenantId: string; operations: string[]; commands: string[] };
    assert.equal(view.role, 'analyst');
    assert.equal(view.tenantId, 'alpha');
    assert.deepEqual(view.operations, operationsOf('analyst'));
    assert.ok(view.commands.includes('query') && !view.commands.includes('jobs retry'));

    const before = (await t.call('GET', '/v1/audit/logs/alpha/events')).json<{ size: number }>().size;
    const refused = await cli(['jobs', 'retry', 'job_none', '--tenant', 'alpha'], analyst);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /^error: `iris jobs retry` needs 'job\.retry', which the analyst key k\w+ \(alpha\) does not hold; a key of role 'incident-responder' or 'operator' or 'tenant-admin' may run it\. Nothing was sent\.\n$/,
    );
    assert.equal((await t.call('GET', '/v1/audit/logs/alpha/events')).json<{ size: number }>().size, before);
    const allowed = await cli(['tenants', 'get', 'alpha', '--output', 'json'], analyst);
    assert.equal(allowed.code, 0, allowed.stderr);
  });

  test('iris roles show and the CrewAI export follow the taxonomy', async () => {
    const unknown = await cli(['roles', 'show', 'root'], 'unused-token-0123456789abcdef');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown role 'root'; roles: /);
    const dir = join(work, 'crew');
    const res = await cli(
      [
        'roles',
        'export',
        '--format',
        'crewai',
        '--tenant',
        'alpha',
        '--roles',
        'analyst,knowledge-curator',
        '--dir',
        dir,
      ],
      'unused-token-0123456789abcdef',
    );
    assert.equal(res.code, 0, res.stderr);
    const agents = parse(readFileSync(join(dir, 'agents.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
    const tasks = parse(readFileSync(join(dir, 'tasks.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(agents), ['analyst', 'knowledge_curator']);
    const curator = agents.knowledge_curator as Record<string, unknown>;
    assert.deepEqual(Object.keys(curator), ['role', 'goal', 'backstory', 'allow_delegation', 'mcps']);
    assert.equal(curator.allow_delegation, false);
    assert.match(String(curator.goal), /tenant alpha/);
    assert.deepEqual(
      curator.mcps,
      operationsOf('knowledge-curator').map((op) => `http://127.0.0.1:8765/mcp/knowledge-curator#${op}`),
    );
    assert.deepEqual(tasks.knowledge_curator_task?.agent, 'knowledge_curator');
    assert.deepEqual(Object.keys(tasks.analyst_task ?? {}), ['description', 'expected_output', 'agent']);
  });
});
