// The knowledge commands of the built CLI against a running server with a worker: ingest a
// folder with --wait, list/get/delete documents, query in each mode (table and JSON), browse
// and export the graph (JSON and GraphML to a file), and clear errors for bad input.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createApp, type App } from '../../src/app/index.js';
import { loadConfig } from '../../src/core/config.js';
import { runCli, type Run } from '../support/run-cli.js';
import { createTestDatabase, storeName, type TestDatabase } from '../support/test-database.js';

const ADMIN = 'cli-kg-bootstrap-token-0123456789abcdef';

describe(`iris ingest / documents / query / graph (${storeName})`, () => {
  let tdb: TestDatabase;
  let app: App;
  let work: string;
  const iris = (args: readonly string[]): Promise<Run> =>
    runCli(args, { IRIS_API: api, IRIS_TOKEN: ADMIN, IRIS_DATA_DIR: join(work, 'none') }, work, 60_000);
  let api = '';
  const json = <T>(r: Run): T => {
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };

  before(async () => {
    tdb = await createTestDatabase();
    work = mkdtempSync(join(tmpdir(), 'iris-kg-cli-'));
    app = await createApp(
      loadConfig({ IRIS_BOOTSTRAP_TOKEN: ADMIN, IRIS_DATA_DIR: work, IRIS_RATE_LIMITS: 'false' }, { port: 0 }),
      { db: tdb.db },
    );
    api = await app.listen();
    await app.startWorker({ concurrency: 2 });
    const res = await fetch(`${api}/v1/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'acme', displayName: 'Acme' }),
    });
    assert.equal(res.status, 201);
    await app.directory.resync();
    mkdirSync(join(work, 'docs', 'teams'), { recursive: true });
    writeFileSync(
      join(work, 'docs', 'services.md'),
      '| source | relation | target |\n|---|---|---|\n| Checkout Service | calls | Payments Gateway |\n| Payments Gateway | owned_by | Payments Team |\n',
    );
    writeFileSync(join(work, 'docs', 'teams', 'people.csv'), 'name,type\nOmar Haddad,person\nPayments Team,team\n');
    writeFileSync(join(work, 'docs', 'notes.bin'), 'not ingested: unknown extension');
    writeFileSync(join(work, 'docs', 'teams', 'broken.json'), '{"oops": ');
  });
  after(async () => {
    await app.close();
    await tdb.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  test('ingest --wait submits a folder, waits for the jobs, and reports each document', async () => {
    const r = await iris(['ingest', '--tenant', 'acme', 'docs', '--wait', '--interval', '100', '--output', 'json']);
    const body = JSON.parse(r.stdout) as { documents: { documentId: string; status: string; error?: string }[] };
    const byId = new Map(body.documents.map((d) => [d.documentId, d]));
    assert.deepEqual([...byId.keys()].sort(), ['docs/services.md', 'docs/teams/broken.json', 'docs/teams/people.csv']);
    assert.equal(byId.get('docs/services.md')?.status, 'ingested');
    assert.equal(byId.get('docs/teams/people.csv')?.status, 'ingested');
    assert.equal(byId.get('docs/teams/broken.json')?.status, 'failed');
    assert.equal(r.code, 1, 'a failed document makes the exit code 1');
    assert.match(r.stderr, /3\/3 documents/, 'progress is shown on stderr');
    const again = json<{ documents: { status: string }[] }>(
      await iris(['ingest', '--tenant', 'acme', 'docs/services.md', '--output', 'json']),
    );
    assert.match(again.documents[0]?.status ?? '', /unchanged/);
  });

  test('documents list, get and delete', async () => {
    const list = await iris(['documents', 'list', '--tenant', 'acme']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^DOCUMENT\s+STATUS/m);
    assert.match(list.stdout, /docs\/services\.md\s+ready\s+markdown/);
    const failed = json<{ items: { documentId: string }[] }>(
      await iris(['documents', 'list', '--tenant', 'acme', '--status', 'failed', '--output', 'json']),
    );
    assert.deepEqual(
      failed.items.map((d) => d.documentId),
      ['docs/teams/broken.json'],
    );
    const got = await iris(['documents', 'get', 'docs/teams/people.csv', '--tenant', 'acme']);
    assert.match(got.stdout, /status\s+ready/);
    const del = await iris(['documents', 'delete', 'docs/teams/broken.json', '--tenant', 'acme']);
    assert.equal(del.code, 0, del.stderr);
    const missing = await iris(['documents', 'get', 'docs/teams/broken.json', '--tenant', 'acme']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /not found|does not exist/i);
    assert.doesNotMatch(missing.stderr, /\n\s+at .+:\d+:\d+/);
  });

  test('query answers with sources in a table, or as JSON', async () => {
    const table = await iris(['query', '--tenant', 'acme', 'What does the Checkout Service call?']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /Payments Gateway/);
    assert.match(table.stdout, /Sources:\n {2}\[1\] docs\//);
    assert.match(table.stdout, /mode hybrid · extractive \(no LLM\) · cache miss/);
    for (const mode of ['local', 'global', 'naive']) {
      const a = json<{ mode: string; citations: unknown[] }>(
        await iris(['query', '--tenant', 'acme', 'Who owns the Payments Gateway?', '--mode', mode, '--output', 'json']),
      );
      assert.equal(a.mode, mode);
      assert.ok(a.citations.length > 0);
    }
    const bad = await iris(['query', '--tenant', 'acme', 'hi', '--mode', 'clever']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--mode must be one of hybrid, local, global, naive/);
  });

  test('graph entities, relations, communities and export (JSON, GraphML to a file)', async () => {
    const entities = await iris(['graph', 'entities', '--tenant', 'acme', '--type', 'person']);
    assert.match(entities.stdout, /Omar Haddad\s+person/);
    const relations = json<{ items: { source: string; type: string; target: string }[] }>(
      await iris(['graph', 'relations', '--tenant', 'acme', '--output', 'json']),
    );
    assert.ok(
      relations.items.some(
        (r) => r.source === 'Checkout Service' && r.type === 'calls' && r.target === 'Payments Gateway',
      ),
    );
    const communities = await iris(['graph', 'communities', '--tenant', 'acme']);
    assert.match(communities.stdout, /^COMMUNITY\s+LEVEL\s+MEMBERS/m);
    const exported = JSON.parse((await iris(['graph', 'export', '--tenant', 'acme'])).stdout) as {
      entities: unknown[];
      relations: unknown[];
    };
    assert.ok(exported.entities.length >= 2 && exported.relations.length >= 2, JSON.stringify(exported).slice(0, 300));
    const file = join(work, 'acme.graphml');
    const r = await iris(['graph', 'export', '--tenant', 'acme', '--format', 'graphml', '--file', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(readFileSync(file, 'utf8'), /<node id="payments gateway">/);
    const build = await iris(['graph', 'build', '--tenant', 'acme', '--wait']);
    assert.equal(build.code, 0, build.stderr);
    assert.match(build.stdout, /succeeded/);
  });

  test('help teaches; missing paths are usage errors', async () => {
    const help = await iris(['ingest', '--help']);
    assert.match(help.stdout, /Examples:\n {2}iris ingest --tenant acme docs\/ --wait/);
    const missing = await iris(['ingest', '--tenant', 'acme', 'no-such-dir']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /'no-such-dir' does not exist/);
  });
});
