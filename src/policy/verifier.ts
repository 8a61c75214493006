// Compile-time verification with Z3 (z3-solver, WASM) over the policies' JSON form. For every
// action of the schema it asks for a request the bundle allows although
//  - isolation: the principal's tenant differs from the resource's and the principal is not
//    a platform-admin;
//  - residency (data actions): the resource's tenant is served outside its home region, or an
//    upstream service outside it is used, without an exception of data/residency.json.
// "unsat" proves the property. Constructs the encoding does not model become free booleans,
// so the search over-approximates what the bundle allows: a proof is sound, while a model may
// be spurious, which is why every counterexample is replayed through a real Cedar call and
// only a confirmed one is reported.
import { init, killThreads, type Arith, type Bool, type Model, type Z3HighLevel, type Z3LowLevel } from 'z3-solver';
import { DATA_ACTIONS } from './actions.js';
import { VerificationError } from './bundle-errors.js';
import type { VerificationSummary } from './bundle-format.js';
import { evaluateInline, ipValue, policyJson, schemaActionNames, type CedarRequest } from './cedar-engine.js';
import { parseResidency } from './data-policies.js';
import { Encoder, type Sym } from './policy-encoding.js';

let z3: Promise<Z3HighLevel & Z3LowLevel> | undefined;

/** Stops Z3's worker threads; without it Node does not exit. Safe to call when Z3 never started. */
export async function shutdownVerifier(): Promise<void> {
  if (!z3) return;
  const api = await z3;
  z3 = undefined;
  const em = api.em as { PThread?: { terminateAllThreads?: () => void } };
  if (em.PThread?.terminateAllThreads) em.PThread.terminateAllThreads();
  else await killThreads(api.em);
}

/** A confirmed counterexample: the request, and Cedar's answer to it. */
export interface Counterexample {
  readonly property: 'isolation' | 'residency';
  readonly action: string;
  readonly request: {
    readonly principal: {
      readonly id: string;
      readonly role: string;
      readonly tenant: string;
      readonly tenantRegion: string;
    };
    readonly resource: { readonly tenant: string; readonly tenantRegion: string; readonly kind: string };
    readonly context: {
      readonly region: string;
      readonly sourceIp: string;
      readonly upstreamRegions: readonly string[];
    };
  };
  readonly cedar: { readonly decision: 'allow' | 'deny'; readonly policies: readonly string[] };
}

export interface VerifyOptions {
  readonly schema: string;
  readonly policies: Readonly<Record<string, string>>;
  /** data/residency.json of the bundle (exceptions are part of the property). */
  readonly residencyJson?: string | undefined;
  /** Spurious models to skip before giving up on confirming one. */
  readonly maxAttempts?: number;
}

const PLATFORM_ADMIN = 'platform-admin';

/**
 * Proves isolation (every action) and residency (data actions) of `policies`; throws
 * VerificationError with the confirmed counterexamples when a property fails.
 */
