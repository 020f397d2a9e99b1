// The page: header, DAG, stage panel, timeline, run history, and for
// `weir ui FILE` the authoring view. Text from runs (stage names, logs,
// messages) only ever reaches the page as textContent or canvas text.
import './style.css';
import { LiveSource, StaticSource } from './source.js';
import { RunModel } from './model.js';
import { GraphView, COLORS } from './graph.js';
import { Panel } from './panel.js';
import { Timeline } from './timeline.js';
import { RunsPage, readRunsLink, runsLink } from './runspage.js';
import { diagnosticsList } from './authoring.js';
import { el, duration, ms, count, STATES } from './format.js';
import { layout, prepare } from './layout.js';
import { capsSection } from './caps.js';
import { TaskTable } from './tasktable.js';
import { failedTasks, failureLinks } from './failures.js';
import { readLink, linkOf } from './deeplink.js';
import { failuresSection } from './reportfailures.js';

const $ = (id) => document.getElementById(id);

function shell() {
  // Cytoscape adds a <style> for its container unless an element with this
  // id exists; the Content-Security-Policy refuses inline style, so the
  // rule is in style.css and this marker keeps Cytoscape from trying.
  if (!document.getElementById('__________cytoscape_stylesheet')) {
    document.head.append(el('meta', { id: '__________cytoscape_stylesheet', name: 'weir-cytoscape-style' }));
  }
  const legend = el(
    'div',
    { class: 'legend', id: 'legend' },
    STATES.map((s) => el('span', { class: 'key' }, el('i', { class: 'swatch state-' + s }), s)),
  );
  const app = el(
    'div',
    { id: 'app' },
    el(
      'header',
      { class: 'top' },
      el('span', { class: 'brand', text: 'weir' }),
      el('span', { id: 'title' }),
      el('span', { id: 'run-id', class: 'mono muted' }),
      el('span', { id: 'run-state', class: 'badge' }),
      el('span', { id: 'counts', class: 'muted' }),
      el('span', { id: 'failures', hidden: true }),
      el('span', { id: 'conn', class: 'muted' }),
      el('span', { class: 'spacer' }),
      el('input', { id: 'search', type: 'search', placeholder: 'Find a stage\u2026', autocomplete: 'off' }),
      el('button', { id: 'fit', text: 'Fit' }),
      el('button', { id: 'table-btn', text: 'Table', title: 'Show or hide the task table' }),
      el('button', { id: 'show-workflow', text: 'Workflow', hidden: true }),
      el('button', { id: 'runs-btn', text: 'Runs' }),
      el('button', { id: 'cancel', class: 'danger', text: 'Cancel run', hidden: true }),
    ),
    el('div', { id: 'report-top' }),
    el('main', null, el('section', { id: 'tasks', hidden: true }), el('section', { id: 'graph-wrap' }, el('div', { id: 'graph' }), legend), el('aside', { id: 'panel', hidden: true })),
    el('section', { id: 'diagnostics', hidden: true }),
    el('section', { id: 'timeline' }),
    el('div', { id: 'caps-wrap' }),
    el('div', { id: 'history', hidden: true }),
  );
  document.body.replaceChildren(app);
}

class App {
  constructor(source) {
    this.source = source;
    this.model = null;
    this.run = null;
    this.doc = null;
    this.selected = null;
    this.stop = () => {};
    this.renderQueued = false;
    this.rendered = 0;
    this.graph = new GraphView($('graph'), {
      onSelect: (id) => this.select(id),
      onExpand: () => this.writeLink(),
      // A summarized stage is too wide to draw: its tasks are in the table.
      onWide: (stage) => this.showStage(stage),
    });
    this.timeline = new Timeline($('timeline'), { onSelect: (id) => this.select(id) });
    this.table = new TaskTable($('tasks'), { onSelect: (id) => this.select(id), onFilter: () => this.writeLink() });
    this.showTable = true;
    this.runsPage = new RunsPage($('history'), source, { onOpen: (id) => (location.hash = id ? 'run=' + encodeURIComponent(id) : '') });
  }

