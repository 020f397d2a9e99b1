// The task table beside the graph: one row per task, sortable, filtered by
// state, stage and text. Only the rows in view exist in the DOM (a pool of
// row elements moved as the list scrolls), so 100,000 tasks scroll as 30.
import { el, size, duration, ms, reason, count, STATES } from './format.js';
import { taskRow } from './taskrow.js';

const ROW = 22; // px; fixed, so a row's position is its index times ROW
const OVERSCAN = 8;
const BLOCK = 200; // rows in a page asked of the server

export const COLUMNS = [
  { key: 'stage', label: 'stage' },
  { key: 'key', label: 'key' },
  { key: 'state', label: 'state' },
  { key: 'tries', label: 'tries' },
  { key: 'reason', label: 'reason' },
  { key: 'took', label: 'took' },
  { key: 'peak', label: 'peak / cap' },
  { key: 'pool', label: 'pool' },
];

// Failures first: what a user opens a failed run to find.
const RANK = { failed: 0, lost: 0, running: 1, ready: 2, cancelled: 3, skipped: 4, pending: 5, reused: 6, succeeded: 7 };

export class TaskTable {
  constructor(root, { onSelect, onFilter }) {
    this.root = root;
    this.onSelect = onSelect;
    this.onFilter = onFilter || (() => {});
    this.rows = [];
    this.byId = new Map();
    this.view = [];
    this.filter = { state: '', stage: '', q: '' };
    this.sort = null; // {key, dir}; null: declaration order, failures first in a failed run
    this.selected = null;
    this.pool = [];
    this.build();
  }

  build() {
    this.stateSel = el('select', { class: 'tt-state', title: 'Show tasks in this state' });
    this.stageSel = el('select', { class: 'tt-stage', title: 'Show tasks of this stage' });
    this.search = el('input', { class: 'tt-search', type: 'search', placeholder: 'Filter tasks\u2026', autocomplete: 'off' });
    this.info = el('span', { class: 'tt-info muted' });
    this.stateSel.onchange = () => this.setFilter({ state: this.stateSel.value });
    this.stageSel.onchange = () => this.setFilter({ stage: this.stageSel.value });
    this.search.oninput = () => this.setFilter({ q: this.search.value });
    this.head = el(
      'div',
      { class: 'tt-row tt-head' },
      COLUMNS.map((c) => el('button', { class: 'tt-col tt-' + c.key, 'data-key': c.key, text: c.label, onclick: () => this.sortBy(c.key) })),
    );
    this.spacer = el('div', { class: 'tt-spacer' });
    this.body = el('div', { class: 'tt-body' }, this.spacer);
    this.body.addEventListener('scroll', () => this.draw(), { passive: true });
    this.body.addEventListener('click', (ev) => {
      const r = ev.target.closest('.tt-row[data-id]');
      if (r) this.onSelect(r.dataset.id);
    });
    new ResizeObserver(() => this.draw()).observe(this.body);
    this.root.replaceChildren(el('div', { class: 'tt-tools' }, this.stateSel, this.stageSel, this.search, this.info), this.head, this.body);
  }

  // setRun shows every task of doc as model has it.
  setRun(doc, model) {
    this.remote = null;
    this.doc = doc;
    this.model = model;
    this.rows = doc.tasks.map((t, i) => rowOf(t, i, model));
    this.byId = new Map(this.rows.map((r) => [r.id, r]));
    this.tally();
    const stages = [...new Set(doc.tasks.map((t) => t.stage))];
    this.stageSel.replaceChildren(el('option', { value: '', text: 'every stage' }), ...stages.map((s) => el('option', { value: s, text: s })));
    this.stageSel.value = stages.includes(this.filter.stage) ? this.filter.stage : '';
    this.refresh();
  }

  // update brings the rows of ids up to model; the order and the filter
  // follow at most once a second, so that a busy run does not sort 100,000
  // rows every frame.
  update(ids, model) {
    this.model = model;
    if (this.remote) {
      // The server has the rows: ask again at most once a second.
      if (!this.later) this.later = setTimeout(() => ((this.later = null), this.refresh()), 1000);
      return;
    }
    for (const id of ids) {
      const r = this.byId.get(id);
      if (r) Object.assign(r, rowOf(r.task, r.order, model));
    }
    this.tally();
    const now = performance.now();
    if (this.rows.length < 5000 || now - (this.sorted || 0) > 1000) this.refresh();
    else {
      this.draw();
      clearTimeout(this.later);
      this.later = setTimeout(() => this.refresh(), 1000);
    }
  }

