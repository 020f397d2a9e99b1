// Small formatting helpers shared by the views. Nothing here builds HTML
// from strings: callers put text in the page with textContent.

export function size(b) {
  if (b == null || b === 0) return '0 B';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = b;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const n = i === 0 || v >= 100 || Number.isInteger(v) ? Math.round(v) : v.toFixed(v >= 10 ? 1 : 2);
  return n + ' ' + units[i];
}

// duration formats milliseconds: 850ms, 12.3s, 4m05s, 2h03m.
export function duration(ms) {
  if (ms == null || isNaN(ms)) return '-';
  if (ms < 1000) return Math.round(ms) + 'ms';
  const s = ms / 1000;
  if (s < 60) return s.toFixed(s < 10 ? 2 : 1) + 's';
  const m = Math.floor(s / 60);
  if (m < 60) return m + 'm' + String(Math.floor(s % 60)).padStart(2, '0') + 's';
  return Math.floor(m / 60) + 'h' + String(m % 60).padStart(2, '0') + 'm';
}

// nanos is a Go time.Duration (nanoseconds) in words.
export function nanos(ns) {
  return ns ? duration(ns / 1e6) : '-';
}

export function time(t) {
  if (isNaN(ms(t))) return '-';
  return new Date(t).toLocaleTimeString([], { hour12: false });
}

export function dateTime(t) {
  if (!t) return '-';
  const d = new Date(t);
  return d.toLocaleDateString() + ' ' + d.toLocaleTimeString([], { hour12: false });
}

// ms is a time in milliseconds; Go's zero time (year 1) counts as none.
export function ms(t) {
  const v = t ? new Date(t).getTime() : NaN;
  return v > 0 ? v : NaN;
}

// reason says how an attempt ended, with the numbers that explain it.
export function reason(a) {
  const r = a && a.result;
  if (!r) return a && a.start ? 'running' : 'waiting';
  switch (r.reason) {
    case 'exit':
      return 'exit ' + r.exit_code;
    case 'signal':
      return 'signal ' + r.signal;
    case 'oom':
      return 'oom: peak ' + size(r.peak_memory) + (a.memory ? ' against a cap of ' + size(a.memory) : '');
    case 'timeout':
      return 'timeout';
    case 'lost':
      return 'lost';
    default:
      return r.reason;
  }
}

// el makes an element with text content and attributes; children may be
// elements or strings (as text).
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v == null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function svg(tag, attrs) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

export const STATES = ['pending', 'ready', 'running', 'succeeded', 'failed', 'skipped', 'cancelled', 'reused'];

// count writes a number with thousands separators: 1,998.
export function count(n) {
  return Number(n).toLocaleString('en-US');
}
