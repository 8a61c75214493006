// The graph explorer (loaded on demand): sigma.js over the tenant's graph, nodes coloured by
// community at a chosen level, a search box that focuses an entity, and an entity panel with
// its relations and the documents each was read from. The first frame uses the community-seeded
// layout (graph-model.ts); ForceAtlas2 then refines it a few iterations per animation frame for
// a bounded time, so the page never blocks. The time of sigma's first frame since navigation
// is shown, and kept on the canvas as data-first-render-ms for the browser test (with
// performance marks iris:graph-loaded, -built and -laid-out on the way).
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import Sigma from 'sigma';
import forceAtlas2 from 'graphology-layout-forceatlas2';
import {
  buildGraph,
  colourBy,
  defaultLevel,
  nodeKey,
  seedLayout,
  type Colouring,
  type Explorable,
  type GraphExport,
  type NodeAttributes,
  type Relation,
} from './graph-model';

/** How long one refinement runs, and at most how many iterations. */
const REFINE_MS = 1500;
const REFINE_ITERATIONS = 60;
const FADED = '#e3e7ec';

export function GraphExplorer(props: { tenantId: string; data: GraphExport }) {
  const model = useMemo(() => {
    const built = buildGraph(props.data);
    performance.mark('iris:graph-built');
    return built;
  }, [props.data]);
  const canvas = useRef<HTMLDivElement>(null);
  const sigma = useRef<Sigma<NodeAttributes> | undefined>(undefined);
  const selectedRef = useRef<{ key: string; near: Set<string> } | undefined>(undefined);
  const refining = useRef<(() => void) | undefined>(undefined);
  const [level, setLevel] = useState(defaultLevel(model));
  const [legend, setLegend] = useState<Colouring['legend']>([]);
  const [selected, setSelected] = useState<string | undefined>();
  const [firstRenderMs, setFirstRenderMs] = useState<number | undefined>();
  const [layout, setLayout] = useState<'seeded' | 'refining' | 'settled'>('seeded');
  const [failure, setFailure] = useState<string | undefined>();

  const refine = (): void => {
    refining.current?.();
    const graph = model.graph;
    const settings = forceAtlas2.inferSettings(graph);
    const started = performance.now();
    let iterations = 0;
    let frame = 0;
    const stop = () => {
      cancelAnimationFrame(frame);
      refining.current = undefined;
      setLayout('settled');
    };
    const step = () => {
      forceAtlas2.assign(graph, { iterations: 1, settings });
      iterations++;
      // Why a budget: each iteration is a frame's work; the layout must settle, not run forever.
      if (performance.now() - started < REFINE_MS && iterations < REFINE_ITERATIONS)
        frame = requestAnimationFrame(step);
      else stop();
    };
    refining.current = stop;
    setLayout('refining');
    frame = requestAnimationFrame(step);
  };

  useEffect(() => {
    const container = canvas.current;
    if (container === null) return;
    if (level !== undefined) setLegend(colourBy(model, level).legend);
    seedLayout(model);
    performance.mark('iris:graph-laid-out');
    let renderer: Sigma<NodeAttributes>;
    try {
      renderer = new Sigma(model.graph, container, {
        hideEdgesOnMove: model.graph.size > 2000,
        labelRenderedSizeThreshold: 9,
        labelDensity: 0.5,
        zIndex: true,
        defaultEdgeColor: '#c3cad3',
        nodeReducer: (node, data) => {
          const sel = selectedRef.current;
          if (sel === undefined) return data;
          if (node === sel.key)
            return { ...data, highlighted: true, forceLabel: true, size: data.size * 1.6, zIndex: 2 };
          if (sel.near.has(node)) return { ...data, forceLabel: true, zIndex: 1 };
          return { ...data, color: FADED, label: null, size: Math.min(data.size, 4), zIndex: 0 };
        },
        edgeReducer: (edge, data) => {
          const sel = selectedRef.current;
          if (sel === undefined) return data;
          const [s, t] = model.graph.extremities(edge);
          return s === sel.key || t === sel.key ? { ...data, color: '#57606a', size: 1.5 } : { ...data, hidden: true };
        },
      });
    } catch (err) {
      setFailure(err instanceof Error ? err.message : String(err));
      return;
    }
    // NOTE: sigma renders its first frame inside its constructor (its first 'afterRender' is
    // emitted there, before a listener can be added): the frame is drawn when it returns.
    const ms = Math.round(performance.now());
    container.dataset.firstRenderMs = String(ms);
    setFirstRenderMs(ms);
    sigma.current = renderer;
    const frame = requestAnimationFrame(refine);
    renderer.on('clickNode', ({ node }) => select(node, false));
    renderer.on('clickStage', () => select(undefined, false));
    return () => {
      cancelAnimationFrame(frame);
      refining.current?.();
      renderer.kill();
      sigma.current = undefined;
    };
  }, [model]);

  const coloured = useRef(level);
  useEffect(() => {
    // The first colouring is the mount's, before the first frame; this one follows the select.
    if (level === undefined || level === coloured.current) return;
    coloured.current = level;
    setLegend(colourBy(model, level).legend);
  }, [level]);

  const select = (key: string | undefined, focusPanel: boolean) => {
    const renderer = sigma.current;
    selectedRef.current = key === undefined ? undefined : { key, near: new Set(model.graph.neighbors(key)) };
    setSelected(key);
    if (renderer === undefined) return;
    renderer.refresh();
    if (key !== undefined) {
      const d = renderer.getNodeDisplayData(key);
      if (d) void renderer.getCamera().animate({ x: d.x, y: d.y, ratio: 0.4 }, { duration: 400 });
    }
    if (focusPanel) requestAnimationFrame(() => document.getElementById('entity-title')?.focus());
  };

  if (failure !== undefined)
    return (
      <p class="notice error" role="alert">
        The graph cannot be drawn in this browser ({failure}). Its entities and relations are still available from the
        API.
      </p>
    );

  return (
    <div class="graph-explorer">
      <div class="graph-toolbar row">
        <EntitySearch model={model} onPick={(key) => select(key, true)} />
        {model.levels.length > 0 && (
          <div class="field">
            <label for="kg-level">Colour by communities at level</label>
            <select id="kg-level" value={level} onChange={(e) => setLevel(Number(e.currentTarget.value))}>
              {model.levels.map((l) => (
                <option key={l} value={l}>
                  {l}
                  {l === 0 ? ' (finest)' : l === model.levels[model.levels.length - 1] ? ' (coarsest)' : ''}
                </option>
              ))}
            </select>
          </div>
        )}
        <button
          type="button"
          class="secondary"
          onClick={() => (layout === 'refining' ? refining.current?.() : refine())}
        >
          {layout === 'refining' ? 'Stop layout' : 'Refine layout'}
        </button>
        <button type="button" class="secondary" onClick={() => void sigma.current?.getCamera().animatedReset()}>
          Show all
        </button>
      </div>
      <p class="muted small graph-status" aria-live="polite">
        {model.entitiesOf.size.toLocaleString()} entities ({model.graph.order.toLocaleString()} nodes) ·{' '}
        {model.graph.size.toLocaleString()} relations · {legend.length.toLocaleString()} communities
        {firstRenderMs !== undefined && <> · first drawn {firstRenderMs} ms after the page began loading</>}
        {layout === 'refining' && ' · refining the layout…'}
        {layout === 'settled' && ' · layout settled'}
      </p>
      <div class="graph-main">
        <div
          ref={canvas}
          class="graph-canvas"
          role="img"
          aria-label={`Graph of ${model.graph.order} entities and ${model.graph.size} relations, coloured by community. Use the search box and the entity panel to explore it with the keyboard.`}
        />
        <EntityPanel model={model} selected={selected} onPick={(key) => select(key, true)} />
      </div>
      {legend.length > 0 && (
        <details class="legend">
          <summary>Largest communities</summary>
          <ul>
            {legend.slice(0, 12).map((l) => (
              <li key={l.community.id}>
                <Swatch colour={l.colour} />
                {l.community.title} <span class="muted">({l.size})</span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

function EntitySearch(props: { model: Explorable; onPick: (key: string) => void }) {
  const [q, setQ] = useState('');
  const [open, setOpen] = useState(false);
  const pick = (key: string) => {
    setOpen(false);
    props.onPick(key);
  };
  const needle = q.trim().toLowerCase();
  const matches = useMemo(() => {
    if (needle === '') return [];
    const starts: string[] = [];
    const contains: string[] = [];
    props.model.graph.forEachNode((key, a) => {
      const label = a.label.toLowerCase();
      if (label.startsWith(needle) || key.startsWith(nodeKey(needle))) starts.push(key);
      else if (label.includes(needle)) contains.push(key);
    });
    return [...starts.sort(), ...contains.sort()].slice(0, 8);
  }, [needle, props.model]);
  const label = (key: string) => props.model.graph.getNodeAttribute(key, 'label');
  return (
    <div class="entity-search">
      <div class="field">
        <label for="kg-search">Find an entity</label>
        <input
          id="kg-search"
          type="search"
          autoComplete="off"
          aria-describedby="kg-search-hint"
          value={q}
          onInput={(e) => {
            setQ(e.currentTarget.value);
            setOpen(true);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && matches[0] !== undefined) {
              e.preventDefault();
              pick(matches[0]);
            } else if (e.key === 'Escape') setOpen(false);
          }}
        />
      </div>
      <p id="kg-search-hint" class="visually-hidden">
        Enter shows the first match; the matches follow as buttons; Escape hides them.
      </p>
      {open && needle !== '' && (
        <ul class="search-results" aria-label="Matching entities">
          {matches.length === 0 && <li class="muted">No entity matches.</li>}
          {matches.map((key) => (
            <li key={key}>
              <button type="button" class="link" onClick={() => pick(key)}>
                {label(key)}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

const MAX_RELATIONS = 60;

function EntityPanel(props: { model: Explorable; selected: string | undefined; onPick: (key: string) => void }) {
  const { model, selected } = props;
  if (selected === undefined || !model.graph.hasNode(selected))
    return (
      <aside class="entity-panel" aria-label="Entity">
        <p class="muted">Choose an entity: click a node, or find one by name.</p>
      </aside>
    );
  const attrs = model.graph.getNodeAttributes(selected);
  const entities = model.entitiesOf.get(selected) ?? [];
  const relations = model.relationsOf.get(selected) ?? [];
  const community = model.communities.find((c) => c.id === attrs.community);
  return (
    <aside class="entity-panel" aria-labelledby="entity-title">
      <h2 id="entity-title" tabIndex={-1}>
        {attrs.label}
      </h2>
      {entities.length === 0 && <p class="muted">Named only as the end of a relation.</p>}
      {entities.map((e) => (
        <div key={e.id} class="entity-fact">
          <span class="badge">{e.type}</span>
          {e.description && <p>{e.description}</p>}
          {e.aliases.length > 0 && <p class="small">Also: {e.aliases.join(', ')}</p>}
          <p class="small">
            Read {e.mentions} time{e.mentions === 1 ? '' : 's'} in <Documents ids={e.documents} />
          </p>
        </div>
      ))}
      {community && (
        <p class="small">
          <Swatch colour={attrs.color} /> Community: {community.title}
        </p>
      )}
      <h3>
        Relations <span class="muted">({relations.length})</span>
      </h3>
      {relations.length === 0 && <p class="muted">None.</p>}
      <ul class="relations">
        {relations.slice(0, MAX_RELATIONS).map((r) => (
          <RelationLine key={r.id} relation={r} from={selected} onPick={props.onPick} />
        ))}
      </ul>
      {relations.length > MAX_RELATIONS && (
        <p class="muted small">…and {relations.length - MAX_RELATIONS} more (the relations API lists them all).</p>
      )}
    </aside>
  );
}

function RelationLine(props: { relation: Relation; from: string; onPick: (key: string) => void }) {
  const r = props.relation;
  const outgoing = nodeKey(r.source) === props.from;
  const other = outgoing ? r.target : r.source;
  const verb = r.type.replace(/_/g, ' ');
  return (
    <li>
      {outgoing ? (
        <>
          {verb}{' '}
          <button type="button" class="link" onClick={() => props.onPick(nodeKey(other))}>
            {other}
          </button>
        </>
      ) : (
        <>
          <button type="button" class="link" onClick={() => props.onPick(nodeKey(other))}>
            {other}
          </button>{' '}
          {verb} this
        </>
      )}
      {r.description && <div class="small">{r.description}</div>}
      <div class="small muted">
        read {r.mentions} time{r.mentions === 1 ? '' : 's'} in <Documents ids={r.documents} />
      </div>
    </li>
  );
}

function Documents(props: { ids: readonly string[] }) {
  if (props.ids.length === 0) return <span class="muted">no document</span>;
  return (
    <>
      {props.ids.map((id, i) => (
        <span key={id}>
          {i > 0 && ', '}
          <span class="mono">{id}</span>
        </span>
      ))}
    </>
  );
}

/** A community's colour. NOTE: set through element.style (the CSP forbids inline style attributes). */
function Swatch(props: { colour: string }) {
  return (
    <span
      class="swatch"
      aria-hidden="true"
      ref={(el) => {
        if (el) el.style.background = props.colour;
      }}
    />
  );
}
