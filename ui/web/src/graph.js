// The DAG: Cytoscape.js draws it on a canvas (smooth with thousands of
// nodes, and its labels are drawn text, never HTML), positions come from
// ELK. A for_each stage is one node with a count and a progress bar until
// it is clicked, which expands it into its tasks.
import cytoscape from 'cytoscape';
import { cachedLayout, routeKey, plan } from './layout.js';
import { showLayout } from './layoutnote.js';
import { size, count } from './format.js';
import { BLOCK_MIN, blockShape, cellPosition, blockFont, blockBox } from './block.js';
import { routeData, routeStyles } from './route.js';
import { quietEdges } from './bundle.js';

export const COLORS = {
  pending: { bg: '#e9ecef', border: '#adb5bd', text: '#343a40' },
  ready: { bg: '#d0ebff', border: '#4dabf7', text: '#1c3d5a' },
  running: { bg: '#339af0', border: '#1864ab', text: '#ffffff' },
  succeeded: { bg: '#8ce99a', border: '#2b8a3e', text: '#123d1c' },
  failed: { bg: '#ff6b6b', border: '#c92a2a', text: '#ffffff' },
  skipped: { bg: '#f8f9fa', border: '#adb5bd', text: '#868e96' },
  cancelled: { bg: '#ffc078', border: '#d9480f', text: '#4a1f00' },
  reused: { bg: '#d0bfff', border: '#6741d9', text: '#2b1a66' },
};

const FINAL = new Set(['succeeded', 'failed', 'skipped', 'cancelled', 'reused']);

function style() {
  const s = [
    {
      selector: 'node',
      style: {
        shape: 'round-rectangle',
        width: 'data(w)',
        height: 'data(h)',
        label: 'data(label)',
        'text-valign': 'center',
        'text-halign': 'center',
        'font-size': 12,
        'font-family': 'system-ui, sans-serif',
        'text-wrap': 'ellipsis',
        'text-max-width': 'data(w)',
        'min-zoomed-font-size': 7,
        'border-width': 1.5,
      },
    },
    {
      // Three lines: the stage and its size, the counts, the retries. The
      // node is sized for them, so they wrap rather than being cut.
      selector: 'node.group',
      style: { 'border-width': 3, 'border-style': 'double', 'text-wrap': 'wrap', 'font-size': 11, 'text-margin-y': -7, 'line-height': 1.25 },
    },
    {
      selector: 'node.block',
      style: {
        shape: 'round-rectangle',
        'background-color': '#f8f9fa',
        'background-opacity': 0.6,
        'border-width': 2,
        'border-style': 'double',
        'border-color': '#495057',
        // Drawn as the box the layout placed (blockBox), its label inside
        // the head above the grid, where no edge is routed.
        'min-width': 'data(w)',
        'min-height': 'data(h)',
        'min-height-bias-top': 'data(biasTop)',
        'min-height-bias-bottom': 'data(biasBottom)',
        label: 'data(label)',
        'text-valign': 'top',
        'text-halign': 'center',
        'text-margin-y': 'data(labelY)',
        'text-wrap': 'none',
        'font-size': 'data(font)',
        'font-weight': 600,
        color: '#212529',
        'min-zoomed-font-size': 4,
        padding: 0,
      },
    },
    {
      selector: 'node.retried',
      style: { 'text-wrap': 'wrap', 'font-size': 11, 'border-width': 3, 'border-style': 'double' },
    },
    {
      selector: 'edge',
      style: {
        width: 1.2,
        'line-color': '#adb5bd',
        'target-arrow-color': '#adb5bd',
        'target-arrow-shape': 'triangle',
        'arrow-scale': 0.8,
        'curve-style': 'bezier',
        label: 'data(label)',
        'font-size': 9,
        color: '#495057',
        'text-background-color': '#ffffff',
        'text-background-opacity': 0.85,
        'text-background-padding': 1,
        'min-zoomed-font-size': 8,
      },
    },
    ...routeStyles,
    { selector: 'edge.plain', style: { 'curve-style': 'haystack', 'target-arrow-shape': 'none', width: 0.6 } },
    { selector: 'node:selected', style: { 'border-width': 4, 'border-color': '#000000' } },
    { selector: 'node.match', style: { 'overlay-color': '#fab005', 'overlay-opacity': 0.45, 'overlay-padding': 6 } },
    // A stage with a problem, in the authoring view.
    { selector: 'node.diag', style: { 'border-color': '#c92a2a', 'border-width': 4, 'border-style': 'dashed', 'overlay-color': '#fa5252', 'overlay-opacity': 0.15, 'overlay-padding': 4 } },
  ];
  for (const [state, c] of Object.entries(COLORS)) {
    s.splice(2, 0, {
      selector: 'node[state = "' + state + '"]',
      style: { 'background-color': c.bg, 'border-color': c.border, color: c.text },
    });
  }
  s.splice(2, 0, { selector: 'node[state = "skipped"]', style: { 'border-style': 'dashed' } });
  s.splice(2, 0, { selector: 'node[state = "running"]', style: { 'border-width': 3 } });
  return s;
}

