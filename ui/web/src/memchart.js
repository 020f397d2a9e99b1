// A small SVG chart of an attempt's memory over time against its cap.
import { svg, size, duration } from './format.js';

export function memoryChart(m) {
  const W = 320;
  const H = 110;
  const P = { l: 52, r: 8, t: 8, b: 18 };
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'memchart', role: 'img' });
  const s = m.samples || [];
  const top = Math.max(m.cap || 0, m.peak || 0, ...s.map((x) => x[1]), 1) * 1.08;
  const t0 = s.length ? s[0][0] : 0;
  const t1 = s.length ? Math.max(s[s.length - 1][0], t0 + 1) : 1;
  const x = (t) => P.l + ((t - t0) / (t1 - t0)) * (W - P.l - P.r);
  const y = (v) => H - P.b - (v / top) * (H - P.t - P.b);
  root.append(svg('rect', { x: P.l, y: P.t, width: W - P.l - P.r, height: H - P.t - P.b, class: 'plot' }));
  const label = (text, lx, ly, anchor) => {
    const t = svg('text', { x: lx, y: ly, 'text-anchor': anchor || 'end' });
    t.textContent = text;
    root.append(t);
  };
  label(size(top), P.l - 4, P.t + 8);
  label('0', P.l - 4, H - P.b);
  if (s.length) label(duration(t1 - t0), W - P.r, H - 4);
  if (m.peak) {
    root.append(svg('line', { x1: P.l, x2: W - P.r, y1: y(m.peak), y2: y(m.peak), class: 'peak' }));
    label('peak ' + size(m.peak), P.l + 4, y(m.peak) - 3, 'start');
  }
  if (m.cap) {
    root.append(svg('line', { x1: P.l, x2: W - P.r, y1: y(m.cap), y2: y(m.cap), class: 'cap' }));
    label('cap ' + size(m.cap), W - P.r - 2, y(m.cap) - 3);
  }
  if (s.length > 1) {
    const pts = s.map((p) => x(p[0]).toFixed(1) + ',' + y(p[1]).toFixed(1)).join(' ');
    root.append(svg('polyline', { points: pts, class: 'use' }));
  } else if (s.length === 1) {
    root.append(svg('circle', { cx: P.l + 4, cy: y(s[0][1]), r: 3, class: 'dot' }));
  } else {
    label('no samples', (W + P.l) / 2, H / 2, 'middle');
  }
  return root;
}
