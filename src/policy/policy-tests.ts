// `iris policy test DIR`: policy test cases (request -> expected decision), like `opa test`.
// tests/*.json hold {"tenants": {id: {"region": …, "tier": …}}, "region": deployment region,
// "cases": [{"name", "principal": {"role", "tenant", "id"?}, "action", "resource": {"tenant",
// "kind"?}, "sourceIp"?, "upstreamRegions"?, "expect": "allow"|"deny", "policies"?: [@id…]}]}.
// Cases run against the DIR's bundle as the gateway would serve it (an overlay on top of the
// built-in platform bundle, or of a given platform DIR).
import { builtinPlatformFiles } from './builtin-bundle.js';
import { BundleError, type Problem } from './bundle-errors.js';
import { compileBundle } from './bundle-compiler.js';
import { makeDecisionPoint, type ActiveBundle, type TenantFacts } from './decision-point.js';
import { errorMessage } from '../core/errors.js';

export interface PolicyTestCase {
  readonly name: string;
  readonly principal: { readonly role: string; readonly tenant: string; readonly id?: string };
  readonly action: string;
  readonly resource: { readonly tenant: string; readonly kind?: string };
  readonly sourceIp?: string;
  readonly upstreamRegions?: readonly string[];
  readonly expect: 'allow' | 'deny';
  /** When given, the policies that must have determined the decision. */
  readonly policies?: readonly string[];
}

export interface PolicyTestResult {
  readonly file: string;
  readonly name: string;
  readonly passed: boolean;
  readonly got: 'allow' | 'deny';
  readonly policies: readonly string[];
  readonly errors: readonly string[];
  readonly message?: string;
}

interface TestFile {
  readonly region?: string;
  readonly tenants?: Readonly<Record<string, TenantFacts>>;
  readonly cases: readonly PolicyTestCase[];
}

function parseTestFile(file: string, text: string): TestFile {
  let doc: Partial<TestFile>;
  try {
    doc = JSON.parse(text) as Partial<TestFile>;
  } catch (err) {
    throw new BundleError([{ file, message: `is not valid JSON: ${errorMessage(err)}` }]);
  }
  const problems: Problem[] = [];
  if (!Array.isArray(doc.cases)) problems.push({ file, path: '/cases', message: 'must be a list of test cases' });
  (doc.cases ?? []).forEach((c, i) => {
    const at = `/cases/${i}`;
    if (typeof c.name !== 'string') problems.push({ file, path: `${at}/name`, message: 'is required' });
    if (typeof c.principal?.role !== 'string' || typeof c.principal.tenant !== 'string')
      problems.push({ file, path: `${at}/principal`, message: 'needs role and tenant' });
    if (typeof c.action !== 'string') problems.push({ file, path: `${at}/action`, message: 'is required' });
    if (typeof c.resource?.tenant !== 'string')
      problems.push({ file, path: `${at}/resource/tenant`, message: 'is required' });
    if (c.expect !== 'allow' && c.expect !== 'deny')
      problems.push({ file, path: `${at}/expect`, message: "must be 'allow' or 'deny'" });
  });
  if (problems.length > 0) throw new BundleError(problems);
  return doc as TestFile;
}

const toActive = (b: Awaited<ReturnType<typeof compileBundle>>, id: string): ActiveBundle => ({
  id,
  name: b.manifest.name,
  scope: b.manifest.scope,
  tenant: b.manifest.tenant,
  policies: b.policies,
});

/** Compiles `files` (a bundle DIR) and runs its tests/*.json; `platformFiles` backs an overlay. */
export async function runPolicyTests(
  files: Readonly<Record<string, string>>,
  platformFiles?: Readonly<Record<string, string>>,
): Promise<PolicyTestResult[]> {
  const now = new Date();
  const bundle = await compileBundle({ files, now });
  const results: PolicyTestResult[] = [];
  for (const [file, text] of Object.entries(files)
    .filter(([p]) => p.startsWith('tests/') && p.endsWith('.json'))
    .sort()) {
    const doc = parseTestFile(file, text);
    const region = doc.region ?? 'eu-west';
    const pdp = makeDecisionPoint({
      region,
      tenantFacts: (id) => doc.tenants?.[id] ?? { region, tier: 'standard' },
      cacheSize: 0,
    });
    if (bundle.manifest.scope === 'platform') pdp.setPlatform(toActive(bundle, 'under-test'));
    else {
      pdp.setPlatform(
        toActive(await compileBundle({ files: platformFiles ?? builtinPlatformFiles(), now }), 'platform'),
      );
      pdp.setOverlay(bundle.manifest.tenant ?? '', toActive(bundle, 'under-test'));
    }
    for (const c of doc.cases) {
      const d = pdp.decide({
        principal: {
          keyId: c.principal.id ?? `k-${c.principal.role}`,
          role: c.principal.role,
          tenantId: c.principal.tenant,
        },
        action: c.action,
        resourceTenant: c.resource.tenant,
        resourceKind: c.resource.kind ?? 'Tenant',
        sourceIp: c.sourceIp,
        upstreamRegions: c.upstreamRegions,
        route: 'test',
      });
      const got = d.allowed ? 'allow' : 'deny';
      const policiesOk =
        c.policies === undefined || [...c.policies].sort().join(',') === [...d.policies].sort().join(',');
      const passed = got === c.expect && policiesOk;
      const message =
        got !== c.expect
          ? `expected ${c.expect}, got ${got}`
          : !policiesOk
            ? `expected policies ${(c.policies ?? []).join(', ')}, got ${d.policies.join(', ') || 'none'}`
            : undefined;
      results.push({
        file,
        name: c.name,
        passed,
        got,
        policies: d.policies,
        errors: d.errors,
        ...(message !== undefined ? { message } : {}),
      });
    }
  }
  return results;
}

/** Example test cases for `iris policy init`. */
export function exampleTests(scope: 'platform' | 'tenant', tenant = 'acme'): string {
  const cases: PolicyTestCase[] =
    scope === 'platform'
      ? [
          {
            name: 'analyst reads its tenant',
            principal: { role: 'analyst', tenant },
            action: 'tenant.read',
            resource: { tenant },
            expect: 'allow',
            policies: ['iris.roles.analyst'],
          },
          {
            name: 'analyst cannot update',
            principal: { role: 'analyst', tenant },
            action: 'tenant.update',
            resource: { tenant },
            expect: 'deny',
          },
          {
            name: 'no tenant reaches another',
            principal: { role: 'tenant-admin', tenant },
            action: 'tenant.read',
            resource: { tenant: 'globex' },
            expect: 'deny',
            policies: ['iris.isolation'],
          },
          {
            name: 'auditor reads the ledger only',
            principal: { role: 'auditor', tenant },
            action: 'audit.read',
            resource: { tenant, kind: 'Log' },
            expect: 'allow',
          },
          {
            name: 'data stays in its home region',
            principal: { role: 'tenant-admin', tenant: 'globex' },
            action: 'audit.read',
            resource: { tenant: 'globex', kind: 'Log' },
            expect: 'deny',
            policies: ['iris.residency.serving'],
          },
        ]
      : [
          {
            name: 'tenant admin reads its tenant',
            principal: { role: 'tenant-admin', tenant },
            action: 'tenant.read',
            resource: { tenant },
            sourceIp: '10.1.2.3',
            expect: 'allow',
          },
        ];
  return `${JSON.stringify({ region: 'eu-west', tenants: { [tenant]: { region: 'eu-west', tier: 'standard' }, globex: { region: 'us-east', tier: 'standard' } }, cases }, null, 2)}\n`;
}