function textWidth(label) {
  return Math.max(56, Math.min(260, label.length * 7.2 + 26));
}

// groupState is the colour of a collapsed for_each stage: a failure shows
// first, then work in progress, then how it ended.
function groupState(counts, n) {
  if (counts.failed) return 'failed';
  if (counts.running) return 'running';
  if (counts.ready) return 'ready';
  const done = (counts.succeeded || 0) + (counts.reused || 0);
  if (done === n) return counts.succeeded ? 'succeeded' : 'reused';
  if (counts.cancelled) return 'cancelled';
  if (counts.skipped && counts.skipped + done === n) return 'skipped';
  return 'pending';
}

// progressBar is an SVG (as a data URL) of the tasks' states, in order
// succeeded, reused, failed, running, ready, the rest.
function progressBar(counts, n) {
  const order = ['succeeded', 'reused', 'failed', 'cancelled', 'running', 'ready', 'skipped'];
  let x = 0;
  let rects = '';
  for (const st of order) {
    const k = counts[st] || 0;
    if (!k) continue;
    const w = (k / n) * 100;
    rects += `<rect x="${x}" y="0" width="${w}" height="10" fill="${COLORS[st].border}"/>`;
    x += w;
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="10" viewBox="0 0 100 10" preserveAspectRatio="none"><rect width="100" height="10" fill="#ffffff"/>${rects}<rect width="100" height="10" fill="none" stroke="#495057" stroke-width="0.8"/></svg>`;
  return 'data:image/svg+xml;base64,' + btoa(svg);
}

// groupLabel says what a collapsed for_each stage holds, in words a bar
// cannot: "noop ×2,000  2,000/2,000", "2 failed · 1,998 cancelled",
// "3 retried".
export function groupLabel(stage, n, done, counts, retried) {
  const order = ['failed', 'running', 'ready', 'succeeded', 'reused', 'cancelled', 'skipped'];
  const parts = order.filter((s) => counts[s]).map((s) => count(counts[s]) + ' ' + s);
  const lines = [stage + ' \u00d7' + count(n) + '  ' + count(done) + '/' + count(n), parts.join(' \u00b7 ') || 'pending'];
  lines.push(retried ? count(retried) + ' retried' : ' ');
  return lines.join('\n');
}

export class GraphView {
  constructor(container, { onSelect, onExpand, onWide }) {
    this.container = container;
    this.onSelect = onSelect;
    this.onExpand = onExpand || (() => {});
    // A summarized group's tasks are not in the page: its click goes here.
    this.onWide = onWide || (() => {});
    this.groups = new Map();
    this.expanded = new Set();
    this.blocks = new Map();
    this.quiet = new Set();
    this.carried = new Map();
    this.cy = null;
    this.model = null;
    // The panel opening or the window resizing changes the canvas's size.
    // Until the user pans or zooms, the whole graph stays in view.
    new ResizeObserver(() => {
      if (!this.cy) return;
      this.cy.resize();
      if (this.autoFit) this.fitNow();
    }).observe(container);
    container.addEventListener('wheel', () => (this.autoFit = false), { passive: true });
    container.addEventListener('pointermove', (e) => {
      if (e.buttons) this.autoFit = false;
    });
  }

  // setGraph draws doc (dag.WriteJSON's task view). It resolves once the
  // layout is done and the nodes are drawn.
  async setGraph(doc, { fit = true } = {}) {
    this.doc = doc;
    const t0 = performance.now();
    this.tasks = new Map(doc.tasks.map((t) => [t.id, t]));
    // Wide stages the server summarized (its overview): counts, no tasks.
    this.groups = new Map((doc.groups || []).map((g) => [g.stage, g]));
    this.members = new Map(); // for_each stage -> its task ids
    for (const t of doc.tasks) {
      if (!t.keyed) continue;
      if (!this.members.has(t.stage)) this.members.set(t.stage, []);
      this.members.get(t.stage).push(t.id);
    }
    // Wide expanded stages become blocks (block.js).
    this.blocks = new Map(); // stage -> its grid's shape
    for (const [stage, ids] of this.members) {
      if (!this.expanded.has(stage) || ids.length < BLOCK_MIN) continue;
      this.blocks.set(stage, blockShape(ids.length, Math.min(180, Math.max(...ids.map(textWidth)))));
    }
    const nodes = [];
    const seen = new Set();
    for (const t of doc.tasks) {
      const id = this.rep(t.id);
      if (seen.has(id)) continue;
      seen.add(id);
      const shape = t.keyed && this.blocks.get(t.stage);
      if (shape) {
        const b = 'block:' + t.stage;
        if (!seen.has(b)) {
          seen.add(b);
          nodes.push({ id: b, label: t.stage, w: shape.w, h: shape.h, block: t.stage });
        }
        continue;
      }
      if (id !== t.id) {
        const n = this.members.get(t.stage).length;
        const label = t.stage + ' \u00d7' + count(n);
        nodes.push({ id, label, w: Math.max(250, textWidth(label)), h: 70, group: t.stage });
      } else {
        nodes.push({ id, label: t.id, w: textWidth(t.id), h: 34 });
      }
    }
    for (const g of this.groups.values()) {
      const label = g.stage + ' \u00d7' + count(g.tasks);
      nodes.push({ id: 'stage:' + g.stage, label, w: Math.max(250, textWidth(label)), h: 70, group: g.stage });
    }
    const edges = new Map();
    for (const e of doc.edges) {
      const from = this.place(e.from);
      const to = this.place(e.to);
      if (from === to) continue;
      const k = from + '\u0000' + to;
      let x = edges.get(k);
      if (!x) {
        x = { from, to, segments: new Set(), producers: new Set() };
        edges.set(k, x);
      }
      for (const s of e.segments || []) x.segments.add(s);
      if ((e.segments || []).length) x.producers.add(e.from);
    }
    const t05 = performance.now();
    // The layout may run in a worker: with cores to spare, build the
    // elements meanwhile and place them once it is done. With two cores or
    // fewer the browser's own threads leave none spare, and building beside
    // the worker slowed both: a first view of 5,000 stages took 7.6 s that
    // way against 4.0 s one after the other, on two cores.
    const chosen = plan(nodes, [...edges.values()]);
    let placed = cachedLayout(nodes, [...edges.values()], chosen);
    if ((navigator.hardwareConcurrency || 2) <= 2) placed = Promise.resolve(await placed);
    // Big or dense: drawn as the backbone's graph is (layout.js).
    const big = chosen.path !== 'routed';
    const els = [];
    for (const n of nodes) {
      if (n.block) {
        const shape = this.blocks.get(n.block);
        const box = blockBox(shape);
        els.push({
          group: 'nodes',
          data: {
            id: n.id,
            label: n.label,
            stage: n.block,
            w: box.w,
            h: box.h,
            biasTop: box.biasTop + '%',
            biasBottom: box.biasBottom + '%',
            labelY: box.labelY,
            font: blockFont(shape),
          },
          classes: 'block',
        });
        for (const id of this.members.get(n.block)) {
          els.push({
            group: 'nodes',
            data: { id, label: id, w: shape.cellW, h: 34, state: 'pending', parent: n.id },
            position: { x: 0, y: 0 },
          });
        }
        continue;
      }
      els.push({
        group: 'nodes',
        data: { id: n.id, label: n.label, w: n.w, h: n.h, state: 'pending', stage: n.group },
        position: { x: 0, y: 0 },
        classes: n.group ? 'group' : '',
      });
    }
    let i = 0;
    this.edgeData = [];
    this.quiet = new Set(); // edges whose bundle's label another carries
    this.carried = new Map(); // a fan-in's labelled edge -> its bundle's producers
    for (const x of edges.values()) {
      const id = 'e' + i++;
      this.edgeData.push({ id, ...x });
      els.push({
        group: 'edges',
        data: { id, source: x.from, target: x.to, label: [...x.segments].join(', ') },
        classes: big ? 'plain' : '',
      });
    }
    const old = this.cy;
    const view = old && !fit ? { zoom: old.zoom(), pan: old.pan() } : null;
    if (old) old.destroy();
    this.container.style.visibility = 'hidden'; // until placed
    // A big graph is drawn with its nodes first and its edges once the page
    // is up (addEdges): thousands of edges take longer to create and draw
    // than the nodes, and the nodes are what a user looks for first.
    const later = big ? els.filter((e) => e.group === 'edges') : [];
    const cy = cytoscape({
      container: this.container,
      elements: big ? els.filter((e) => e.group === 'nodes') : els,
      style: style(),
      layout: { name: 'preset' },
      minZoom: 0.02,
      maxZoom: 4,
      boxSelectionEnabled: false,
      autoungrabify: true,
      selectionType: 'single',
      textureOnViewport: big,
      hideEdgesOnViewport: big,
      pixelRatio: big ? 1 : 'auto',
    });
    this.cy = cy;
    if (this.model) this.paint(this.model);
    const t1 = performance.now();
    const done = await placed;
    if (this.cy !== cy) return this.timings; // a newer graph replaced this one
    const t2 = performance.now();
    const { pos, routes, path } = done;
    showLayout(this.container, done, chosen.cost);
    const cells = new Map();
    for (const [stage, shape] of this.blocks) {
      const c = pos.get('block:' + stage);
      this.members.get(stage).forEach((id, i) => cells.set(id, cellPosition(shape, c, i)));
    }
    cy.batch(() => {
      cy.nodes(':childless').positions((n) => cells.get(n.id()) || pos.get(n.id()));
      // Edges follow ELK's routes, which go around nodes; an edge without
      // one (a big graph's) is drawn straight.
      if (path === 'fallback') cy.edges().addClass('plain');
      if (!routes.size) return;
      const bends = new Map();
      for (const x of this.edgeData) {
        const r = routeData(routes.get(routeKey(x.from, x.to)), pos.get(x.from), pos.get(x.to));
        if (!r) continue;
        const e = cy.getElementById(x.id);
        e.data(r);
        e.addClass(r.bends ? 'routed' : 'routed-straight');
        bends.set(x.id, r.bends);
      }
      const stageOf = (id) => {
        const t = this.tasks.get(id);
        return t && t.keyed ? t.stage : undefined;
      };
      ({ quiet: this.quiet, carried: this.carried } = quietEdges(this.edgeData, bends, stageOf));
      for (const id of this.quiet) cy.getElementById(id).data('label', '');
    });
    this.container.style.visibility = '';
    if (view) this.cy.viewport(view);
    else this.fitNow();
    this.cy.on('tap', 'node', (ev) => {
      const n = ev.target;
      if (n.hasClass('group')) {
        const stage = n.data('stage');
        if (this.groups.has(stage)) this.onWide(stage);
        else this.expand(stage);
        return;
      }
      if (n.hasClass('block')) return; // its tasks are the targets
      this.onSelect(n.id());
    });
    this.cy.on('tap', (ev) => {
      if (ev.target === this.cy) this.onSelect(null);
    });
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    this.later = later;
    this.timings = {
      prepare: t05 - t0,
      elements: t1 - t05, // while the layout runs
      layout: t2 - t05, // done, from its start
      place: performance.now() - t2,
      total: performance.now() - t0,
      nodes: nodes.length,
      edges: edges.size,
    };
    return this.timings;
  }

  // addEdges adds the edges a big graph was drawn without, in the next
  // idle moment.
  addEdges() {
    const later = this.later || [];
    this.later = [];
    if (!later.length) return;
    const cy = this.cy;
    const add = () => {
      if (this.cy !== cy) return;
      cy.add(later);
      if (this.model) this.labelEdges(new Set(this.edgeData.flatMap((x) => [...x.producers])), this.model);
    };
    if (typeof requestIdleCallback === 'function') requestIdleCallback(add, { timeout: 200 });
    else setTimeout(add, 0);
  }

  // rep is the node that shows task id: itself, or its collapsed stage.
  // place is the node the layout places for task id: its block, if in one.
  place(id) {
    const t = this.tasks.get(id);
    if (t && t.keyed && this.blocks.has(t.stage)) return 'block:' + t.stage;
    return this.rep(id);
  }

  rep(id) {
    const t = this.tasks.get(id);
    if (!t) {
      // A task of a summarized group is not in the page; its group is.
      const i = id.indexOf('[');
      if (i > 0 && this.groups.has(id.slice(0, i))) return 'stage:' + id.slice(0, i);
      return id;
    }
    if (t && t.keyed && !this.expanded.has(t.stage)) return 'stage:' + t.stage;
    return id;
  }

  // remember keeps which for_each stages are expanded under key (a run,
  // or the workflow being edited) in the tab's sessionStorage, so that a
  // reload shows the graph as it was left.
  remember(key) {
    this.storeKey = 'weir.expanded.' + key;
    let saved = [];
    try {
      saved = JSON.parse(sessionStorage.getItem(this.storeKey) || '[]');
    } catch {
      saved = [];
    }
    this.expanded = new Set(Array.isArray(saved) ? saved.filter((s) => typeof s === 'string') : []);
  }

  saveExpanded() {
    if (!this.storeKey) return;
    try {
      sessionStorage.setItem(this.storeKey, JSON.stringify([...this.expanded]));
    } catch {
      // Storage full or refused: the graph still works, unremembered.
    }
  }

  async expand(stage) {
    this.expanded.add(stage);
    this.saveExpanded();
    this.onExpand();
    const fit = this.autoFit;
    await this.setGraph(this.doc, { fit });
    this.addEdges();
    if (!fit) this.center(this.members.get(stage)[0]);
  }

  async collapse(stage) {
    this.expanded.delete(stage);
    this.saveExpanded();
    this.onExpand();
    const fit = this.autoFit;
    await this.setGraph(this.doc, { fit });
    this.addEdges();
    if (!fit) this.center('stage:' + stage);
  }

  // paint colours every node from model.
  paint(model) {
    this.model = model;
    if (!this.cy) return;
    this.paintIds(this.tasks.keys(), model);
    this.cy.batch(() => {
      for (const stage of this.groups.keys()) this.paintGroup(stage, model);
    });
  }

  // setGroups brings the summarized groups' counts up to the server's.
  setGroups(groups) {
    for (const g of groups || []) if (this.groups.has(g.stage)) this.groups.set(g.stage, g);
    if (this.cy && this.model) this.cy.batch(() => groups.forEach((g) => this.groups.has(g.stage) && this.paintGroup(g.stage, this.model)));
  }

  // paintIds colours the nodes of the given tasks, in one batch.
  paintIds(ids, model) {
    this.model = model;
    if (!this.cy) return;
    const dirty = ids;
    const groups = new Set();
    const producers = new Set();
    this.cy.batch(() => {
      for (const id of dirty) {
        const r = this.rep(id);
        if (r !== id) {
          groups.add(this.tasks.get(id).stage);
        } else {
          const n = this.cy.getElementById(id);
          const v = model.task(id);
          const t = this.tasks.get(id);
          if (t && t.keyed && this.blocks.has(t.stage)) groups.add(t.stage);
          if (n.nonempty()) {
            if (n.data('state') !== v.state) n.data('state', v.state);
            // A retried task carries its try count, so that it no longer
            // looks like one that passed first time.
            const tries = (v.attempts || []).length;
            const label = tries > 1 ? id + '\n' + tries + ' tries' : id;
            if (n.data('label') !== label) {
              n.data('label', label);
              n.toggleClass('retried', tries > 1);
            }
          }
        }
        if (model.task(id).outputs) producers.add(id);
      }
      for (const stage of groups) this.paintGroup(stage, model);
      if (producers.size) this.labelEdges(producers, model);
    });
  }

  paintGroup(stage, model) {
    const g = this.groups.get(stage);
    if (g) return this.paintCounts(stage, g.tasks, g.counts || {}, g.retried || 0);
    const ids = this.members.get(stage);
    const counts = {};
    for (const id of ids) {
      const st = model.task(id).state;
      counts[st] = (counts[st] || 0) + 1;
    }
    let done = 0;
    let retried = 0;
    for (const id of ids) {
      const v = model.task(id);
      if (FINAL.has(v.state)) done++;
      if ((v.attempts || []).length > 1) retried++;
    }
    this.paintCounts(stage, ids.length, counts, retried, done);
  }

  // paintCounts draws a group from its counts: colour, label and bar.
  paintCounts(stage, n, counts, retried, done) {
    if (done == null) {
      done = 0;
      for (const st of FINAL) done += counts[st] || 0;
    }
    if (this.blocks.has(stage)) {
      // One line: the block's label is drawn above it, large.
      const label = groupLabel(stage, n, done, counts, retried).split('\n').map((l) => l.trim()).filter(Boolean).join('  \u00b7  ');
      this.cy.getElementById('block:' + stage).data('label', label);
      return;
    }
    const node = this.cy.getElementById('stage:' + stage);
    node.data({ state: groupState(counts, n), label: groupLabel(stage, n, done, counts, retried) });
    node.style({
      'background-image': progressBar(counts, n),
      'background-width': '80%',
      'background-height': 8,
      'background-position-y': '88%',
      'background-clip': 'none',
    });
  }

  // labelEdges puts the committed size of each segment on the edges that
  // carry it.
  labelEdges(producers, model) {
    for (const x of this.edgeData) {
      const from = this.carried.get(x.id) || x.producers;
      if (this.quiet.has(x.id) || ![...from].some((p) => producers.has(p))) continue;
      const parts = [];
      for (const seg of x.segments) {
        let total = 0;
        let known = false;
        for (const p of from) {
          for (const o of model.task(p).outputs || []) {
            if (o.name === seg) {
              total += o.size;
              known = true;
            }
          }
        }
        parts.push(known ? seg + ' ' + size(total) : seg);
      }
      this.cy.getElementById(x.id).data('label', parts.join(', '));
    }
  }

  // fitNow shows the whole graph, but a small one no larger than life.
  fitNow() {
    this.autoFit = true;
    this.cy.fit(undefined, 24);
    if (this.cy.zoom() > 1.25) {
      this.cy.zoom(1.25);
      this.cy.center();
    }
  }

  fit() {
    if (this.cy) this.fitNow();
  }

  // center moves the view to a task (or its collapsed stage), and marks it.
  center(id) {
    if (!this.cy) return false;
    const n = this.cy.getElementById(this.rep(id));
    if (n.empty()) return false;
    this.cy.elements('.match').removeClass('match');
    n.addClass('match');
    this.cy.animate({ center: { eles: n }, zoom: Math.max(this.cy.zoom(), 1) }, { duration: 200 });
    return true;
  }

  // search finds the first task or stage whose name contains text and
  // centres it; it returns the id found.
  search(text) {
    const q = text.trim().toLowerCase();
    if (!q || !this.doc) return null;
    let found = null;
    for (const t of this.doc.tasks) {
      if (t.id.toLowerCase() === q || t.stage.toLowerCase() === q) {
        found = t.id;
        break;
      }
      if (!found && t.id.toLowerCase().includes(q)) found = t.id;
    }
    if (found) this.center(found);
    return found;
  }

  select(id) {
    if (!this.cy) return;
    this.cy.$(':selected').unselect();
    if (id) this.cy.getElementById(this.rep(id)).select();
  }

  // markDiagnostics marks the stage each diagnostic falls in: the task
  // declared last at or above its line, in its file.
  markDiagnostics(diags) {
    if (!this.cy || !this.doc) return;
    this.cy.nodes('.diag').removeClass('diag').removeData('diag');
    for (const d of diags || []) {
      if (!d.line) continue;
      let best = null;
      for (const t of this.doc.tasks) {
        const o = t.origin;
        if (!o || (d.file && o.file && o.file !== d.file) || o.line > d.line) continue;
        if (!best || o.line > best.origin.line) best = t;
      }
      if (!best) continue;
      const n = this.cy.getElementById(this.rep(best.id));
      n.addClass('diag');
      n.data('diag', d.summary);
    }
  }

  // stateOf is what a node shows, for tests and the legend.
  stateOf(id) {
    const n = this.cy && this.cy.getElementById(this.rep(id));
    if (!n || n.empty()) return null;
    return { state: n.data('state'), color: n.style('background-color'), label: n.data('label'), diag: n.data('diag') || '' };
  }
}