  async start() {
    this.config = await this.source.config();
    const history = this.source.history && this.source.history();
    if (history && history.stages && history.stages.length) $('caps-wrap').replaceChildren(capsSection(history));
    this.panel = new Panel($('panel'), {
      source: this.source,
      actions: this.config.actions,
      onCollapse: (stage) => this.graph.collapse(stage),
      onClose: () => this.select(null),
      onView: () => this.writeLink(),
    });
    $('fit').onclick = () => this.graph.fit();
    $('search').addEventListener('keydown', (ev) => {
      if (ev.key !== 'Enter') return;
      const found = this.graph.search(ev.target.value);
      ev.target.classList.toggle('notfound', !found);
      if (found && this.run) this.select(found);
    });
    $('runs-btn').onclick = () => this.toggleHistory();
    $('table-btn').onclick = () => {
      this.showTable = !this.showTable;
      $('tasks').hidden = !this.showTable || !this.run;
    };
    $('cancel').onclick = () => this.cancel();
    $('show-workflow').onclick = () => this.openWorkflow();
    window.addEventListener('hashchange', () => this.route());
    await this.route();
  }

  async route() {
    const runs = readRunsLink(location.hash);
    if (runs) {
      $('history').hidden = false;
      document.body.dataset.page = 'runs';
      return this.runsPage.show(runs, this.run);
    }
    $('history').hidden = true;
    document.body.dataset.page = '';
    const link = readLink(location.hash);
    if (link.run) {
      if (this.run === link.run && this.model) return this.applyLink(link);
      this.link = link;
      return this.openRun(link.run);
    }
    if (this.config.mode === 'workflow') return this.openWorkflow();
    let id = this.config.run;
    if (!id) {
      const runs = await this.source.runs();
      if (!runs.length) {
        $('graph').replaceChildren(el('p', { class: 'empty', text: 'No runs in this state dir yet. Start one with weir run.' }));
        return;
      }
      id = runs[0].id;
    }
    return this.openRun(id);
  }

  async openRun(id) {
    if (this.run === id && this.model) return;
    this.linking = false; // until the run is shown
    this.stop();
    this.stopWorkflow && this.stopWorkflow();
    this.run = id;
    this.model = null;
    this.select(null);
    $('history').hidden = true;
    $('diagnostics').hidden = true;
    $('timeline').hidden = false;
    $('tasks').hidden = !this.showTable;
    $('table-btn').hidden = false;
    $('legend').hidden = false;
    $('show-workflow').hidden = this.config.mode !== 'workflow';
    $('run-id').textContent = id;
    document.body.dataset.ready = '';
    this.graph.remember('run:' + id);
    const link = this.link && this.link.run === id ? this.link : null;
    this.link = null;
    if (link && link.expand.length) this.graph.expanded = new Set(link.expand);
    // Live, the page asks for the overview: wide stages as counts, so that
    // what it loads follows what it shows, not the run's size.
    const live = this.source.live;
    const graphDone = (live ? this.source.overview(id) : this.source.graph(id)).then(async (doc) => {
      if (this.run !== id) return;
      this.doc = doc;
      $('title').textContent = doc.name;
      document.title = doc.name + ' \u00b7 weir';
      const fetched = performance.now();
      const timings = await this.graph.setGraph(doc);
      window.weir.timings = Object.assign({ fetched }, timings);
    });
    let snapshotSeen;
    const snapshot = new Promise((r) => (snapshotSeen = r));
    this.stop = this.source.events(
      id,
      (snap, cost) => {
        const t0 = performance.now();
        this.model = new RunModel(snap);
        // For bench/uipage: where a big run's first view spends its time.
        window.weir.snapshot = Object.assign({ model: performance.now() - t0 }, cost);
        snapshotSeen();
        this.queueRender(true);
      },
      (e) => {
        if (this.model && this.model.apply(e)) this.queueRender(false);
      },
      (state) => ($('conn').textContent = state === 'reconnecting' ? 'reconnecting\u2026' : ''),
      { overview: live },
    );
    try {
      await Promise.all([graphDone, snapshot]);
    } catch (err) {
      $('graph').replaceChildren(el('p', { class: 'error', text: String(err.message || err) }));
      return;
    }
    if (this.run !== id) return;
    this.queueRender(true);
    await new Promise((r) => requestAnimationFrame(r));
    document.body.dataset.ready = '1';
    window.weir.ready = true;
    window.weir.readyAt = performance.now(); // since navigation started
    this.graph.addEdges();
    if (!this.source.live) {
      const failed = failedTasks(this.doc, this.model);
      if (failed.length) $('report-top').replaceChildren(await failuresSection(this.source, id, failed, this.model, (t) => this.select(t, { reveal: true })));
    }
    if (link) this.applyLink(link);
    this.linking = true;
    this.writeLink();
  }

