// `iris policy init|compile|test|push|activate|rollback|list|diff|decisions|explain`: policy
// bundles offline (compile with strict validation and Z3 proofs, sign, test) and through the
// API (per tenant overlay or platform bundle), plus the decision log.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { BundleDiff, BundleSummary, DecisionRecord, Problem } from '../policy/index.js';
import { makeApiClient } from './api-client.js';
import { loadCliEnvironment, type CliEnvironment } from './cli-config.js';
import { ApiProblemError, CommandFailedError, UsageError } from './cli-errors.js';
import { commandContext } from './command-context.js';
import { wholeNumber } from './option-parsers.js';
import { renderFields, renderTable, shortTime } from './output.js';
import { errorMessage } from '../core/errors.js';

type OwnerOpts = { tenant?: string; platform?: boolean };

// NOTE: the policy context (Cedar's wasm, bundle compiler) loads only when a command needs it,
// so the rest of the CLI starts as fast as before.
const policyModule = (): Promise<typeof import('../policy/index.js')> => import('../policy/index.js');
const shortId = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);
const formatProblem = (p: Problem): string => {
  const where = [p.file, p.line !== undefined ? `${p.line}:${p.column ?? 1}` : undefined, p.path]
    .filter((x) => x !== undefined)
    .join(':');
  return where === '' ? p.message : `${where}: ${p.message}`;
};

function ownerPath(o: OwnerOpts): { base: string; label: string } {
  if (o.tenant !== undefined && o.platform === true)
    throw new UsageError('give either --tenant or --platform, not both.');
  if (o.tenant !== undefined)
    return { base: `/v1/tenants/${encodeURIComponent(o.tenant)}/policy`, label: `tenant ${o.tenant}` };
  if (o.platform === true) return { base: '/v1/platform/policy', label: 'the platform' };
  throw new UsageError('say whose bundles: --tenant <id> (an overlay) or --platform.');
}

const owner = (cmd: Command): Command =>
  cmd.option('--tenant <id>', "the tenant's overlay").option('--platform', 'the platform bundle');

function problemLines(problems: readonly Problem[]): string[] {
  return problems.map((p) => `  - ${formatProblem(p)}`);
}

/** API errors with a problem list or counterexamples, printed in full. */
async function withProblems<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ApiProblemError && Array.isArray(err.problem.problems)) {
      throw new CommandFailedError(
        `${err.message} (${err.problem.code ?? err.status})`,
        problemLines(err.problem.problems as Problem[]),
      );
    }
    throw err;
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    throw new CommandFailedError(`cannot read bundle ${file}: ${errorMessage(err)}`);
  }
}

function readDir(read: (dir: string) => Record<string, string>, dir: string): Record<string, string> {
  if (!existsSync(dir)) throw new UsageError(`${dir} does not exist.`);
  return read(dir);
}

