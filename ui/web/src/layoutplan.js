// Which way layout.js lays a graph out, chosen before ELK starts.
//
// ELK's routed layout (layered, orthogonal routes) spends its time on the
// nodes of each layer, and on a dummy node for every layer a long edge
// crosses, more than linearly in the layers' width, and some on each
// layer. On this project's VM, in CPU time: 300 stages each reading three
// earlier ones anywhere before them (2,428 dummy nodes in 24 layers) 6.9 s,
// a tree of 1,000 nodes in 15 layers 4.9 s, a tree of 500 1.5 s, a chain of
// 1,000 2.2 s, ten chains of 100 0.8 s. So the choice weighs cost: nodes
// and dummy nodes times the square root of their mean count a layer, and
// three a layer, by layers of longest path from the sources (ELK's own
// layering differs a little, not in kind). It errs both ways by up to 2x;
// layout.js's budget catches what it lets through.

// BIG is the node count above which a graph always takes the backbone.
export const BIG = 1500;

// DENSE is the cost above which the routed layout would keep a user
// waiting: on this project's VM a cost of 1,000 took ELK 0.12-0.6 s of
// CPU (bench/uireload/routecost.mjs), so DENSE stands for 0.8-3.9 s.
export const DENSE = 6500;

// layers returns each node's layer by longest path from the sources.
// Cycles, which collapsed for_each stages can form, are broken where they
// are found.
export function layers(nodes, edges) {
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
  return { layer, preds };
}

// cost is the routed layout's work: its nodes and the dummy nodes long
// edges leave in the layers they cross, times the square root of their
// mean count a layer, and three a layer. An edge a cycle turned back costs its span too, as
// ELK reverses it.
export function cost(nodes, edges, layer) {
  let all = nodes.length;
  let deepest = 0;
  const seen = new Set();
  for (const l of layer.values()) deepest = Math.max(deepest, l);
  for (const e of edges) {
    const a = layer.get(e.from);
    const b = layer.get(e.to);
    if (a === undefined || b === undefined || e.from === e.to) continue;
    const k = e.from + '\u0000' + e.to;
    if (seen.has(k)) continue;
    seen.add(k);
    all += Math.max(0, Math.abs(b - a) - 1);
  }
  return Math.round(all * Math.sqrt(all / (deepest + 1)) + 3 * (deepest + 1));
}

// plan says how to lay out nodes and edges: path 'routed' (every edge
// routed around the nodes) or 'backbone' (one edge a node, the others drawn
// straight: big or dense graphs), with the cost it weighed.
export function plan(nodes, edges) {
  if (nodes.length > BIG) return { path: 'backbone', cost: Infinity };
  const c = cost(nodes, edges, layers(nodes, edges).layer);
  return { path: c > DENSE ? 'backbone' : 'routed', cost: c };
}
