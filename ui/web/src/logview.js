// The log of one attempt in the stage panel: the stream that has text
// (stderr first), following it while the attempt runs, with search over
// what is shown and a download of the whole file.
import { el, count } from './format.js';

const FOLLOW_MS = 1000;

export class LogView {
  // o: { source, run, task, attempt, stream ('' = the one with text),
  //      running() bool, onStream(s) when the user picks one }
  constructor(o) {
    this.o = o;
    this.stream = o.stream || '';
    this.text = '';
    this.query = '';
    this.pre = el('pre', { class: 'log', tabindex: '0' });
    this.tabs = el('span', { class: 'tabs' });
    this.find = el('input', { class: 'log-search', type: 'search', placeholder: 'Search the log\u2026', autocomplete: 'off' });
    this.hits = el('span', { class: 'log-hits muted' });
    this.download = el('a', { class: 'log-download', text: 'Download' });
    this.find.oninput = () => {
      this.query = this.find.value;
      this.paint(true);
    };
    this.el = el('div', { class: 'logview' }, el('h3', null, 'Log ', this.tabs), el('div', { class: 'log-tools' }, this.find, this.hits, this.download), this.pre);
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
  }

  async start() {
    if (!this.stream) this.stream = await this.pickWithText();
    if (this.closed) return;
    this.drawTabs();
    this.follow();
  }

  // pickWithText is stderr if it has text, else stdout if that has.
  async pickWithText() {
    const { source, run, task, attempt } = this.o;
    try {
      const e = await source.log(run, task, attempt, 'stderr', null);
      if (e.size > 0 || e.text) return 'stderr';
      const o = await source.log(run, task, attempt, 'stdout', null);
      if (o.size > 0 || o.text) return 'stdout';
    } catch {
      // The follow loop shows the error.
    }
    return 'stderr';
  }

  drawTabs() {
    this.tabs.replaceChildren(
      ...['stderr', 'stdout'].map((s) =>
        el('button', { class: 'tab' + (s === this.stream ? ' on' : ''), 'data-stream': s, text: s, onclick: () => this.pick(s) }),
      ),
    );
    const { source, run, task, attempt } = this.o;
    const name = task.replace(/[^A-Za-z0-9_.-]/g, '_') + '.' + attempt + '.' + this.stream + '.log';
    if (source.live) {
      this.download.href = source.logURL(run, task, attempt, this.stream);
      this.download.setAttribute('download', name);
      this.download.title = 'The whole file';
    } else {
      this.download.removeAttribute('href');
      this.download.title = 'The report keeps only the end of each log';
      this.download.onclick = () => saveText(this.text, name);
    }
  }

  pick(s) {
    this.stream = s;
    this.o.onStream && this.o.onStream(s);
    clearTimeout(this.timer);
    this.gen = (this.gen || 0) + 1;
    this.text = '';
    this.drawTabs();
    this.follow();
  }

  // follow shows the log's tail, then appends what the attempt writes
  // while it runs.
  async follow() {
    const gen = (this.gen = (this.gen || 0) + 1);
    const { source, run, task, attempt } = this.o;
    let offset = null;
    const step = async () => {
      if (gen !== this.gen || this.closed) return;
      try {
        const c = await source.log(run, task, attempt, this.stream, offset);
        if (gen !== this.gen || this.closed) return;
        const first = offset === null;
        if (first) this.text = (c.start > 0 ? '\u2026\n' : '') + c.text;
        else this.text += c.text;
        offset = c.start + new Blob([c.text]).size;
        if (first || c.text) this.paint(false);
      } catch (err) {
        this.pre.textContent = String(err.message || err);
      }
      if (source.live && this.o.running()) this.timer = setTimeout(step, FOLLOW_MS);
    };
    await step();
  }

  // paint shows the text, its matches of the search marked; jump scrolls
  // to the first match, else the view follows the end.
  paint(jump) {
    const pre = this.pre;
    const q = this.query.toLowerCase();
    if (!this.text) {
      pre.textContent = '(empty)';
      this.hits.textContent = '';
      return;
    }
    if (!q) {
      pre.textContent = this.text;
      this.hits.textContent = '';
      pre.scrollTop = pre.scrollHeight;
      return;
    }
    const lower = this.text.toLowerCase();
    const parts = [];
    let at = 0;
    let n = 0;
    for (let i = lower.indexOf(q); i >= 0; i = lower.indexOf(q, i + q.length)) {
      parts.push(this.text.slice(at, i), el('mark', { text: this.text.slice(i, i + q.length) }));
      at = i + q.length;
      n++;
    }
    parts.push(this.text.slice(at));
    pre.replaceChildren(...parts);
    this.hits.textContent = n ? count(n) + (n === 1 ? ' match' : ' matches') : 'no match';
    const first = pre.querySelector('mark');
    if (jump && first) pre.scrollTop = first.offsetTop - pre.offsetTop - 20;
  }
}

// saveText offers text as a file, for a report with no server behind it.
function saveText(text, name) {
  const a = el('a', { href: URL.createObjectURL(new Blob([text], { type: 'text/plain' })), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
