// The stage panel: a task's command, pool, caps, attempts with their
// reasons, memory against the cap, inputs and outputs, and its log tail,
// which follows the log while the attempt runs.
import { el, size, duration, nanos, time, ms, reason } from './format.js';
import { memoryChart } from './memchart.js';
import { LogView } from './logview.js';

export class Panel {
  constructor(root, { source, actions, onCollapse, onClose, onView }) {
    this.onView = onView || (() => {});
    this.root = root;
    this.source = source;
    this.actions = actions;
    this.onCollapse = onCollapse;
    this.onClose = onClose;
    this.task = null;
    this.timer = null;
    this.gen = 0;
  }

  close() {
    this.task = null;
    this.gen++;
    if (this.log) this.log.close();
    this.root.hidden = true;
    this.root.replaceChildren();
  }

  // show opens task id of run; refresh reloads it in place (after an
  // event about it), keeping the chosen attempt and stream.
  // attempt and stream choose what a deep link names (0 and '': the last
  // attempt, the stream with text).
  async show(run, id, model, { refresh = false, attempt = 0, stream = '' } = {}) {
    const gen = ++this.gen;
    if (!refresh) {
      this.attempt = attempt;
      this.chosen = attempt; // what a link names: 0 follows the last
      this.stream = stream;
      this.scrolledFor = null;
    }
    this.run = run;
    this.task = id;
    let d;
    try {
      d = await this.source.task(run, id);
    } catch (err) {
      this.root.hidden = false;
      this.root.replaceChildren(el('p', { class: 'error', text: String(err.message || err) }));
      return;
    }
    if (gen !== this.gen) return;
    // The event stream may be ahead of the server's answer: the model wins.
    const live = model && model.tasks.get(id);
    if (live) Object.assign(d, { state: live.state, message: live.message, attempts: live.attempts, outputs: live.outputs || d.outputs });
    this.detail = d;
    this.render(d, model);
  }

  // showDefinition opens a stage of a workflow not run: what it declares.
  showDefinition(t, pool) {
    this.gen++;
    this.run = null;
    this.task = t.id;
    this.attempt = 0;
    this.detail = { task: t, pool, state: 'pending', stateText: 'not run', attempts: [] };
    this.render(this.detail, null);
  }

  render(d, model) {
    const t = d.task || { id: this.task, argv: [] };
    const attempts = d.attempts || [];
    if (!this.attempt || !attempts.some((a) => a.n === this.attempt)) {
      this.attempt = attempts.length ? attempts[attempts.length - 1].n : 0;
    }
    const head = el(
      'header',
      { class: 'panel-head' },
      el('h2', { class: 'task-name', text: t.id }),
      el('span', { class: 'badge state-' + d.state, text: d.stateText || d.state }),
      el('button', { class: 'close', title: 'Close', text: '\u00d7', onclick: () => this.onClose() }),
    );
    const body = [head];
    if (d.message) body.push(el('p', { class: 'message', text: d.message }));
    const buttons = [];
    if (t.keyed) buttons.push(el('button', { text: 'Collapse ' + t.stage, onclick: () => this.onCollapse(t.stage) }));
    // Retry resumes the run, which can only happen once it has ended.
    const ended = !(model && model.run && model.run.state === 'running');
    if (this.actions && this.source.live && d.state === 'failed' && ended) {
      buttons.push(el('button', { class: 'danger', text: 'Retry', onclick: () => this.retry() }));
    }
    if (buttons.length) body.push(el('div', { class: 'buttons' }, buttons));

    body.push(el('h3', { text: 'Command' }), ...commandOf(t));
    const pool = d.pool;
    body.push(
      el(
        'dl',
        { class: 'facts' },
        fact('Pool', t.pool + (pool ? ` (${pool.processes} at once${pool.memory ? ', ' + size(pool.memory) : ''})` : '')),
        fact('Memory cap', t.memory ? size(t.memory) : 'none'),
        fact('CPUs', t.cpus || '-'),
        fact('Timeout', t.timeout ? nanos(t.timeout) : 'none'),
        fact('Tries', t.retry ? t.retry.attempts + (t.retry.attempts === 1 ? ' attempt' : ' attempts') + (t.retry.on ? ', again on ' + t.retry.on.join(', ') : '') : '-'),
        fact('Declared at', t.origin ? t.origin.file + ':' + t.origin.line : '-'),
      ),
    );

    body.push(el('h3', { text: 'Attempts' }));
    if (!attempts.length) body.push(el('p', { class: 'muted', text: 'not started' }));
    else {
      const rows = attempts.map((a) => {
        const r = a.result || {};
        const end = r.end ? ms(r.end) : a.start ? Date.now() : NaN;
        return el(
          'tr',
          { class: a.n === this.attempt ? 'current' : '', onclick: () => this.pick(a.n) },
          el('td', { text: String(a.n) }),
          el('td', { class: 'reason reason-' + (r.reason || 'running'), text: reason(a) }),
          el('td', { text: time(a.start) }),
          el('td', { text: duration(end - ms(a.start)) }),
          el('td', { text: nanos(r.cpu_time) }),
          el('td', { text: r.peak_memory ? size(r.peak_memory) : '-' }),
          el('td', { text: a.memory ? size(a.memory) : '-' }),
        );
      });
      body.push(
        el(
          'table',
          { class: 'attempts' },
          el('thead', null, el('tr', null, ['#', 'reason', 'started', 'took', 'CPU', 'peak', 'cap'].map((h) => el('th', { text: h })))),
          el('tbody', null, rows),
        ),
      );
      const last = attempts.find((a) => a.n === this.attempt);
      if (last && last.result && last.result.detail) body.push(el('p', { class: 'detail', text: last.result.detail }));
    }

    this.memBox = el('div', { class: 'mem' });
    if (this.attempt) body.push(el('h3', { text: 'Memory, attempt ' + this.attempt }), this.memBox);

    body.push(el('h3', { text: 'Inputs' }));
    body.push(segList((t.inputs || []).flatMap((i) => i.from.map((f) => ({ name: i.name, from: f, rec: outputOf(model, f) }))), true));
    body.push(el('h3', { text: 'Outputs' }));
    body.push(segList((t.outputs || []).map((o) => ({ name: o.name, rec: (d.outputs || []).find((x) => x.name === o.name), decl: o })), false));

    if (this.log) this.log.close();
    this.log = null;
    if (this.attempt) {
      const n = this.attempt;
      this.log = new LogView({
        source: this.source,
        run: this.run,
        task: this.task,
        attempt: n,
        stream: this.stream,
        running: () => {
          const a = (this.detail.attempts || []).find((x) => x.n === n);
          return a && !a.result;
        },
        onStream: (s) => {
          this.stream = s;
          this.onView();
        },
      });
      body.push(this.log.el);
    }
    this.root.replaceChildren(...body);
    this.root.hidden = false;
    this.loadMemory();
    if (this.log) this.log.start();
    // A failed task is opened for its log: bring it into view.
    if (this.log && d.state === 'failed' && this.scrolledFor !== this.task) {
      this.scrolledFor = this.task;
      this.root.scrollTop = this.log.el.offsetTop - this.root.offsetTop - 40;
    }
  }

