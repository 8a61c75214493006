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
import { init, killThreads, type Arith, type Bool, type Context, type Model, type SMTSet, type Z3HighLevel, type Z3LowLevel } from 'z3-solver';
import { DATA_ACTIONS } from './actions.js';
import { VerificationError } from './bundle-errors.js';
import type { VerificationSummary } from './bundle-format.js';
import { evaluateInline, ipValue, policyJson, schemaActionNames, type CedarRequest, type PolicyJson } from './cedar-engine.js';
import { parseResidency } from './data-policies.js';

type Ctx = Context<'main'>;
type IntSet = SMTSet<'main', ReturnType<Ctx['Int']['sort']>>;

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
    readonly principal: { readonly id: string; readonly role: string; readonly tenant: string; readonly tenantRegion: string };
    readonly resource: { readonly tenant: string; readonly tenantRegion: string; readonly kind: string };
    readonly context: { readonly region: string; readonly sourceIp: string; readonly upstreamRegions: readonly string[] };
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

type Val =
  | { readonly t: 'bool'; readonly v: Bool<'main'> }
  | { readonly t: 'atom'; readonly v: Arith<'main'> }
  | { readonly t: 'set'; readonly v: IntSet }
  | { readonly t: 'entity'; readonly type: 'principal' | 'resource' | 'tenant' | 'other'; readonly v: Arith<'main'> }
  | { readonly t: 'context' }
  | { readonly t: 'ip'; readonly cidr?: string };

/** The symbolic request of one check. */
interface Sym {
  readonly P: Arith<'main'>;
  readonly role: Arith<'main'>;
  readonly tenP: Arith<'main'>;
  readonly tenR: Arith<'main'>;
  readonly R: Arith<'main'>;
  readonly kind: Arith<'main'>;
  readonly region: ReturnType<Ctx['Function']['declare']>;
  readonly tier: ReturnType<Ctx['Function']['declare']>;
  readonly ctxRegion: Arith<'main'>;
  readonly route: Arith<'main'>;
  readonly upstream: IntSet;
  readonly inRange: Map<string, Bool<'main'>>;
  /** The action entity (an atom of one of the schema's actions). */
  readonly act: Arith<'main'>;
}

class Encoder {
  private readonly atoms = new Map<string, number>();
  private fresh = 0;
  constructor(private readonly Z: Ctx) {}

  atom(key: string): number {
    let n = this.atoms.get(key);
    if (n === undefined) {
      n = this.atoms.size + 1;
      this.atoms.set(key, n);
    }
    return n;
  }
  nameOf(n: number): string | undefined {
    for (const [k, v] of this.atoms) if (v === n) return k;
    return undefined;
  }
  freeBool(): Bool<'main'> {
    return this.Z.Bool.const(`free${this.fresh++}`);
  }

  private num(n: number): Arith<'main'> {
    return this.Z.Int.val(n);
  }

  entityLit(type: string, id: string): Val {
    const kind = type.endsWith('::Principal') ? 'principal' : type.endsWith('::Resource') ? 'resource' : type.endsWith('::Tenant') ? 'tenant' : 'other';
    return { t: 'entity', type: kind, v: this.num(this.atom(`E:${type}:${id}`)) };
  }

  value(v: unknown): Val {
    if (typeof v === 'boolean') return { t: 'bool', v: this.Z.Bool.val(v) };
    if (typeof v === 'string') return { t: 'atom', v: this.num(this.atom(`S:${v}`)) };
    if (typeof v === 'number') return { t: 'atom', v: this.num(v) };
    const e = (v as { __entity?: { type: string; id: string } } | null)?.__entity ?? (v as { type?: string; id?: string } | null);
    if (e && typeof e.type === 'string' && typeof e.id === 'string') return this.entityLit(e.type, e.id);
    return { t: 'bool', v: this.freeBool() };
  }