/** Registers `iris policy …`; `env` defaults to the process environment (read by cli-config). */
export function registerPolicyCommands(program: Command, env: CliEnvironment = loadCliEnvironment()): void {
  const policy = program
    .command('policy')
    .description(
      'Cedar policy bundles: compile, sign and test them; push, activate, roll back and diff them per tenant or platform; read the decision log',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  iris policy init ./platform-policy\n  iris policy compile ./platform-policy -o platform.bundle.json\n  iris policy test ./platform-policy\n  iris policy push platform.bundle.json --platform --activate\n  iris policy rollback --tenant acme\n  iris policy explain --request-id req_abc',
    );

  policy
    .command('init')
    .summary('write a starting bundle DIR (the built-in platform bundle, or a tenant overlay)')
    .description(
      'Write the sources of the built-in platform bundle (or, with --tenant, an overlay skeleton) and example tests into DIR',
    )
    .argument('<dir>', 'directory to create')
    .option('--tenant <id>', 'write a tenant overlay for this tenant instead')
    .option('--force', 'overwrite existing files')
    .action(async (dir: string, o: { tenant?: string; force?: boolean }, cmd: Command) => {
      const { out } = commandContext(cmd, env);
      const { builtinOverlayFiles, builtinPlatformFiles, exampleTests } = await policyModule();
      const files = o.tenant === undefined ? builtinPlatformFiles() : builtinOverlayFiles(o.tenant);
      files['tests/example.json'] = exampleTests(o.tenant === undefined ? 'platform' : 'tenant', o.tenant);
      for (const [path, text] of Object.entries(files)) {
        const full = join(dir, path);
        if (existsSync(full) && o.force !== true)
          throw new CommandFailedError(`${full} exists; pass --force to overwrite.`);
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, text);
      }
      out.result(
        { dir: resolve(dir), files: Object.keys(files) },
        () =>
          `Wrote ${Object.keys(files).length} files to ${dir}.\nNext: iris policy test ${dir} && iris policy compile ${dir}`,
      );
    });

  policy
    .command('compile')
    .summary('validate, prove and sign a bundle DIR into a bundle file')
    .description(
      'Compile DIR (bundle.json, schema.cedarschema, policies/*.cedar, data/*.json): strict validation against the schema, data files compiled into policies, isolation and residency proved with Z3 (counterexamples confirmed by Cedar), sha256 manifest signed with Ed25519',
    )
    .argument('<dir>', 'bundle source directory')
    .option('--out <file>', 'where to write the signed bundle (default: <dir>.bundle.json)')
    .option(
      '--key <pem-file>',
      "Ed25519 private key (default: <IRIS_DATA_DIR or .iris>/policy-ed25519.pem, the local server's key)",
    )
    .option('--no-verify', 'skip the Z3 proofs (the bundle can be pushed but a platform bundle cannot be activated)')
    .action(async (dir: string, o: { out?: string; key?: string; verify: boolean }, cmd: Command) => {
      const { out } = commandContext(cmd, env);
      const {
        BundleError,
        compileBundle,
        loadBundleSigner,
        readBundleDir,
        shutdownVerifier,
        signBundle,
        VerificationError,
        verifyPolicies,
      } = await policyModule();
      const signer = loadBundleSigner({
        pem: o.key === undefined ? undefined : readFileSync(o.key, 'utf8'),
        dataDir: env.dataDir,
        create: false,
      });
      try {
        const bundle = await compileBundle({
          files: readDir(readBundleDir, dir),
          now: new Date(),
          ...(o.verify ? { verify: (i) => verifyPolicies(i) } : {}),
        });
        const signed = signBundle(bundle, signer, new Date());
        const file = o.out ?? `${dir.replace(/\/+$/, '')}.bundle.json`;
        writeFileSync(file, `${JSON.stringify(signed, null, 2)}\n`);
        const m = signed.manifest;
        out.result({ file, manifest: m, signature: signed.signature }, () =>
          renderFields([
            ['BUNDLE', file],
            ['NAME', m.name],
            ['SCOPE', m.tenant === undefined ? m.scope : `${m.scope} (${m.tenant})`],
            ['POLICIES', m.policies.ids.length],
            ['ISOLATION', m.verification.isolation],
            ['RESIDENCY', m.verification.residency],
            ['SIGNED BY', signed.signature?.keyId],
          ]),
        );
      } catch (err) {
        if (err instanceof VerificationError) {
          throw new CommandFailedError(err.message, [
            `counterexample (confirmed by Cedar):`,
            ...JSON.stringify(err.extensions.counterexamples, null, 2)
              .split('\n')
              .map((l) => `  ${l}`),
          ]);
        }
        if (err instanceof BundleError)
          throw new CommandFailedError(
            `${dir} does not compile (${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}):`,
            problemLines(err.problems),
          );
        throw err;
      } finally {
        await shutdownVerifier();
      }
    });

  policy
    .command('test')
    .summary('run the policy test cases of a bundle DIR (tests/*.json)')
    .description(
      'Run tests/*.json of DIR: each case is a request and the expected decision (and optionally the deciding policies), like opa test',
    )
    .argument('<dir>', 'bundle source directory')
    .option('--platform-dir <dir>', 'platform bundle DIR under an overlay (default: the built-in platform bundle)')
    .action(async (dir: string, o: { platformDir?: string }, cmd: Command) => {
      const { out } = commandContext(cmd, env);
      const { BundleError, readBundleDir, runPolicyTests } = await policyModule();
      let results;
      try {
        results = await runPolicyTests(
          readDir(readBundleDir, dir),
          o.platformDir === undefined ? undefined : readDir(readBundleDir, o.platformDir),
        );
      } catch (err) {
        if (err instanceof BundleError)
          throw new CommandFailedError(`${dir} does not compile:`, problemLines(err.problems));
        throw err;
      }
      const failed = results.filter((r) => !r.passed);
      out.result({ passed: results.length - failed.length, failed: failed.length, results }, () =>
        [
          ...results.map(
            (r) => `${r.passed ? 'PASS' : 'FAIL'}  ${r.file}: ${r.name}${r.message ? ` (${r.message})` : ''}`,
          ),
          '',
          `${results.length - failed.length} passed, ${failed.length} failed`,
        ].join('\n'),
      );
      if (results.length === 0) throw new CommandFailedError(`${dir} has no test cases (tests/*.json).`);
      if (failed.length > 0) throw new CommandFailedError(`${failed.length} of ${results.length} policy tests failed.`);
    });

  owner(
    policy
      .command('push')
      .summary('push a signed bundle file')
      .description('Push a signed bundle to the platform or a tenant; the server verifies signature, digests and key'),
  )
    .argument('<file>', 'signed bundle (from iris policy compile)')
    .option('--activate', 'activate it right away')
    .action(async (file: string, o: OwnerOpts & { activate?: boolean }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const { base, label } = ownerPath(o);
      const api = client();
      const pushed = await withProblems(() =>
        api.request<BundleSummary & { created: boolean }>('POST', `${base}/bundles`, { body: readJson(file) }),
      );
      const activated =
        o.activate === true
          ? await withProblems(() =>
              api.request<{ active: string }>('POST', `${base}/bundles/${pushed.id.slice(7)}/activate`),
            )
          : undefined;
      out.result(
        { ...pushed, ...(activated ? { activated } : {}) },
        () =>
          `${pushed.created ? 'Pushed' : 'Already had'} bundle ${pushed.shortId} (${pushed.name}) for ${label}${activated ? '; it is now active' : `; activate it with: iris policy activate ${pushed.shortId} ${o.tenant ? `--tenant ${o.tenant}` : '--platform'}`}.`,
      );
    });

  owner(
    policy
      .command('activate')
      .summary('activate a pushed bundle')
      .description('Make a pushed bundle the active one on every replica (audited)'),
  )
    .argument('<bundle>', "bundle id, its first 12+ hex digits, or 'builtin' (platform)")
    .action(async (ref: string, o: OwnerOpts, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const { base, label } = ownerPath(o);
      const r = await withProblems(() =>
        client().request<{ active: string; previous: string | null }>(
          'POST',
          `${base}/bundles/${encodeURIComponent(ref)}/activate`,
        ),
      );
      out.result(
        r,
        () =>
          `Activated ${r.active === 'builtin' ? 'the built-in bundle' : shortId(r.active)} for ${label} (was ${r.previous === null ? 'built-in/none' : shortId(r.previous)}).`,
      );
    });

  owner(
    policy
      .command('rollback')
      .summary('return to the previously active bundle')
      .description('Return to the bundle active before the current one (audited)'),
  ).action(async (o: OwnerOpts, cmd: Command) => {
    const { out, client } = commandContext(cmd, env);
    const { base, label } = ownerPath(o);
    const r = await client().request<{ active: string | null }>('POST', `${base}/rollback`);
    out.result(
      r,
      () =>
        `Rolled back ${label}; active now: ${r.active === null ? 'no overlay' : r.active === 'builtin' ? 'the built-in bundle' : shortId(r.active)}.`,
    );
  });

  owner(
    policy
      .command('list')
      .summary('bundles, the active one and the history')
      .description('List pushed bundles, which is active, and the activation history'),
  ).action(async (o: OwnerOpts, cmd: Command) => {
    const { out, client } = commandContext(cmd, env);
    const { base, label } = ownerPath(o);
    const r = await client().request<{
      active: string | null;
      items: { shortId: string; name: string; signer: string; pushedBy: string; pushedAt: string; active: boolean }[];
    }>('GET', `${base}/bundles`);
    out.result(r, () =>
      [
        `Active for ${label}: ${r.active === null ? 'no overlay' : r.active === 'builtin' ? 'built-in' : shortId(r.active)}`,
        renderTable(
          ['BUNDLE', 'NAME', 'ACTIVE', 'SIGNER', 'PUSHED BY', 'PUSHED'],
          r.items.map((b) => [b.shortId, b.name, b.active ? '*' : '', b.signer, b.pushedBy, shortTime(b.pushedAt)]),
          'No bundles pushed.',
        ),
      ].join('\n'),
    );
  });

  owner(
    policy
      .command('diff')
      .summary('policies added, removed, changed between bundles')
      .description('Compare two bundles policy by policy (from: the active one by default)'),
  )
    .argument('<to>', "bundle to compare with (id, prefix, or 'builtin')")
    .option('--from <bundle>', 'bundle to compare from (default: the active one)')
    .action(async (to: string, o: OwnerOpts & { from?: string }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const { base } = ownerPath(o);
      const d = await client().request<BundleDiff>('GET', `${base}/diff`, { query: { to, from: o.from } });
      out.result(d, () =>
        [
          `--- ${d.from === 'builtin' || d.from === 'none' ? d.from : shortId(d.from)}`,
          `+++ ${d.to === 'builtin' ? d.to : shortId(d.to)}`,
          ...d.added.map((id) => `+ ${id}`),
          ...d.removed.map((id) => `- ${id}`),
          ...d.changed.flatMap((c) => [
            `~ ${c.id}`,
            ...c.from.split('\n').map((l) => `    - ${l}`),
            ...c.to.split('\n').map((l) => `    + ${l}`),
          ]),
          `${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed, ${d.unchanged} unchanged`,
        ].join('\n'),
      );
    });

  owner(
    policy
      .command('decisions')
      .summary('the decision log, newest first')
      .description('Read the decision log: denies always, allows as sampled (IRIS_POLICY_DECISION_SAMPLE)'),
  )
    .addOption(new Option('--decision <d>', 'only allows or denies').choices(['allow', 'deny']))
    .option('--of <tenant>', "platform: only decisions of this tenant's keys")
    .option('--limit <n>', 'how many (1-1000)', wholeNumber(1), 50)
    .action(async (o: OwnerOpts & { decision?: string; of?: string; limit: number }, cmd: Command) => {
      const { out, client } = commandContext(cmd, env);
      const { base } = ownerPath(o);
      const r = await client().request<{ items: DecisionRecord[] }>('GET', `${base}/decisions`, {
        query: { limit: o.limit, decision: o.decision, tenant: o.of },
      });
      out.result(r, () =>
        renderTable(
          ['TIME', 'REQUEST', 'DECISION', 'ACTION', 'PRINCIPAL', 'RESOURCE', 'POLICIES'],
          r.items.map((d) => [
            shortTime(d.decidedAt),
            d.requestId,
            d.allowed ? 'allow' : 'deny',
            d.action,
            `${d.principal} (${d.role})`,
            d.resource,
            d.policies.join(',') || (d.errors.length > 0 ? 'error: fail closed' : 'no permit'),
          ]),
          'No decisions logged.',
        ),
      );
    });

  policy
    .command('explain')
    .summary('why a request was allowed or denied')
    .description(
      "Show every decision taken for one request: the outcome, the policies (by @id) that determined it, the bundle and the inputs. Request ids are chosen by clients, so the answer is per tenant: your key's own, or (platform admins) the one --tenant names, else one group per tenant",
    )
    .option(
      '--request-id <id>',
      'the X-Request-Id of the request to explain (shown in every error and in audit events); required',
    )
    .option(
      '--tenant <id>',
      "whose request ('platform' for platform keys); platform admins only, default: each tenant that used this id",
    )
    .action(async (_o: unknown, cmd: Command) => {
      const { out, conn } = commandContext(cmd, env);
      const { requestId: id, tenant } = cmd.optsWithGlobals<{ requestId?: string; tenant?: string }>();
      if (id === undefined) throw new UsageError('--request-id is required.');
      // NOTE: the looked-up id is not sent as this call's own correlation id.
      const r = await makeApiClient({ ...conn, requestId: undefined }).request<{
        requestId: string;
        tenant: string | null;
        items: DecisionRecord[];
        groups: { tenant: string; items: DecisionRecord[] }[];
      }>('GET', `/v1/policy/decisions/${encodeURIComponent(id)}`, { query: { tenant } });
      if (r.groups.length === 0)
        throw new CommandFailedError(
          `No decisions logged for request ${id}${tenant === undefined ? '' : ` of ${tenant}`} (allows are sampled; denies are always kept).`,
        );
      const render = (d: DecisionRecord): string =>
        renderFields([
          [
            'DECISION',
            `${d.allowed ? 'allow' : 'deny'}${d.errors.length > 0 ? ' (fail closed: evaluation error)' : ''}`,
          ],
          ['ACTION', d.action],
          [
            'PRINCIPAL',
            `${d.principal} (${d.role}, tenant ${String((d.inputs as { principalTenant?: string }).principalTenant ?? '-')})`,
          ],
          ['RESOURCE', d.resource],
          ['POLICIES', d.policies.join(', ') || 'none matched (default deny)'],
          ['BUNDLE', d.bundle.split('+').map(shortId).join(' + ')],
          ['INPUTS', JSON.stringify(d.inputs)],
          ...d.errors.map((e) => ['ERROR', e] as const),
          ['TIME', shortTime(d.decidedAt)],
        ]);
      out.result(r, () =>
        r.groups.length === 1
          ? (r.groups[0]?.items ?? []).map(render).join('\n')
          : [
              `Request id ${id} was used by ${r.groups.length} tenants; each answer is its own (--tenant <id> picks one).`,
              ...r.groups.map((g) => [`== tenant ${g.tenant}`, ...g.items.map(render)].join('\n')),
            ].join('\n\n'),
      );
    });
}
