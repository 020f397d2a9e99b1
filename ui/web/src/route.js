// Draws the routes ELK laid out (layout.js) with Cytoscape's own edge
// styles: a route of bends is a 'segments' edge whose bends Cytoscape
// places by weight along, and distance across, the line between its ends.
// Without them Cytoscape draws each edge straight between the nodes'
// centres, through whatever lies between.

// routeData is the data of a 'routed' edge (see routeStyles) that follows
// pts ([x0, y0, ..., xn, yn], absolute) from a source centred at s to a
// target centred at t; null when the route cannot be drawn.
export function routeData(pts, s, t) {
  if (!pts || pts.length < 4 || !s || !t) return null;
  const n = pts.length;
  const ax = pts[0];
  const ay = pts[1];
  const vx = pts[n - 2] - ax;
  const vy = pts[n - 1] - ay;
  const l2 = vx * vx + vy * vy;
  if (!(l2 > 1e-6)) return null;
  const l = Math.sqrt(l2);
  const ws = [];
  const ds = [];
  for (let i = 2; i < n - 2; i += 2) {
    const px = pts[i] - ax;
    const py = pts[i + 1] - ay;
    ws.push(((px * vx + py * vy) / l2).toFixed(5));
    // Cytoscape measures distances along (-vy, vx) / l.
    ds.push(((py * vx - px * vy) / l).toFixed(2));
  }
  const end = (x, y, c) => (x - c.x).toFixed(2) + 'px ' + (y - c.y).toFixed(2) + 'px';
  return {
    se: end(ax, ay, s),
    te: end(pts[n - 2], pts[n - 1], t),
    sw: ws.join(' '),
    sd: ds.join(' '),
    bends: ws.length,
  };
}

// routeStyles are the Cytoscape styles of routed edges: with bends, and
// straight.
export const routeStyles = [
  {
    selector: 'edge.routed',
    style: {
      'curve-style': 'segments',
      'edge-distances': 'endpoints',
      'source-endpoint': 'data(se)',
      'target-endpoint': 'data(te)',
      'segment-weights': 'data(sw)',
      'segment-distances': 'data(sd)',
    },
  },
  {
    selector: 'edge.routed-straight',
    style: { 'curve-style': 'straight', 'source-endpoint': 'data(se)', 'target-endpoint': 'data(te)' },
  },
];
