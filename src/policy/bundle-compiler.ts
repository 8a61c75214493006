// Compiling a bundle DIR (bundle.json, schema.cedarschema, policies/*.cedar, data/*.json) into
// an unsigned bundle document: every policy parsed with its @id, data files compiled into
// policies, everything validated strictly against the schema, properties verified (a hook:
// the Z3 verifier), then digests into the manifest. Problems name file, line and column. The
// policy-set invariants are those of bundle-invariants.ts, which the server checks again.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { isTenantSlug } from '../core/ids.js';
import { IRIS_SCHEMA } from './builtin-bundle.js';
import { BundleError, type Problem } from './bundle-errors.js';
import {
  BUNDLE_FORMAT,
  canonicalJson,
  sha256,
  type BundleManifest,
  type BundleScope,
  type SignedBundle,
  type VerificationSummary,
} from './bundle-format.js';
import { policySetProblems } from './bundle-invariants.js';
import { cedarVersion, parsePolicyFile, type SourcePolicy } from './cedar-engine.js';
import { allowListPolicies, denyListPolicies, residencyPolicies, type GeneratedPolicy } from './data-policies.js';
import { errorMessage } from '../core/errors.js';

const DEFAULT_MAX_BUNDLE_BYTES = 1024 * 1024;

/** What the verifier gets: the compiled policies, the schema and the scope. */
export interface VerifyInput {
  readonly scope: BundleScope;
  readonly schema: string;
  readonly policies: Readonly<Record<string, string>>;
  /** data/residency.json, whose exceptions are part of the residency property. */
  readonly residencyJson?: string | undefined;
}

export interface CompileOptions {
  /** The DIR's files: relative POSIX path -> text. */
  readonly files: Readonly<Record<string, string>>;
  readonly now: Date;
  readonly maxBytes?: number;
  /** Proves isolation and residency (platform bundles); throws VerificationError on a counterexample. */
  readonly verify?: (input: VerifyInput) => Promise<VerificationSummary>;
  /** Marks the verification result (the built-in bundle, whose proof is in Iris's test suite). */
  readonly verification?: VerificationSummary;
}

/** Reads a bundle DIR into path -> text (tests/ included: `iris policy test` reads them). */
export function readBundleDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      if (name.startsWith('.')) continue;
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(dir, full).split(sep).join('/')] = readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return out;
}

interface BundleMeta {
  readonly name: string;
  readonly scope: BundleScope;
  readonly tenant?: string;
}

