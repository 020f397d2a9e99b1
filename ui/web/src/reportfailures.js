// A report opens on its failures: each failed task with the reason of its
// last attempt and the end of its log, before the graph. The report has
// the logs inline, so this costs no request.
import { el, count, reason } from './format.js';

const LISTED = 20;
const TAIL_LINES = 12;

// failuresSection lists the failed tasks (ids, declaration order) of a
// report; onSelect opens a task's panel.
export async function failuresSection(source, run, failed, model, onSelect) {
  const items = [];
  for (const id of failed.slice(0, LISTED)) {
    const v = model.task(id);
    const attempts = v.attempts || [];
    const last = attempts[attempts.length - 1];
    let tail = '';
    if (last) {
      for (const stream of ['stderr', 'stdout']) {
        const c = await source.log(run, id, last.n, stream, null);
        if (c.text) {
          tail = c.text.replace(/\n$/, '').split('\n').slice(-TAIL_LINES).join('\n');
          break;
        }
      }
    }
    const why = last ? 'attempt ' + last.n + ' of ' + attempts.length + ': ' + reason(last) : v.message || 'failed';
    items.push(
      el(
        'li',
        { class: 'report-failure', 'data-task': id },
        el('button', { class: 'link failed-task', text: id, onclick: () => onSelect(id) }),
        el('span', { class: 'why', text: ' ' + why }),
        v.message ? el('div', { class: 'muted', text: v.message }) : null,
        el('pre', { class: 'log tail', text: tail || '(no log)' }),
      ),
    );
  }
  const more = failed.length - LISTED;
  return el(
    'section',
    { id: 'report-failures' },
    el('h2', { text: (failed.length === 1 ? '1 task' : count(failed.length) + ' tasks') + ' failed' }),
    el('ol', null, items),
    more > 0 ? el('p', { class: 'muted', text: 'and ' + count(more) + ' more: the task table lists them, failed first.' }) : null,
  );
}
