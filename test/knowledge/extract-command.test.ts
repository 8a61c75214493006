// `iris extract` as a user runs it, through commander: files of several formats, raw LLM
// replies with --llm-response, JSON lines on stdout, notes on stderr, failures named and
// turned into a failed command, and the program's global --output honoured.
import assert from 'node:assert/strict';
import { Command, Option } from 'commander';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CommandFailedError } from '../../src/cli/cli-errors.js';
import { registerExtractCommand, type ExtractedFile } from '../../src/cli/extract-command.js';
import { billionLaughs, zipBombDocx } from '../support/hostile-documents.js';
import { runCli } from '../support/run-cli.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'iris-extract-'));
  writeFileSync(
    join(dir, 'services.md'),
    '| Name | Type | Owner |\n|-|-|-|\n| Cart Service | service | Checkout Squad |\n',
  );
  writeFileSync(
    join(dir, 'catalog-info.yaml'),
    'apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: pay-api}\nspec: {owner: payments, type: openapi}\n',
  );
  writeFileSync(
    join(dir, 'reply.txt'),
    '```json\n{"entities":[{"name":"Acme","type":"organization"}],"relations":[{"source":"Acme","target":"Dublin","type":"located_in",}]}\n```',
  );
  writeFileSync(join(dir, 'refusal.txt'), 'I cannot help with that.');
  writeFileSync(join(dir, 'bomb.docx'), zipBombDocx(413));
  writeFileSync(join(dir, 'laughs.yaml'), billionLaughs());
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  readonly stdout: string;
  readonly stderr: string;
  readonly error: unknown;
}

async function run(args: string[], program = new Command('iris').exitOverride()): Promise<Run> {
  let stdout = '';
  let stderr = '';
  registerExtractCommand(program, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  let error: unknown;
  try {
    await program.parseAsync(['node', 'iris', ...args]);
  } catch (err) {
    error = err;
  }
  return { stdout, stderr, error };
}
const lines = (s: string): ExtractedFile[] =>
  s
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ExtractedFile);

test('--output json prints one object per file with entities and relations', async () => {
  const r = await run(['extract', join(dir, 'services.md'), join(dir, 'catalog-info.yaml'), '--output', 'json']);
  assert.equal(r.error, undefined);
  assert.deepEqual(lines(r.stdout), [
    {
      file: join(dir, 'services.md'),
      // Every reference is an entity: the owner column names a team.
      entities: [
        { name: 'Cart Service', type: 'service' },
        { name: 'Checkout Squad', type: 'team' },
      ],
      relations: [{ source: 'Cart Service', type: 'owned_by', target: 'Checkout Squad' }],
    },
    {
      file: join(dir, 'catalog-info.yaml'),
      entities: [
        { name: 'pay-api', type: 'api' },
        { name: 'payments', type: 'group' },
      ],
      relations: [{ source: 'pay-api', type: 'owned_by', target: 'payments' }],
    },
  ]);
});

test('--llm-response reads a raw reply, repairs it and notes the repairs on stderr', async () => {
  const r = await run(['extract', '--llm-response', join(dir, 'reply.txt'), '-o', 'json']);
  assert.equal(r.error, undefined);
  assert.deepEqual(lines(r.stdout), [
    {
      file: join(dir, 'reply.txt'),
      entities: [{ name: 'Acme', type: 'organization' }],
      relations: [{ source: 'Acme', type: 'located_in', target: 'Dublin' }],
    },
  ]);
  assert.match(r.stderr, /repaired: code_fence, trailing_commas/);
});

test('an unusable reply or a missing file is reported per file and fails the command', async () => {
  const r = await run([
    'extract',
    '--llm-response',
    join(dir, 'refusal.txt'),
    join(dir, 'missing.txt'),
    join(dir, 'reply.txt'),
    '--output',
    'json',
  ]);
  const out = lines(r.stdout);
  assert.equal(out.length, 3);
  assert.match(out[0]?.error ?? '', /^no_payload: /);
  assert.match(out[1]?.error ?? '', /ENOENT/);
  assert.equal(out[2]?.error, undefined);
  assert.ok(r.error instanceof CommandFailedError);
  assert.match(r.error.message, /2 of 3 file\(s\) yielded nothing/);
});

test('table output lists entities and relations per file', async () => {
  const r = await run(['extract', join(dir, 'services.md')]);
  assert.equal(r.error, undefined);
  assert.match(r.stdout, /services\.md: 2 entities, 1 relations/);
  assert.match(r.stdout, /Cart Service\s+owned_by\s+Checkout Squad/);
});

test("the program's global --output is used when it defines one", async () => {
  const program = new Command('iris')
    .exitOverride()
    .addOption(new Option('-o, --output <format>').choices(['table', 'json']).default('table'));
  const r = await run(['--output', 'json', 'extract', join(dir, 'services.md')], program);
  assert.equal(r.error, undefined);
  assert.equal(lines(r.stdout)[0]?.entities[0]?.name, 'Cart Service');
});

test('hostile files fail one by one with their reasons; the other files are still extracted', async () => {
  const r = await run([
    'extract',
    join(dir, 'bomb.docx'),
    join(dir, 'laughs.yaml'),
    join(dir, 'services.md'),
    '--output',
    'json',
  ]);
  const out = lines(r.stdout);
  assert.match(out[0]?.error ?? '', /bomb\.docx expands to \d+ bytes \(\d+ compressed\); the budget is 134217728/);
  assert.match(out[1]?.error ?? '', /laughs\.yaml expands YAML aliases past the budget of 100/);
  assert.deepEqual(out[2]?.entities, [
    { name: 'Cart Service', type: 'service' },
    { name: 'Checkout Squad', type: 'team' },
  ]);
  assert.ok(r.error instanceof CommandFailedError);
  assert.match(r.error.message, /2 of 3 file\(s\) yielded nothing/);
});

test('the built CLI exits non-zero with the reason for a zip bomb, without aborting', async () => {
  const r = await runCli(
    ['extract', join(dir, 'bomb.docx'), join(dir, 'services.md')],
    { IRIS_DATA_DIR: dir },
    dir,
    60_000,
  );
  assert.equal(r.code, 1, `exit ${r.code}: ${r.stderr}`);
  assert.match(r.stderr, /bomb\.docx: .*expands to \d+ bytes/);
  assert.doesNotMatch(r.stderr, /heap out of memory|FATAL ERROR/);
  assert.match(r.stdout, /services\.md: 2 entities, 1 relations/);
});
