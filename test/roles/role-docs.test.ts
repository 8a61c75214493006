// The taxonomy table in README.md and docs/roles.md is the one generated from the taxonomy
// (`npm run docs:roles`): a role, action or command changed without regenerating fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ROLE_DOC_FILES, roleTableMarkdown, withRoleTable } from '../../src/cli/role-docs.js';
import { ROLES } from '../../src/core/roles.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

test('the docs carry the role table generated from the taxonomy', () => {
  for (const file of ROLE_DOC_FILES) {
    const text = readFileSync(resolve(root, file), 'utf8');
    assert.equal(withRoleTable(text), text, `${file} is out of date: run npm run docs:roles`);
  }
  const table = roleTableMarkdown();
  for (const role of ROLES) assert.match(table, new RegExp(`^\\| \`${role}\` \\|`, 'm'));
  assert.match(table, /`knowledge-curator` \| tenant \| .*`knowledge\.write`.*`ingest`/);
});

test('a file without markers is reported, not silently skipped', () => {
  assert.equal(withRoleTable('# no table here\n'), undefined);
});
