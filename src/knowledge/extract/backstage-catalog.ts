// Backstage software-catalog descriptors (catalog-info.yaml) as entities and typed relations:
// Component, API, Resource, System, Domain, Group, User and their spec references (owner,
// system, domain, dependsOn, providesApis, consumesApis, memberOf, parent, children, ...).
import type { Span } from '../parse/document-model.js';
import type { GraphRecords } from './graph-records.js';
import { normaliseType } from './names.js';

/** Spec fields that reference other entities, the relation each states, and the ref's default kind. */
const SPEC_RELATIONS: readonly { field: string; relation: string; defaultKind: string }[] = [
  { field: 'owner', relation: 'owned_by', defaultKind: 'group' },
  { field: 'system', relation: 'part_of', defaultKind: 'system' },
  { field: 'domain', relation: 'part_of', defaultKind: 'domain' },
  { field: 'subcomponentOf', relation: 'part_of', defaultKind: 'component' },
  { field: 'subdomainOf', relation: 'part_of', defaultKind: 'domain' },
  { field: 'dependsOn', relation: 'depends_on', defaultKind: 'component' },
  { field: 'dependencyOf', relation: 'dependency_of', defaultKind: 'component' },
  { field: 'providesApis', relation: 'provides_api', defaultKind: 'api' },
  { field: 'consumesApis', relation: 'consumes_api', defaultKind: 'api' },
  { field: 'memberOf', relation: 'member_of', defaultKind: 'group' },
  { field: 'parent', relation: 'child_of', defaultKind: 'group' },
  { field: 'children', relation: 'parent_of', defaultKind: 'group' },
  { field: 'members', relation: 'has_member', defaultKind: 'user' },
];

/** Kinds that describe the catalog itself rather than knowledge. */
const META_KINDS = new Set(['location']);

export interface EntityRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** Parses `[kind:][namespace/]name` (also `{kind, namespace, name}` objects). */
export function parseEntityRef(ref: unknown, defaultKind: string): EntityRef | undefined {
  if (typeof ref === 'object' && ref !== null && typeof (ref as { name?: unknown }).name === 'string') {
    const r = ref as { kind?: unknown; namespace?: unknown; name: string };
    return {
      kind: typeof r.kind === 'string' ? r.kind.toLowerCase() : defaultKind,
      namespace: typeof r.namespace === 'string' ? r.namespace : 'default',
      name: r.name,
    };
  }
  if (typeof ref !== 'string' || ref.trim() === '') return undefined;
  const m = /^(?:([^:/]+):)?(?:([^:/]+)\/)?([^:/]+)$/.exec(ref.trim());
  if (m === null) return undefined;
  return { kind: (m[1] ?? defaultKind).toLowerCase(), namespace: m[2] ?? 'default', name: m[3] ?? '' };
}

/** The full reference string of an entity (`group:default/payments-team`), kept as an alias. */
export const refString = (ref: EntityRef): string => `${ref.kind}:${ref.namespace}/${ref.name}`;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether a data value is a Backstage descriptor. */
export function isCatalogDescriptor(value: unknown): value is Record<string, unknown> {
  return (
    isRecord(value) &&
    typeof value.apiVersion === 'string' &&
    /^backstage\.io\//.test(value.apiVersion) &&
    typeof value.kind === 'string' &&
    isRecord(value.metadata)
  );
}

/** The records one descriptor states; empty for catalog meta kinds (Location). */
export function catalogRecords(descriptor: Record<string, unknown>, span: Span): GraphRecords {
  const out: GraphRecords = { entities: [], relations: [] };
  const kind = normaliseType(String(descriptor.kind));
  const metadata = descriptor.metadata as Record<string, unknown>;
  const name = typeof metadata.name === 'string' ? metadata.name.trim() : '';
  if (META_KINDS.has(kind) || name === '') return out;
  const title = typeof metadata.title === 'string' ? metadata.title.trim() : undefined;
  const description = typeof metadata.description === 'string' ? metadata.description.trim() : undefined;
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : 'default';
  out.entities.push({
    name,
    type: kind,
    aliases: [...(title !== undefined && title !== name ? [title] : []), refString({ kind, namespace, name })],
    method: 'catalog',
    span,
    ...(description === undefined ? {} : { description }),
  });
  const spec = isRecord(descriptor.spec) ? descriptor.spec : {};
  for (const { field, relation, defaultKind } of SPEC_RELATIONS) {
    const value = spec[field];
    for (const ref of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      const target = parseEntityRef(ref, defaultKind);
      if (target === undefined || target.name === '') continue;
      out.relations.push({ source: name, target: target.name, type: relation, method: 'catalog', span });
      // Every reference is an entity of the kind the reference gives (or the field's default kind).
      if (!META_KINDS.has(target.kind))
        out.entities.push({
          name: target.name,
          type: normaliseType(target.kind),
          aliases: [refString(target)],
          method: 'catalog',
          span,
        });
    }
  }
  return out;
}
