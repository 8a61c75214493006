// `npm run docs:config`: rewrites the README's configuration table from the declared variables
// (src/core/config-variables.ts). `--check` only reports whether the README is up to date.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { withConfigTable } from '../src/core/config-variables.js';

const readmePath = resolve(import.meta.dirname, '../../README.md');
const readme = readFileSync(readmePath, 'utf8');
const updated = withConfigTable(readme);
if (process.argv.includes('--check')) {
  if (updated !== readme) {
    console.error('README.md: the configuration table is out of date; run `npm run docs:config`.');
    process.exit(1);
  }
} else if (updated !== readme) {
  writeFileSync(readmePath, updated);
  console.log('README.md: configuration table rewritten.');
} else {
  console.log('README.md: configuration table already up to date.');
}
