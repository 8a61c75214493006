#!/usr/bin/env node
// Lists the built test files that run against the test store (import, directly or through
// other modules, dist/test/support/test-database.js, which honours IRIS_TEST_DATABASE_URL):
// the only ones whose outcome can differ on PostgreSQL. .ci/run runs these again on PostgreSQL;
// the rest (pure units, parsers, the embedded `iris up`) already ran on PGlite and would only
// repeat themselves. Usage: node dist/scripts/store-tests.js [dist] [--others] (one path per
// line; --others: the test files that do not use the test store).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const args = process.argv.slice(2);
const others = args.includes('--others');
const dist = resolve(args.find((a) => !a.startsWith('--')) ?? 'dist');
const target = join(dist, 'test', 'support', 'test-database.js');

/** Every .js file under `dir`. */
function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : [],
  );
}

/** Relative modules a file imports (static `from '…'`, `import '…'` and dynamic `import('…')`). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const path = resolve(dirname(file), m[1] as string);
    if (existsSync(path)) out.push(path);
  }
  return out;
}

const imports = new Map<string, string[]>();
/** Whether `file` reaches the test store through its imports (breadth-first over the import graph). */
function usesStore(file: string): boolean {
  const seen = new Set([file]);
  const queue: string[] = [file];
  while (queue.length > 0) {
    const f = queue.shift() as string;
    if (f === target) return true;
    if (!imports.has(f)) imports.set(f, importsOf(f));
    for (const next of imports.get(f) ?? [])
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
  }
  return false;
}

const tests = [join(dist, 'src'), join(dist, 'test')]
  .filter(existsSync)
  .flatMap(walk)
  .filter((f) => f.endsWith('.test.js'))
  .sort();
for (const f of tests) if (usesStore(f) !== others) console.log(f);
