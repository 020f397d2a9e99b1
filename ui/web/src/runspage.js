// The Runs page: the state dir's runs filtered by workflow and state, each
// workflow's durations over its runs, the runs x tasks grid of one
// workflow's recent runs (as Airflow's Grid view), and what changed between
// two runs. Everything it shows is in the address (#runs&workflow=...).
import { el, svg, dateTime, duration, ms, size, count } from './format.js';
import { historyList } from './history.js';

const RUN_STATES = ['running', 'succeeded', 'failed', 'cancelled', 'lost'];

// runsLink is the hash of the Runs page showing v.
export function runsLink(v) {
  const p = new URLSearchParams();
  p.set('runs', '');
  for (const k of ['workflow', 'state', 'a', 'b']) if (v[k]) p.set(k, v[k]);
  return '#' + p.toString().replace('runs=', 'runs');
}

// readRunsLink is what the Runs page's hash asks for, or null when the
// hash is not the Runs page's.
export function readRunsLink(hash) {
  const p = new URLSearchParams((hash || '').replace(/^#/, ''));
  if (!p.has('runs')) return null;
  return { workflow: p.get('workflow') || '', state: p.get('state') || '', a: p.get('a') || '', b: p.get('b') || '' };
}

function tookOf(r) {
  return r.ended && r.started ? ms(r.ended) - ms(r.started) : NaN;
}

export class RunsPage {
  constructor(root, source, { onOpen }) {
    this.root = root;
    this.source = source;
    this.onOpen = onOpen;
  }

  // show draws the page for link; current is the run open, if any.
  async show(link, current) {
    this.link = link;
    const runs = await this.source.runs();
    const workflows = [...new Set(runs.map((r) => r.workflow || r.name))].sort();
    const shown = runs.filter((r) => (!link.workflow || (r.workflow || r.name) === link.workflow) && (!link.state || r.state === link.state));
    const set = (k, v) => {
      const next = Object.assign({}, this.link, { [k]: v });
      history.replaceState(null, '', location.pathname + location.search + runsLink(next));
      this.show(next, current);
    };
    const select = (cls, value, options, all, onChange) =>
      el('select', { class: cls, onchange: (ev) => onChange(ev.target.value) },
        el('option', { value: '', text: all }),
        options.map((o) => el('option', { value: o, text: o, selected: o === value })));
    const parts = [
      el('header', { class: 'runs-head' },
        el('h2', { text: 'Runs' }),
        select('rp-workflow', link.workflow, workflows, 'every workflow', (v) => set('workflow', v)),
        select('rp-state', link.state, RUN_STATES, 'every outcome', (v) => set('state', v)),
        el('span', { class: 'muted rp-info', text: count(shown.length) + ' of ' + count(runs.length) + ' runs' }),
        el('button', { class: 'close', text: '\u00d7', title: 'Back to the run', onclick: () => this.onOpen(current) }),
      ),
      el('h3', { text: 'Duration by workflow' }),
      el('div', { class: 'trends' }, (link.workflow ? [link.workflow] : workflows).map((w) => trend(w, runs.filter((r) => (r.workflow || r.name) === w)))),
    ];
    if (link.workflow && this.source.grid) {
      parts.push(el('h3', { text: 'Recent runs \u00d7 tasks' }), await this.grid(link.workflow));
    }
    if (this.source.compare) {
      const ids = shown.map((r) => r.id);
      parts.push(
        el('h3', { text: 'Compare two runs' }),
        el('div', { class: 'compare-pick' },
          select('rp-a', link.a, ids, 'a run\u2026', (v) => set('a', v)),
          el('span', { text: ' with ' }),
          select('rp-b', link.b, ids, 'a run\u2026', (v) => set('b', v))),
      );
      if (link.a && link.b) parts.push(await this.compare(link.a, link.b));
    }
    parts.push(el('h3', { text: 'Runs' }), historyList(shown, current, (id) => this.onOpen(id)));
    this.root.replaceChildren(el('div', { class: 'runs-page' }, parts));
    this.root.dataset.shown = runsLink(link);
  }

  async grid(workflow) {
    const g = await this.source.grid(workflow);
    if (!g.runs.length) return el('p', { class: 'muted', text: 'No runs of this workflow.' });
    const head = el('tr', null, el('th', { text: 'task' }),
      g.runs.map((r) => el('th', { class: 'run-col', title: r.id + ' \u00b7 ' + r.state + ' \u00b7 ' + dateTime(r.started) },
        el('button', { class: 'cell state-' + r.state, 'data-run': r.id, onclick: () => this.onOpen(r.id) }))));
    const rows = g.tasks.map((id, i) =>
      el('tr', { 'data-task': id }, el('td', { class: 'mono', text: id }),
        g.states[i].map((st, j) => el('td', null, st
          ? el('button', { class: 'cell state-' + st, title: id + ' in ' + g.runs[j].id + ': ' + st, 'data-run': g.runs[j].id,
              onclick: () => (location.hash = '#run=' + encodeURIComponent(g.runs[j].id) + '&task=' + encodeURIComponent(id)) })
          : el('span', { class: 'cell none', title: 'not in this run' })))));
    const table = el('table', { class: 'grid' }, el('thead', null, head), el('tbody', null, rows));
    const note = g.more ? el('p', { class: 'muted', text: count(g.more) + ' more tasks not shown (the failed ones come first)' }) : null;
    return el('div', { class: 'grid-wrap' }, table, note);
  }

  async compare(a, b) {
    let c;
    try {
      c = await this.source.compare(a, b);
    } catch (err) {
      return el('p', { class: 'error', text: String(err.message || err) });
    }
    const brief = (x) => x.state + (x.tries > 1 ? ' (' + x.tries + ' tries)' : '') + (x.took ? ' \u00b7 ' + duration(x.took) : '') + (x.peak ? ' \u00b7 ' + size(x.peak) : '');
    const summary = el('p', { class: 'compare-summary', text: count(c.changes.length) + ' changed, ' + count(c.same) + ' the same' });
    if (!c.changes.length) return el('div', { class: 'compare' }, summary);
    return el('div', { class: 'compare' }, summary,
      el('table', { class: 'compare-table' },
        el('thead', null, el('tr', null, ['task', 'changed', a, b].map((h) => el('th', { text: h })))),
        el('tbody', null, c.changes.map((x) =>
          el('tr', { 'data-task': x.task },
            el('td', { class: 'mono', text: x.task }),
            el('td', { text: x.what.join(', ') }),
            el('td', null, el('span', { class: 'badge state-' + x.a.state, text: brief(x.a) })),
            el('td', null, el('span', { class: 'badge state-' + x.b.state, text: brief(x.b) })))))));
  }
}

// trend draws a workflow's finished runs' durations, oldest to newest, as
// points on a line, each coloured by how the run ended.
function trend(workflow, runs) {
  const done = runs.filter((r) => !isNaN(tookOf(r))).reverse();
  const W = 320;
  const H = 60;
  const box = el('div', { class: 'trend', 'data-workflow': workflow });
  box.append(el('div', { class: 'trend-name mono', text: workflow }));
  if (!done.length) {
    box.append(el('span', { class: 'muted', text: 'no finished runs' }));
    return box;
  }
  const most = Math.max(...done.map(tookOf), 1);
  const x = (i) => (done.length === 1 ? W / 2 : 6 + (i * (W - 12)) / (done.length - 1));
  const y = (r) => H - 6 - (tookOf(r) / most) * (H - 12);
  const pic = svg('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: 'trend-svg' });
  pic.append(svg('polyline', { points: done.map((r, i) => x(i) + ',' + y(r)).join(' '), fill: 'none', stroke: '#868e96', 'stroke-width': 1.2 }));
  done.forEach((r, i) => {
    const c = svg('circle', { cx: x(i), cy: y(r), r: 3.5, class: 'pt state-' + r.state, 'data-run': r.id });
    const t = svg('title', {});
    t.textContent = r.id + ': ' + duration(tookOf(r)) + ', ' + r.state;
    c.append(t);
    pic.append(c);
  });
  const last = done[done.length - 1];
  box.append(pic, el('span', { class: 'muted', text: 'last ' + duration(tookOf(last)) + ', longest ' + duration(most) + ' over ' + count(done.length) + ' runs' }));
  return box;
}

