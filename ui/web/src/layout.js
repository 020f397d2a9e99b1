// Layered layout by ELK (elkjs), left to right.
//
// ELK lays out a graph of a few hundred tasks in milliseconds, but a
// generated graph of 5,000 tasks whose edges span many layers gets a dummy
// node per edge per layer crossed, which takes ELK 8 s and dagre 90 s. For
// such a graph (above BIG nodes, or dense below it: layoutplan.js) ELK is
// given, for each node, only one edge from a predecessor in the layer
// right before its own (its longest-path layer): the layers and the order
// of nodes come out the same in kind, with no dummy nodes, in about a
// second. Every edge is still drawn, straight.
//
// Otherwise ELK routes every edge orthogonally between the layers (a long
// edge passes its dummy nodes' places), and the graph draws those routes:
// no edge crosses a node, and a fan-out reads as one trunk with a branch
// per task rather than as a chain through the column.
import { prepare, run } from './elkrun.js';
import { BIG, layers, plan } from './layoutplan.js';

export { BIG, plan, prepare };

// BUDGET is how long (ms, wall time) the page waits for a routed layout in
// its worker before it stops it and lays out the backbone instead, which
// takes a second or less at any size below BIG: whatever the estimate
// (layoutplan.js) lets through, the page never sits for a minute.
export const BUDGET = 5000;

// budget is BUDGET, or the one this browser keeps in localStorage
// ('weir-layout-budget', ms): a user on a slow machine can give ELK
// longer, and a test can leave it no time at all.
function budget() {
  try {
    const ms = Number(localStorage.getItem('weir-layout-budget'));
    if (ms > 0) return ms;
  } catch {
    // No storage: a report opened from a file, or Node.
  }
  return BUDGET;
}

// Layouts of large graphs are kept in the browser's localStorage, by the
// graph's shape: a reload in the middle of a run, or the next run of the
// same workflow, draws at once instead of waiting for ELK again.
const CACHE_PREFIX = 'weir-layout-v3:'; // v3: with the path taken
const CACHE_MIN = 500; // nodes: smaller graphs lay out in a moment anyway
const CACHE_KEEP = 6; // layouts kept

// cachedLayout is layout, answered from the cache when it can be.
export async function cachedLayout(nodes, edges, p = plan(nodes, edges)) {
  if (nodes.length < CACHE_MIN) return layout(nodes, edges, p);
  const key = CACHE_PREFIX + shapeHash(nodes, edges);
  const hit = readCache(key, nodes);
  if (hit) return hit;
  const placed = await layout(nodes, edges, p);
  writeCache(key, nodes, placed);
  return placed;
}

// shapeHash digests what the layout depends on: the nodes, their sizes,
// and the edges (FNV-1a, 52 bits so that it stays exact in a double).
function shapeHash(nodes, edges) {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  const add = (str) => {
    for (let i = 0; i < str.length; i++) {
      const c = str.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
      h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
    }
  };
  for (const n of nodes) add(n.id + '\u0000' + n.w + 'x' + n.h + '\u0001');
  for (const e of edges) add(e.from + '\u0002' + e.to + '\u0003');
  return h1.toString(36) + '.' + h2.toString(36) + '.' + nodes.length + '.' + edges.length;
}

function readCache(key, nodes) {
  try {
    const raw = localStorage.getItem(key);
    if (!raw) return null;
    const { xy, routes, path, budget: ms } = JSON.parse(raw);
    if (xy.length !== nodes.length * 2) return null;
    const pos = new Map();
    nodes.forEach((n, i) => pos.set(n.id, { x: xy[2 * i], y: xy[2 * i + 1] }));
    localStorage.setItem(CACHE_PREFIX + 'index', JSON.stringify(touch(key)));
    return { pos, routes: new Map(routes), path, budget: ms };
  } catch {
    return null; // no storage (a report opened from a file), or it is full
  }
}

function writeCache(key, nodes, { pos, routes, path, budget: ms }) {
  try {
    const xy = [];
    for (const n of nodes) {
      const p = pos.get(n.id);
      xy.push(Math.round(p.x), Math.round(p.y));
    }
    const index = touch(key);
    while (index.length > CACHE_KEEP) localStorage.removeItem(index.shift());
    localStorage.setItem(CACHE_PREFIX + 'index', JSON.stringify(index));
    // Positions are rounded, so routes are too: they meet at the same
    // pixels.
    const rs = [...routes].map(([k, pts]) => [k, pts.map(Math.round)]);
    localStorage.setItem(key, JSON.stringify({ xy, routes: rs, path, budget: ms }));
  } catch {
    // Full or unavailable: the next view lays out again.
  }
}

// touch moves key to the end of the cache's index (least recently used
// first) and returns the index.
function touch(key) {
  let index = [];
  try {
    index = JSON.parse(localStorage.getItem(CACHE_PREFIX + 'index') || '[]');
  } catch {
    index = [];
  }
  return index.filter((k) => k !== key).concat([key]);
}