  pick(n) {
    this.attempt = n;
    this.chosen = n;
    this.stream = '';
    this.onView();
    this.render(this.detail, null);
  }

  async loadMemory() {
    if (!this.attempt) return;
    const gen = this.gen;
    try {
      const m = await this.source.memory(this.run, this.task, this.attempt);
      if (gen === this.gen) this.memBox.replaceChildren(memoryChart(m));
    } catch (err) {
      this.memBox.replaceChildren(el('p', { class: 'muted', text: String(err.message || err) }));
    }
  }

  async retry() {
    try {
      await this.source.retry(this.run, this.task);
    } catch (err) {
      alert('Retry failed: ' + (err.message || err));
    }
  }
}

function fact(k, v) {
  return [el('dt', { text: k }), el('dd', { text: String(v) })];
}

// commandOf shows what runs: a script as its text; a command written as a
// list as its arguments, each in a box of its own, as the program gets
// them. Shell quoting would turn b'x' into 'b'\''x'\''.
function commandOf(t) {
  if (t.script) return [el('pre', { class: 'argv script', text: t.script })];
  return [el('ol', { class: 'argv-list' }, (t.argv || []).map((a) => el('li', { class: 'arg' + (readable(a) ? '' : ' quoted'), text: readable(a) ? a : JSON.stringify(a) })))];
}

// readable says whether an argument reads right as it is: not empty, no
// space at its ends and no control characters, which a box would hide.
function readable(a) {
  return a !== '' && a.trim() === a && !/[\u0000-\u001f\u007f]/.test(a);
}

function outputOf(model, ref) {
  const t = model && model.tasks.get(ref.task);
  return t && (t.outputs || []).find((o) => o.name === ref.output);
}

function segList(items, input) {
  if (!items.length) return el('p', { class: 'muted', text: 'none' });
  return el(
    'table',
    { class: 'segments' },
    el('tbody', null,
      items.map((it) =>
        el(
          'tr',
          null,
          el('td', { text: it.name }),
          el('td', { text: input ? '\u2190 ' + it.from.task + '.' + it.from.output : '' }),
          el('td', { text: it.rec ? size(it.rec.size) : it.decl && it.decl.size ? '\u2264 ' + size(it.decl.size) : '-' }),
          el('td', { class: 'hash', title: (it.rec && it.rec.hash) || '', text: it.rec && it.rec.hash ? it.rec.hash.slice(0, 12) : '' }),
        ),
      ),
    ),
  );
}
