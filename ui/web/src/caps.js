// The report's "caps from history" section: what the runs of the workflow
// so far used against what each stage declares, and better values where
// the declared ones are far off (computed by weir report).
import { el, size, duration } from './format.js';

// A smallest value of 0 is unknown (a wide stage's totals keep only the
// largest), as weir report's advice words it: "up to".
function span(lo, hi, fmt) {
  if (!hi) return '-';
  if (!lo) return 'up to ' + fmt(hi);
  return lo === hi ? fmt(hi) : fmt(lo) + ' \u2013 ' + fmt(hi);
}

export function capsSection(history) {
  const head = el('tr', null, ['Stage', 'Runs', 'Peak memory', 'Cap', 'Took', 'Timeout', 'Failed'].map((h) => el('th', { text: h })));
  const rows = history.stages.map((s) => {
    const failed = [s.ooms ? s.ooms + ' oom' : '', s.timeouts ? s.timeouts + ' timeout' : ''].filter(Boolean).join(', ') || '-';
    return el(
      'tr',
      null,
      el('td', { class: 'mono', text: s.stage }),
      el('td', { text: String(s.runs) }),
      el('td', { text: span(s.peak_min, s.peak_max, size) }),
      el('td', { text: s.memory ? size(s.memory) : '-' }),
      el('td', { text: span(s.took_min_ms, s.took_max_ms, duration) }),
      el('td', { text: s.timeout_ms ? duration(s.timeout_ms) : '-' }),
      el('td', { text: failed }),
    );
  });
  const suggestions = history.stages.flatMap((s) =>
    (s.suggestions || []).map((text) => el('li', null, el('span', { class: 'mono', text: s.stage }), ': ', text)),
  );
  return el(
    'section',
    { id: 'caps' },
    el('h3', { text: 'Caps from history: the last ' + history.runs + (history.runs === 1 ? ' run' : ' runs') }),
    el('table', { class: 'caps' }, el('thead', null, head), el('tbody', null, rows)),
    suggestions.length ? el('ul', { class: 'suggestions' }, suggestions) : el('p', { class: 'muted', text: 'Every declared cap and timeout fits what the stages used.' }),
  );
}
