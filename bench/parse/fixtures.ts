// Loads the benchmark's tenants: each folder under tenants/ has its documents and a gold.json.
// PDF and DOCX documents are generated here from committed text sources (X.pdf-source.txt,
// X.docx-source.txt), never stored as blobs.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDocx } from './docx-writer.js';
import { writePdf } from './pdf-writer.js';
import type { Category } from './scoring.js';

/** The folder of tenant fixtures (the source tree, also when running from dist/). */
export const TENANTS_DIR = fileURLToPath(new URL('../../../bench/parse/tenants/', import.meta.url));

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

/** Every tenant's fixtures, with a list of files that have no gold (a benchmark bug). */
export function loadTenants(root = TENANTS_DIR): { fixtures: Fixture[]; ungraded: string[] } {
  const fixtures: Fixture[] = [];
  const ungraded: string[] = [];
  for (const tenant of readdirSync(root).sort()) {
    const dir = join(root, tenant);
    const gold = JSON.parse(readFileSync(join(dir, 'gold.json'), 'utf8')) as { files: Record<string, GoldFile> };
    for (const [file, g] of Object.entries(gold.files))
      fixtures.push({ tenant, file, bytes: fixtureBytes(dir, file), gold: g });
    for (const path of filesUnder(dir)) {
      const file = relative(dir, path).replace(/\.(pdf|docx)-source\.txt$/, '.$1');
      if (file !== 'gold.json' && gold.files[file] === undefined) ungraded.push(`${tenant}/${file}`);
    }
  }
  return { fixtures, ungraded };
}
