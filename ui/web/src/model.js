// The run as the page knows it: the server's snapshot, then every event
// applied in order, as ui/model.go does on the server.

export class RunModel {
  constructor(snapshot) {
    this.run = snapshot.run;
    this.tasks = new Map(Object.entries(snapshot.tasks || {}));
    this.seq = snapshot.seq || 0;
    this.dirty = new Set(this.tasks.keys());
    this.runDirty = true;
  }

  task(id) {
    return this.tasks.get(id) || { state: 'pending', attempts: [] };
  }

  // apply updates the model for one event; events with a seq already seen
  // are ignored, so a replayed event cannot count twice.
  apply(e) {
    if (e.seq <= this.seq) return false;
    this.seq = e.seq;
    this.run.seq = e.seq;
    this.runDirty = true;
    if (e.kind === 'run_started' && !this.run.started) this.run.started = e.time;
    if (e.kind === 'run_ended') {
      this.run.state = e.message === 'succeeded' ? 'succeeded' : e.message === 'cancelled' ? 'cancelled' : 'failed';
      this.run.ended = e.time;
      this.run.message = e.message;
    }
    if (!e.task) return true;
    let t = this.tasks.get(e.task);
    if (!t) {
      t = { state: 'pending', attempts: [] };
      this.tasks.set(e.task, t);
    }
    if (!t.attempts) t.attempts = [];
    const attempt = (n) => {
      let a = t.attempts.find((x) => x.n === n);
      if (!a) {
        a = { n };
        t.attempts.push(a);
      }
      return a;
    };
    if (e.kind === 'task') {
      if (this.run.counts) {
        if (t.state !== 'pending') this.run.counts[t.state] = (this.run.counts[t.state] || 1) - 1;
        if (e.state !== 'pending') this.run.counts[e.state] = (this.run.counts[e.state] || 0) + 1;
      }
      t.state = e.state;
      t.message = e.message || '';
    } else if (e.kind === 'attempt_started') {
      const a = attempt(e.attempt);
      a.start = e.time;
      if (e.memory) a.memory = e.memory;
    } else if (e.kind === 'attempt_ended') {
      const a = attempt(e.attempt);
      a.result = e.result;
      if (e.memory) a.memory = e.memory;
      if (!a.start && e.result) a.start = e.result.start;
      if (e.result && e.result.reason === 'succeeded' && e.outputs && e.outputs.length) t.outputs = e.outputs;
    } else if (e.kind === 'outputs_hashed') {
      // Outputs over 64 MiB get their hash after the commit.
      for (const h of e.outputs || []) {
        const o = (t.outputs || []).find((o) => o.name === h.name && o.path === h.path);
        if (o) o.hash = h.hash;
      }
    }
    this.dirty.add(e.task);
    return true;
  }

  takeDirty() {
    const d = this.dirty;
    this.dirty = new Set();
    return d;
  }
}
