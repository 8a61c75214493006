// The lint boundary: inside a context any relative import; from outside, only the context's
// index.ts; src/app/ is held to it like every other context. Judged on the rule itself and on the
// project's own lint configuration.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import { ESLint, Linter } from 'eslint';
import tseslint from 'typescript-eslint';

const root = resolve(import.meta.dirname, '../../..');
const plugin = (
  (await import(pathToFileURL(resolve(root, 'eslint-rules/context-boundaries.js')).href)) as { default: ESLint.Plugin }
).default;

/** The boundary messages for `code` written in the file at `file` (relative to the project root). */
function lint(file: string, code: string): string[] {
  const linter = new Linter({ cwd: root });
  const messages = linter.verify(
    code,
    [
      {
        files: ['**/*.ts'],
        plugins: { iris: plugin },
        languageOptions: { parser: tseslint.parser },
        rules: { 'iris/context-boundaries': 'error' },
      },
    ],
    { filename: resolve(root, file) },
  );
  return messages.map((m) => m.message);
}

describe('lint: context boundaries', () => {
  test('src/app/ importing a file deep inside a context fails; through its face passes', () => {
    const deep = lint('src/app/create-app.ts', "import { makeWorker } from '../jobs/worker.js';\n");
    assert.equal(deep.length, 1);
    assert.match(deep[0] ?? '', /inside the jobs context; import it from '\.\.\/jobs\/index\.js'/);
    assert.deepEqual(lint('src/app/create-app.ts', "import { makeWorker } from '../jobs/index.js';\n"), []);
  });

  test('inside a context any relative import is allowed, at any depth', () => {
    assert.deepEqual(
      lint(
        'src/knowledge/answer/query-engine.ts',
        "import { x } from '../graph/graph-reader.js';\nimport { y } from './rank.js';\n",
      ),
      [],
    );
    assert.deepEqual(
      lint('src/knowledge/knowledge-service.ts', "import { x } from './extract/reply/tuple-reply.js';\n"),
      [],
    );
  });

  test('from another context, any spelling that reaches inside fails: nested, re-exported, dynamic, type-only', () => {
    assert.equal(
      lint('src/gateway/knowledge-routes.ts', "import { x } from '../knowledge/graph/graph-reader.js';\n").length,
      1,
    );
    assert.equal(
      lint('src/knowledge/answer/query-engine.ts', "import type { Job } from '../../jobs/job-model.js';\n").length,
      1,
    );
    assert.equal(lint('src/cli/main.ts', "export { createApp } from '../app/create-app.js';\n").length, 1);
    assert.equal(lint('src/cli/main.ts', "export * from '../policy/verifier.js';\n").length, 1);
    assert.equal(lint('src/cli/main.ts', "const m = await import('../tenants/tenant-store.js');\n").length, 1);
    assert.equal(lint('src/cli/main.ts', "type T = import('../audit/ledger.js').Ledger;\n").length, 1);
    assert.equal(lint('src/main.ts', "import { x } from './jobs/worker.js';\n").length, 1);
  });

  test('faces, the shared core, packages and files outside src/ pass', () => {
    assert.deepEqual(
      lint(
        'src/cli/main.ts',
        "import { x } from '../jobs/index.js';\nimport { y } from '../core/errors.js';\nimport Fastify from 'fastify';\n",
      ),
      [],
    );
    assert.deepEqual(lint('src/cli/job-commands.ts', "import { x } from '../jobs/constants.js';\n"), []);
    assert.deepEqual(lint('test/jobs/worker.test.ts', "import { x } from '../../src/jobs/worker.js';\n"), []);
  });

  test("the project's lint configuration applies the rule to every file under src/", async () => {
    const eslint = new ESLint({ cwd: root });
    for (const file of ['src/app/index.ts', 'src/knowledge/index.ts', 'src/gateway/server.ts']) {
      const config = (await eslint.calculateConfigForFile(resolve(root, file))) as Linter.Config;
      const setting = config.rules?.['iris/context-boundaries'];
      assert.equal(Array.isArray(setting) ? setting[0] : setting, 2, file);
    }
  });
});