export async function verifyPolicies(opts: VerifyOptions): Promise<VerificationSummary> {
  z3 ??= init();
  const api = await z3;
  const Z = new api.Context('main');
  const enc = new Encoder(Z);
  const parsed = Object.entries(opts.policies).map(([id, text]) => ({ id, json: policyJson(text) }));
  const actions = schemaActionNames(opts.schema);
  const exceptions = parseResidency('data/residency.json', opts.residencyJson ?? '{"exceptions": []}');
  const failures: Counterexample[] = [];
  let checked = 0;

  const actionAtom = (a: string): number => enc.atom(`E:Iris::Action:${a}`);
  for (const property of ['isolation', 'residency'] as const) {
    const domain = property === 'residency' ? actions.filter((a) => DATA_ACTIONS.includes(a as never)) : actions;
    if (domain.length === 0) continue;
    checked += domain.length;
    const s: Sym = {
      P: Z.Int.const('principal'),
      role: Z.Int.const('role'),
      tenP: Z.Int.const('tenantP'),
      tenR: Z.Int.const('tenantR'),
      R: Z.Int.const('resource'),
      kind: Z.Int.const('kind'),
      region: Z.Function.declare('region', Z.Int.sort(), Z.Int.sort()),
      tier: Z.Function.declare('tier', Z.Int.sort(), Z.Int.sort()),
      ctxRegion: Z.Int.const('ctxRegion'),
      route: Z.Int.const('route'),
      upstream: Z.Set.const('upstream', Z.Int.sort()),
      inRange: new Map(),
      act: Z.Int.const('action'),
    };
    const applies = parsed.map((p) => ({ id: p.id, effect: p.json.effect, b: enc.applies(p.json, s, '') }));
    const permits = applies.filter((a) => a.effect === 'permit').map((a) => a.b);
    const forbids = applies.filter((a) => a.effect === 'forbid').map((a) => a.b);
    const allowed = Z.And(
      permits.length > 0 ? Z.Or(...permits) : Z.Bool.val(false),
      Z.Not(Z.Or(Z.Bool.val(false), ...forbids)),
    );
    const home = s.region.call(s.tenR) as Arith<'main'>;
    let violation: Bool<'main'>;
    let upstreamWitness: Arith<'main'> | undefined;
    if (property === 'isolation') {
      violation = Z.And(Z.Not(s.tenP.eq(s.tenR)), Z.Not(s.role.eq(enc.atom(`S:${PLATFORM_ADMIN}`))));
    } else {
      const tenantIs = (t: string): Bool<'main'> =>
        t === '*' ? Z.Bool.val(true) : s.tenR.eq(enc.atom(`E:Iris::Tenant:${t}`));
      const servedOk = Z.Or(
        home.eq(s.ctxRegion),
        ...exceptions.map((e) =>
          Z.And(tenantIs(e.tenant), Z.Or(...e.regions.map((r) => s.ctxRegion.eq(enc.atom(`S:${r}`))))),
        ),
      );
      upstreamWitness = Z.Int.const('upstreamWitness');
      const u = upstreamWitness;
      const upstreamOk = Z.Or(
        u.eq(home),
        ...exceptions.map((e) => Z.And(tenantIs(e.tenant), Z.Or(...e.regions.map((r) => u.eq(enc.atom(`S:${r}`)))))),
      );
      violation = Z.Or(Z.Not(servedOk), Z.And(s.upstream.contains(u), Z.Not(upstreamOk)));
    }
    const solver = new Z.Solver();
    solver.add(Z.Or(...domain.map((a) => s.act.eq(actionAtom(a)))), allowed, violation);
    const attempts = opts.maxAttempts ?? 8;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const r = await solver.check();
      if (r === 'unsat') break;
      if (r === 'unknown') throw new VerificationError(`Z3 could not decide ${property}.`, []);
      const model = solver.model();
      const actNum = Number(model.eval(s.act, true).sexpr());
      const action = domain.find((a) => actionAtom(a) === actNum) ?? domain[0] ?? '';
      const cex = confirm(enc, model, s, action, property, opts.policies, upstreamWitness);
      if (cex) {
        failures.push(cex);
        // Look for the other actions with the same flaw (reported together).
        solver.add(Z.Not(s.act.eq(actNum)));
        if (failures.length >= 5) break;
        continue;
      }
      // Spurious (an abstraction): exclude this assignment of the request's atoms and look again.
      const pin = (x: Arith<'main'>): Bool<'main'> => x.eq(model.eval(x, true));
      solver.add(Z.Not(Z.And(pin(s.act), pin(s.role), pin(s.tenP), pin(s.tenR), pin(s.ctxRegion))));
      if (attempt === attempts - 1 && failures.length === 0) {
        throw new VerificationError(
          `Could not prove ${property}: the solver's candidates were not confirmed by Cedar; simplify the policy conditions.`,
          [],
        );
      }
    }
  }
  if (failures.length > 0) {
    const f = failures[0] as Counterexample;
    const who = `${f.request.principal.role} of tenant '${f.request.principal.tenant}'`;
    const what =
      f.property === 'isolation'
        ? `on tenant '${f.request.resource.tenant}'`
        : `on tenant '${f.request.resource.tenant}' (home ${f.request.resource.tenantRegion}) served from ${f.request.context.region}${f.request.context.upstreamRegions.length > 0 ? ` with upstreams in ${f.request.context.upstreamRegions.join(', ')}` : ''}`;
    throw new VerificationError(
      `The ${f.property} property does not hold: Cedar allows '${f.action}' for a ${who} ${what} (policies: ${f.cedar.policies.join(', ') || 'none'})${failures.length > 1 ? `; ${failures.length - 1} more counterexample(s)` : ''}.`,
      failures,
    );
  }
  return {
    isolation: 'proved',
    residency: 'proved',
    solver: `z3 ${api.Z3.get_full_version()}`,
    checkedRequestTypes: checked,
  };
}