  bool(x: Val): Bool<'main'> {
    return x.t === 'bool' ? x.v : this.freeBool();
  }

  private int(x: Val): Arith<'main'> | undefined {
    return x.t === 'atom' || x.t === 'entity' ? x.v : undefined;
  }

  private set(x: Val): IntSet | undefined {
    return x.t === 'set' ? x.v : undefined;
  }

  private attr(base: Val, attr: string, s: Sym): Val {
    if (base.t === 'context') {
      switch (attr) {
        case 'region':
          return { t: 'atom', v: s.ctxRegion };
        case 'route':
          return { t: 'atom', v: s.route };
        case 'upstreamRegions':
          return { t: 'set', v: s.upstream };
        case 'sourceIp':
          return { t: 'ip' };
        default:
          return { t: 'bool', v: this.freeBool() };
      }
    }
    if (base.t !== 'entity') return { t: 'bool', v: this.freeBool() };
    if (base.type === 'principal' && attr === 'role') return { t: 'atom', v: s.role };
    if (base.type === 'principal' && attr === 'tenant') return { t: 'entity', type: 'tenant', v: s.tenP };
    if (base.type === 'resource' && attr === 'tenant') return { t: 'entity', type: 'tenant', v: s.tenR };
    if (base.type === 'resource' && attr === 'kind') return { t: 'atom', v: s.kind };
    if (base.type === 'tenant' && attr === 'region') return { t: 'atom', v: s.region.call(base.v) as Arith<'main'> };
    if (base.type === 'tenant' && attr === 'tier') return { t: 'atom', v: s.tier.call(base.v) as Arith<'main'> };
    // Attributes of entities named by literal are unknown here: any value.
    return { t: 'atom', v: this.Z.Int.const(`attr${this.fresh++}`) };
  }

  private eq(a: Val, b: Val): Bool<'main'> {
    if (a.t === 'bool' && b.t === 'bool') return a.v.eq(b.v);
    const x = this.int(a);
    const y = this.int(b);
    if (x && y) {
      // Entities of different types are never equal.
      if (a.t === 'entity' && b.t === 'entity' && a.type !== b.type && a.type !== 'other' && b.type !== 'other') return this.Z.Bool.val(false);
      return x.eq(y);
    }
    return this.freeBool();
  }

  private ext(name: string, args: unknown[], s: Sym, action: string): Val {
    const vals = args.map((a) => this.expr(a, s, action));
    if (name === 'ip') {
      const lit = (args[0] as { Value?: unknown } | undefined)?.Value;
      return typeof lit === 'string' ? { t: 'ip', cidr: lit } : { t: 'ip' };
    }
    if (name === 'isInRange' && vals[0]?.t === 'ip' && vals[0].cidr === undefined && vals[1]?.t === 'ip' && vals[1].cidr !== undefined) {
      const cidr = vals[1].cidr;
      let b = s.inRange.get(cidr);
      if (!b) {
        b = this.Z.Bool.const(`inRange:${cidr}`);
        s.inRange.set(cidr, b);
      }
      return { t: 'bool', v: b };
    }
    return { t: 'bool', v: this.freeBool() };
  }

