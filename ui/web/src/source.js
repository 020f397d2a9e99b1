// Where the page gets its data: the server's API (live), or the data a
// report file carries inline (static, no network at all).

// notYetTries bounds how long the page waits for what the server says is
// about to exist (503 with Retry-After: a run's graph.json, written once
// its first task has started), in tries of about a second.
const notYetTries = 600;

async function getJSON(path) {
  for (let tries = 1; ; tries++) {
    const r = await fetch(path, { headers: { Accept: 'application/json' } });
    const after = Number(r.headers.get('Retry-After'));
    if (r.status === 503 && after > 0 && tries < notYetTries) {
      await new Promise((done) => setTimeout(done, after * 1000));
      continue;
    }
    if (!r.ok) throw new Error(path + ': ' + r.status + ' ' + (await r.text()).trim());
    return r.json();
  }
}

const q = encodeURIComponent;

// wideParam passes the page's ?wide=N (a lower threshold for wide stages,
// for tests) on to the server.
function wideParam(sep) {
  const w = new URLSearchParams(location.search).get('wide');
  return w ? sep + 'wide=' + q(w) : '';
}

export class LiveSource {
  constructor() {
    this.live = true;
  }
  config() {
    return getJSON('api/config');
  }
  runs() {
    return getJSON('api/runs');
  }
  graph(run) {
    return getJSON('api/runs/' + q(run) + '/graph');
  }
  // overview is the graph with each wide for_each stage as counts (its
  // groups); wide (for tests) lowers the server's threshold.
  overview(run) {
    return getJSON('api/runs/' + q(run) + '/overview' + wideParam('?'));
  }
  groups(run) {
    return getJSON('api/runs/' + q(run) + '/groups' + wideParam('?'));
  }
  // grid is the runs x tasks grid of a workflow's recent runs.
  grid(workflow) {
    return getJSON('api/grid?workflow=' + q(workflow));
  }
  compare(a, b) {
    return getJSON('api/compare?a=' + q(a) + '&b=' + q(b));
  }
  // tasks is a page of the task table, filtered and sorted by the server.
  tasks(run, params) {
    const p = new URLSearchParams(params);
    return getJSON('api/runs/' + q(run) + '/tasks?' + p.toString());
  }
  task(run, task) {
    return getJSON('api/runs/' + q(run) + '/task?task=' + q(task));
  }
  // logURL is the whole log file, as a download.
  logURL(run, task, attempt, stream) {
    return 'api/runs/' + q(run) + '/logs?task=' + q(task) + '&attempt=' + attempt + '&stream=' + stream + '&download=1';
  }
  log(run, task, attempt, stream, from) {
    let p = 'api/runs/' + q(run) + '/logs?task=' + q(task) + '&attempt=' + attempt + '&stream=' + stream;
    if (from != null) p += '&from=' + from;
    return getJSON(p);
  }
  memory(run, task, attempt) {
    return getJSON('api/runs/' + q(run) + '/memory?task=' + q(task) + '&attempt=' + attempt);
  }
  // events calls onSnapshot once, then onEvent for each event. The
  // browser reconnects with Last-Event-ID after a dropped connection; the
  // server then sends exactly the events after it.
  events(run, onSnapshot, onEvent, onState, { overview = false } = {}) {
    const es = new EventSource('api/runs/' + q(run) + '/events' + (overview ? '?overview=1' + wideParam('&') : ''));
    es.addEventListener('snapshot', (m) => {
      const t0 = performance.now();
      const snap = JSON.parse(m.data);
      onSnapshot(snap, { arrived: t0, parse: performance.now() - t0, bytes: m.data.length });
      // A run that has ended sends nothing more, and the server ends the
      // stream: closed here, the browser does not try to reconnect.
      if (snap.run && snap.run.state !== 'running') es.close();
    });
    es.addEventListener('event', (m) => {
      const e = JSON.parse(m.data);
      onEvent(e);
      if (e.kind === 'run_ended') es.close();
    });
    es.onerror = () => onState && onState(es.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
    es.onopen = () => onState && onState('open');
    return () => es.close();
  }
  workflowEvents(onView) {
    const es = new EventSource('api/workflow/events');
    es.addEventListener('workflow', (m) => onView(JSON.parse(m.data)));
    return () => es.close();
  }
  async action(path) {
    const r = await fetch(path, { method: 'POST' });
    if (!r.ok) throw new Error((await r.text()).trim());
  }
  cancel(run) {
    return this.action('api/runs/' + q(run) + '/cancel');
  }
  retry(run, task) {
    return this.action('api/runs/' + q(run) + '/retry?task=' + q(task));
  }
}

// StaticSource answers from a report's inline data.
export class StaticSource {
  constructor(data) {
    this.live = false;
    this.d = data;
  }
  async config() {
    return this.d.config;
  }
  async runs() {
    return this.d.runs;
  }
  history() {
    return this.d.history || null;
  }
  async graph() {
    return this.d.graph;
  }
  // tasks answers the table of a report whose graph is an outline (wide
  // stages as groups) from the tasks it carries: those drawn one by one
  // and the failures.
  async tasks(run, p) {
    const g = this.d.graph;
    const snap = this.d.snapshot.tasks || {};
    const lite = new Map(g.tasks.map((t) => [t.id, t]));
    const groupPool = new Map((g.groups || []).map((x) => [x.stage, x.pool]));
    const ids = g.tasks.map((t) => t.id).concat(Object.keys(snap).filter((id) => !lite.has(id)));
    const rows = ids.map((id, order) => {
      let t = lite.get(id);
      if (!t) {
        const stage = id.slice(0, id.indexOf('['));
        t = { id, stage, key: id.slice(stage.length + 1, -1), keyed: true, pool: groupPool.get(stage) || '' };
      }
      return { t, order, v: snap[id] || { state: 'pending' } };
    });
    const q = (p.q || '').toLowerCase();
    const pick = rows.filter(
      (r) => (!p.state || r.v.state === p.state) && (!p.stage || r.t.stage === p.stage) && (!q || r.t.id.toLowerCase().includes(q) || (r.v.message || '').toLowerCase().includes(q)),
    );
    const rank = { failed: 0, lost: 0, running: 1, ready: 2, cancelled: 3, skipped: 4, pending: 5, reused: 6, succeeded: 7 };
    if (this.d.snapshot.run.state === 'failed' && !p.sort) pick.sort((a, b) => (rank[a.v.state] ?? 9) - (rank[b.v.state] ?? 9) || a.order - b.order);
    const offset = Number(p.offset) || 0;
    const limit = p.limit == null ? 200 : Number(p.limit);
    return {
      total: pick.length,
      all: g.all || ids.length,
      counts: this.d.snapshot.run.counts || {},
      stages: [...new Set(rows.map((r) => r.t.stage))],
      offset,
      rows: pick.slice(offset, offset + limit),
      index: p.find ? pick.findIndex((r) => r.t.id === p.find) : -1,
    };
  }
  async task(run, task) {
    const d = (this.d.details && this.d.details[task]) || {};
    const snap = this.d.snapshot.tasks[task] || { state: 'pending' };
    const def = d.def || this.d.graph.tasks.find((t) => t.id === task);
    const pool = this.d.graph.pools.find((p) => def && p.name === def.pool);
    return Object.assign({ task: def, pool }, snap, { logs: d.logs_paths || [] });
  }
  async log(run, task, attempt, stream) {
    const d = this.d.details && this.d.details[task];
    const c = d && d.logs && d.logs[attempt] && d.logs[attempt][stream];
    return c || { task, attempt, stream, start: 0, size: 0, text: '' };
  }
  async memory(run, task, attempt) {
    const d = this.d.details && this.d.details[task];
    return (d && d.memory && d.memory[attempt]) || { task, attempt, samples: [] };
  }
  events(run, onSnapshot) {
    onSnapshot(structuredClone(this.d.snapshot));
    return () => {};
  }
}
