// Incremental community maintenance: after a document is added or removed, only the connected
// components its nodes belong to are recomputed (Louvain on those components, a report each).
import type { Queryable } from '../core/db.js';
import { componentsOf, detectCommunities } from './communities.js';
import { buildReport } from './community-reports.js';
import { deleteCommunitiesTouching, insertCommunities } from './community-store.js';
import { selectEdges, selectEntitiesByKeys, selectMentionChunks, selectRelationsWithin } from './graph-reader.js';

export interface CommunityUpdate {
  /** Nodes whose connected components were recomputed. */
  readonly nodes: number;
  readonly removed: number;
  readonly added: number;
}

/**
 * Recomputes the communities of the connected components holding `touched` nodes: their old
 * communities go, Louvain runs on those components only, and each new community gets a report.
 */
export async function refreshCommunities(tx: Queryable, tenantId: string, touched: readonly string[]): Promise<CommunityUpdate> {
  if (touched.length === 0) return { nodes: 0, removed: 0, added: 0 };
  const edges = await selectEdges(tx, tenantId);
  const component = componentsOf(touched, edges);
  const removed = await deleteCommunitiesTouching(tx, tenantId, [...component]);
  const communities = detectCommunities(edges.filter((e) => component.has(e.source) && component.has(e.target)));
  const withReports = [];
  for (const c of communities) {
    const known = await selectEntitiesByKeys(tx, tenantId, c.members);
    const relations = await selectRelationsWithin(tx, tenantId, c.members);
    // A node only named as a relation end has no entity row; it is still a member.
    const names = new Map(relations.flatMap((r) => [[r.sourceKey, r.source], [r.targetKey, r.target]] as const));
    const members = c.members.map((k) => known.find((e) => e.nameKey === k) ?? { nameKey: k, name: names.get(k) ?? k, type: 'unknown', mentions: 0 });
    const evidence = await selectMentionChunks(tx, tenantId, c.members, [], 3);
    withReports.push({ ...c, ...buildReport({ members, relations, evidence }) });
  }
  await insertCommunities(tx, tenantId, withReports);
  return { nodes: component.size, removed, added: withReports.length };
}
