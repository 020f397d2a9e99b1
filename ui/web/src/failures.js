// The failures of a run in the header: the first few failed tasks by
// name, each opening its panel (and its log), and a link to the rest in
// the task table, filtered to failed.
import { el, count } from './format.js';

const SHOWN = 3;

// failedTasks lists the failed tasks of model in declaration order.
export function failedTasks(doc, model) {
  const out = [];
  for (const t of doc.tasks) {
    const v = model.tasks.get(t.id);
    if (v && v.state === 'failed') out.push(t.id);
  }
  // Failures in wide stages the page has no definitions of (the overview).
  // Their order is unknown here: keys in numeric order (shard[9] before
  // shard[10]) is the declaration order of most.
  if (doc.groups && doc.groups.length) {
    const known = new Set(doc.tasks.map((t) => t.id));
    const more = [];
    for (const [id, v] of model.tasks) if (v.state === 'failed' && !known.has(id)) more.push(id);
    more.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    out.push(...more);
  }
  return out;
}

// failureLinks fills root with links to the failed tasks; it leaves the
// page alone when the list has not changed.
export function failureLinks(root, failed, { onSelect, onShowAll }) {
  const key = failed.length + ':' + failed.slice(0, SHOWN).join('\u0000');
  if (root.dataset.key === key) return;
  root.dataset.key = key;
  root.hidden = !failed.length;
  if (!failed.length) {
    root.replaceChildren();
    return;
  }
  const links = failed.slice(0, SHOWN).map((id) => el('button', { class: 'link failed-task', 'data-task': id, text: id, onclick: () => onSelect(id) }));
  const rest = failed.length - SHOWN;
  root.replaceChildren(el('span', { class: 'failed-label', text: failed.length === 1 ? 'Failed:' : count(failed.length) + ' failed:' }), ...links);
  if (rest > 0) root.append(el('button', { class: 'link all-failed', text: 'and ' + count(rest) + ' more', onclick: onShowAll }));
}
