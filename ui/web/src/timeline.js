// The timeline: every attempt as a bar, one lane per pool, drawn on a
// canvas (thousands of attempts stay cheap). Overlapping attempts of a pool
// stack in rows, as its slots do. Clicking a bar opens its task.
import { COLORS } from './graph.js';
import { ms, duration, el } from './format.js';

const ROW = 14;
const GAP = 2;
const LABEL = 90;
// A retry's mark: a notch at the start of every attempt after the first,
// so that a task tried again stands out from one that passed first time.
export const RETRY_MARK = '#fab005';

function colorOf(a) {
  const r = a.result;
  if (!r) return COLORS.running.bg;
  if (r.reason === 'succeeded') return COLORS.succeeded.border;
  if (r.reason === 'cancelled') return COLORS.cancelled.border;
  return COLORS.failed.border;
}

export class Timeline {
  constructor(root, { onSelect }) {
    this.root = root;
    this.onSelect = onSelect;
    this.canvas = el('canvas', { class: 'timeline-canvas' });
    this.info = el('div', { class: 'timeline-info muted' });
    root.replaceChildren(this.info, this.canvas);
    this.bars = [];
    this.canvas.addEventListener('click', (ev) => {
      const r = this.canvas.getBoundingClientRect();
      const x = ev.clientX - r.left;
      const y = ev.clientY - r.top;
      const hit = this.bars.find((b) => x >= b.x && x <= b.x + Math.max(b.w, 3) && y >= b.y && y <= b.y + ROW);
      if (hit) this.onSelect(hit.task);
    });
    this.pending = false;
  }

  // draw lays out the attempts of model's tasks by pool (from graph doc).
  draw(model, doc) {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.render(model, doc);
    });
  }

  render(model, doc) {
    const pools = new Map();
    for (const p of doc.pools || []) pools.set(p.name, []);
    const poolOf = new Map(doc.tasks.map((t) => [t.id, t.pool]));
    // A task of a wide stage the page has as a group: its group's pool.
    const groupPool = new Map((doc.groups || []).map((g) => [g.stage, g.pool]));
    const laneOf = (id) => poolOf.get(id) || groupPool.get(id.includes('[') ? id.slice(0, id.indexOf('[')) : id) || 'default';
    let t0 = Infinity;
    let t1 = -Infinity;
    const now = Date.now();
    const ended = model.run.ended ? ms(model.run.ended) : now;
    for (const [id, t] of model.tasks) {
      for (const a of t.attempts || []) {
        if (!a.start) continue;
        const s = ms(a.start);
        const e = a.result && a.result.end ? ms(a.result.end) : Math.min(now, ended);
        if (isNaN(s)) continue;
        const pool = laneOf(id);
        if (!pools.has(pool)) pools.set(pool, []);
        pools.get(pool).push({ task: id, a, s, e: Math.max(e, s) });
        t0 = Math.min(t0, s);
        t1 = Math.max(t1, e);
      }
    }
    const width = Math.max(300, this.root.clientWidth - 4);
    const lanes = [];
    let rows = 0;
    for (const [name, items] of pools) {
      if (!items.length) continue;
      items.sort((x, y) => x.s - y.s);
      const ends = []; // per row, when it is free again
      for (const it of items) {
        let r = ends.findIndex((e) => e <= it.s);
        if (r < 0) {
          r = ends.length;
          ends.push(0);
        }
        ends[r] = it.e;
        it.row = rows + r;
      }
      lanes.push({ name, top: rows, rows: ends.length, items });
      rows += ends.length;
    }
    const height = Math.max(40, rows * (ROW + GAP) + lanes.length * 6 + 22);
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = width * dpr;
    this.canvas.height = height * dpr;
    this.canvas.style.width = width + 'px';
    this.canvas.style.height = height + 'px';
    const g = this.canvas.getContext('2d');
    g.scale(dpr, dpr);
    g.clearRect(0, 0, width, height);
    g.font = '11px system-ui, sans-serif';
    this.bars = [];
    this.marks = [];
    if (!lanes.length) {
      this.info.textContent = 'No attempts yet.';
      return;
    }
    const span = Math.max(t1 - t0, 1);
    const retries = lanes.reduce((n, l) => n + l.items.filter((it) => it.a.n > 1).length, 0);
    this.info.textContent = 'Attempts by pool, ' + duration(span) + ' in all' + (retries ? '; ' + retries + (retries === 1 ? ' retry' : ' retries') + ', marked at their start' : '') + '. Click a bar to open its stage.';
    const x = (t) => LABEL + ((t - t0) / span) * (width - LABEL - 8);
    let y0 = 4;
    for (const lane of lanes) {
      g.fillStyle = '#f1f3f5';
      g.fillRect(0, y0 + lane.top * (ROW + GAP) - 2, width, lane.rows * (ROW + GAP) + 2);
      g.fillStyle = '#212529';
      g.fillText(lane.name, 4, y0 + lane.top * (ROW + GAP) + 11);
      for (const it of lane.items) {
        const bx = x(it.s);
        const bw = Math.max(1, x(it.e) - bx);
        const by = y0 + it.row * (ROW + GAP);
        g.fillStyle = colorOf(it.a);
        g.fillRect(bx, by, bw, ROW);
        if (bw > 40) {
          g.fillStyle = '#ffffff';
          g.save();
          g.beginPath();
          g.rect(bx, by, bw, ROW);
          g.clip();
          g.fillText(it.task + (it.a.n > 1 ? ' #' + it.a.n : ''), bx + 3, by + 11);
          g.restore();
        }
        if (it.a.n > 1) {
          g.fillStyle = RETRY_MARK;
          g.beginPath();
          g.moveTo(bx, by);
          g.lineTo(bx + 7, by);
          g.lineTo(bx, by + ROW);
          g.closePath();
          g.fill();
          this.marks.push({ x: bx, y: by, task: it.task, n: it.a.n });
        }
        this.bars.push({ x: bx, y: by, w: bw, task: it.task });
      }
      y0 += 6;
    }
    // Ticks at a round step, about one per 120 px.
    const step = niceStep(span / Math.max(1, (width - LABEL) / 120));
    g.fillStyle = '#495057';
    g.strokeStyle = 'rgba(0, 0, 0, 0.08)';
    for (let t = 0; t <= span; t += step) {
      const tx = x(t0 + t);
      g.beginPath();
      g.moveTo(tx + 0.5, 0);
      g.lineTo(tx + 0.5, height - 16);
      g.stroke();
      const label = t === 0 ? '0' : duration(t);
      if (tx + g.measureText(label).width < width) g.fillText(label, tx + 2, height - 4);
    }
  }
}

// niceStep rounds a duration in ms up to 1, 2 or 5 times a power of ten.
function niceStep(ms) {
  const p = Math.pow(10, Math.floor(Math.log10(Math.max(ms, 1))));
  for (const m of [1, 2, 5, 10]) if (m * p >= ms) return m * p;
  return 10 * p;
}
