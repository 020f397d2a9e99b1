// One row element of the task table, reused for whichever task scrolls
// under it: fill only sets text and classes, never builds markup.
import { el } from './format.js';

export function taskRow(columns) {
  const cells = {};
  const row = el(
    'div',
    { class: 'tt-row', role: 'row' },
    columns.map((c) => (cells[c.key] = el('span', { class: 'tt-col tt-' + c.key }))),
  );
  return {
    el: row,
    fill(r, selected) {
      row.dataset.id = r.id;
      row.classList.toggle('selected', selected);
      for (const c of columns) {
        const v = c.key === 'tries' ? (r.tries ? String(r.tries) : '') : r[c.key];
        const cell = cells[c.key];
        if (cell.textContent !== v) cell.textContent = v;
      }
      cells.stage.title = r.id;
      cells.reason.title = r.reason;
      cells.state.className = 'tt-col tt-state badge state-' + r.state;
      cells.tries.classList.toggle('retried', r.tries > 1);
      cells.peak.classList.toggle('high', r.high);
    },
  };
}
