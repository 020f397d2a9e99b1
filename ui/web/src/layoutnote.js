// Says on the page which way the graph was laid out (layout.js), when its
// edges are drawn straight for a reason a user could not guess: the graph
// was too dense to route in time, or the routed layout ran out of time.
// The path is also in the graph's data-layout, for tests.
const NOTES = {
  backbone: () => 'Edges drawn straight: this graph is too dense to route them quickly.',
  fallback: (ms) => `Edges drawn straight: routing them took over ${ms / 1000} s.`,
};

// showLayout marks container with the layout's path and cost, and shows or
// hides the note beside it. placed is layout.js's answer.
export function showLayout(container, { path, budget }, cost) {
  container.dataset.layout = path;
  container.dataset.layoutCost = String(cost);
  const wrap = container.parentElement;
  if (!wrap) return;
  let note = wrap.querySelector('.layout-note');
  // A big graph (cost not counted) is always drawn this way: no news.
  const text = Number.isFinite(cost) && NOTES[path] ? NOTES[path](budget) : '';
  if (!text) {
    if (note) note.remove();
    return;
  }
  if (!note) {
    note = document.createElement('p');
    note.className = 'layout-note';
    wrap.appendChild(note);
  }
  note.textContent = text;
}
