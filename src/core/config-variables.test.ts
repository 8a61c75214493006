// The declared variable list is the one loadConfig reads, its defaults are the applied ones, and the
// README's table is rendered from it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from './config.js';
import {
  CONFIG_VARIABLES,
  formatDefault,
  renderConfigTable,
  statedDefault,
  TABLE_END,
  TABLE_START,
  withConfigTable,
} from './config-variables.js';

/** The names loadConfig looks up in an environment (every lookup, set or not). */
function namesRead(): Set<string> {
  const read = new Set<string>();
  const env = new Proxy<Record<string, string | undefined>>(
    {},
    {
      get(_target, name) {
        if (typeof name === 'string') read.add(name);
        return undefined;
      },
    },
  );
  loadConfig(env);
  return read;
}

describe('configuration variables: one declared list', () => {
  test('every variable loadConfig reads is declared, and every declared variable is read', () => {
    const read = namesRead();
    const declared = new Set(CONFIG_VARIABLES.map((v) => v.name));
    assert.deepEqual([...read].filter((n) => !declared.has(n)).sort(), [], 'read but not declared');
    assert.deepEqual([...declared].filter((n) => !read.has(n)).sort(), [], 'declared but never read');
    assert.equal(declared.size, CONFIG_VARIABLES.length, 'a variable is declared twice');
  });

  test('each stated default is the value loadConfig applies when the variable is unset', () => {
    const defaults = loadConfig({});
    for (const v of CONFIG_VARIABLES) {
      const stated = statedDefault(v);
      if (stated !== undefined) assert.equal(formatDefault(defaults[v.field]), stated, `${v.name} (${v.field})`);
    }
  });

  test('the README table is the rendered one (run `npm run docs:config` after changing the list)', () => {
    const readme = readFileSync(resolve(import.meta.dirname, '../../../README.md'), 'utf8');
    assert.ok(readme.includes(TABLE_START) && readme.includes(TABLE_END), 'README.md has the table markers');
    assert.equal(withConfigTable(readme), readme);
    assert.ok(renderConfigTable().includes('`IRIS_OTLP_TRACES_ENDPOINT`'));
  });
});