  // applyLink shows what a deep link names in the open run.
  applyLink(link) {
    this.linking = false;
    const g = this.graph;
    if (link.expand.length && [...g.expanded].sort().join() !== [...link.expand].sort().join()) {
      g.expanded = new Set(link.expand);
      g.saveExpanded();
      g.setGraph(this.doc, { fit: true }).then(() => g.addEdges());
    }
    if (link.state || link.stage || link.q || this.table.filter.state || this.table.filter.stage || this.table.filter.q) {
      this.table.setFilter({ state: link.state, stage: link.stage, q: link.q });
    }
    if (link.task) this.select(link.task, { attempt: link.attempt, stream: link.stream, reveal: true });
    this.linking = true;
  }

  // writeLink puts what the page shows in the address, replacing the
  // entry rather than adding one per click.
  writeLink() {
    if (!this.run || !this.linking) return;
    const f = this.table.filter;
    const open = this.selected && this.panel && this.panel.task === this.selected;
    const hash = linkOf({
      run: this.run,
      task: this.selected,
      attempt: open ? this.panel.chosen : 0,
      stream: open ? this.panel.stream : '',
      expand: [...this.graph.expanded],
      state: f.state,
      stage: f.stage,
      q: f.q,
    });
    if (hash !== location.hash) history.replaceState(null, '', location.pathname + location.search + hash);
  }

