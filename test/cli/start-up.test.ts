// An API command (`iris tenants list`, `iris query`) only talks to the server: it must not load
// the server, the knowledge context's parsers or OpenTelemetry, which took it from about 0.3 s to
// about 2 s to start (and every test that runs `iris` pays that). Judged by the CommonJS modules
// the process has loaded when it exits (those packages are CommonJS).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { BIN } from '../support/run-cli.js';

/** Printed on stderr at exit: the packages in node_modules the process loaded. */
const REPORT_LOADED = `data:text/javascript,${encodeURIComponent(
  "import { createRequire } from 'node:module';" +
    "const cache = createRequire('/').cache;" +
    "process.on('exit', () => process.stderr.write('\\nLOADED ' + JSON.stringify(Object.keys(cache).map((p) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(p)?.[1]).filter(Boolean))));",
)}`;

/** Packages an API command has no use for. */
const HEAVY = [
  'mammoth',
  'fastify',
  'pg',
  'prom-client',
  'piscina',
  '@opentelemetry/sdk-trace-base',
  '@opentelemetry/core',
];

function loadedBy(args: string[]): Promise<Set<string>> {
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      ['--import', REPORT_LOADED, BIN, ...args],
      { timeout: 60_000 },
      (err, _stdout, stderr) => {
        const line = /LOADED (.*)$/.exec(stderr)?.[1];
        if (line === undefined) fail(err ?? new Error(`no report: ${stderr}`));
        else done(new Set(JSON.parse(line) as string[]));
      },
    );
  });
}

test('API commands start without the server, the parsers or OpenTelemetry', async () => {
  for (const args of [
    ['tenants', 'list', '--help'],
    ['query', '--help'],
    ['jobs', 'list', '--help'],
    ['extract', '--help'],
  ]) {
    const loaded = await loadedBy(args);
    assert.ok(loaded.has('commander'), `the report is read (iris ${args.join(' ')})`);
    const heavy = HEAVY.filter((p) => loaded.has(p));
    assert.deepEqual(heavy, [], `iris ${args.join(' ')} loaded ${heavy.join(', ')}`);
  }
});

test('the server commands still load the server', async () => {
  const loaded = await loadedBy(['--help']);
  assert.ok(loaded.has('fastify'), 'iris --help lists up/serve/migrate, which load the server');
});
