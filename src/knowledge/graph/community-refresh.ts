// Incremental community maintenance: after a document is added or removed, only the connected
// components its nodes belong to are recomputed (Louvain on those components, a report each).
// Components are walked breadth-first from the changed nodes, reading only their edges. A
// component too large to recompute on every document (more than COMPONENT_LIMIT nodes beyond
// the changed ones) gets a bounded update instead: its finest-level communities that hold a
// changed node are re-partitioned together, and coarser levels wait for the tenant's graph
// build (which passes every node, so it always recomputes whole components); the ingest job
// schedules one when it sees `bounded` (knowledge-jobs.ts).
// Communities that come out identical (same level and members) and hold no changed node keep
// their rows and reports; only their parent is updated when it changed.
import type { Queryable } from '../../core/db.js';
import { detectCommunities, type Community, type GraphEdge } from './communities.js';
import { buildReport, type CommunityReport } from './community-reports.js';
import { deleteCommunities, insertCommunities, updateCommunityParents } from './community-store.js';
import {
  selectCommunitiesTouching,
  selectEdgesTouching,
  selectEdgesWithin,
  selectEntitiesByKeys,
  selectGroupEvidence,
  selectRelationsWithin,
} from './graph-reader.js';

export interface CommunityUpdate {
  /** Nodes whose connected components (or bounded neighbourhoods) were recomputed. */
  readonly nodes: number;
  readonly removed: number;
  readonly added: number;
  /** A large component got a bounded update: its coarser levels are stale until a graph build. */
  readonly bounded: boolean;
}

/** Nodes beyond the changed ones a component may have and still be recomputed whole on every change. */
export const COMPONENT_LIMIT = 200;

/** The components of `touched`, walked breadth-first; undefined once more than `limit` other nodes were reached. */
async function walkComponents(
  tx: Queryable,
  tenantId: string,
  touched: ReadonlySet<string>,
  limit: number,
): Promise<{ nodes: Set<string>; edges: GraphEdge[] } | undefined> {
  const nodes = new Set(touched);
  const edges = new Map<string, GraphEdge>();
  let frontier = [...touched];
  while (frontier.length > 0) {
    if (nodes.size - touched.size > limit) return undefined;
    const next: string[] = [];
    for (const e of await selectEdgesTouching(tx, tenantId, frontier)) {
      edges.set(e.relationId, { source: e.source, target: e.target, weight: e.weight });
      for (const n of [e.source, e.target]) {
        if (nodes.has(n)) continue;
        nodes.add(n);
        next.push(n);
      }
    }
    frontier = next;
  }
  return { nodes, edges: [...edges.values()] };
}

/** Reports of new communities: members (with names), internal relations, evidence chunks; a few statements for all of them. */
async function withReports(
  tx: Queryable,
  tenantId: string,
  communities: readonly Community[],
): Promise<(Community & CommunityReport)[]> {
  if (communities.length === 0) return [];
  const all = [...new Set(communities.flatMap((c) => c.members))];
  const known = new Map((await selectEntitiesByKeys(tx, tenantId, all)).map((e) => [e.nameKey, e]));
  // NOTE: relations among all members, strongest first; each community keeps those with both ends inside it, in that order.
  const among = await selectRelationsWithin(tx, tenantId, all);
  const evidence = await selectGroupEvidence(
    tx,
    tenantId,
    communities.map((c) => ({ id: c.id, members: c.members })),
    3,
  );
  return communities.map((c) => {
    const inside = new Set(c.members);
    const relations = among.filter((r) => inside.has(r.sourceKey) && inside.has(r.targetKey));
    // A node only named as a relation end has no entity row; it is still a member.
    const names = new Map(
      relations.flatMap(
        (r) =>
          [
            [r.sourceKey, r.source],
            [r.targetKey, r.target],
          ] as const,
      ),
    );
    const members = c.members.map(
      (k) => known.get(k) ?? { nameKey: k, name: names.get(k) ?? k, type: 'unknown', mentions: 0 },
    );
    return { ...c, ...buildReport({ members, relations, evidence: evidence.get(c.id) ?? [] }) };
  });
}

/**
 * Recomputes the communities of the connected components holding `touched` nodes: their old
 * communities go, Louvain runs on those components only, and each new community gets a report.
 */
export async function refreshCommunities(
  tx: Queryable,
  tenantId: string,
  touched: readonly string[],
): Promise<CommunityUpdate> {
  if (touched.length === 0) return { nodes: 0, removed: 0, added: 0, bounded: false };
  const changed = new Set(touched);
  const whole = await walkComponents(tx, tenantId, changed, COMPONENT_LIMIT);
  let nodes: Set<string>;
  let computed: Community[];
  let old: Awaited<ReturnType<typeof selectCommunitiesTouching>>;
  if (whole !== undefined) {
    nodes = whole.nodes;
    computed = detectCommunities(whole.edges);
    old = await selectCommunitiesTouching(tx, tenantId, [...nodes]);
  } else {
    // Bounded update: the finest communities holding a changed node, re-partitioned together.
    old = await selectCommunitiesTouching(tx, tenantId, touched, 0);
    nodes = new Set([...touched, ...old.flatMap((c) => c.members)]);
    const parentOf = new Map(old.flatMap((c) => c.members.map((m) => [m, c.parentId ?? undefined] as const)));
    computed = detectCommunities(await selectEdgesWithin(tx, tenantId, [...nodes]))
      .filter((c) => c.level === 0)
      .map((c) => ({ ...c, parentId: parentOf.get(c.members[0] as string) }));
  }
  const before = new Map(old.map((c) => [c.communityId, c]));
  const kept = new Set<string>();
  const reparented: { id: string; parentId: string | undefined }[] = [];
  const fresh: Community[] = [];
  for (const c of computed) {
    const was = before.get(c.id);
    if (was === undefined || c.members.some((m) => changed.has(m))) {
      fresh.push(c);
      continue;
    }
    kept.add(c.id);
    if ((was.parentId ?? undefined) !== c.parentId) reparented.push({ id: c.id, parentId: c.parentId });
  }
  const removed = await deleteCommunities(
    tx,
    tenantId,
    old.map((c) => c.communityId).filter((id) => !kept.has(id)),
  );
  await insertCommunities(tx, tenantId, await withReports(tx, tenantId, fresh));
  await updateCommunityParents(tx, tenantId, reparented);
  return { nodes: nodes.size, removed, added: fresh.length, bounded: whole === undefined };
}
