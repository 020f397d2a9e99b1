// Labels a fan-out once, and a fan-in once. ELK merges the edges of a
// fan-out into one trunk (layout.js), and those of a fan-in where they meet
// their target; the edges carrying the same segments from the same
// producer, or into the same consumer from the tasks of one stage, would
// otherwise each put the same label on the trunk, one above the other.
// One edge of each such bundle keeps the label: the one with the fewest
// bends (straight across, where there is one), so that the label sits on a
// line of its own rather than on the trunk. A fan-in's label carries the
// size of every producer in it (graph.js labelEdges).

// quietEdges returns quiet, the ids of the edges whose label another edge
// of their bundle carries, and carried, the producers each fan-in's
// labelled edge speaks for. edges are {id, from, to, segments: Set,
// producers: Set}; bends maps an edge's id to its route's count of bends
// (routed edges only: an edge drawn straight keeps its label, apart from
// the others); stageOf names the for_each stage of a task node (none for
// any other node).
export function quietEdges(edges, bends, stageOf = () => undefined) {
  const outs = new Map();
  const ins = new Map();
  for (const x of edges) {
    if (!x.segments.size || !bends.has(x.id)) continue;
    const segs = [...x.segments].sort().join('\u0000');
    add(outs, x.from + '\u0000' + segs, x);
    const stage = stageOf(x.from);
    if (stage !== undefined) add(ins, x.to + '\u0000' + stage + '\u0000' + segs, x);
  }
  const quiet = new Set();
  const carried = new Map();
  const straightest = (xs) => {
    let lead = null;
    for (const x of xs) if (!quiet.has(x.id) && (!lead || bends.get(x.id) < bends.get(lead.id))) lead = x;
    return lead;
  };
  for (const xs of outs.values()) {
    if (xs.length < 2) continue;
    const lead = straightest(xs);
    for (const x of xs) if (x !== lead) quiet.add(x.id);
  }
  for (const xs of ins.values()) {
    if (xs.length < 2) continue;
    // An edge already quiet in a fan-out stays so; the fan-in's label goes
    // on one that still has its own.
    const lead = straightest(xs);
    if (!lead) continue;
    for (const x of xs) if (x !== lead) quiet.add(x.id);
    carried.set(lead.id, new Set(xs.flatMap((x) => [...x.producers])));
  }
  return { quiet, carried };
}

function add(m, k, x) {
  if (!m.has(k)) m.set(k, []);
  m.get(k).push(x);
}