  // setFilter resolves once the table shows the filtered rows.
  setFilter(f) {
    Object.assign(this.filter, f);
    const done = this.refresh();
    this.onFilter(this.filter);
    return done;
  }

  sortBy(key) {
    if (this.sort && this.sort.key === key) this.sort.dir = -this.sort.dir;
    else this.sort = { key, dir: 1 };
    const done = this.refresh();
    this.onFilter(this.filter);
    return done;
  }

  // setRemote shows a run whose rows stay on the server (too many for the
  // page): fetch(params) answers a page of them, filtered and sorted there.
  setRemote(doc, model, fetch) {
    this.doc = doc;
    this.model = model;
    this.remote = { fetch, asked: new Set() };
    this.rows = [];
    this.byId = new Map();
    return this.refresh();
  }

  params(offset, extra) {
    const f = this.filter;
    const p = { offset, limit: BLOCK };
    if (f.state) p.state = f.state;
    if (f.stage) p.stage = f.stage;
    if (f.q.trim()) p.q = f.q.trim();
    if (this.sort) Object.assign(p, { sort: this.sort.key, dir: this.sort.dir });
    return Object.assign(p, extra);
  }

  // refreshRemote asks for the first page under the filter, then swaps it
  // in: the rows shown stay until the new ones are here.
  async refreshRemote() {
    const gen = (this.gen = (this.gen || 0) + 1);
    const top = Math.floor(this.body.scrollTop / ROW / BLOCK) * BLOCK;
    const page = await this.remote.fetch(this.params(top));
    if (gen !== this.gen) return;
    this.remote.asked = new Set([top]);
    this.all = page.all;
    this.stateCounts = page.counts;
    this.view = new Array(page.total); // holes until their pages come
    this.place(page);
    const stages = page.stages || [];
    if (this.stageSel.options.length !== stages.length + 1) {
      this.stageSel.replaceChildren(el('option', { value: '', text: 'every stage' }), ...stages.map((s) => el('option', { value: s, text: s })));
    }
    this.shown();
  }

  place(page) {
    const view = { task: () => null };
    page.rows.forEach((r, i) => {
      view.task = () => r.v;
      this.view[page.offset + i] = rowOf(r.t, r.order, view);
    });
  }

  // fetchBlock fills the rows of the page at offset, once.
  async fetchBlock(offset) {
    if (this.remote.asked.has(offset)) return;
    this.remote.asked.add(offset);
    const gen = this.gen;
    const page = await this.remote.fetch(this.params(offset));
    if (gen !== this.gen) return;
    this.place(page);
    this.draw();
  }

  // refresh filters and sorts the rows, then draws the ones in view.
  refresh() {
    if (this.remote) return this.refreshRemote();
    this.sorted = performance.now();
    const { state, stage } = this.filter;
    const q = this.filter.q.trim().toLowerCase();
    const out = [];
    for (const r of this.rows) {
      if (state && r.state !== state) continue;
      if (stage && r.stage !== stage) continue;
      if (q && !r.id.toLowerCase().includes(q) && !r.reason.toLowerCase().includes(q)) continue;
      out.push(r);
    }
    const failedRun = this.model && this.model.run && this.model.run.state === 'failed';
    if (this.sort) {
      const { key, dir } = this.sort;
      out.sort((a, b) => dir * compare(a, b, key) || a.order - b.order);
    } else if (failedRun) {
      out.sort((a, b) => (RANK[a.state] ?? 9) - (RANK[b.state] ?? 9) || a.order - b.order);
    }
    this.view = out;
    this.shown();
  }

  // shown brings the menus, the headers and the rows up to the view.
  shown() {
    const { state, stage } = this.filter;
    this.counts();
    this.stateSel.value = state;
    this.stageSel.value = stage;
    if (this.search.value !== this.filter.q) this.search.value = this.filter.q;
    for (const b of this.head.children) {
      const on = this.sort && this.sort.key === b.dataset.key;
      b.classList.toggle('sorted', !!on);
      b.dataset.dir = on ? (this.sort.dir > 0 ? 'asc' : 'desc') : '';
    }
    this.spacer.style.height = this.view.length * ROW + 'px';
    this.draw();
  }

