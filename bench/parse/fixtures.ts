// Loads the benchmark's tenants: each folder under tenants/ has its documents and a gold.json.
// PDF and DOCX documents are generated here from committed text sources (X.pdf-source.txt,
// X.docx-source.txt), never stored as blobs.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDocx } from './docx-writer.js';
import { writePdf } from './pdf-writer.js';
import type { Category } from './scoring.js';

/** The folder of tenant fixtures (the source tree, also when running from dist/). */
export const TENANTS_DIR = fileURLToPath(new URL('../../../bench/parse/tenants/', import.meta.url));
/**
 * The blind held-out sets (bench/blind/NOTES.md): each folder is one tenant whose gold.json
 * names it. They were written without reading the extractor and are never edited to fit it.
 */
export const BLIND_DIRS = ['structured', 'prose', 'prose-2', 'prose-3', 'prose-4'].map((d) =>
  fileURLToPath(new URL(`../../../bench/blind/${d}/`, import.meta.url)),
);

export interface GoldFile {
  readonly category: Category;
  /** "failure" when the reply is expected to be refused (counted, not scored). */
  readonly expect?: 'failure';
  readonly aliases?: Readonly<Record<string, string>>;
  readonly entities: readonly (readonly [string, string])[];
  readonly relations: readonly (readonly [string, string, string])[];
}

export interface Fixture {
  readonly tenant: string;
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly gold: GoldFile;
}

/** The bytes of a fixture: the file itself, or a PDF/DOCX generated from its text source. */
export function fixtureBytes(dir: string, file: string): Uint8Array {
  const path = join(dir, file);
  if (existsSync(path)) return new Uint8Array(readFileSync(path));
  const pdf = /\.pdf$/.exec(file) ? `${path.slice(0, -4)}.pdf-source.txt` : undefined;
  if (pdf !== undefined && existsSync(pdf)) return writePdf(readFileSync(pdf, 'utf8'));
  const docx = /\.docx$/.exec(file) ? `${path.slice(0, -5)}.docx-source.txt` : undefined;
  if (docx !== undefined && existsSync(docx)) return writeDocx(readFileSync(docx, 'utf8'));
  throw new Error(`fixture ${path} is missing`);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** One tenant folder's fixtures; the tenant is named by its gold.json or else by the folder. */
function loadTenant(dir: string, folder: string, fixtures: Fixture[], ungraded: string[]): void {
  const gold = JSON.parse(readFileSync(join(dir, 'gold.json'), 'utf8')) as {
    tenant?: string;
    files: Record<string, GoldFile>;
  };
  const tenant = gold.tenant ?? folder;
  for (const [file, g] of Object.entries(gold.files))
    fixtures.push({ tenant, file, bytes: fixtureBytes(dir, file), gold: g });
  for (const path of filesUnder(dir)) {
    const file = relative(dir, path).replace(/\.(pdf|docx)-source\.txt$/, '.$1');
    if (file !== 'gold.json' && gold.files[file] === undefined) ungraded.push(`${tenant}/${file}`);
  }
}

/** A comma-separated list from an environment variable (empty when unset). */
function listEnv(name: string): string[] {
  return (process.env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * Every tenant's fixtures (the tenants under `root`, then the blind sets), with a list of files
 * that have no gold (a benchmark bug). BENCH_TENANTS (comma-separated tenant names) keeps only
 * those tenants, BENCH_EXCLUDE drops the tenants it names: a development run can leave a held-out
 * set out of its output entirely.
 */
export function loadTenants(
  root = TENANTS_DIR,
  blind: readonly string[] = BLIND_DIRS,
): { fixtures: Fixture[]; ungraded: string[] } {
  const fixtures: Fixture[] = [];
  const ungraded: string[] = [];
  for (const tenant of readdirSync(root).sort()) loadTenant(join(root, tenant), tenant, fixtures, ungraded);
  for (const dir of blind) loadTenant(dir, basename(dir), fixtures, ungraded);
  const only = listEnv('BENCH_TENANTS');
  const skip = listEnv('BENCH_EXCLUDE');
  const kept = fixtures.filter((f) => (only.length === 0 || only.includes(f.tenant)) && !skip.includes(f.tenant));
  return { fixtures: kept, ungraded };
}
