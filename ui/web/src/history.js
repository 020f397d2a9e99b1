// The run history of the state dir: each run's outcome and duration; a
// click opens it.
import { el, dateTime, duration, ms } from './format.js';

export function historyList(runs, current, onOpen) {
  if (!runs.length) return el('p', { class: 'muted', text: 'No runs in this state dir yet.' });
  const rows = runs.map((r) => {
    const took = r.ended ? duration(ms(r.ended) - ms(r.started)) : r.state === 'running' ? 'running' : '-';
    const counts = Object.entries(r.counts || {})
      .filter(([, n]) => n > 0)
      .map(([s, n]) => n + ' ' + s)
      .join(', ');
    return el(
      'tr',
      { class: r.id === current ? 'current' : '', 'data-run': r.id, onclick: () => onOpen(r.id) },
      el('td', { class: 'mono', text: r.id }),
      el('td', { text: r.name || '' }),
      el('td', null, el('span', { class: 'badge state-' + r.state, text: r.state })),
      el('td', { text: dateTime(r.started) }),
      el('td', { text: took }),
      el('td', { class: 'muted', text: counts + (r.tasks ? ' of ' + r.tasks : '') }),
    );
  });
  return el(
    'table',
    { class: 'history' },
    el('thead', null, el('tr', null, ['run', 'workflow', 'outcome', 'started', 'took', 'tasks'].map((h) => el('th', { text: h })))),
    el('tbody', null, rows),
  );
}
