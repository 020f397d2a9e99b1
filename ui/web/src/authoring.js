// The authoring view's diagnostics: each problem with the lines of the
// file around it, the range marked.
import { el } from './format.js';

export function diagnosticsList(view) {
  const diags = view.diagnostics || [];
  if (!diags.length) return el('p', { class: 'ok', text: 'No problems. Saved changes redraw the graph.' });
  const lines = (view.source || '').split('\n');
  return el(
    'ul',
    { class: 'diagnostics' },
    diags.map((d) => {
      const where = d.line ? (d.file || view.file) + ':' + d.line + (d.column ? ':' + d.column : '') : d.file || '';
      const parts = [
        el('div', { class: 'diag-head' }, el('span', { class: 'sev sev-' + d.severity, text: d.severity }), ' ', el('strong', { text: d.summary })),
        el('div', { class: 'where mono', text: where }),
      ];
      if (d.line && lines.length >= d.line) {
        const from = Math.max(1, d.line - 1);
        const to = Math.min(lines.length, (d.end_line || d.line) + 1);
        const code = [];
        for (let n = from; n <= to; n++) {
          const text = lines[n - 1];
          const on = n >= d.line && n <= (d.end_line || d.line);
          const row = el('div', { class: 'src-line' + (on ? ' on' : ''), 'data-line': n });
          row.append(el('span', { class: 'ln', text: String(n) }));
          if (on && n === d.line && d.column) {
            const endCol = d.end_line === d.line && d.end_column > d.column ? d.end_column : text.length + 1;
            row.append(text.slice(0, d.column - 1), el('mark', { text: text.slice(d.column - 1, endCol - 1) }), text.slice(endCol - 1));
          } else row.append(text);
          code.push(row);
        }
        parts.push(el('pre', { class: 'src' }, code));
      }
      if (d.detail) parts.push(el('p', { class: 'detail', text: d.detail }));
      return el('li', { class: 'diag diag-' + d.severity }, parts);
    }),
  );
}
