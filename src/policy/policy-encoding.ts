// The SMT encoding of Cedar policies for the verifier (verifier.ts): each policy's JSON form
// (scope and conditions) becomes a Z3 formula over one symbolic request (Sym). Strings and
// entities become integer atoms; constructs the encoding does not model become free booleans,
// so the formulas over-approximate what a bundle allows.
import type { Arith, Bool, Context, SMTSet } from 'z3-solver';
import type { PolicyJson } from './cedar-engine.js';

type Ctx = Context<'main'>;
type IntSet = SMTSet<'main', ReturnType<Ctx['Int']['sort']>>;

type Val =
  | { readonly t: 'bool'; readonly v: Bool<'main'> }
  | { readonly t: 'atom'; readonly v: Arith<'main'> }
  | { readonly t: 'set'; readonly v: IntSet }
  | { readonly t: 'entity'; readonly type: 'principal' | 'resource' | 'tenant' | 'other'; readonly v: Arith<'main'> }
  | { readonly t: 'context' }
  | { readonly t: 'ip'; readonly cidr?: string };

/** The symbolic request of one check. */
export interface Sym {
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

export class Encoder {
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
    const kind = type.endsWith('::Principal')
      ? 'principal'
      : type.endsWith('::Resource')
        ? 'resource'
        : type.endsWith('::Tenant')
          ? 'tenant'
          : 'other';
    return { t: 'entity', type: kind, v: this.num(this.atom(`E:${type}:${id}`)) };
  }

  value(v: unknown): Val {
    if (typeof v === 'boolean') return { t: 'bool', v: this.Z.Bool.val(v) };
    if (typeof v === 'string') return { t: 'atom', v: this.num(this.atom(`S:${v}`)) };
    if (typeof v === 'number') return { t: 'atom', v: this.num(v) };
    const e =
      (v as { __entity?: { type: string; id: string } } | null)?.__entity ??
      (v as { type?: string; id?: string } | null);
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
      if (a.t === 'entity' && b.t === 'entity' && a.type !== b.type && a.type !== 'other' && b.type !== 'other')
        return this.Z.Bool.val(false);
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
    if (
      name === 'isInRange' &&
      vals[0]?.t === 'ip' &&
      vals[0].cidr === undefined &&
      vals[1]?.t === 'ip' &&
      vals[1].cidr !== undefined
    ) {
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
        const matches =
          a.t === 'entity' &&
          ((a.type === 'principal' && type.endsWith('Principal')) ||
            (a.type === 'resource' && type.endsWith('Resource')) ||
            (a.type === 'tenant' && type.endsWith('Tenant')));
        const base = a.t === 'entity' && a.type !== 'other' ? Z.Bool.val(matches) : this.freeBool();
        return {
          t: 'bool',
          v:
            body.in === undefined
              ? base
              : Z.And(base, this.bool({ t: 'bool', v: this.eq(a, this.expr(body.in, s, action)) })),
        };
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

  private scope(
    c: { op: string; entity?: unknown; entities?: unknown[]; entity_type?: string; in?: { entity?: unknown } },
    v: Val,
    action: string,
    s: Sym,
  ): Bool<'main'> {
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
        const isType =
          v.t === 'entity' &&
          ((v.type === 'principal' && t.endsWith('Principal')) || (v.type === 'resource' && t.endsWith('Resource')));
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