// routeKey names the route of the edge from -> to.
export function routeKey(from, to) {
  return from + '\u0000' + to;
}

// layout returns pos, a Map of node id to its centre {x, y}; routes, a
// Map of routeKey to the points of the edge's route, [x0, y0, x1, y1, ...],
// from its source's side to its target's (none off the routed path); and
// path, the way it went: 'routed', 'backbone' (as plan chose), or
// 'fallback' (the backbone, after the routed layout ran past budget, ms,
// which it gives too).
// nodes are {id, w, h}, edges {from, to}.
export async function layout(nodes, edges, p = plan(nodes, edges), ms = budget()) {
  if (p.path === 'routed') {
    const placed = await elkLayout(nodes, edges, false, ms);
    if (placed) return { ...placed, path: 'routed' };
    console.warn(`layout: the routed layout of ${nodes.length} nodes (cost ${p.cost}) took over ${ms} ms; edges drawn straight`);
    return { ...(await elkLayout(nodes, edges, true)), path: 'fallback', budget: ms };
  }
  return { ...(await elkLayout(nodes, edges, true)), path: 'backbone' };
}

// elkLayout lays out every edge routed, or the backbone (big); null if
// the routed layout ran past ms.
async function elkLayout(nodes, edges, big, ms) {
  const es = big ? backbone(nodes, edges) : edges;
  const options = {
    'elk.algorithm': 'layered',
    'elk.direction': 'RIGHT',
    'elk.spacing.nodeNode': '12',
    // Room between layers for the edges' labels (segment and size).
    'elk.layered.spacing.nodeNodeBetweenLayers': big ? '48' : '110',
    // The backbone leaves out edges, so ELK has no route to give for
    // them: its edges are drawn straight, as they come.
    'elk.edgeRouting': big ? 'POLYLINE' : 'ORTHOGONAL',
    'elk.layered.nodePlacement.strategy': big ? 'SIMPLE' : 'BRANDES_KOEPF',
    'elk.layered.thoroughness': big ? '1' : '7',
    'elk.separateConnectedComponents': big ? 'false' : 'true',
    // The edges of a fan-out leave their source at one point and share a
    // trunk (and those of a fan-in meet their target at one), instead of
    // a port and a trunk each: one line to label once (graph.js).
    'elk.layered.mergeEdges': big ? 'false' : 'true',
  };
  // Layers by longest path from the sources, which the backbone's edges
  // span one each. (LONGEST_PATH counts from the sinks: it piles every
  // sink into the last layer, thousands of nodes tall, and takes 4x as
  // long.)
  if (big) {
    options['elk.layered.layering.strategy'] = 'LONGEST_PATH_SOURCE';
    // Keep the nodes of a layer in declaration order rather than sweep
    // for fewer crossings: thousands of nodes cross anyway, and it saves a
    // fifth of the layout's time.
    options['elk.layered.crossingMinimization.strategy'] = 'NONE';
    options['elk.layered.greedySwitch.type'] = 'OFF';
  }
  // Instances in key order, stages in declaration order, where crossings
  // allow it.
  else options['elk.layered.considerModelOrder.strategy'] = 'NODES_AND_EDGES';
  const seen = new Set();
  const elkEdges = [];
  const keys = [];
  for (const e of es) {
    const k = routeKey(e.from, e.to);
    if (e.from === e.to || seen.has(k)) continue;
    seen.add(k);
    keys.push(k);
    elkEdges.push({ id: 'e' + elkEdges.length, sources: [e.from], targets: [e.to] });
  }
  const res = await run(
    {
      id: '__root__',
      layoutOptions: options,
      children: nodes.map((n) => ({ id: n.id, width: n.w, height: n.h })),
      edges: elkEdges,
    },
    big ? 0 : ms,
  );
  if (!res) return null;
  const pos = new Map();
  for (const c of res.children) pos.set(c.id, { x: c.x + c.width / 2, y: c.y + c.height / 2 });
  const routes = new Map();
  if (!big) {
    for (const e of res.edges || []) {
      const sec = (e.sections || [])[0];
      if (!sec) continue;
      const pts = [sec.startPoint, ...(sec.bendPoints || []), sec.endPoint].flatMap((p) => [p.x, p.y]);
      routes.set(keys[Number(e.id.slice(1))], pts);
    }
  }
  return { pos, routes };
}

// backbone keeps, for each node, one edge from a predecessor one layer
// before it (layers by longest path from the sources).
export function backbone(nodes, edges) {
  const { layer, preds } = layers(nodes, edges);
  const out = [];
  for (const n of nodes) {
    const l = layer.get(n.id);
    const p = preds.get(n.id).find((p) => layer.get(p) === l - 1);
    if (p !== undefined) out.push({ from: p, to: n.id });
  }
  return out;
}