  expr(e: unknown, s: Sym, action: string): Val {
    const Z = this.Z;
    const o = e as Record<string, unknown>;
    const key = Object.keys(o)[0] ?? '';
    const body = o[key] as Record<string, unknown>;
    const bin = (): [Val, Val] => [this.expr(body.left, s, action), this.expr(body.right, s, action)];
    switch (key) {
      case 'Value':
        return this.value(o.Value);
      case 'Var':
        switch (o.Var) {
          case 'principal':
            return { t: 'entity', type: 'principal', v: s.P };
          case 'resource':
            return { t: 'entity', type: 'resource', v: s.R };
          case 'action':
            return { t: 'entity', type: 'other', v: s.act };
          default:
            return { t: 'context' };
        }
      case '!':
        return { t: 'bool', v: Z.Not(this.bool(this.expr(body.arg, s, action))) };
      case '&&': {
        const [a, b] = bin();
        return { t: 'bool', v: Z.And(this.bool(a), this.bool(b)) };
      }
      case '||': {
        const [a, b] = bin();
        return { t: 'bool', v: Z.Or(this.bool(a), this.bool(b)) };
      }
      case '==': {
        const [a, b] = bin();
        return { t: 'bool', v: this.eq(a, b) };
      }
      case '!=': {
        const [a, b] = bin();
        return { t: 'bool', v: Z.Not(this.eq(a, b)) };
      }
      case 'in': {
        // Entities in a request slice have no parents: `x in y` is `x == y` (or membership in a set).
        const [a, b] = bin();
        if (b.t === 'set') {
          const x = this.int(a);
          return { t: 'bool', v: x ? b.v.contains(x) : this.freeBool() };
        }
        return { t: 'bool', v: this.eq(a, b) };
      }
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const [a, b] = bin();
        const x = this.int(a);
        const y = this.int(b);
        if (!x || !y) return { t: 'bool', v: this.freeBool() };
        return { t: 'bool', v: key === '<' ? x.lt(y) : key === '<=' ? x.le(y) : key === '>' ? x.gt(y) : x.ge(y) };
      }
      case 'contains': {
        const [a, b] = bin();
        const set = this.set(a);
        const x = this.int(b);
        return { t: 'bool', v: set && x ? set.contains(x) : this.freeBool() };
      }
      case 'containsAll':
      case 'containsAny': {
        const [a, b] = bin();
        const x = this.set(a);
        const y = this.set(b);
        if (!x || !y) return { t: 'bool', v: this.freeBool() };
        if (key === 'containsAll') return { t: 'bool', v: y.subsetOf(x) };
        const w = Z.Int.const(`w${this.fresh++}`);
        return { t: 'bool', v: Z.And(x.contains(w), y.contains(w)) };
      }
      case 'isEmpty': {
        const x = this.set(this.expr(body.arg, s, action));
        return { t: 'bool', v: x ? x.eq(Z.Set.empty(Z.Int.sort())) : this.freeBool() };
      }
      case '.':
        return this.attr(this.expr(body.left, s, action), body.attr as string, s);
      case 'is': {
        const a = this.expr(body.left, s, action);
        const type = String(body.entity_type);
        const matches = a.t === 'entity' && ((a.type === 'principal' && type.endsWith('Principal')) || (a.type === 'resource' && type.endsWith('Resource')) || (a.type === 'tenant' && type.endsWith('Tenant')));
        const base = a.t === 'entity' && a.type !== 'other' ? Z.Bool.val(matches) : this.freeBool();
        return { t: 'bool', v: body.in === undefined ? base : Z.And(base, this.bool({ t: 'bool', v: this.eq(a, this.expr(body.in, s, action)) })) };
      }
      case 'if-then-else': {
        const c = this.bool(this.expr(body.if, s, action));
        const a = this.expr(body.then, s, action);
        const b = this.expr(body.else, s, action);
        if (a.t === 'bool' && b.t === 'bool') return { t: 'bool', v: Z.If(c, a.v, b.v) };
        const x = this.int(a);
        const y = this.int(b);
        if (x && y) return { t: 'atom', v: Z.If(c, x, y) };
        return { t: 'bool', v: this.freeBool() };
      }
      case 'Set': {
        let set: IntSet = Z.Set.empty(Z.Int.sort());
        for (const el of o.Set as unknown[]) {
          const x = this.int(this.expr(el, s, action));
          if (!x) return { t: 'set', v: Z.Set.const(`set${this.fresh++}`, Z.Int.sort()) };
          set = set.add(x);
        }
        return { t: 'set', v: set };
      }
      case '+':
      case '-':
      case '*': {
        const [a, b] = bin();
        const x = this.int(a);
        const y = this.int(b);
        if (!x || !y) return { t: 'atom', v: Z.Int.const(`n${this.fresh++}`) };
        return { t: 'atom', v: key === '+' ? x.add(y) : key === '-' ? x.sub(y) : x.mul(y) };
      }
      default:
        if (Array.isArray(body)) return this.ext(key, body, s, action);
        return { t: 'bool', v: this.freeBool() };
    }
  }

  private scope(c: { op: string; entity?: unknown; entities?: unknown[]; entity_type?: string; in?: { entity?: unknown } }, v: Val, action: string, s: Sym): Bool<'main'> {
    const Z = this.Z;
    switch (c.op) {
      case 'All':
        return Z.Bool.val(true);
      case '==':
      case 'in':
        if (c.entities) return Z.Or(...c.entities.map((en) => this.eq(v, this.value(en))));
        return c.entity === undefined ? this.freeBool() : this.eq(v, this.value(c.entity));
      case 'is': {
        const t = c.entity_type ?? '';
        const isType = v.t === 'entity' && ((v.type === 'principal' && t.endsWith('Principal')) || (v.type === 'resource' && t.endsWith('Resource')));
        const inPart = c.in?.entity === undefined ? Z.Bool.val(true) : this.eq(v, this.value(c.in.entity));
        return Z.And(Z.Bool.val(isType), inPart);
      }
      default:
        void action;
        void s;
        return this.freeBool();
    }
  }

  /** Whether `p` applies to the symbolic request with the concrete `action`. */
  applies(p: PolicyJson, s: Sym, action: string): Bool<'main'> {
    const Z = this.Z;
    const parts: Bool<'main'>[] = [
      this.scope(p.principal as never, { t: 'entity', type: 'principal', v: s.P }, action, s),
      this.scope(p.action, { t: 'entity', type: 'other', v: s.act }, action, s),
      this.scope(p.resource as never, { t: 'entity', type: 'resource', v: s.R }, action, s),
    ];
    for (const c of p.conditions) {
      const b = this.bool(this.expr(c.body, s, action));
      parts.push(c.kind === 'when' ? b : Z.Not(b));
    }
    return Z.And(...parts);
  }
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
    const allowed = Z.And(permits.length > 0 ? Z.Or(...permits) : Z.Bool.val(false), Z.Not(Z.Or(Z.Bool.val(false), ...forbids)));
    const home = s.region.call(s.tenR) as Arith<'main'>;
    let violation: Bool<'main'>;
    let upstreamWitness: Arith<'main'> | undefined;
    if (property === 'isolation') {
      violation = Z.And(Z.Not(s.tenP.eq(s.tenR)), Z.Not(s.role.eq(enc.atom(`S:${PLATFORM_ADMIN}`))));
    } else {
      const tenantIs = (t: string): Bool<'main'> => (t === '*' ? Z.Bool.val(true) : s.tenR.eq(enc.atom(`E:Iris::Tenant:${t}`)));
      const servedOk = Z.Or(home.eq(s.ctxRegion), ...exceptions.map((e) => Z.And(tenantIs(e.tenant), Z.Or(...e.regions.map((r) => s.ctxRegion.eq(enc.atom(`S:${r}`)))))));
      upstreamWitness = Z.Int.const('upstreamWitness');
      const u = upstreamWitness;
      const upstreamOk = Z.Or(u.eq(home), ...exceptions.map((e) => Z.And(tenantIs(e.tenant), Z.Or(...e.regions.map((r) => u.eq(enc.atom(`S:${r}`)))))));
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
        throw new VerificationError(`Could not prove ${property}: the solver's candidates were not confirmed by Cedar; simplify the policy conditions.`, []);
      }
    }
  }
  if (failures.length > 0) {
    const f = failures[0] as Counterexample;
    const who = `${f.request.principal.role} of tenant '${f.request.principal.tenant}'`;
    const what = f.property === 'isolation' ? `on tenant '${f.request.resource.tenant}'` : `on tenant '${f.request.resource.tenant}' (home ${f.request.resource.tenantRegion}) served from ${f.request.context.region}${f.request.context.upstreamRegions.length > 0 ? ` with upstreams in ${f.request.context.upstreamRegions.join(', ')}` : ''}`;
    throw new VerificationError(
      `The ${f.property} property does not hold: Cedar allows '${f.action}' for a ${who} ${what} (policies: ${f.cedar.policies.join(', ') || 'none'})${failures.length > 1 ? `; ${failures.length - 1} more counterexample(s)` : ''}.`,
      failures,
    );
  }
  return { isolation: 'proved', residency: 'proved', solver: `z3 ${api.Z3.get_full_version()}`, checkedRequestTypes: checked };
}

