// The built `iris` CLI end to end, run as a user runs it (node bin/iris.js …) against an
// in-process server on a random port: tenants, keys, audit verification and proofs, output
// formats, error messages and exit codes.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createApp, type App } from '../../src/app/index.js';
import { loadConfig } from '../../src/core/config.js';
import { runCli, type Run } from '../support/run-cli.js';
import { createTestDatabase, storeName, type TestDatabase } from '../support/test-database.js';

const ADMIN = 'cli-test-bootstrap-token-0123456789abcdef';

/** Retries `check` until it passes or `ms` elapse (key changes reach the server through the change feed). */
async function eventually<T>(check: () => Promise<T>, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe(`iris CLI end to end (${storeName})`, () => {
  let tdb: TestDatabase;
  let app: App;
  let api: string;
  let work: string;
  let emptyDataDir: string;

  /** `iris …` as the platform admin (or `token`; null: no token at all). */
  const iris = (
    args: readonly string[],
    opts: { token?: string | null; env?: Record<string, string> } = {},
  ): Promise<Run> => {
    const token = opts.token === undefined ? ADMIN : opts.token;
    return runCli(
      args,
      { IRIS_API: api, IRIS_DATA_DIR: emptyDataDir, ...(token === null ? {} : { IRIS_TOKEN: token }), ...opts.env },
      work,
    );
  };
  const json = <T = Record<string, unknown>>(r: Run): T => {
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };
  const noStack = (r: Run): void => assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
  /** Setup straight through the API (what the CLI does is asserted elsewhere). */
  const http = async (method: string, path: string, body?: unknown): Promise<void> => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.text()}`);
  };
  const vkey = async (): Promise<string> =>
    ((await (await fetch(`${api}/v1/audit/key`)).json()) as { vkey: string }).vkey;

  before(async () => {
    tdb = await createTestDatabase();
    work = mkdtempSync(join(tmpdir(), 'iris-cli-test-'));
    emptyDataDir = join(work, 'no-server-here');
    app = await createApp(
      loadConfig(
        { IRIS_BOOTSTRAP_TOKEN: ADMIN, IRIS_DATA_DIR: work, IRIS_TENANT_DELETE_GRACE_SECONDS: '3600' },
        { port: 0 },
      ),
      { db: tdb.db },
    );
    api = await app.listen();
  });
  after(async () => {
    await app.close();
    await tdb.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  test('iris --help lists every command; each command teaches with examples', async () => {
    const [r, sub] = await Promise.all([iris(['--help']), iris(['tenants', 'update', '--help'])]);
    assert.equal(r.code, 0, r.stderr);
    for (const c of [
      'tenants create',
      'tenants get',
      'tenants list',
      'tenants update',
      'tenants delete',
      'tenants restore',
      'keys create',
      'keys list',
      'keys revoke',
      'audit list',
      'audit verify',
      'audit prove',
      'audit verify-proof',
      'audit checkpoint',
      'up',
      'serve',
      'migrate',
    ]) {
      assert.match(r.stdout, new RegExp(`^  iris ${c}\\b`, 'm'), `help lists 'iris ${c}'`);
    }
    assert.equal(sub.code, 0);
    assert.match(sub.stdout, /--if-match <version>/);
    assert.match(sub.stdout, /Examples:\n {2}iris tenants update acme/);
  });

  test('tenants: create, get, list (table and JSON), update, stale --if-match, delete, restore', async () => {
    const created = await iris([
      'tenants',
      'create',
      'cli-a',
      '--display-name',
      'CLI A',
      '--tier',
      'premium',
      '--label',
      'team=core',
      '--label',
      'env=dev',
      '--quota',
      'requests-per-second=321',
    ]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^Created tenant cli-a\.\n/);
    await http('POST', '/v1/tenants', { id: 'cli-b', displayName: 'CLI B' });

    const [getRun, table, onePage, allPages] = await Promise.all([
      iris(['tenants', 'get', 'cli-a', '--output', 'json']),
      iris(['tenants', 'list']),
      iris(['-o', 'json', 'tenants', 'list', '--limit', '1']),
      iris(['tenants', 'list', '--limit', '1', '--all', '--output', 'json']),
    ]);
    const got = json<{
      id: string;
      tier: string;
      labels: Record<string, string>;
      quotas: { requestsPerSecond: number; burst: number };
      resourceVersion: string;
    }>(getRun);
    assert.equal(got.tier, 'premium');
    assert.deepEqual(got.labels, { team: 'core', env: 'dev' });
    assert.equal(got.quotas.requestsPerSecond, 321);
    assert.equal(got.quotas.burst, 400, 'unnamed quotas come from the tier');
    assert.equal(got.resourceVersion, '1');

    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^ID\s+NAME\s+TIER\s+REGION\s+RING\s+STATUS\s+VERSION\n/);
    assert.match(table.stdout, /^cli-a\s+CLI A\s+premium\s+eu-west\s+general\s+active\s+1$/m);

    const page = json<{ items: { id: string }[]; continue?: string }>(onePage);
    assert.deepEqual(
      page.items.map((t) => t.id),
      ['cli-a'],
    );
    assert.ok(page.continue, 'a continue token for the next page');
    const all = json<{ items: { id: string }[]; continue?: string }>(allPages);
    assert.deepEqual(
      all.items.map((t) => t.id),
      ['cli-a', 'cli-b'],
    );
    assert.equal(all.continue, undefined);

    const upd = json<{ resourceVersion: string; displayName: string; labels: Record<string, string> }>(
      await iris([
        'tenants',
        'update',
        'cli-a',
        '--display-name',
        'CLI A2',
        '--label',
        'env-',
        '--label',
        'tier=gold',
        '--if-match',
        '1',
        '--output',
        'json',
      ]),
    );
    assert.equal(upd.resourceVersion, '2');
    assert.equal(upd.displayName, 'CLI A2');
    assert.deepEqual(upd.labels, { team: 'core', tier: 'gold' });

    const stale = await iris(['tenants', 'update', 'cli-a', '--display-name', 'lost update', '--if-match', '1']);
    assert.equal(stale.code, 1);
    assert.equal(stale.stdout, '');
    assert.match(
      stale.stderr,
      /^error: If-Match "1" does not match the current resourceVersion "2"; read the tenant again and retry\. \(precondition_failed, request req_[\w-]+\)\n$/,
    );
    assert.equal(
      json<{ displayName: string }>(await iris(['tenants', 'get', 'cli-a', '-o', 'json'])).displayName,
      'CLI A2',
    );
    assert.deepEqual(
      json<{ displayName: string; resourceVersion: string }>(
        await iris(['tenants', 'get', 'cli-a', '--consistent', '-o', 'json']),
      ).displayName,
      'CLI A2',
      'a consistent read (the database) agrees with the snapshot the writer serves',
    );

    const del = json<{ status: string; purgeAfter: string | null }>(
      await iris(['tenants', 'delete', 'cli-b', '-o', 'json']),
    );
    assert.equal(del.status, 'deleting');
    assert.ok(del.purgeAfter);
    const restored = await iris(['tenants', 'restore', 'cli-b']);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /^Restored tenant cli-b \(status active, version 3\)\.$/m);
  });

  test('bad input: API validation lists field errors (exit 1); usage mistakes exit 2', async () => {
    const invalid = await iris(['tenants', 'create', 'Not_A_Slug', '--display-name', 'x']);
    assert.equal(invalid.code, 1);
    assert.match(
      invalid.stderr,
      /^error: .+ \(validation_failed, request req_[\w-]+\)\n {2}- body \/id: must match pattern/,
    );
    noStack(invalid);

    const missing = await iris(['--request-id', 'cli-trace-1', 'tenants', 'get', 'no-such-tenant']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, "error: Tenant 'no-such-tenant' was not found. (not_found, request cli-trace-1)\n");

    const usage = [
      ['tenants', 'update', 'cli-a'],
      ['keys', 'list'],
      ['keys', 'list', '--tenant', 'cli-a', '--platform'],
      ['tenants', 'frobnicate'],
      ['tenants', 'create', 'x-y-z'],
      ['--output', 'yaml', 'tenants', 'list'],
      ['tenants', 'create', 'cli-q', '--display-name', 'q', '--quota', 'bogus=1'],
    ];
    const runs = await Promise.all(usage.map((args) => iris(args)));
    runs.forEach((r, i) => {
      assert.equal(r.code, 2, `${usage[i]?.join(' ')} -> ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, /error: /);
      assert.equal(r.stdout, '');
    });
  });

  test('keys: the token is shown once with a warning, works, and fails once revoked', async () => {
    const created = await iris([
      'keys',
      'create',
      '--tenant',
      'cli-a',
      '--role',
      'analyst',
      '--name',
      'dashboards',
      '--expires-in',
      '30d',
      '--output',
      'json',
    ]);
    const key = json<{ id: string; token: string; role: string; expiresAt: string }>(created);
    assert.equal(key.role, 'analyst');
    assert.match(key.token, /^iris_k[a-z0-9]{16}_/);
    assert.match(created.stderr, /only time the token is shown/);
    const days = (Date.parse(key.expiresAt) - Date.now()) / 86_400_000;
    assert.ok(days > 29.9 && days <= 30, `expires in 30 days, got ${days}`);

    const tableCreate = await iris(['keys', 'create', '--platform', '--role', 'operator', '--name', 'on-call']);
    assert.equal(tableCreate.code, 0, tableCreate.stderr);
    assert.match(tableCreate.stdout, /^Created operator key k[a-z0-9]{16} for the platform\.\nToken:\n {2}iris_k/);

    const asAnalyst = await eventually(async () => {
      const r = await iris(['tenants', 'get', 'cli-a', '-o', 'json'], { token: key.token });
      assert.equal(r.code, 0, r.stderr);
      return r;
    });
    assert.equal(json<{ id: string }>(asAnalyst).id, 'cli-a');

    const listed = await iris(['keys', 'list', '--tenant', 'cli-a']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^ID\s+NAME\s+ROLE\s+STATE\s+CREATED\s+EXPIRES\s+LAST USED\n/);
    assert.match(listed.stdout, new RegExp(`^${key.id}\\s+dashboards\\s+analyst\\s+active\\s`, 'm'));

    const revoked = await iris(['keys', 'revoke', key.id, '--tenant', 'cli-a']);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, new RegExp(`^Revoked key ${key.id} \\(dashboards, analyst\\) of tenant cli-a`));
    const refused = await eventually(async () => {
      const r = await iris(['tenants', 'get', 'cli-a'], { token: key.token });
      assert.equal(r.code, 1, r.stdout);
      return r;
    });
    assert.match(refused.stderr, /^error: The API key has been revoked\. \(unauthenticated, request req_/);
    const after = json<{ items: { id: string; revokedAt: string | null }[] }>(
      await iris(['keys', 'list', '--tenant', 'cli-a', '-o', 'json']),
    );
    assert.ok(after.items.find((k) => k.id === key.id)?.revokedAt);
  });

  test('the token comes from <IRIS_DATA_DIR>/admin-token when none is given; without one, a hint', async () => {
    const dir = join(work, 'local-server');
    rmSync(dir, { recursive: true, force: true });
    const none = await iris(['tenants', 'list'], { token: null, env: { IRIS_DATA_DIR: dir } });
    assert.equal(none.code, 1);
    assert.match(
      none.stderr,
      /\(unauthenticated, request .+\)\nhint: no token was given; pass --token, set IRIS_TOKEN/,
    );
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'admin-token'), `${ADMIN}\n`, { mode: 0o600 });
    const viaFile = await iris(['tenants', 'list', '-o', 'json'], { token: null, env: { IRIS_DATA_DIR: dir } });
    assert.ok(json<{ items: unknown[] }>(viaFile).items.length >= 2);
    const flagWins = await iris(['tenants', 'list', '--token', 'not-a-valid-token-but-long-enough'], {
      token: null,
      env: { IRIS_DATA_DIR: dir },
    });
    assert.equal(flagWins.code, 1);
    assert.match(flagWins.stderr, /The API key is not valid/);
  });

  test('audit list and verify pass; a row edited in the table makes verify fail with exit 1', async () => {
    const events = json<{ items: { seq: number; event: { action: string } }[] }>(
      await iris(['audit', 'list', '--tenant', 'cli-a', '--output', 'json']),
    );
    const actions = events.items.map((e) => e.event.action);
    assert.deepEqual(actions.slice(0, 2), ['tenant.create', 'tenant.update']);
    assert.ok(actions.includes('key.revoke'));
    const listTable = await iris(['audit', 'list', '--tenant', 'cli-a', '--from', '1', '--limit', '1']);
    assert.match(
      listTable.stdout,
      /^SEQ\s+TIME\s+ACTION\s+RESOURCE\s+ACTOR\s+REQUEST\n1\s+\S+ \S+\s+tenant\.update\s+Tenant\/cli-a\s+platform-admin /,
    );

    const trusted = await vkey();
    const [ok, platform] = await Promise.all([
      iris(['audit', 'verify', '--tenant', 'cli-a']),
      iris(['audit', 'verify', '--platform', '--vkey', trusted, '-o', 'json']),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^Audit log cli-a: OK\n/);
    assert.match(ok.stderr, /verifier key fetched from the server/);
    const okJson = json<{ ok: boolean; size: number; keySource: string }>(platform);
    assert.equal(okJson.ok, true);
    assert.equal(okJson.keySource, 'option');
    assert.ok(okJson.size >= 2, 'platform log holds the bootstrap and on-call keys');

    for (const id of ['cli-t-one', 'cli-t-two']) {
      await http('POST', '/v1/tenants', { id, displayName: id });
      for (let i = 0; i < 3; i++) await http('PATCH', `/v1/tenants/${id}`, { displayName: `${id} ${i}` });
    }
    assert.equal((await iris(['audit', 'verify', '--tenant', 'cli-t-one', '--vkey', trusted])).code, 0);
    await tdb.db.asOwner((s) =>
      s.query(
        "update audit_events set event = jsonb_set(event, '{action}', '\"x\"') where tenant_id = $1 and seq = 2",
        ['cli-t-one'],
      ),
    );

    const bad = await iris(['audit', 'verify', '--tenant', 'cli-t-one', '--vkey', trusted]);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /^Audit log cli-t-one: FAILED \(\d+ problems?\)/);
    assert.match(bad.stdout, / {2}- event 2: event content does not match its leaf hash: the row was edited/);
    assert.match(bad.stderr, /^error: the audit log of tenant cli-t-one failed verification/m);
    noStack(bad);
    const badJson = await iris(['audit', 'verify', '--tenant', 'cli-t-one', '-o', 'json']);
    assert.equal(badJson.code, 1);
    const report = JSON.parse(badJson.stdout) as { ok: boolean; problems: { seq?: number; problem: string }[] };
    assert.equal(report.ok, false);
    assert.ok(report.problems.some((p) => p.seq === 2));

    // A deleted row (done as the owner, bypassing the revoked DELETE) is caught too.
    await tdb.db.asOwner((s) => s.query('delete from audit_events where tenant_id = $1 and seq = 1', ['cli-t-two']));
    const gap = await iris(['audit', 'verify', '--tenant', 'cli-t-two', '--vkey', trusted]);
    assert.equal(gap.code, 1);
    assert.match(gap.stdout, /FAILED/);
    assert.match(gap.stdout, /a row was deleted, inserted or reordered/);
  });

  test('prove writes a bundle that verify-proof checks offline; an edited bundle fails', async () => {
    const file = join(work, 'cli-a-1.proof.json');
    const proved = await iris(['audit', 'prove', '--tenant', 'cli-a', '--seq', '1', '--out', file]);
    assert.equal(proved.code, 0, proved.stderr);
    assert.match(proved.stdout, /^Wrote the proof of event 1 of log cli-a/);
    const bundle = JSON.parse(readFileSync(file, 'utf8')) as { seq: number; event: { action: string } };
    assert.equal(bundle.seq, 1);
    const trusted = await vkey();

    // Offline: the API address goes nowhere and there is no token.
    const offline = { token: null, env: { IRIS_API: `http://127.0.0.1:${await closedPort()}` } };
    const edited = join(work, 'edited.proof.json');
    writeFileSync(edited, JSON.stringify({ ...bundle, event: { ...bundle.event, action: 'tenant.delete' } }));
    const [ok, okJson, bad, otherKey, notABundle, stdoutBundle] = await Promise.all([
      iris(['audit', 'verify-proof', file, '--vkey', trusted], offline),
      iris(['audit', 'verify-proof', file, '--vkey', trusted, '--output', 'json'], offline),
      iris(['audit', 'verify-proof', edited, '--vkey', trusted], offline),
      iris(['audit', 'verify-proof', file, '--vkey', trusted.replace(/\+[0-9a-f]{8}\+/, '+00000000+')], offline),
      iris(['audit', 'verify-proof', join(work, 'missing.json'), '--vkey', trusted], offline),
      iris(['audit', 'prove', '--tenant', 'cli-a', '--seq', '0']),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^OK: event 1 of log cli-a \(tenant\.update at .+\) is in the signed log of size \d+\.\n$/);
    assert.equal(json<{ ok: boolean }>(okJson).ok, true);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /^FAILED: event 1 of log cli-a: event content does not match the leaf hash/);
    assert.match(bad.stderr, /error: the proof in .+ does not verify/);
    assert.equal(otherKey.code, 2, 'a malformed verifier key is a usage error');
    assert.equal(notABundle.code, 1);
    assert.match(notABundle.stderr, /^error: cannot read /);
    assert.equal(json<{ seq: number }>(stdoutBundle).seq, 0);
  });

  test('checkpoint keeps the signed head and prints its note; verify then checks it', async () => {
    const cp = await iris(['audit', 'checkpoint', '--tenant', 'cli-a']);
    assert.equal(cp.code, 0, cp.stderr);
    assert.match(cp.stdout, /^iris\.local\/ledger\/cli-a\n\d+\n[A-Za-z0-9+/=]+\n\n— iris\.local\/ledger \S+\n$/);
    const v = json<{ ok: boolean; checkpointsVerified: number }>(
      await iris(['audit', 'verify', '--tenant', 'cli-a', '-o', 'json']),
    );
    assert.equal(v.ok, true);
    assert.equal(v.checkpointsVerified, 2, 'the signed head and the kept checkpoint');
  });

  test('verify --checkpoint-file keeps the signed head and catches a log rewritten behind it', async () => {
    const trusted = await vkey();
    const file = join(work, 'state', 'checkpoints.json');
    const verifyKept = (): Promise<Run> =>
      iris(['audit', 'verify', '--tenant', 'cli-rw', '--vkey', trusted, '--checkpoint-file', file]);
    await http('POST', '/v1/tenants', { id: 'cli-rw', displayName: 'rw' });
    for (let i = 0; i < 2; i++) await http('PATCH', '/v1/tenants/cli-rw', { displayName: `rw ${i}` });
    const [at3] = await tdb.db.asOwner(
      async (s) =>
        (
          await s.query<{ size: number; frontier: unknown; root: string; checkpoint: string }>(
            "select size, frontier, root, checkpoint from audit_heads where tenant_id = 'cli-rw'",
          )
        ).rows,
    );
    for (let i = 2; i < 4; i++) await http('PATCH', '/v1/tenants/cli-rw', { displayName: `rw ${i}` });

    const first = await verifyKept();
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /kept by you\s+0 of 0 checkpoints extended by this log/);
    assert.match(first.stderr, /Kept the signed head \(size 5\) in /);
    const kept = (): string[] =>
      (JSON.parse(readFileSync(file, 'utf8')) as { logs: Record<string, string[]> }).logs['iris.local/ledger/cli-rw'] ??
      [];
    assert.deepEqual(
      kept().map((n) => n.split('\n')[1]),
      ['5'],
    );
    await http('PATCH', '/v1/tenants/cli-rw', { displayName: 'rw 4' });
    const second = json<{ ok: boolean; keptCheckpoints: { checked: number; consistent: number } }>(
      await iris(['audit', 'verify', '--tenant', 'cli-rw', '--vkey', trusted, '--checkpoint-file', file, '-o', 'json']),
    );
    assert.deepEqual(second.keptCheckpoints, { file, checked: 1, consistent: 1 });
    assert.deepEqual(
      kept().map((n) => n.split('\n')[1]),
      ['5', '6'],
    );

    // As the owner, in one transaction: cut the log back to 3 events, put that signed head
    // back, and drop its witness records too; Iris then appends new events past 6.
    await tdb.db.asOwner(async (s) => {
      await s.query('begin');
      await s.query("delete from audit_events where tenant_id = 'cli-rw' and seq >= 3");
      await s.query(
        "update audit_heads set size = $1, frontier = $2, root = $3, checkpoint = $4 where tenant_id = 'cli-rw'",
        [at3?.size, JSON.stringify(at3?.frontier), at3?.root, at3?.checkpoint],
      );
      await s.query("delete from audit_witnesses where tenant_id = 'cli-rw'");
      await s.query('commit');
    });
    for (let i = 0; i < 4; i++) await http('PATCH', '/v1/tenants/cli-rw', { displayName: `forged ${i}` });
    const plain = await iris(['audit', 'verify', '--tenant', 'cli-rw', '--vkey', trusted]);
    assert.equal(plain.code, 0, `its own rows and signed head agree: ${plain.stdout}`);

    const caught = await verifyKept();
    assert.equal(caught.code, 1, caught.stdout);
    assert.match(caught.stdout, /^Audit log cli-rw: FAILED \(2 problems\)/);
    assert.match(
      caught.stdout,
      /not an extension of the checkpoint kept at size 5: the consistency proof to size 7 fails \(the log was rewritten\)/,
    );
    assert.match(caught.stdout, /not an extension of the checkpoint kept at size 6/);
    assert.deepEqual(
      kept().map((n) => n.split('\n')[1]),
      ['5', '6'],
      'a failed verification keeps nothing',
    );

    const cp = await iris(['audit', 'checkpoint', '--tenant', 'cli-a', '--checkpoint-file', file]);
    assert.equal(cp.code, 0, cp.stderr);
    assert.equal(
      (JSON.parse(readFileSync(file, 'utf8')) as { logs: Record<string, string[]> }).logs['iris.local/ledger/cli-a']
        ?.length,
      1,
    );
  });

  test('an unreachable API gets one clear line and exit 1', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await iris(['tenants', 'list'], { env: { IRIS_API: url } });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      new RegExp(
        `^error: cannot reach Iris at ${url.replace(/\./g, '\\.')}: .*ECONNREFUSED.*\\. Is it running\\? \\(npm start\\)\\n$`,
      ),
    );
  });
});
