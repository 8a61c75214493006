// The one door to Cedar (@cedar-policy/cedar-wasm): parsing policy files into policies with
// their @ids and locations, strict validation against a schema, pre-parsed policy-set slots
// and stateful evaluation. Nothing else in Iris imports the wasm module.
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { DetailedError, EntityJson, PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import { BundleError, type Problem } from './bundle-errors.js';
import { errorMessage } from '../core/errors.js';

export type { EntityJson, PolicyJson };

/** One parsed policy with where it came from. */
export interface SourcePolicy {
  readonly id: string;
  readonly text: string;
  readonly file: string;
  /** 1-based line of the policy's first character in its file. */
  readonly line: number;
  readonly effect: 'permit' | 'forbid';
}

/** Cedar's JSON value of an IP address or range. */
export const ipValue = (addr: string): { __extn: { fn: string; arg: string } } => ({ __extn: { fn: 'ip', arg: addr } });

function lineCol(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

function problemOf(
  err: DetailedError,
  file: string | undefined,
  text: string | undefined,
  base = 0,
  path?: string,
): Problem {
  const loc = err.sourceLocations?.[0];
  const pos = loc && text !== undefined ? lineCol(text, base + loc.start) : undefined;
  const help = err.help ? ` (${err.help})` : '';
  return {
    ...(file ? { file } : {}),
    ...(path ? { path } : {}),
    ...(pos ? { line: pos.line, column: pos.column } : {}),
    message: `${err.message}${help}`,
  };
}

/** The Cedar library version (for manifests and decision logs). */
export function cedarVersion(): string {
  return cedar.getCedarVersion();
}

/** What a policy @id may be. */
const POLICY_ID = /^[A-Za-z0-9._:/-]{1,128}$/;

/** Splits a .cedar file into policies; each must carry a unique @id("…"). Templates are refused. */
export function parsePolicyFile(file: string, text: string): SourcePolicy[] {
  const parts = cedar.policySetTextToParts(text);
  if (parts.type === 'failure') throw new BundleError(parts.errors.map((e) => problemOf(e, file, text)));
  if (parts.policy_templates.length > 0)
    throw new BundleError([{ file, message: 'policy templates are not supported in bundles; write static policies' }]);
  const out: SourcePolicy[] = [];
  const problems: Problem[] = [];
  let cursor = 0;
  for (const part of parts.policies) {
    const at = text.indexOf(part, cursor);
    cursor = at < 0 ? cursor : at + part.length;
    const { line } = lineCol(text, Math.max(0, at));
    const json = cedar.policyToJson(part);
    if (json.type === 'failure') {
      problems.push(...json.errors.map((e) => problemOf(e, file, text, Math.max(0, at))));
      continue;
    }
    const id = json.json.annotations?.id;
    if (id === undefined || id === '') {
      problems.push({
        file,
        line,
        column: 1,
        message: 'policy has no @id("…") annotation; every policy needs a stable id so decisions can name it',
      });
      continue;
    }
    if (!POLICY_ID.test(id)) {
      problems.push({
        file,
        line,
        column: 1,
        message: `@id("${id}") may use only letters, digits and ._:/- (1-128 characters)`,
      });
      continue;
    }
    out.push({ id, text: part, file, line, effect: json.json.effect });
  }
  if (problems.length > 0) throw new BundleError(problems);
  return out;
}

/**
 * One compiled policy of a signed bundle document (`policies`: id -> text), checked as the
 * compiler made it: exactly one static policy, whose @id, when it carries one, is `id`
 * (policies generated from data files carry none). Throws BundleError.
 */
export function parseCompiledPolicy(id: string, text: string): SourcePolicy {
  const file = 'policies';
  if (!POLICY_ID.test(id))
    throw new BundleError([
      { file, path: id, message: 'a policy id may use only letters, digits and ._:/- (1-128 characters)' },
    ]);
  const parts = cedar.policySetTextToParts(text);
  if (parts.type === 'failure') throw new BundleError(parts.errors.map((e) => problemOf(e, file, text, 0, id)));
  const [only] = parts.policies;
  if (parts.policy_templates.length > 0 || parts.policies.length !== 1 || only === undefined) {
    throw new BundleError([
      {
        file,
        path: id,
        message: `must be exactly one static policy; it holds ${parts.policies.length} policies and ${parts.policy_templates.length} templates`,
      },
    ]);
  }
  const json = cedar.policyToJson(only);
  if (json.type === 'failure') throw new BundleError(json.errors.map((e) => problemOf(e, file, text, 0, id)));
  const annotated = json.json.annotations?.id;
  if (annotated !== undefined && annotated !== id)
    throw new BundleError([{ file, path: id, message: `carries @id("${annotated}"), not its own id` }]);
  return { id, text, file, line: 1, effect: json.json.effect };
}

/** Problems of a schema text, or none. */
export function schemaProblems(file: string, schema: string): Problem[] {
  const r = cedar.checkParseSchema(schema);
  return r.type === 'failure' ? r.errors.map((e) => problemOf(e, file, schema)) : [];
}

/** Strict validation of `policies` against `schema`; problems point into the policy files. */
export function validatePolicies(
  schema: string,
  policies: readonly SourcePolicy[],
  files: Readonly<Record<string, string>>,
): Problem[] {
  const byId = new Map(policies.map((p) => [p.id, p]));
  const r = cedar.validate({
    schema,
    policies: { staticPolicies: Object.fromEntries(policies.map((p) => [p.id, p.text])) },
    validationSettings: { mode: 'strict' },
  });
  if (r.type === 'failure') return r.errors.map((e) => problemOf(e, undefined, undefined));
  return r.validationErrors.map((v) => {
    const p = byId.get(v.policyId);
    const fileText = p ? files[p.file] : undefined;
    const base = p && fileText !== undefined ? Math.max(0, fileText.indexOf(p.text)) : 0;
    return problemOf(v.error, p?.file, fileText, base, v.policyId);
  });
}

/** Whether Cedar itself accepts `cidr` as an ip() literal (evaluated, since parsing does not check it). */
export function cedarAcceptsIp(cidr: string): boolean {
  const r = cedar.isAuthorized({
    principal: { type: 'X', id: 'x' },
    action: { type: 'X', id: 'x' },
    resource: { type: 'X', id: 'x' },
    context: {},
    entities: [],
    policies: {
      staticPolicies: {
        probe: `permit (principal, action, resource) when { ip("${cidr.replace(/["\\]/g, '')}").isLoopback() || true };`,
      },
    },
  });
  return r.type === 'success' && r.response.diagnostics.errors.length === 0;
}

/** The JSON form of one policy (input of the verifier). */
export function policyJson(text: string): PolicyJson {
  const r = cedar.policyToJson(text);
  if (r.type === 'failure') throw new BundleError(r.errors.map((e) => problemOf(e, undefined, text)));
  return r.json;
}

/**
 * Pre-parses `policies` (id -> text) into the wasm-side slot `slot`, replacing what it held.
 * On failure the slot keeps its previous policies (Cedar's preparse is side-effect free then).
 */
export function preparse(slot: string, policies: Readonly<Record<string, string>>): void {
  const r = cedar.preparsePolicySet(slot, { staticPolicies: { ...policies } });
  if (r.type === 'failure') throw new BundleError(r.errors.map((e) => problemOf(e, undefined, undefined)));
}

export interface CedarRequest {
  readonly principal: { type: string; id: string };
  readonly action: { type: string; id: string };
  readonly resource: { type: string; id: string };
  readonly context: Record<string, unknown>;
  readonly entities: EntityJson[];
}

export interface CedarAnswer {
  readonly decision: 'allow' | 'deny';
  /** Policies that determined the decision. */
  readonly reasons: readonly string[];
  /** Evaluation errors ("policy-id: message"); any error makes the decision a deny. */
  readonly errors: readonly string[];
}

/** Evaluates against a pre-parsed slot. Fails closed: an error anywhere is a deny. */
export function evaluateSlot(slot: string, request: CedarRequest): CedarAnswer {
  let r: ReturnType<typeof cedar.statefulIsAuthorized>;
  try {
    r = cedar.statefulIsAuthorized({
      ...request,
      context: request.context as cedar.Context,
      preparsedPolicySetId: slot,
    });
  } catch (err) {
    return { decision: 'deny', reasons: [], errors: [`engine: ${errorMessage(err)}`] };
  }
  if (r.type === 'failure')
    return { decision: 'deny', reasons: [], errors: r.errors.map((e) => `request: ${e.message}`) };
  const errors = r.response.diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`);
  return { decision: errors.length > 0 ? 'deny' : r.response.decision, reasons: r.response.diagnostics.reason, errors };
}

/** Evaluates against policies given inline (tests, verification confirmations). Fails closed. */
export function evaluateInline(policies: Readonly<Record<string, string>>, request: CedarRequest): CedarAnswer {
  const r = cedar.isAuthorized({
    ...request,
    context: request.context as cedar.Context,
    policies: { staticPolicies: { ...policies } },
  });
  if (r.type === 'failure')
    return { decision: 'deny', reasons: [], errors: r.errors.map((e) => `request: ${e.message}`) };
  const errors = r.response.diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`);
  return { decision: errors.length > 0 ? 'deny' : r.response.decision, reasons: r.response.diagnostics.reason, errors };
}

/** The action names a schema declares (every request type the verifier must cover). */
export function schemaActionNames(schema: string): string[] {
  const r = cedar.schemaToJson(schema);
  if (r.type === 'failure') throw new BundleError(r.errors.map((e) => problemOf(e, 'schema.cedarschema', schema)));
  return Object.values(r.json).flatMap((ns) => Object.keys(ns.actions));
}
