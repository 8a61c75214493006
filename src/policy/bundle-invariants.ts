// The invariants every bundle holds, whoever built it. The compiler checks them on the
// policies it parsed from sources; the server checks them on every signed document it stores
// (push), activates or loads, since a signature says who made a bundle, not that it is sound.
// One function decides both: a bundle the compiler would refuse is never stored or served.
import { isTenantSlug } from '../core/ids.js';
import { IRIS_SCHEMA } from './builtin-bundle.js';
import { BundleError, type Problem } from './bundle-errors.js';
import type { BundleScope, SignedBundle } from './bundle-format.js';
import {
  cedarAcceptsIp,
  parseCompiledPolicy,
  schemaProblems,
  validatePolicies,
  type SourcePolicy,
} from './cedar-engine.js';

/**
 * Problems of a bundle's policy set: the schema parses; Cedar accepts every ip() literal; ids
 * are unique; a tenant overlay only restricts (forbid policies, never permit) and uses no
 * 'iris.' id; and, when all of that holds, every policy validates strictly against the schema.
 * `files` (path -> text) lets validation problems point into source files.
 */
export function policySetProblems(
  scope: BundleScope,
  schema: string,
  policies: readonly SourcePolicy[],
  files: Readonly<Record<string, string>> = {},
): Problem[] {
  const problems = schemaProblems('schema.cedarschema', schema);
  // Cedar checks ip() literals only when evaluating; check them now.
  for (const p of policies) {
    for (const m of p.text.matchAll(/ip\("([^"]*)"\)/g)) {
      if (!cedarAcceptsIp(m[1] ?? ''))
        problems.push({ file: p.file, path: p.id, message: `Cedar does not accept ip("${m[1] ?? ''}")` });
    }
  }
  const seen = new Map<string, string>();
  for (const p of policies) {
    const first = seen.get(p.id);
    if (first !== undefined)
      problems.push({ file: p.file, path: p.id, message: `duplicate @id("${p.id}"), first defined at ${first}` });
    else seen.set(p.id, `${p.file}:${p.line}`);
    if (scope === 'tenant') {
      if (p.id.startsWith('iris.'))
        problems.push({ file: p.file, path: p.id, message: "@id prefix 'iris.' is reserved for platform policies" });
      if (p.effect === 'permit') {
        problems.push({
          file: p.file,
          line: p.line,
          column: 1,
          path: p.id,
          message: 'a tenant overlay may only restrict: write forbid policies (permits come from the platform bundle)',
        });
      }
    }
  }
  if (problems.length === 0) problems.push(...validatePolicies(schema, policies, files));
  return problems;
}

/**
 * Problems of a signed bundle document (already checked for shape and signature): its manifest
 * names a valid owner and exactly its compiled policies, each compiled policy is one static
 * Cedar policy under its own id, and the policy set holds every invariant of
 * `policySetProblems` against the bundle's schema (Iris's when it brings none).
 */
function bundleProblems(bundle: SignedBundle): Problem[] {
  const m = bundle.manifest;
  const problems: Problem[] = [];
  if (m.scope === 'tenant' && (typeof m.tenant !== 'string' || !isTenantSlug(m.tenant)))
    problems.push({ path: '/manifest/tenant', message: 'a tenant overlay must name its tenant (a tenant id)' });
  if (m.scope === 'platform' && m.tenant !== undefined)
    problems.push({ path: '/manifest/tenant', message: 'a platform bundle names no tenant' });
  const ids = Object.keys(bundle.policies).sort();
  const listed = Array.isArray(m.policies.ids) ? [...m.policies.ids].sort() : [];
  if (ids.join('\n') !== listed.join('\n'))
    problems.push({ path: '/manifest/policies/ids', message: 'does not list exactly the compiled policies' });
  const parsed: SourcePolicy[] = [];
  for (const [id, text] of Object.entries(bundle.policies)) {
    if (typeof text !== 'string') {
      problems.push({ file: 'policies', path: id, message: 'is not policy text' });
      continue;
    }
    try {
      parsed.push(parseCompiledPolicy(id, text));
    } catch (err) {
      if (err instanceof BundleError) problems.push(...err.problems);
      else throw err;
    }
  }
  problems.push(...policySetProblems(m.scope, bundle.files['schema.cedarschema'] ?? IRIS_SCHEMA, parsed));
  return problems;
}

/** Throws BundleError (422) listing every problem of `bundle`, unless it holds every invariant. */
export function checkBundle(bundle: SignedBundle): void {
  const problems = bundleProblems(bundle);
  if (problems.length > 0) throw new BundleError(problems);
}
