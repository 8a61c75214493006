// Community detection over a tenant's entity graph with Louvain (graphology), hierarchical:
// every level of the Louvain dendrogram becomes a level of communities (0 = finest), each with
// its parent on the next level. Deterministic (seeded), and computed per connected component,
// so an update recomputes only the components a changed document touched.
import { createHash } from 'node:crypto';
import { UndirectedGraph } from 'graphology';
import louvainImport from 'graphology-communities-louvain';
import { seededRandom } from '../../core/random.js';

// NOTE: a CommonJS package typed with `export default`: at run time the default import is the
// louvain function itself, while TypeScript (NodeNext) sees the module object around it.
const louvain = louvainImport as unknown as typeof louvainImport.default;

export interface GraphEdge {
  readonly source: string;
  readonly target: string;
  readonly weight: number;
}

export interface Community {
  readonly id: string;
  readonly level: number;
  readonly parentId: string | undefined;
  /** Node keys (entity name keys), sorted. */
  readonly members: readonly string[];
}

const communityId = (level: number, members: readonly string[]): string =>
  `c${level}-${createHash('sha256').update(members.join('\u0000')).digest('hex').slice(0, 16)}`;

/** Whether two assignments of node i -> community group the nodes identically. */
function samePartition(a: ArrayLike<number>, b: ArrayLike<number>, n: number): boolean {
  const ab = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if ((ab.get(x) ?? y) !== y) return false;
    ab.set(x, y);
  }
  return (
    new Set(Array.from({ length: n }, (_, i) => a[i])).size === new Set(Array.from({ length: n }, (_, i) => b[i])).size
  );
}

/** Undirected adjacency lists of `edges`. */
function adjacency(edges: readonly GraphEdge[]): Map<string, string[]> {
  const next = new Map<string, string[]>();
  const link = (a: string, b: string): void => {
    const list = next.get(a);
    if (list === undefined) next.set(a, [b]);
    else list.push(b);
  };
  for (const e of edges) {
    link(e.source, e.target);
    link(e.target, e.source);
  }
  return next;
}

/** Nodes reachable from `start` over the adjacency `next`. */
function reach(
  start: Iterable<string>,
  next: ReadonlyMap<string, readonly string[]>,
  seen = new Set<string>(),
): Set<string> {
  const found = new Set<string>();
  const queue = [...start];
  while (queue.length > 0) {
    const n = queue.pop() as string;
    if (seen.has(n)) continue;
    seen.add(n);
    found.add(n);
    for (const m of next.get(n) ?? []) if (!seen.has(m)) queue.push(m);
  }
  return found;
}

/** Nodes reachable from `start` over `edges` (the connected components holding them). */
export function componentsOf(start: Iterable<string>, edges: readonly GraphEdge[]): Set<string> {
  return reach(start, adjacency(edges));
}

/**
 * Hierarchical communities of the graph formed by `edges` (self-loops ignored, parallel edges
 * summed), computed per connected component so that recomputing one component after an update
 * gives what a full rebuild would. Communities of fewer than `minSize` members are left out.
 */
export function detectCommunities(
  edges: readonly GraphEdge[],
  options: { minSize?: number; seed?: number } = {},
): Community[] {
  // NOTE: sorted input makes node order, hence the result, independent of the order rows arrive in.
  const sorted = [...edges].sort((a, b) =>
    a.source < b.source
      ? -1
      : a.source > b.source
        ? 1
        : a.target < b.target
          ? -1
          : a.target > b.target
            ? 1
            : a.weight - b.weight,
  );
  // NOTE: one pass labels every node with its component (linear); the edges of each component
  // keep their sorted order, as filtering the sorted list per component would.
  const next = adjacency(sorted);
  const componentOf = new Map<string, number>();
  const seen = new Set<string>();
  let count = 0;
  for (const e of sorted) {
    if (seen.has(e.source)) continue;
    for (const n of reach([e.source], next, seen)) componentOf.set(n, count);
    count++;
  }
  const byComponent: GraphEdge[][] = Array.from({ length: count }, () => []);
  for (const e of sorted) byComponent[componentOf.get(e.source) as number]?.push(e);
  const out = byComponent.flatMap((component) => componentCommunities(component, options));
  return out.sort((a, b) => a.level - b.level || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Louvain on one connected component. */
function componentCommunities(edges: readonly GraphEdge[], options: { minSize?: number; seed?: number }): Community[] {
  const graph = new UndirectedGraph<Record<string, never>, { weight: number }>();
  for (const e of edges) {
    if (e.source === e.target) continue;
    graph.mergeNode(e.source);
    graph.mergeNode(e.target);
    const w = Math.max(0.01, e.weight);
    if (graph.hasEdge(e.source, e.target)) graph.updateEdgeAttribute(e.source, e.target, 'weight', (x) => (x ?? 0) + w);
    else graph.addEdge(e.source, e.target, { weight: w });
  }
  if (graph.size === 0) return [];
  const detailed = louvain.detailed(graph, {
    getEdgeWeight: 'weight',
    rng: seededRandom(options.seed ?? 42),
    randomWalk: false,
  });
  const nodes = graph.nodes();
  const indexOf = new Map(nodes.map((n, i) => [n, i]));
  // dendrogram[level][i]: community of node i at that level (ids local to the level).
  const raw: ArrayLike<number>[] = detailed.dendrogram ?? [];
  // The dendrogram starts with every node alone; consecutive levels that group the nodes the
  // same way are one level. What remains is numbered from 0 (finest) upwards.
  const levels = (raw.length > 0 ? raw : [Uint32Array.from(nodes.map((n) => detailed.communities[n] ?? 0))]).filter(
    (level, i, all) =>
      new Set(Array.from(level)).size < nodes.length &&
      (i === 0 || !samePartition(level, all[i - 1] as ArrayLike<number>, nodes.length)),
  );
  const minSize = options.minSize ?? 2;
  const out: Community[] = [];
  let parents = new Map<number, string>();
  for (let level = levels.length - 1; level >= 0; level--) {
    const assignment = levels[level] as ArrayLike<number>;
    const groups = new Map<number, string[]>();
    nodes.forEach((n, i) => {
      const group = groups.get(assignment[i] ?? 0);
      if (group === undefined) groups.set(assignment[i] ?? 0, [n]);
      else group.push(n);
    });
    const ids = new Map<number, string>();
    for (const [local, members] of groups) {
      if (members.length < minSize) continue;
      const sorted = [...members].sort();
      const id = communityId(level, sorted);
      ids.set(local, id);
      // The parent is the community of the next level up holding this community's first member.
      const upper =
        level + 1 < levels.length
          ? (levels[level + 1] as ArrayLike<number>)[indexOf.get(sorted[0] as string) ?? -1]
          : undefined;
      out.push({ id, level, parentId: upper === undefined ? undefined : parents.get(upper), members: sorted });
    }
    parents = ids;
  }
  return out;
}
