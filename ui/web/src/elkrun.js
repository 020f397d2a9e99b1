// ELK's engine for layout.js: in a Web Worker when the page is served, so
// that a layout running out of its time can be stopped; in the page when a
// report is opened from a file, which has no worker script to load.
import ELK from 'elkjs/lib/elk.bundled.js';

let elk = null;
let inWorker = false;
// Layouts sent to the worker and not answered yet: stopping the worker for
// one of them sends the others again to the next one.
const pending = new Set();

function engine() {
  if (elk) return elk;
  if (typeof Worker !== 'undefined' && typeof location !== 'undefined' && /^https?:$/.test(location.protocol)) {
    try {
      // The factory alone: given a workerUrl, elk.bundled.js warns that
      // it cannot load Node's web-worker package, though it then uses the
      // factory.
      elk = new ELK({ workerFactory: () => new Worker('assets/elk-worker.js') });
      inWorker = true;
      return elk;
    } catch (err) {
      console.warn('layout in the page: no worker:', err);
    }
  }
  elk = new ELK();
  inWorker = false;
  return elk;
}

// prepare starts the layout worker, so that its script loads while the
// page fetches the graph.
export function prepare() {
  engine();
}

function send(job) {
  const e = engine();
  job.engine = e;
  e.layout(job.graph).then(
    (res) => {
      if (job.engine !== e) return; // sent again to a newer worker
      pending.delete(job);
      job.resolve(res);
    },
    (err) => {
      if (job.engine !== e) return;
      pending.delete(job);
      job.reject(err);
    },
  );
}

// run lays out an ELK graph. With budget (ms), it answers null if the
// worker has not answered within it, and stops the worker: the page asks
// for a cheaper layout instead of sitting on this one. In the page there
// is no stopping ELK, so there the budget does not apply.
export function run(graph, budget) {
  const answer = new Promise((resolve, reject) => {
    const job = { graph, resolve, reject, engine: null };
    pending.add(job);
    send(job);
    if (!budget || !inWorker) return;
    setTimeout(() => {
      if (!pending.has(job)) return;
      pending.delete(job);
      elk.terminateWorker();
      elk = null;
      for (const other of pending) send(other);
      resolve(null);
    }, budget);
  });
  return answer;
}
