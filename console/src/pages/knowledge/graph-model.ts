// The tenant's graph as the explorer draws it, from GET /graph/export: one node per entity
// name (as the server's GraphML export has it), relations as edges, each node coloured by its
// community at a chosen level, and a first layout seeded by community (each community a disc
// of its members, the discs on a sunflower spiral): linear in the graph's size, so a large
// graph draws at once and ForceAtlas2 only refines it.
import Graph from 'graphology';
import type { paths } from '../../api/client';

type Items<P extends keyof paths> = paths[P] extends {
  get: { responses: { 200: { content: { 'application/json': { items: (infer T)[] } } } } };
}
  ? T
  : never;
export type Entity = Items<'/v1/tenants/{tenantId}/graph/entities'>;
export type Relation = Items<'/v1/tenants/{tenantId}/graph/relations'>;
export type Community = Items<'/v1/tenants/{tenantId}/graph/communities'>;

/** GET /v1/tenants/:tenantId/graph/export as JSON (the route declares no body schema: it answers JSON or GraphML). */
export interface GraphExport {
  readonly tenantId: string;
  readonly graphVersion: number;
  readonly entities: readonly Entity[];
  readonly relations: readonly Relation[];
  readonly communities: readonly Community[];
}

const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF\u00AD]/g;
const LEADING_ARTICLE = /^(the|a|an) /;

/**
 * The graph node of a name. NOTE: mirrors normaliseName in src/knowledge/extract/names.ts,
 * the key community members are listed by; change both together.
 */
