// bench:tenant-archive — export and import of one tenant of realistic size: the GraphRAG
// benchmark's generated corpus (`quick`: 561 documents; `--tiny`: 34) submitted and ingested
// into tenant acme (its sources, chunks, graph, communities and one audit event per document),
// then exported, imported into a second Iris on a fresh database (the exporter's key pinned)
// and imported over itself with replace. Prints rows, archive size and each step's seconds,
// ending with the RESULT line. --store=pglite (default, in memory) or --store=postgres
// (a scratch database through BENCH_DATABASE_URL, default the machine's server).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createApp, type App } from '../src/app/index.js';
import { loadConfig } from '../src/core/config.js';
import type { Database } from '../src/core/db.js';
import { openPgliteDatabase } from '../src/store/index.js';
import { CORPUS_SIZES, generateCorpus } from './graphrag/corpus.js';
import { createScratchPostgres } from './support/scratch-postgres.js';

const PG_ADMIN = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const store = process.argv.find((a) => a.startsWith('--store='))?.slice('--store='.length) ?? 'pglite';
const tiny = process.argv.includes('--tiny');
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

async function openApp(): Promise<{ app: App; dispose(): Promise<void> }> {
  let db: Database;
  let drop = async (): Promise<void> => undefined;
  if (store === 'postgres') {
    const scratch = await createScratchPostgres(PG_ADMIN, 4);
    db = scratch.db;
    drop = () => scratch.dispose();
  } else db = await openPgliteDatabase(undefined);
  const dataDir = mkdtempSync(join(tmpdir(), 'iris-bench-'));
  const config = loadConfig({ IRIS_DATA_DIR: dataDir, IRIS_LEDGER_WITNESS_SECONDS: '0', IRIS_EXTRACT_THREADS: '0' });
  const app = await createApp(config, { db });
  return {
    app,
    async dispose() {
      await app.close();
      await drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const seconds = (t0: number): number => (performance.now() - t0) / 1000;
const corpus = generateCorpus('acme', tiny ? CORPUS_SIZES.tiny : CORPUS_SIZES.quick, 1);
const a = await openApp();
const b = await openApp();
try {
  const ctx = a.app.systemContext();
  await a.app.tenants.create(ctx, { id: 'acme', displayName: 'Acme' });
  let t0 = performance.now();
  for (const d of corpus.documents) {
    await a.app.knowledge.submit('acme', d, ctx);
    await a.app.knowledge.ingest('acme', d);
  }
  const bytes = corpus.documents.reduce((n, d) => n + d.bytes.byteLength, 0);
  log(`ingested ${corpus.documents.length} documents (${(bytes / 1e6).toFixed(2)} MB) in ${seconds(t0).toFixed(1)} s`);

  t0 = performance.now();
  const exported = await a.app.tenantArchives.export(ctx, 'acme');
  const exportS = seconds(t0);
  const rows = exported.manifest.parts.reduce((n, p) => n + p.rows, 0);
  const raw = gunzipSync(exported.archive).length;
  const top = [...exported.manifest.parts].sort((x, y) => y.rows - x.rows).slice(0, 6);
  log(
    `archive: ${rows} rows in ${exported.manifest.parts.length} tables (${top.map((p) => `${p.table} ${p.rows}`).join(', ')}, …)`,
  );

  t0 = performance.now();
  const moved = await b.app.tenantArchives.import(b.app.systemContext(), exported.archive, {
    verifierKey: a.app.auditReader.vkey,
  });
  const importS = seconds(t0);
  t0 = performance.now();
  const replaced = await a.app.tenantArchives.import(ctx, exported.archive, { replace: true });
  const replaceS = seconds(t0);
  if (!moved.ledger.verification.ok || !replaced.ledger.verification.ok) throw new Error('ledger did not verify');
  console.log(
    `bench:tenant-archive --store=${store}: ${corpus.documents.length} documents, ${rows} rows, ledger ${exported.manifest.ledger.size} events`,
  );
  console.log(
    `RESULT store=${store} documents=${corpus.documents.length} rows=${rows} archive_bytes=${exported.archive.length} raw_bytes=${raw} export_s=${exportS.toFixed(2)} import_s=${importS.toFixed(2)} replace_s=${replaceS.toFixed(2)} ledger_ok=${moved.ledger.verification.ok && replaced.ledger.verification.ok}`,
  );
} finally {
  await a.dispose();
  await b.dispose();
}