  // tally counts the rows in each state, when rows change rather than on
  // every choice of filter.
  tally() {
    const n = {};
    for (const r of this.rows) n[r.state] = (n[r.state] || 0) + 1;
    this.stateCounts = n;
  }

  // counts fills the state menu with how many tasks each state has.
  counts() {
    const n = this.stateCounts || {};
    const all = this.remote ? this.all : this.rows.length;
    const opts = [el('option', { value: '', text: 'every state (' + count(all) + ')' })];
    for (const s of STATES) if (n[s] || s === this.filter.state) opts.push(el('option', { value: s, text: s + ' (' + count(n[s] || 0) + ')' }));
    this.stateSel.replaceChildren(...opts);
    this.info.textContent = this.view.length === all ? count(all) + ' tasks' : count(this.view.length) + ' of ' + count(all);
  }

  // draw places row elements over the rows in view.
  draw() {
    const top = this.body.scrollTop;
    const h = this.body.clientHeight || 400;
    const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
    const last = Math.min(this.view.length, Math.ceil((top + h) / ROW) + OVERSCAN);
    const need = last - first;
    while (this.pool.length < need) {
      const r = taskRow(COLUMNS);
      this.pool.push(r);
      this.spacer.append(r.el);
    }
    for (let i = 0; i < this.pool.length; i++) {
      const r = this.pool[i];
      const row = this.view[first + i];
      if (!row && this.remote && i < need) this.fetchBlock(Math.floor((first + i) / BLOCK) * BLOCK);
      if (i >= need || !row) {
        r.el.hidden = true;
        continue;
      }
      r.el.hidden = false;
      r.el.style.transform = 'translateY(' + (first + i) * ROW + 'px)';
      r.fill(row, row.id === this.selected);
    }
  }

  select(id) {
    this.selected = id;
    this.draw();
  }

  // reveal scrolls the row of id into view.
  async reveal(id) {
    let i = this.view.findIndex((r) => r && r.id === id);
    if (i < 0 && this.remote) {
      const gen = this.gen;
      const page = await this.remote.fetch(this.params(0, { find: id, limit: 0 }));
      if (gen !== this.gen) return;
      i = page.index;
    }
    if (i < 0) return;
    const top = i * ROW;
    if (top < this.body.scrollTop || top > this.body.scrollTop + this.body.clientHeight - ROW) this.body.scrollTop = Math.max(0, top - 3 * ROW);
    this.draw();
  }
}

function compare(a, b, key) {
  const x = a[key + 'Sort'] ?? a[key];
  const y = b[key + 'Sort'] ?? b[key];
  return x < y ? -1 : x > y ? 1 : 0;
}

// rowOf is what the table shows of task t, with sort keys beside the text.
export function rowOf(t, order, model) {
  const v = model ? model.task(t.id) : { state: 'pending', attempts: [] };
  const attempts = v.attempts || [];
  const a = attempts.length ? attempts[attempts.length - 1] : null;
  const r = (a && a.result) || {};
  const begun = r.start ? ms(r.start) : a && ms(a.start);
  const took = a && begun ? (r.end ? ms(r.end) : Date.now()) - begun : NaN;
  const cap = (a && a.memory) || t.memory || 0;
  let peak = 0;
  for (const x of attempts) peak = Math.max(peak, (x.result && x.result.peak_memory) || 0);
  return {
    id: t.id,
    task: t,
    order,
    stage: t.stage,
    key: t.keyed ? t.key || t.id.slice(t.stage.length + 1, -1) : '',
    state: v.state,
    stateSort: RANK[v.state] ?? 9,
    tries: attempts.length,
    reason: a ? (a.result ? reason(a) : a.start ? 'running' : '') : v.message || '',
    took: isNaN(took) ? '' : duration(took),
    tookSort: isNaN(took) ? -1 : took,
    peak: peak ? size(peak) + (cap ? ' / ' + size(cap) : '') : cap ? '- / ' + size(cap) : '',
    peakSort: peak,
    high: cap > 0 && peak >= 0.9 * cap,
    pool: t.pool,
  };
}