/** Turns a model into a concrete request and asks Cedar; returns the counterexample if Cedar allows it. */
function confirm(enc: Encoder, model: Model<'main'>, s: Sym, action: string, property: 'isolation' | 'residency', policies: Readonly<Record<string, string>>, witness: Arith<'main'> | undefined): Counterexample | undefined {
  const n = (x: Arith<'main'>): number => Number(model.eval(x, true).sexpr().replace(/^\(- (\d+)\)$/, '-$1'));
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
  const principal = { id: 'k-counterexample', role: str(n(s.role), 'role'), tenant: ent(tP, 'tenant-p'), tenantRegion: regionOf(tP) };
  const resource = { tenant: tP === tR ? principal.tenant : ent(tR, 'tenant-r'), tenantRegion: regionOf(tR), kind: str(n(s.kind), 'kind') };
  const upstream: string[] = [];
  if (witness && property === 'residency') {
    const w = n(witness);
    if (model.eval(s.upstream.contains(witness), true).sexpr() === 'true') upstream.push(str(w, 'region'));
  }
  const context = { region: str(n(s.ctxRegion), 'region'), upstreamRegions: upstream };
  const candidates = [...new Set([...s.inRange.keys()].map((c) => c.split('/')[0] ?? c)), '127.0.0.1', '198.51.100.77', '2001:db8::77'];
  for (const ip of candidates) {
    const req: CedarRequest = {
      principal: { type: 'Iris::Principal', id: principal.id },
      action: { type: 'Iris::Action', id: action },
      resource: { type: 'Iris::Resource', id: `${resource.kind}:${resource.tenant}` },
      context: { region: context.region, sourceIp: ipValue(ip), upstreamRegions: upstream, route: 'verify' },
      entities: [
        { uid: { type: 'Iris::Principal', id: principal.id }, attrs: { role: principal.role, tenant: { __entity: { type: 'Iris::Tenant', id: principal.tenant } } }, parents: [] },
        { uid: { type: 'Iris::Tenant', id: principal.tenant }, attrs: { region: principal.tenantRegion, tier: 'standard' }, parents: [] },
        { uid: { type: 'Iris::Resource', id: `${resource.kind}:${resource.tenant}` }, attrs: { tenant: { __entity: { type: 'Iris::Tenant', id: resource.tenant } }, kind: resource.kind }, parents: [] },
        ...(resource.tenant !== principal.tenant ? [{ uid: { type: 'Iris::Tenant', id: resource.tenant }, attrs: { region: resource.tenantRegion, tier: 'standard' }, parents: [] }] : []),
      ],
    };
    const answer = evaluateInline(policies, req);
    if (answer.decision === 'allow') {
      return { property, action, request: { principal, resource, context: { ...context, sourceIp: ip } }, cedar: { decision: answer.decision, policies: answer.reasons } };
    }
  }
  return undefined;
}

/** An Int literal in the solver's context of `s`. */
function Z3Int(s: Sym, n: number): Arith<'main'> {
  return s.tenP.ctx.Int.val(n);
}
