// Z3 verification at compile time: the built-in bundle is proved isolated and residency-safe
// for every request type; a bundle that breaks either property is refused, and the
// counterexample it reports is one a real Cedar evaluation allows.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  builtinPlatformFiles,
  compileBundle,
  evaluateInline,
  ipValue,
  IRIS_SCHEMA,
  POLICY_ACTIONS,
  rolePolicies,
  shutdownVerifier,
  VerificationError,
  verifyPolicies,
  type Counterexample,
} from '../../src/policy/index.js';

/** Replays a counterexample through Cedar, independently of the verifier. */
function replay(policies: Record<string, string>, c: Counterexample): string {
  const { principal, resource, context } = c.request;
  const tenant = (id: string, region: string) => ({
    uid: { type: 'Iris::Tenant', id },
    attrs: { region, tier: 'standard' },
    parents: [],
  });
  return evaluateInline(policies, {
    principal: { type: 'Iris::Principal', id: principal.id },
    action: { type: 'Iris::Action', id: c.action },
    resource: { type: 'Iris::Resource', id: 'r' },
    context: {
      region: context.region,
      sourceIp: ipValue(context.sourceIp),
      upstreamRegions: [...context.upstreamRegions],
      route: 'replay',
    },
    entities: [
      {
        uid: { type: 'Iris::Principal', id: principal.id },
        attrs: { role: principal.role, tenant: { __entity: { type: 'Iris::Tenant', id: principal.tenant } } },
        parents: [],
      },
      {
        uid: { type: 'Iris::Resource', id: 'r' },
        attrs: { tenant: { __entity: { type: 'Iris::Tenant', id: resource.tenant } }, kind: resource.kind },
        parents: [],
      },
      tenant(principal.tenant, principal.tenantRegion),
      ...(resource.tenant === principal.tenant ? [] : [tenant(resource.tenant, resource.tenantRegion)]),
    ],
  }).decision;
}

async function refusal(p: Promise<unknown>): Promise<VerificationError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof VerificationError, String(err));
    return err;
  }
  assert.fail('the property was proved');
}

describe('Z3 verification of isolation and residency', () => {
  after(async () => shutdownVerifier());

  test('the built-in bundle is proved for every request type', async () => {
    const b = await compileBundle({ files: builtinPlatformFiles(), now: new Date(), verify: (i) => verifyPolicies(i) });
    assert.equal(b.manifest.verification.isolation, 'proved');
    assert.equal(b.manifest.verification.residency, 'proved');
    assert.ok((b.manifest.verification.checkedRequestTypes ?? 0) >= POLICY_ACTIONS.length);
  });

  test('a bundle that lets a non-admin cross tenants is refused with a confirmed counterexample', async () => {
    const files = builtinPlatformFiles();
    files['policies/roles.cedar'] = (files['policies/roles.cedar'] ?? '').replace(
      /@id\("iris\.isolation"\)[\s\S]*$/,
      '',
    );
    files['policies/support.cedar'] =
      '@id("support.read-keys")\npermit (principal, action == Iris::Action::"key.read", resource)\nwhen { principal.role == "operator" && resource.kind == "Tenant" };\n';
    const err = await refusal(compileBundle({ files, now: new Date(), verify: (i) => verifyPolicies(i) }));
    assert.equal(err.code, 'bundle_verification_failed');
    const [cex] = err.extensions.counterexamples as Counterexample[];
    assert.ok(cex);
    assert.equal(cex.property, 'isolation');
    assert.equal(cex.action, 'key.read');
    assert.notEqual(cex.request.principal.tenant, cex.request.resource.tenant);
    assert.equal(cex.request.principal.role, 'operator');
    assert.deepEqual(cex.cedar.policies, ['support.read-keys']);
    const unsigned = await compileBundle({ files, now: new Date() });
    assert.equal(replay({ ...unsigned.policies }, cex), 'allow', 'Cedar itself allows the counterexample');
  });

  test('a guard that only looks safe is proved (no spurious refusal)', async () => {
    const files = builtinPlatformFiles();
    files['policies/roles.cedar'] = (files['policies/roles.cedar'] ?? '').replace(
      /@id\("iris\.isolation"\)[\s\S]*$/,
      '',
    );
    // Safe without the isolation guard: every role policy already requires the same tenant.
    await compileBundle({ files, now: new Date(), verify: (i) => verifyPolicies(i) });
  });

  test('policies without the residency rules are refused with a confirmed counterexample', async () => {
    const policies: Record<string, string> = {};
    const text = rolePolicies();
    const parts = text.split(/(?=@id\()/).filter((p) => p.startsWith('@id('));
    for (const p of parts) policies[/@id\("([^"]+)"\)/.exec(p)?.[1] ?? ''] = p;
    const err = await refusal(verifyPolicies({ schema: IRIS_SCHEMA, policies }));
    const cex = (err.extensions.counterexamples as Counterexample[])[0];
    assert.ok(cex);
    assert.equal(cex.property, 'residency');
    const servedElsewhere = cex.request.resource.tenantRegion !== cex.request.context.region;
    const upstreamElsewhere = cex.request.context.upstreamRegions.some((r) => r !== cex.request.resource.tenantRegion);
    assert.ok(servedElsewhere || upstreamElsewhere, JSON.stringify(cex));
    assert.equal(replay(policies, cex), 'allow');
  });

  test('a residency exception is part of the property: allowed exceptions prove, others do not', async () => {
    const files = {
      ...builtinPlatformFiles(),
      'data/residency.json': JSON.stringify({ exceptions: [{ tenant: 'acme', regions: ['us-east'] }] }),
    };
    const b = await compileBundle({ files, now: new Date(), verify: (i) => verifyPolicies(i) });
    assert.equal(b.manifest.verification.residency, 'proved');
  });
});
