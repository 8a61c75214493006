// A tenant's whole graph as one document: JSON (entities, relations, communities) or GraphML
// (nodes and edges with typed attributes; opens in Gephi, yEd, Cytoscape, networkx), read
// page by page in one transaction.
import type { Queryable } from '../../core/db.js';
import { nodeKey } from './graph-store.js';
import {
  listCommunities,
  listEntities,
  listRelations,
  selectGraphVersion,
  type CommunityItem,
  type EntityItem,
  type RelationItem,
} from './document-store.js';

export const EXPORT_FORMATS = ['json', 'graphml'] as const;

export interface GraphExport {
  readonly tenantId: string;
  readonly graphVersion: number;
  readonly entities: readonly EntityItem[];
  readonly relations: readonly RelationItem[];
  readonly communities: readonly CommunityItem[];
}

const EXPORT_PAGE = 1000;

/** The tenant's whole graph; run it in one transaction for a consistent snapshot. */
export async function selectGraphExport(tx: Queryable, tenantId: string): Promise<GraphExport> {
  const all = async <T extends { id: string }>(page: (after: string | undefined) => Promise<T[]>): Promise<T[]> => {
    const out: T[] = [];
    for (
      let batch = await page(undefined);
      batch.length > 0;
      batch = batch.length < EXPORT_PAGE ? [] : await page(batch[batch.length - 1]?.id)
    )
      out.push(...batch);
    return out;
  };
  return {
    tenantId,
    graphVersion: await selectGraphVersion(tx, tenantId),
    entities: await all((after) => listEntities(tx, tenantId, { limit: EXPORT_PAGE, after })),
    relations: await all((after) => listRelations(tx, tenantId, { limit: EXPORT_PAGE, after })),
    communities: await all((after) => listCommunities(tx, tenantId, { limit: EXPORT_PAGE, after })),
  };
}

const XML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};
// XML 1.0 cannot carry most control characters, even escaped: they are dropped.
// eslint-disable-next-line no-control-regex
const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;
const xml = (s: string): string => s.replace(XML_FORBIDDEN, '').replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c);

const KEYS = [
  ['d_name', 'node', 'name', 'string'],
  ['d_type', 'node', 'type', 'string'],
  ['d_description', 'node', 'description', 'string'],
  ['d_community', 'node', 'community', 'string'],
  ['d_mentions', 'node', 'mentions', 'int'],
  ['e_type', 'edge', 'type', 'string'],
  ['e_weight', 'edge', 'weight', 'double'],
  ['e_description', 'edge', 'description', 'string'],
] as const;

/** The graph as GraphML: one node per entity name (relation ends without an entity included). */
export function renderGraphMl(g: GraphExport): string {
  const finest = new Map<string, string>();
  for (const c of [...g.communities].sort((a, b) => b.level - a.level)) for (const m of c.members) finest.set(m, c.id);
  const nodes = new Map<string, { name: string; type: string; description: string | null; mentions: number }>();
  for (const e of g.entities)
    if (!nodes.has(nodeKey(e.name)))
      nodes.set(nodeKey(e.name), { name: e.name, type: e.type, description: e.description, mentions: e.mentions });
  for (const r of g.relations) {
    for (const name of [r.source, r.target])
      if (!nodes.has(nodeKey(name)))
        nodes.set(nodeKey(name), { name, type: 'unknown', description: null, mentions: 0 });
  }
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'];
  for (const [id, domain, name, type] of KEYS)
    out.push(`  <key id="${id}" for="${domain}" attr.name="${name}" attr.type="${type}"/>`);
  out.push(`  <graph id="${xml(g.tenantId)}" edgedefault="directed">`);
  for (const [key, n] of nodes) {
    out.push(
      `    <node id="${xml(key)}">`,
      `      <data key="d_name">${xml(n.name)}</data>`,
      `      <data key="d_type">${xml(n.type)}</data>`,
    );
    if (n.description !== null) out.push(`      <data key="d_description">${xml(n.description)}</data>`);
    const community = finest.get(key);
    if (community !== undefined) out.push(`      <data key="d_community">${xml(community)}</data>`);
    out.push(`      <data key="d_mentions">${n.mentions}</data>`, '    </node>');
  }
  for (const r of g.relations) {
    out.push(
      `    <edge id="${xml(r.id)}" source="${xml(nodeKey(r.source))}" target="${xml(nodeKey(r.target))}">`,
      `      <data key="e_type">${xml(r.type)}</data>`,
      `      <data key="e_weight">${r.weight}</data>`,
    );
    if (r.description !== null) out.push(`      <data key="e_description">${xml(r.description)}</data>`);
    out.push('    </edge>');
  }
  out.push('  </graph>', '</graphml>', '');
  return out.join('\n');
}