export function nodeKey(name: string): string {
  return name
    .replace(INVISIBLE, '')
    .normalize('NFKC')
    .toLowerCase()
    .replace(/['’]s\b/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .replace(LEADING_ARTICLE, '');
}

export interface NodeAttributes {
  label: string;
  x: number;
  y: number;
  size: number;
  color: string;
  community?: string;
  [k: string]: unknown;
}

export interface Explorable {
  readonly graph: Graph<NodeAttributes>;
  /** Entities of each node (one name may be several types). */
  readonly entitiesOf: ReadonlyMap<string, readonly Entity[]>;
  /** Relations touching each node, either end. */
  readonly relationsOf: ReadonlyMap<string, readonly Relation[]>;
  /** Community levels present, finest (0) first. */
  readonly levels: readonly number[];
  readonly communities: readonly Community[];
}

/** Builds the drawable graph (no positions yet: see `seedLayout`). */
export function buildGraph(g: GraphExport): Explorable {
  const graph = new Graph<NodeAttributes>({ type: 'directed', multi: true, allowSelfLoops: true });
  const entitiesOf = new Map<string, Entity[]>();
  const relationsOf = new Map<string, Relation[]>();
  const addNode = (name: string): string => {
    const key = nodeKey(name);
    if (!graph.hasNode(key)) graph.addNode(key, { label: name, x: 0, y: 0, size: 2, color: NO_COMMUNITY });
    return key;
  };
  const append = <T>(map: Map<string, T[]>, key: string, item: T) => {
    const list = map.get(key);
    if (list === undefined) map.set(key, [item]);
    else list.push(item);
  };
  for (const e of g.entities) append(entitiesOf, addNode(e.name), e);
  for (const r of g.relations) {
    const s = addNode(r.source);
    const t = addNode(r.target);
    graph.addDirectedEdgeWithKey(r.id, s, t, { size: 0.5 + Math.min(r.weight, 4) * 0.25 });
    append(relationsOf, s, r);
    if (t !== s) append(relationsOf, t, r);
  }
  graph.forEachNode((key, a) => {
    a.size = Math.min(14, 2 + 1.4 * Math.sqrt(graph.degree(key)));
  });
  const levels = [...new Set(g.communities.map((c) => c.level))].sort((a, b) => a - b);
  return { graph, entitiesOf, relationsOf, levels, communities: g.communities };
}

export const NO_COMMUNITY = '#8c959f';
/** Distinct colours for the largest communities; the rest step round the hue circle. */
const PALETTE = [
  '#0b5cad',
  '#d1495b',
  '#2a9d8f',
  '#e9a03b',
  '#7b4bb7',
  '#3d7a1f',
  '#c2587f',
  '#1f8fb3',
  '#9c6b30',
  '#5c6ac4',
];

function hsl(h: number, s: number, l: number): string {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    const c = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(c * 255)
      .toString(16)
      .padStart(2, '0');
  };
  return `#${f(0)}${f(8)}${f(4)}`;
}

export const colourOf = (rank: number): string => PALETTE[rank] ?? hsl((rank * 137.508) % 360, 0.6, 0.42);

export interface Colouring {
  /** Communities drawn at the level, largest first, with their colour and how many nodes they hold. */
  readonly legend: readonly { community: Community; colour: string; size: number }[];
}

/**
 * Colours every node by its community at `level`: its finest community, climbed by parent up
 * to that level (a small component's hierarchy may stop below it: then its top community).
 * Grey for a node in no community.
 */
export function colourBy(x: Explorable, level: number): Colouring {
  const byId = new Map(x.communities.map((c) => [c.id, c]));
  const finest = new Map<string, Community>();
  for (const c of x.communities)
    for (const m of c.members) {
      const known = finest.get(m);
      if (known === undefined || c.level < known.level) finest.set(m, c);
    }
  const at = new Map<string, Community>();
  for (const [node, c] of finest) {
    let up = c;
    // Why a bound: parent links come from the server; a cycle must not hang the page.
    for (let hops = 0; hops < 64; hops++) {
      const parent = up.parentId === null ? undefined : byId.get(up.parentId);
      if (parent === undefined || parent.level > level) break;
      up = parent;
    }
    at.set(node, up);
  }
  const sizes = new Map<string, { community: Community; size: number }>();
  for (const c of at.values()) {
    const s = sizes.get(c.id);
    if (s) s.size++;
    else sizes.set(c.id, { community: c, size: 1 });
  }
  const legend = [...sizes.values()]
    .sort((a, b) => b.size - a.size || a.community.id.localeCompare(b.community.id))
    .map((c, rank) => ({ ...c, colour: colourOf(rank) }));
  const colour = new Map(legend.map((l) => [l.community.id, l.colour]));
  // NOTE: attributes are changed in place (one event for all nodes): a copy per node costs
  // a visible pause on a graph of thousands.
  x.graph.updateEachNodeAttributes((key, a) => {
    const c = at.get(key);
    a.color = c === undefined ? NO_COMMUNITY : (colour.get(c.id) ?? NO_COMMUNITY);
    a.community = c?.id;
    return a;
  });
  return { legend };
}

const GOLDEN = Math.PI * (3 - Math.sqrt(5));

/**
 * Places each community's members on a small sunflower disc, and the discs on a larger one,
 * largest community in the middle: O(nodes), and neighbours (mostly in one community) start
 * near each other, so the first frame already reads as clusters.
 */
export function seedLayout(x: Explorable): void {
  const groups = new Map<string, string[]>();
  x.graph.forEachNode((key, a) => {
    const g = a.community ?? `node:${key}`;
    const list = groups.get(g);
    if (list) list.push(key);
    else groups.set(g, [key]);
  });
  const ordered = [...groups.values()].sort((a, b) => b.length - a.length);
  const positions = new Map<string, { x: number; y: number }>();
  let area = 0;
  ordered.forEach((members, g) => {
    // A disc's radius grows with the square root of its members; discs spiral out by cumulative area.
    const radius = Math.sqrt(members.length);
    const r = g === 0 ? 0 : Math.sqrt(area + radius * radius) * 2.2;
    area += (radius + 1) * (radius + 1);
    const cx = r * Math.cos(g * GOLDEN);
    const cy = r * Math.sin(g * GOLDEN);
    members.forEach((key, j) => {
      const rr = Math.sqrt(j + 0.5);
      positions.set(key, { x: cx + rr * Math.cos(j * GOLDEN), y: cy + rr * Math.sin(j * GOLDEN) });
    });
  });
  x.graph.updateEachNodeAttributes((key, a) => {
    const p = positions.get(key);
    a.x = p?.x ?? 0;
    a.y = p?.y ?? 0;
    return a;
  });
}

/** The coarsest level: Louvain's final partition, the fewest, largest communities. */
export const defaultLevel = (x: Explorable): number | undefined => x.levels[x.levels.length - 1];
