// Layered layout by ELK (elkjs), left to right.
//
// ELK lays out a graph of a few hundred tasks in milliseconds, but a
// generated graph of 5,000 tasks whose edges span many layers gets a dummy
// node per edge per layer crossed, which takes ELK 8 s and dagre 90 s. Above
// BIG nodes ELK is given, for each node, only one edge from a predecessor in
// the layer right before its own (its longest-path layer): the layers and
// the order of nodes come out the same in kind, with no dummy nodes, in
// about a second. Every edge is still drawn.
import ELK from 'elkjs/lib/elk.bundled.js';

export const BIG = 1500;

// A page served over HTTP lays out in a Web Worker, so that Cytoscape builds
// its elements on the main thread meanwhile; a report opened from a file
// has no worker script to load and lays out in the page.
let elk = null;
function engine() {
  if (elk) return elk;
  if (typeof Worker !== 'undefined' && /^https?:$/.test(location.protocol)) {
    try {
      elk = new ELK({ workerUrl: 'assets/elk-worker.js', workerFactory: (url) => new Worker(url) });
      return elk;
    } catch (err) {
      console.warn('layout in the page: no worker:', err);
    }
  }
  elk = new ELK();
  return elk;
}

// layout returns a Map of node id to its centre {x, y}. nodes are {id, w,
// h}, edges {from, to}.
export async function layout(nodes, edges) {
  const big = nodes.length > BIG;
  const es = big ? backbone(nodes, edges) : edges;
  const options = {
    'elk.algorithm': 'layered',
    'elk.direction': 'RIGHT',
    'elk.spacing.nodeNode': '12',
    // Room between layers for the edges' labels (segment and size).
    'elk.layered.spacing.nodeNodeBetweenLayers': big ? '48' : '110',
    'elk.edgeRouting': 'POLYLINE',
    'elk.layered.nodePlacement.strategy': big ? 'SIMPLE' : 'BRANDES_KOEPF',
    'elk.layered.thoroughness': big ? '1' : '7',
    'elk.separateConnectedComponents': big ? 'false' : 'true',
  };
  // Layers by longest path from the sources, which the backbone's edges
  // span one each. (LONGEST_PATH counts from the sinks: it piles every
  // sink into the last layer, thousands of nodes tall, and takes 4x as
  // long.)
  if (big) options['elk.layered.layering.strategy'] = 'LONGEST_PATH_SOURCE';
  // Instances in key order, stages in declaration order, where crossings
  // allow it.
  else options['elk.layered.considerModelOrder.strategy'] = 'NODES_AND_EDGES';
  const seen = new Set();
  const elkEdges = [];
  for (const e of es) {
    const k = e.from + '\u0000' + e.to;
    if (e.from === e.to || seen.has(k)) continue;
    seen.add(k);
    elkEdges.push({ id: 'e' + elkEdges.length, sources: [e.from], targets: [e.to] });
  }
  const res = await engine().layout({
    id: '__root__',
    layoutOptions: options,
    children: nodes.map((n) => ({ id: n.id, width: n.w, height: n.h })),
    edges: elkEdges,
  });
  const pos = new Map();
  for (const c of res.children) pos.set(c.id, { x: c.x + c.width / 2, y: c.y + c.height / 2 });
  return pos;
}

// backbone keeps, for each node, one edge from a predecessor one layer
// before it (layers by longest path from the sources). Cycles, which
// collapsed for_each stages can form, are broken where they are found.
export function backbone(nodes, edges) {
  const preds = new Map(nodes.map((n) => [n.id, []]));
  for (const e of edges) {
    if (e.from !== e.to && preds.has(e.to) && preds.has(e.from)) preds.get(e.to).push(e.from);
  }
  const layer = new Map();
  const visiting = new Set();
  // Iterative depth-first search: recursion would overflow the stack on a
  // chain of 10,000 tasks.
  for (const n of nodes) {
    if (layer.has(n.id)) continue;
    const stack = [[n.id, 0]];
    visiting.add(n.id);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const ps = preds.get(top[0]);
      if (top[1] < ps.length) {
        const p = ps[top[1]++];
        if (!layer.has(p) && !visiting.has(p)) {
          visiting.add(p);
          stack.push([p, 0]);
        }
        continue;
      }
      let l = 0;
      for (const p of ps) if (layer.has(p)) l = Math.max(l, layer.get(p) + 1);
      layer.set(top[0], l);
      visiting.delete(top[0]);
      stack.pop();
    }
  }
  const out = [];
  for (const n of nodes) {
    const l = layer.get(n.id);
    const p = preds.get(n.id).find((p) => layer.get(p) === l - 1);
    if (p !== undefined) out.push({ from: p, to: n.id });
  }
  return out;
}