  queueRender(all) {
    this.renderAll = this.renderAll || all;
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      const all = this.renderAll;
      this.renderAll = false;
      this.render(all);
    });
  }

  // render brings the page up to the model in one frame, however many
  // events arrived since the last one.
  render(all) {
    const m = this.model;
    if (!m || !this.doc) return;
    const dirty = all ? new Set(m.tasks.keys()) : m.takeDirty();
    if (all) m.takeDirty();
    this.graph.model = m;
    if (all) this.graph.paint(m, true);
    else this.graph.paintIds(dirty, m);
    const t0 = performance.now();
    const wide = this.doc.groups && this.doc.groups.length;
    if (all && wide) this.tableShown = this.table.setRemote(this.doc, m, (p) => this.source.tasks(this.run, p));
    else if (all) this.table.setRun(this.doc, m);
    else if (dirty.size) this.table.update(dirty, m);
    if (wide && !all && dirty.size) this.pollGroups();
    if (all) window.weir.tableBuilt = performance.now() - t0;
    this.header(m);
    const now = performance.now();
    if (all || now - this.rendered > 400 || m.run.state !== 'running') {
      this.rendered = now;
      this.timeline.draw(m, this.doc);
    } else if (!this.timelineTimer) {
      this.timelineTimer = setTimeout(() => {
        this.timelineTimer = null;
        this.rendered = performance.now();
        this.timeline.draw(this.model, this.doc);
      }, 400);
    }
    if (this.selected && dirty.has(this.selected)) this.panel.show(this.run, this.selected, m, { refresh: true });
    window.weir.seq = m.seq;
    window.weir.renderedAt = Date.now();
    document.body.dataset.seq = String(m.seq);
    document.body.dataset.runState = m.run.state;
  }

  // pollGroups asks the server for the summarized stages' counts and the
  // run's, at most twice a second: their tasks' events change them, but
  // the page has not got those tasks to count.
  pollGroups() {
    if (this.groupsTimer) return;
    const run = this.run;
    this.groupsTimer = setTimeout(async () => {
      try {
        const g = await this.source.groups(run);
        if (this.run !== run || !this.model) return;
        this.graph.setGroups(g.groups);
        this.model.run.counts = g.run.counts;
        this.header(this.model);
      } finally {
        this.groupsTimer = null;
      }
    }, 500);
  }

  // showStage opens the task table on one stage's tasks.
  showStage(stage) {
    this.showTable = true;
    $('tasks').hidden = false;
    this.table.setFilter({ state: '', stage, q: '' });
  }

  header(m) {
    const r = m.run;
    const badge = $('run-state');
    badge.textContent = r.state;
    badge.className = 'badge state-' + r.state;
    let counts = {};
    // Without the tasks of wide stages, the server's counts are the truth.
    if (this.doc && this.doc.groups && this.doc.groups.length) counts = r.counts || {};
    else for (const t of m.tasks.values()) counts[t.state] = (counts[t.state] || 0) + 1;
    const parts = ['succeeded', 'reused', 'running', 'failed', 'skipped', 'cancelled']
      .filter((s) => counts[s])
      .map((s) => count(counts[s]) + ' ' + s);
    const total = r.tasks || (this.doc ? this.doc.all || this.doc.tasks.length : 0);
    const took = r.started ? duration((r.ended ? ms(r.ended) : Date.now()) - ms(r.started)) : '';
    $('counts').textContent = (parts.join(', ') || 'nothing done') + ' of ' + count(total) + (took ? ' \u00b7 ' + took : '');
    $('cancel').hidden = !(this.config.actions && this.source.live && r.state === 'running');
    failureLinks($('failures'), this.doc ? failedTasks(this.doc, m) : [], {
      onSelect: (id) => this.select(id, { reveal: true }),
      onShowAll: () => this.showFailed(),
    });
  }

  // showFailed opens the task table on the failed tasks.
  showFailed() {
    this.showTable = true;
    $('tasks').hidden = false;
    return this.table.setFilter({ state: 'failed', stage: '', q: '' });
  }

  select(id, { reveal = false, attempt = 0, stream = '' } = {}) {
    this.selected = id;
    this.graph.select(id);
    this.table.select(id);
    if (id && reveal) this.table.reveal(id);
    if (!id) {
      this.panel && this.panel.close();
    } else if (this.run) {
      this.panel.show(this.run, id, this.model, { attempt, stream });
    } else if (this.doc) {
      const t = this.doc.tasks.find((x) => x.id === id);
      if (t) this.panel.showDefinition(t, (this.doc.pools || []).find((p) => p.name === t.pool));
    }
    this.writeLink();
  }

  // toggleHistory opens the Runs page, or goes back to the run from it.
  toggleHistory() {
    if (!$('history').hidden) location.hash = this.run ? 'run=' + encodeURIComponent(this.run) : '';
    else location.hash = runsLink({});
  }

  async cancel() {
    if (!confirm('Cancel run ' + this.run + '? Running tasks get SIGTERM.')) return;
    try {
      await this.source.cancel(this.run);
    } catch (err) {
      alert('Cancel failed: ' + (err.message || err));
    }
  }

  openWorkflow() {
    this.stop();
    this.stop = () => {};
    this.run = null;
    this.model = null;
    this.select(null);
    if (location.hash) history.replaceState(null, '', location.pathname + location.search);
    $('show-workflow').hidden = true;
    $('timeline').hidden = true;
    $('tasks').hidden = true;
    $('table-btn').hidden = true;
    $('legend').hidden = true; // no run, no run states
    $('run-id').textContent = '';
    $('run-state').textContent = 'not run';
    $('run-state').className = 'badge state-pending';
    $('counts').textContent = '';
    $('failures').hidden = true;
    $('diagnostics').hidden = false;
    document.body.dataset.ready = '';
    this.graph.remember('workflow');
    this.stopWorkflow = this.source.workflowEvents(async (v) => {
      $('title').textContent = v.file;
      $('diagnostics').replaceChildren(diagnosticsList(v));
      document.body.dataset.version = String(v.version);
      if (v.graph) {
        this.doc = v.graph;
        const first = !this.graph.doc;
        this.graph.model = null;
        await this.graph.setGraph(v.graph, { fit: first });
        this.graph.addEdges();
      }
      this.graph.markDiagnostics(v.diagnostics);
      const errs = (v.diagnostics || []).filter((d) => d.severity === 'error').length;
      $('counts').textContent = v.graph ? v.graph.tasks.length + ' tasks' : errs + ' error' + (errs === 1 ? '' : 's') + ': the graph shows the last valid version';
      document.body.dataset.ready = '1';
      document.body.dataset.drawn = String(v.version);
    });
  }
}

function boot() {
  // A ?token= has become a cookie (the server set it); keep it out of the
  // address bar, the history and screenshots.
  if (/[?&]token=/.test(location.search)) history.replaceState(null, '', location.pathname + location.hash);
  const inline = document.getElementById('weir-data');
  const source = inline ? new StaticSource(JSON.parse(inline.textContent)) : new LiveSource();
  shell();
  if (source.live) prepare();
  const app = new App(source);
  window.weir = {
    ready: false,
    seq: 0,
    timings: null,
    state: (id) => app.graph.stateOf(id),
    search: (q) => app.graph.search(q),
    select: (id) => app.select(id),
    colors: COLORS,
    layout, // for bench/uipage: a second layout in a warm page
    // cssColor is how the browser writes a colour (rgb(...)), to compare
    // with what a node is drawn in.
    cssColor: (c) => {
      const e = document.createElement('i');
      e.style.color = c;
      document.body.append(e);
      const v = getComputedStyle(e).color;
      e.remove();
      return v;
    },
    app,
  };
  app.start().catch((err) => {
    document.body.append(el('p', { class: 'error', text: 'weir ui: ' + (err.message || err) }));
  });
}

boot();