function readMeta(files: Readonly<Record<string, string>>): BundleMeta {
  const text = files['bundle.json'];
  if (text === undefined) return { name: 'unnamed', scope: 'platform' };
  let doc: { name?: unknown; scope?: unknown; tenant?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (err) {
    throw new BundleError([{ file: 'bundle.json', message: `is not valid JSON: ${errorMessage(err)}` }]);
  }
  const problems: Problem[] = [];
  for (const k of Object.keys(doc))
    if (!['name', 'scope', 'tenant', 'description'].includes(k))
      problems.push({ file: 'bundle.json', path: `/${k}`, message: 'is not a known field' });
  const name = typeof doc.name === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(doc.name) ? doc.name : undefined;
  if (name === undefined)
    problems.push({ file: 'bundle.json', path: '/name', message: 'must be 1-64 characters of A-Z a-z 0-9 . _ -' });
  const scope = doc.scope ?? 'platform';
  if (scope !== 'platform' && scope !== 'tenant')
    problems.push({ file: 'bundle.json', path: '/scope', message: "must be 'platform' or 'tenant'" });
  if (scope === 'tenant' && (typeof doc.tenant !== 'string' || !isTenantSlug(doc.tenant)))
    problems.push({
      file: 'bundle.json',
      path: '/tenant',
      message: 'a tenant overlay must name its tenant (a tenant id)',
    });
  if (scope === 'platform' && doc.tenant !== undefined)
    problems.push({ file: 'bundle.json', path: '/tenant', message: 'a platform bundle names no tenant' });
  if (problems.length > 0) throw new BundleError(problems);
  return {
    name: name as string,
    scope: scope as BundleScope,
    ...(scope === 'tenant' ? { tenant: doc.tenant as string } : {}),
  };
}

/** Files that belong in the bundle (tests/ and docs stay in the DIR). */
function bundleFiles(
  files: Readonly<Record<string, string>>,
  scope: BundleScope,
): { kept: Record<string, string>; problems: Problem[] } {
  const kept: Record<string, string> = {};
  const problems: Problem[] = [];
  const dataFiles = scope === 'platform' ? ['data/residency.json', 'data/deny-cidrs.json'] : ['data/allow-cidrs.json'];
  for (const [path, text] of Object.entries(files)) {
    if (path.startsWith('tests/') || /\.md$/i.test(path)) continue;
    if (
      path === 'bundle.json' ||
      path === 'schema.cedarschema' ||
      (path.startsWith('policies/') && path.endsWith('.cedar')) ||
      dataFiles.includes(path)
    )
      kept[path] = text;
    else
      problems.push({
        file: path,
        message: `is not part of a ${scope} bundle (expected bundle.json, schema.cedarschema, policies/*.cedar, ${dataFiles.join(', ')}, tests/*.json)`,
      });
  }
  return { kept, problems };
}

/** Compiles sources into an unsigned bundle document; throws BundleError listing every problem. */
export async function compileBundle(opts: CompileOptions): Promise<SignedBundle> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BUNDLE_BYTES;
  const meta = readMeta(opts.files);
  const { kept, problems } = bundleFiles(opts.files, meta.scope);
  const total = Object.values(kept).reduce((n, t) => n + Buffer.byteLength(t), 0);
  if (total > maxBytes)
    throw new BundleError(
      [{ message: `sources are ${total} bytes; a bundle may hold at most ${maxBytes}` }],
      'bundle_too_large',
    );
  const schema = kept['schema.cedarschema'] ?? IRIS_SCHEMA;

  const policies: SourcePolicy[] = [];
  for (const [path, text] of Object.entries(kept).sort(([a], [b]) => a.localeCompare(b))) {
    if (!path.startsWith('policies/')) continue;
    try {
      policies.push(...parsePolicyFile(path, text));
    } catch (err) {
      if (err instanceof BundleError) problems.push(...err.problems);
      else throw err;
    }
  }
  const generate = (fn: () => GeneratedPolicy[]): void => {
    try {
      // Data files compile to forbid policies; the invariants below check the text, not this.
      policies.push(
        ...fn().map((g): SourcePolicy => ({ id: g.id, text: g.text, file: g.source, line: 1, effect: 'forbid' })),
      );
    } catch (err) {
      if (err instanceof BundleError) problems.push(...err.problems);
      else throw err;
    }
  };
  const residency = kept['data/residency.json'];
  const deny = kept['data/deny-cidrs.json'];
  const allow = kept['data/allow-cidrs.json'];
  if (meta.scope === 'platform') {
    // Residency is always enforced; the data file only adds explicit exceptions.
    generate(() => residencyPolicies('data/residency.json', residency ?? '{"exceptions": []}'));
    if (deny !== undefined) generate(() => denyListPolicies('data/deny-cidrs.json', deny));
  } else if (allow !== undefined) {
    generate(() => allowListPolicies('data/allow-cidrs.json', allow, meta.tenant as string));
  }
  // The invariants the server checks again on every signed document (bundle-invariants.ts).
  problems.push(...policySetProblems(meta.scope, schema, policies, kept));
  if (problems.length > 0) throw new BundleError(problems);

  const compiled: Record<string, string> = Object.fromEntries(policies.map((p) => [p.id, p.text]));
  let verification: VerificationSummary;
  if (meta.scope === 'tenant') verification = { isolation: 'by-construction', residency: 'by-construction' };
  else if (opts.verify)
    verification = await opts.verify({ scope: meta.scope, schema, policies: compiled, residencyJson: residency });
  else verification = opts.verification ?? { isolation: 'skipped', residency: 'skipped' };

  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    name: meta.name,
    scope: meta.scope,
    ...(meta.tenant !== undefined ? { tenant: meta.tenant } : {}),
    createdAt: opts.now.toISOString(),
    cedarVersion: cedarVersion(),
    files: Object.fromEntries(Object.entries(kept).map(([p, t]) => [p, sha256(t)])),
    policies: { digest: sha256(canonicalJson(compiled)), ids: Object.keys(compiled).sort() },
    verification,
  };
  return { format: BUNDLE_FORMAT, manifest, files: kept, policies: compiled };
}
