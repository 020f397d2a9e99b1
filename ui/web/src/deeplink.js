// Deep links: what the page shows lives in the address's hash, so that a
// link to a failing task's log can be pasted into a chat. The hash is a
// query string: run, task, attempt, stream, expand (for_each stages,
// comma-separated), and the table's filter (state, stage, q).

export function readLink(hash) {
  const p = new URLSearchParams((hash || '').replace(/^#/, ''));
  return {
    run: p.get('run') || '',
    task: p.get('task') || '',
    attempt: Number(p.get('attempt')) || 0,
    stream: ['stdout', 'stderr'].includes(p.get('stream')) ? p.get('stream') : '',
    expand: (p.get('expand') || '').split(',').filter(Boolean),
    state: p.get('state') || '',
    stage: p.get('stage') || '',
    q: p.get('q') || '',
  };
}

// linkOf is the hash for v (readLink's shape); empty fields are left out.
export function linkOf(v) {
  const p = new URLSearchParams();
  for (const k of ['run', 'task', 'attempt', 'stream', 'expand', 'state', 'stage', 'q']) {
    const x = Array.isArray(v[k]) ? v[k].join(',') : v[k];
    if (x) p.set(k, String(x));
  }
  const s = p.toString();
  return s ? '#' + s : '';
}
