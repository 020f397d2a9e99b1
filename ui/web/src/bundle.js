// Labels a fan-out once. ELK merges the edges of a fan-out into one trunk
// (layout.js), and the edges carrying the same segments from the same
// producer would otherwise each put the same label on it, one above the
// other. One edge of each such bundle keeps the label: the one with the
// fewest bends (straight across from its source, where there is one), so
// that the label sits on a line of its own rather than on the trunk.

// quietEdges returns the ids of the edges whose label another edge of
// their bundle carries. edges are {id, from, segments: Set}; bends maps an
// edge's id to its route's count of bends (routed edges only: an edge
// drawn straight keeps its label, apart from the others).
export function quietEdges(edges, bends) {
  const bundles = new Map();
  for (const x of edges) {
    if (!x.segments.size || !bends.has(x.id)) continue;
    const k = x.from + '\u0000' + [...x.segments].sort().join('\u0000');
    if (!bundles.has(k)) bundles.set(k, []);
    bundles.get(k).push(x);
  }
  const quiet = new Set();
  for (const xs of bundles.values()) {
    if (xs.length < 2) continue;
    let lead = xs[0];
    for (const x of xs) if (bends.get(x.id) < bends.get(lead.id)) lead = x;
    for (const x of xs) if (x !== lead) quiet.add(x.id);
  }
  return quiet;
}