/** Turns a model into a concrete request and asks Cedar; returns the counterexample if Cedar allows it. */
function confirm(
  enc: Encoder,
  model: Model<'main'>,
  s: Sym,
  action: string,
  property: 'isolation' | 'residency',
  policies: Readonly<Record<string, string>>,
  witness: Arith<'main'> | undefined,
): Counterexample | undefined {
  const n = (x: Arith<'main'>): number =>
    Number(
      model
        .eval(x, true)
        .sexpr()
        .replace(/^\(- (\d+)\)$/, '-$1'),
    );
  const str = (x: number, fallback: string): string => {
    const name = enc.nameOf(x);
    return name?.startsWith('S:') ? name.slice(2) : `${fallback}-${x}`;
  };
  const ent = (x: number, fallback: string): string => {
    const name = enc.nameOf(x);
    return name?.startsWith('E:Iris::Tenant:') ? name.slice('E:Iris::Tenant:'.length) : `${fallback}-${Math.abs(x)}`;
  };
  const tP = n(s.tenP);
  const tR = n(s.tenR);
  const regionOf = (t: number): string => str(n(s.region.call(Z3Int(s, t)) as Arith<'main'>), 'region');
  const principal = {
    id: 'k-counterexample',
    role: str(n(s.role), 'role'),
    tenant: ent(tP, 'tenant-p'),
    tenantRegion: regionOf(tP),
  };
  const resource = {
    tenant: tP === tR ? principal.tenant : ent(tR, 'tenant-r'),
    tenantRegion: regionOf(tR),
    kind: str(n(s.kind), 'kind'),
  };
  const upstream: string[] = [];
  if (witness && property === 'residency') {
    const w = n(witness);
    if (model.eval(s.upstream.contains(witness), true).sexpr() === 'true') upstream.push(str(w, 'region'));
  }
  const context = { region: str(n(s.ctxRegion), 'region'), upstreamRegions: upstream };
  const candidates = [
    ...new Set([...s.inRange.keys()].map((c) => c.split('/')[0] ?? c)),
    '127.0.0.1',
    '198.51.100.77',
    '2001:db8::77',
  ];
  for (const ip of candidates) {
    const req: CedarRequest = {
      principal: { type: 'Iris::Principal', id: principal.id },
      action: { type: 'Iris::Action', id: action },
      resource: { type: 'Iris::Resource', id: `${resource.kind}:${resource.tenant}` },
      context: { region: context.region, sourceIp: ipValue(ip), upstreamRegions: upstream, route: 'verify' },
      entities: [
        {
          uid: { type: 'Iris::Principal', id: principal.id },
          attrs: { role: principal.role, tenant: { __entity: { type: 'Iris::Tenant', id: principal.tenant } } },
          parents: [],
        },
        {
          uid: { type: 'Iris::Tenant', id: principal.tenant },
          attrs: { region: principal.tenantRegion, tier: 'standard' },
          parents: [],
        },
        {
          uid: { type: 'Iris::Resource', id: `${resource.kind}:${resource.tenant}` },
          attrs: { tenant: { __entity: { type: 'Iris::Tenant', id: resource.tenant } }, kind: resource.kind },
          parents: [],
        },
        ...(resource.tenant !== principal.tenant
          ? [
              {
                uid: { type: 'Iris::Tenant', id: resource.tenant },
                attrs: { region: resource.tenantRegion, tier: 'standard' },
                parents: [],
              },
            ]
          : []),
      ],
    };
    const answer = evaluateInline(policies, req);
    if (answer.decision === 'allow') {
      return {
        property,
        action,
        request: { principal, resource, context: { ...context, sourceIp: ip } },
        cedar: { decision: answer.decision, policies: answer.reasons },
      };
    }
  }
  return undefined;
}

/** An Int literal in the solver's context of `s`. */
function Z3Int(s: Sym, n: number): Arith<'main'> {
  return s.tenP.ctx.Int.val(n);
}
