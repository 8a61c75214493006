// Data files compiled into Cedar policies: residency exceptions and the upstream-residency
// rule, the platform CIDR deny list and per-tenant CIDR allow lists (IPv4 and IPv6, Cedar's
// `ip` extension). Every problem names its file and the JSON path of the bad entry.
import { isIPv4, isIPv6 } from 'node:net';
import { isTenantSlug } from '../core/ids.js';
import { DATA_ACTIONS } from './actions.js';
import { BundleError, type Problem } from './bundle-errors.js';
import { errorMessage } from '../core/errors.js';

/** One generated policy: its @id and its Cedar text. */
export interface GeneratedPolicy {
  readonly id: string;
  readonly text: string;
  /** The data file it came from. */
  readonly source: string;
}

const REGION = /^[a-z0-9-]{2,32}$/;
const dataActions = `[${DATA_ACTIONS.map((a) => `Iris::Action::"${a}"`).join(', ')}]`;

/** Checks one CIDR (or bare address); returns the problem text or undefined. */
function cidrProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'is not a string';
  const [addr, prefix, extra] = value.split('/');
  if (extra !== undefined || addr === undefined || addr === '') return `'${value}' is not a CIDR (address/prefix)`;
  const v4 = isIPv4(addr);
  if (!v4 && !isIPv6(addr)) return `'${value}': '${addr}' is not an IPv4 or IPv6 address`;
  if (addr.includes('%')) return `'${value}': zone ids are not allowed`;
  if (!v4 && addr.includes('.'))
    return `'${value}': IPv4-embedded IPv6 addresses are not supported; write the IPv4 range`;
  if (prefix === undefined) return undefined;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > (v4 ? 32 : 128))
    return `'${value}': prefix /${prefix} is out of range for IPv${v4 ? 4 : 6}`;
  return undefined;
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new BundleError([{ file, message: `is not valid JSON: ${errorMessage(err)}` }]);
  }
}

function cidrList(file: string, text: string, member: 'allow' | 'deny'): string[] {
  const doc = parseJson(file, text);
  const list = (doc as Record<string, unknown> | null)?.[member];
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || !Array.isArray(list)) {
    throw new BundleError([{ file, message: `must be an object {"${member}": ["CIDR", ...]}` }]);
  }
  const extra = Object.keys(doc).filter((k) => k !== member);
  const problems: Problem[] = extra.map((k) => ({ file, path: `/${k}`, message: 'is not a known field' }));
  list.forEach((c: unknown, i) => {
    const p = cidrProblem(c);
    if (p !== undefined) problems.push({ file, path: `/${member}/${i}`, message: p });
  });
  if (problems.length > 0) throw new BundleError(problems);
  return list as string[];
}

const inRanges = (cidrs: readonly string[]): string =>
  cidrs.map((c) => `context.sourceIp.isInRange(ip("${c}"))`).join(' || ');

/** data/deny-cidrs.json of a platform bundle: requests from these ranges are refused. */
export function denyListPolicies(file: string, text: string): GeneratedPolicy[] {
  const cidrs = cidrList(file, text, 'deny');
  if (cidrs.length === 0) return [];
  return [
    {
      id: 'iris.network.platform-deny',
      source: file,
      text: `forbid (principal, action, resource)\nwhen { ${inRanges(cidrs)} };`,
    },
  ];
}

/** data/allow-cidrs.json of a tenant overlay: the tenant's keys work only from these ranges. */
export function allowListPolicies(file: string, text: string, tenantId: string): GeneratedPolicy[] {
  const cidrs = cidrList(file, text, 'allow');
  if (cidrs.length === 0) return [];
  return [
    {
      id: 'tenant.network.allow',
      source: file,
      text: `forbid (principal, action, resource)\nwhen { principal.tenant == Iris::Tenant::"${tenantId}" }\nunless { ${inRanges(cidrs)} };`,
    },
  ];
}

interface ResidencyException {
  readonly tenant: string;
  readonly regions: readonly string[];
}

/** The residency exceptions of data/residency.json, checked. */
export function parseResidency(file: string, text: string): ResidencyException[] {
  const doc = parseJson(file, text) as { exceptions?: unknown } | null;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || !Array.isArray(doc.exceptions)) {
    throw new BundleError([
      { file, message: 'must be an object {"exceptions": [{"tenant": "...", "regions": ["..."]}]}' },
    ]);
  }
  const problems: Problem[] = [];
  const out: ResidencyException[] = [];
  doc.exceptions.forEach((e: unknown, i) => {
    const at = `/exceptions/${i}`;
    const ex = e as { tenant?: unknown; regions?: unknown; reason?: unknown } | null;
    if (typeof ex !== 'object' || ex === null) return problems.push({ file, path: at, message: 'must be an object' });
    const unknown = Object.keys(ex).filter((k) => !['tenant', 'regions', 'reason'].includes(k));
    for (const k of unknown) problems.push({ file, path: `${at}/${k}`, message: 'is not a known field' });
    if (typeof ex.tenant !== 'string' || (ex.tenant !== '*' && !isTenantSlug(ex.tenant)))
      problems.push({ file, path: `${at}/tenant`, message: 'must be a tenant id or "*"' });
    if (!Array.isArray(ex.regions) || ex.regions.length === 0)
      problems.push({ file, path: `${at}/regions`, message: 'must be a non-empty list of regions' });
    else
      ex.regions.forEach((r: unknown, j) => {
        if (typeof r !== 'string' || !REGION.test(r))
          problems.push({ file, path: `${at}/regions/${j}`, message: `'${String(r)}' is not a region name` });
      });
    if (problems.length === 0) out.push({ tenant: ex.tenant as string, regions: ex.regions as string[] });
    return undefined;
  });
  if (problems.length > 0) throw new BundleError(problems);
  return out;
}

const regionSet = (regions: readonly string[], withHome: boolean): string =>
  `[${[...(withHome ? ['resource.tenant.region'] : []), ...regions.map((r) => `"${r}"`)].join(', ')}]`;
const tenantIs = (t: string): string => (t === '*' ? 'true' : `resource.tenant == Iris::Tenant::"${t}"`);

/**
 * Residency as policies: tenant data is served only from its home region and only through
 * upstream services in that region, unless an explicit exception names the tenant and region.
 */
export function residencyPolicies(file: string, text: string): GeneratedPolicy[] {
  const exceptions = parseResidency(file, text);
  const serving = exceptions.map(
    (e) => `(${tenantIs(e.tenant)} && ${regionSet(e.regions, false)}.contains(context.region))`,
  );
  const upstream = exceptions.map(
    (e) => `(${tenantIs(e.tenant)} && ${regionSet(e.regions, true)}.containsAll(context.upstreamRegions))`,
  );
  return [
    {
      id: 'iris.residency.serving',
      source: file,
      text: `forbid (principal, action in ${dataActions}, resource)\nwhen { resource.tenant.region != context.region }${serving.length > 0 ? `\nunless { ${serving.join(' || ')} }` : ''};`,
    },
    {
      id: 'iris.residency.upstream',
      source: file,
      text: `forbid (principal, action in ${dataActions}, resource)\nunless { ${['[resource.tenant.region].containsAll(context.upstreamRegions)', ...upstream].join(' || ')} };`,
    },
  ];
}
