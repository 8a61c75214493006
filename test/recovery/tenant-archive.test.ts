// One tenant at a time, on the store under test: export a tenant with documents, jobs, keys and
// its ledger; import it into another Iris (rows identical table by table, ledger verified, the
// tenant served at once), over itself (refused without replace; replace touches no other
// tenant), into a deployment of other regions (refused without rehome; rehome audited); and
// every bad archive refused with a problem and nothing written.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/core/db.js';
import { tenantScope } from '../../src/core/db.js';
import { openArchive, readRows, tenantTables, writeArchive, type PartContent } from '../../src/recovery/index.js';
import { ADMIN_TOKEN, createTestApp, type TestApp } from '../support/test-app.js';
import { openPostgresDatabase } from '../../src/store/index.js';
import { createTestDatabase, storeName } from '../support/test-database.js';
import { newEd25519Pem, newEd25519Keys } from '../../src/core/ed25519.js';

const LEDGER = new Set(['audit_events', 'audit_heads', 'audit_checkpoints', 'audit_witnesses']);
/** Written in the background by every request (buffered decision log, traffic counters): not compared. */
const VOLATILE = new Set(['policy_decisions', 'tenant_traffic']);
/** Quiet apps: no witness loop, allows not logged; each test drives what is written. */
const QUIET = { IRIS_LEDGER_WITNESS_SECONDS: '0', IRIS_POLICY_DECISION_SAMPLE: '0' };
const digestOf = (lines: readonly string[]): string =>
  `${lines.length}:${createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16)}`;
const DOC = `# Payments
The Payments Gateway is run by the Payments Team. Every night it hands settled batches to the Quantum Ledger.
The Quantum Ledger is audited by the Risk Office.`;

/** sha256 of each tenant table's rows of `tenantId` (as the archive renders them), ledger tables apart. */
async function digests(db: Database, tenantId: string): Promise<Record<string, string>> {
  return db.transaction(
    tenantScope(tenantId),
    async (tx) => {
      await tx.query("select set_config('TimeZone', 'UTC', true)");
      const out: Record<string, string> = {};
      for (const t of await tenantTables(tx)) {
        out[t.name] = digestOf(await readRows(tx, t, tenantId));
      }
      return out;
    },
    { readOnly: true },
  );
}

/** The data tables' digests (ledger and background-written tables apart). */
const data = (d: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(d).filter(([k]) => !LEDGER.has(k) && !VOLATILE.has(k)));

/** Every row of every tenant table, all tenants: the proof that a refused import wrote nothing. */
async function everything(db: Database): Promise<string> {
  return db.asOwner(async (s) => {
    const tables = (
      await s.query<{ name: string }>(
        `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = current_schema() and c.relkind = 'r' and c.relforcerowsecurity order by 1`,
      )
    ).rows;
    const h = createHash('sha256');
    for (const { name } of tables) {
      if (VOLATILE.has(name)) continue;
      const { rows } = await s.query<{ r: string }>(
        `select to_jsonb(t)::text as r from ${name} t where tenant_id <> 'platform' order by 1`,
      );
      h.update(`${name}:${rows.map((x) => x.r).join('\n')}\n`);
    }
    return h.digest('hex');
  });
}

async function ingest(t: TestApp, tenant: string, documentId: string, content: string): Promise<void> {
  const res = await t.call('POST', `/v1/tenants/${tenant}/documents`, {
    body: { documentId, name: documentId, content },
  });
  assert.equal(res.statusCode, 202, res.body);
  const jobId = res.json<{ job: { jobId: string } }>().job.jobId;
  for (let i = 0; i < 600; i++) {
    const j = (await t.call('GET', `/v1/tenants/${tenant}/jobs/${jobId}`)).json<{ state: string }>();
    if (j.state === 'succeeded') return;
    assert.ok(!['failed', 'poisoned', 'cancelled'].includes(j.state), `ingest job ${j.state}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('ingest did not finish');
}

/** Waits until none of the tenant's jobs is queued or running (ingest queues graph builds of its own). */
async function settle(t: TestApp, tenant: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    const { items } = (await t.call('GET', `/v1/tenants/${tenant}/jobs?limit=100`)).json<{
      items: { state: string }[];
    }>();
    if (items.every((j) => !['queued', 'running'].includes(j.state))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`jobs of ${tenant} did not settle`);
}

const exportOf = async (t: TestApp, tenant: string): Promise<Buffer> => {
  const res = await t.app.server.inject({
    method: 'GET',
    url: `/v1/tenants/${tenant}/archive`,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['content-type'], 'application/gzip');
  return res.rawPayload;
};

const importInto = (t: TestApp, archive: Uint8Array, query = '') =>
  t.app.server.inject({
    method: 'POST',
    url: `/v1/platform/tenant-archives${query}`,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/gzip' },
    payload: Buffer.from(archive),
  });

interface Imported {
  tenantId: string;
  homeRegion: string;
  rehomedFrom: string | null;
  replaced: boolean;
  rows: Record<string, number>;
  ledger: { outcome: string; verification: { ok: boolean; size: number; problems: unknown[] } };
}

const vkeyOf = async (t: TestApp): Promise<string> =>
  (await t.call('GET', '/v1/audit/key')).json<{ vkey: string }>().vkey;

describe(`tenant export and import (${storeName})`, () => {
  let a: TestApp; // the Iris the tenant comes from
  let archive: Buffer;
  /** The archived rows' digests, table by table. */
  let exported: Record<string, string>;
  let acmeToken: string;

  before(async () => {
    a = await createTestApp(QUIET);
    for (const id of ['acme', 'globex'])
      assert.equal((await a.call('POST', '/v1/tenants', { body: { id, displayName: id } })).statusCode, 201);
    await a.app.directory.resync();
    await a.app.startWorker({ concurrency: 1 });
    await ingest(a, 'acme', 'payments.md', DOC);
    await ingest(a, 'acme', 'notes.txt', 'Ada Lovelace wrote notes about the Analytical Engine in London.');
    await ingest(a, 'globex', 'plant.md', '# Plant\nThe Springfield Plant is run by Globex.');
    for (const id of ['acme', 'globex']) await settle(a, id);
    acmeToken = await a.keyFor('acme', 'analyst');
    archive = await exportOf(a, 'acme');
    const opened = openArchive(archive, { vkey: await vkeyOf(a), publicKey: a.app.ledger.signer.publicKey }, 1e9);
    exported = data(Object.fromEntries([...opened.parts].map(([table, lines]) => [table, digestOf(lines)])));
    assert.deepEqual(data(await digests(a.db, 'acme')), exported, 'the archive holds the rows as they are');
  });
  after(async () => a.dispose());

  test('the archive holds every tenant table, each part signed by digest in the manifest', async () => {
    const opened = openArchive(
      archive,
      { vkey: await vkeyOf(a), publicKey: a.app.ledger.signer.publicKey },
      Number.MAX_SAFE_INTEGER,
    );
    const m = opened.manifest;
    assert.equal(m.tenantId, 'acme');
    assert.equal(m.homeRegion, 'eu-west');
    const counts = Object.fromEntries(m.parts.map((p) => [p.table, p.rows]));
    for (const table of ['tenants', 'api_keys', 'kg_documents', 'kg_chunks', 'kg_sources', 'jobs', 'audit_events'])
      assert.ok((counts[table] ?? 0) > 0, `${table} has rows in the archive: ${JSON.stringify(counts)}`);
    assert.equal(counts.tenants, 1);
    // The catalogue decides, not a list: every table the RLS test enumerates is in the archive.
    const tables = await a.db.transaction(tenantScope('acme'), (tx) => tenantTables(tx), { readOnly: true });
    assert.deepEqual(m.parts.map((p) => p.table).sort(), tables.map((t) => t.name).sort());
    assert.equal(m.ledger.size, counts.audit_events);
    // No row of another tenant travels.
    for (const lines of opened.parts.values())
      for (const l of lines) assert.equal((JSON.parse(l) as { tenant_id: string }).tenant_id, 'acme');
  });

  test('another Iris refuses it unsigned-for-it, then imports it with the exporter key pinned: identical rows, ledger verified, tenant served', async () => {
    const b = await createTestApp(QUIET);
    try {
      const before = await everything(b.db);
      const untrusted = await importInto(b, archive);
      assert.equal(untrusted.statusCode, 422, untrusted.body);
      assert.equal(untrusted.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(untrusted.json<{ code: string }>().code, 'archive_unsigned');
      assert.match(untrusted.json<{ detail: string }>().detail, /verifier key/);
      assert.equal(await everything(b.db), before, 'a refused import wrote nothing');

      const res = await importInto(b, archive, `?verifierKey=${encodeURIComponent(await vkeyOf(a))}`);
      assert.equal(res.statusCode, 200, res.body);
      const r = res.json<Imported>();
      assert.equal(r.ledger.outcome, 'restored');
      assert.equal(r.ledger.verification.ok, true, JSON.stringify(r.ledger.verification.problems));
      assert.deepEqual(data(await digests(b.db, 'acme')), exported);
      // The archived events are B's first events, as they were; the import is appended on top.
      const events = async (t: TestApp) =>
        (await t.call('GET', '/v1/audit/logs/acme/events?limit=500')).json<{
          items: { leafHash: string; event: { action: string } }[];
        }>().items;
      const [ea, eb] = [await events(a), await events(b)];
      const archivedSize = ea.findIndex((e) => e.event.action === 'tenant.export');
      assert.deepEqual(
        eb.slice(0, archivedSize).map((e) => e.leafHash),
        ea.slice(0, archivedSize).map((e) => e.leafHash),
      );
      assert.equal(eb[archivedSize]?.event.action, 'tenant.import');
      // B's own verification agrees, the platform log's too (it witnessed the imported log).
      for (const log of ['acme', 'platform']) {
        const v = (await b.call('GET', `/v1/audit/logs/${log}/verify`)).json<{ ok: boolean; problems: unknown[] }>();
        assert.equal(v.ok, true, `${log}: ${JSON.stringify(v.problems)}`);
      }
      // Served at once: the directory knows the tenant, its key works, its documents answer.
      assert.equal(b.app.directory.tenant('acme')?.homeRegion, 'eu-west');
      const docs = await b.call('GET', '/v1/tenants/acme/documents', { token: acmeToken });
      assert.equal(docs.statusCode, 200, docs.body);
      assert.equal(docs.json<{ items: unknown[] }>().items.length, 2);
      const q = await b.call('POST', '/v1/tenants/acme/query', {
        token: acmeToken,
        body: { question: 'Who runs the Payments Gateway?' },
      });
      assert.equal(q.statusCode, 200, q.body);
      assert.equal((await b.call('GET', '/v1/tenants/globex')).statusCode, 404, 'only acme came along');
    } finally {
      await b.dispose();
    }
  });

  test('into the same Iris: a clash is refused; replace restores the archive and touches no other tenant', async () => {
    const globex = await digests(a.db, 'globex');
    const before = await everything(a.db);
    const clash = await importInto(a, archive);
    assert.equal(clash.statusCode, 409, clash.body);
    assert.equal(clash.json<{ code: string }>().code, 'tenant_exists');
    assert.equal(await everything(a.db), before);

    // Changes after the export: a document and a key; replace takes the tenant back.
    await ingest(a, 'acme', 'later.md', '# Later\nThe Moon Base is run by the Lunar Office.');
    await settle(a, 'acme');
    const laterKey = await a.keyFor('acme', 'operator');
    // A candidate graph (graph versions): never archived, so the import drops it.
    assert.equal((await a.app.knowledge.reindex('acme', { extractionVersion: 'v2' })).documents, 3);
    assert.equal((await a.app.knowledge.graphStates(['acme']))[0]?.slot?.status, 'ready');
    const res = await importInto(a, archive, '?replace=true');
    assert.equal(res.statusCode, 200, res.body);
    const r = res.json<Imported>();
    assert.equal(r.replaced, true);
    assert.equal(r.ledger.outcome, 'kept', 'the log here continues the archived one: kept and grown');
    assert.equal(r.ledger.verification.ok, true, JSON.stringify(r.ledger.verification.problems));
    assert.deepEqual(data(await digests(a.db, 'acme')), exported);
    assert.deepEqual(data(await digests(a.db, 'globex')), data(globex), "globex's rows are untouched");
    assert.equal((await a.call('GET', '/v1/tenants/acme/documents/later.md')).statusCode, 404);
    assert.deepEqual(await a.app.knowledge.graphStates(['acme']), [
      { tenantId: 'acme', primaryVersion: 'v1', slot: null },
    ]);
    const candidateRows = await a.db.transaction(tenantScope('acme'), async (tx) =>
      Number((await tx.query<{ n: string }>('select count(*) as n from kg_next.kg_chunks')).rows[0]?.n),
    );
    assert.equal(candidateRows, 0, 'the candidate graph went with the import');
    assert.equal(
      (await a.call('GET', '/v1/whoami', { token: laterKey })).statusCode,
      401,
      'a key made after the export is gone',
    );
    assert.equal((await a.call('GET', '/v1/whoami', { token: acmeToken })).statusCode, 200);
    const platform = (await a.call('GET', '/v1/audit/logs/platform/verify')).json<{
      ok: boolean;
      problems: unknown[];
    }>();
    assert.equal(platform.ok, true, JSON.stringify(platform.problems));
  });

  test('a deployment of another region refuses it; rehome to its region moves it, audited', async () => {
    const c = await createTestApp({ ...QUIET, IRIS_KNOWN_REGIONS: 'us-east,eu-central', IRIS_REGION: 'us-east' });
    try {
      const pin = `verifierKey=${encodeURIComponent(await vkeyOf(a))}`;
      const before = await everything(c.db);
      const refused = await importInto(c, archive, `?${pin}`);
      assert.equal(refused.statusCode, 422, refused.body);
      assert.equal(refused.json<{ code: string }>().code, 'region_not_served');
      assert.match(refused.json<{ detail: string }>().detail, /eu-west.*rehome/);
      const unknown = await importInto(c, archive, `?${pin}&rehome=eu-central`);
      assert.equal(unknown.statusCode, 400, unknown.body);
      assert.equal(await everything(c.db), before);

      const res = await importInto(c, archive, `?${pin}&rehome=us-east`);
      assert.equal(res.statusCode, 200, res.body);
      const r = res.json<Imported>();
      assert.deepEqual([r.homeRegion, r.rehomedFrom], ['us-east', 'eu-west']);
      assert.equal(r.ledger.verification.ok, true, JSON.stringify(r.ledger.verification.problems));
      const t = (await c.call('GET', '/v1/tenants/acme?consistent=true')).json<{ homeRegion: string }>();
      assert.equal(t.homeRegion, 'us-east');
      assert.equal(c.app.directory.tenant('acme')?.homeRegion, 'us-east');
      const listed = await c.call('GET', '/v1/audit/logs/acme/events?limit=500');
      assert.equal(listed.statusCode, 200, listed.body);
      const events = listed.json<{
        items: { event: { action: string } }[];
      }>().items;
      assert.deepEqual(
        events.slice(-2).map((e) => e.event.action),
        ['tenant.import', 'tenant.rehome'],
      );
    } finally {
      await c.dispose();
    }
  });

  test('bad archives are refused with a problem and nothing is written', async () => {
    const d = await createTestApp(QUIET);
    try {
      const pin = `?verifierKey=${encodeURIComponent(await vkeyOf(a))}`;
      const raw = gunzipSync(archive);
      const text = raw.toString('latin1');
      const manifestStart = text.indexOf('\n') + 1;
      const manifestEnd = text.indexOf('\n', manifestStart);
      const opened = openArchive(
        archive,
        { vkey: await vkeyOf(a), publicKey: a.app.ledger.signer.publicKey },
        Number.MAX_SAFE_INTEGER,
      );
      const parts: PartContent[] = opened.manifest.parts.map((p) => ({
        table: p.table,
        columns: p.columns,
        lines: opened.parts.get(p.table) ?? [],
      }));
      const { format: _f, formatVersion: _v, parts: _p, ...header } = opened.manifest;
      const flipped = Buffer.from(archive);
      const at = Math.floor(flipped.length / 2);
      flipped[at] = (flipped[at] ?? 0) ^ 0xff;
      const tamperedManifest = gzipSync(
        Buffer.from(
          text.slice(0, manifestStart) +
            text.slice(manifestStart, manifestEnd).replace('"homeRegion":"eu-west"', '"homeRegion":"eu-central"') +
            text.slice(manifestEnd),
          'latin1',
        ),
      );
      const tamperedRows = gzipSync(Buffer.from(text.replace('Payments Team', 'Pavments Team'), 'latin1'));
      const other = newEd25519Keys().privateKey;
      // Signed by the trusted key, digests right, but an event edited: the ledger check catches it.
      const forged = parts.map((p) =>
        p.table === 'audit_events'
          ? { ...p, lines: p.lines.map((l, i) => (i === 0 ? l.replace('"tenant.create"', '"tenant.update"') : l)) }
          : p,
      );
      assert.notDeepEqual(forged, parts);
      const cases: [string, Uint8Array, number, string][] = [
        ['not an archive', Buffer.from('hello'), 400, 'archive_invalid'],
        ['empty', Buffer.alloc(0), 400, 'archive_invalid'],
        ['truncated', archive.subarray(0, Math.floor(archive.length * 0.6)), 400, 'archive_invalid'],
        ['a flipped byte', flipped, 400, 'archive_invalid'],
        ['a gzip of something else', gzipSync('{"format":"x"}\n'), 400, 'archive_invalid'],
        ['a tampered manifest', tamperedManifest, 422, 'archive_unsigned'],
        ['tampered rows', tamperedRows, 422, 'archive_tampered'],
        ['signed by another key', writeArchive(header, parts, other), 422, 'archive_unsigned'],
        [
          'an edited ledger, signed',
          writeArchive(header, forged, a.app.ledger.signer.privateKey),
          422,
          'archive_ledger_invalid',
        ],
        [
          'a newer schema',
          writeArchive({ ...header, schemaVersion: 9999 }, parts, a.app.ledger.signer.privateKey),
          422,
          'archive_too_new',
        ],
      ];
      const before = await everything(d.db);
      for (const [name, bytes, status, code] of cases) {
        const res = await importInto(d, bytes, pin);
        assert.equal(res.statusCode, status, `${name}: ${res.body}`);
        const problem = res.json<{ code: string; detail: string }>();
        assert.equal(problem.code, code, `${name}: ${res.body}`);
        assert.ok(problem.detail.length > 20, `${name}: a clear message`);
      }
      const json = await d.call('POST', '/v1/platform/tenant-archives', { body: { hello: 'world' } });
      assert.ok([400, 415].includes(json.statusCode), json.body);
      assert.equal(await everything(d.db), before, 'nothing was written by any refused import');
      // The same archive, intact, goes in: the refusals were about the damage alone.
      assert.equal((await importInto(d, archive, pin)).statusCode, 200);
    } finally {
      await d.dispose();
    }
  });

  test('another replica of the importing Iris serves the tenant and its keys without a restart', async () => {
    const shared = await createTestDatabase();
    const pem = newEd25519Pem();
    const env = { ...QUIET, IRIS_LEDGER_SIGNING_KEY: pem };
    const one = await createTestApp(env, shared);
    const second = shared.url
      ? { ...shared, db: await openPostgresDatabase(shared.url, 5), dispose: async () => undefined }
      : shared;
    const two = await createTestApp(env, second);
    try {
      assert.equal((await two.call('GET', '/v1/tenants/acme', { token: acmeToken })).statusCode, 401);
      const res = await importInto(one, archive, `?verifierKey=${encodeURIComponent(await vkeyOf(a))}`);
      assert.equal(res.statusCode, 200, res.body);
      const deadline = Date.now() + 5000;
      let status = 0;
      while (Date.now() < deadline) {
        status = (await two.call('GET', '/v1/tenants/acme', { token: acmeToken })).statusCode;
        if (status === 200) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(status, 200, 'the other replica serves the imported key');
      assert.equal(two.app.directory.tenant('acme')?.homeRegion, 'eu-west');
    } finally {
      await two.dispose();
      await one.dispose();
      if (shared.url) await two.db.close();
      await shared.dispose();
    }
  });

  test('export and import need a platform-admin key', async () => {
    const admin = await a.keyFor('acme', 'tenant-admin');
    const exp = await a.call('GET', '/v1/tenants/acme/archive', { token: admin });
    assert.equal(exp.statusCode, 403, exp.body);
    const imp = await a.app.server.inject({
      method: 'POST',
      url: '/v1/platform/tenant-archives',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/gzip' },
      payload: archive,
    });
    assert.equal(imp.statusCode, 403, imp.body);
    assert.equal((await a.call('GET', '/v1/tenants/nobody/archive')).statusCode, 404);
  });
});
