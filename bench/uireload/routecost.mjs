// routecost measures ELK's layout (ui/web/src/layout.js) in Node on
// generated graphs of each kind below layout.js's BIG: the way the page
// chooses for them (layoutplan.js: routed, or the backbone when dense),
// with the cost it weighed, and with -routed the routed layout forced too,
// which the choice spares a dense graph (minutes at 500 nodes and more).
// CPU time of this process, medians of ROUNDS (3). From the tree's root,
// once ui/web has its node_modules (npm ci there):
//
//	node bench/uireload/routecost.mjs 500 1000 1500
//	node bench/uireload/routecost.mjs -routed -kinds chains,tree 500 1000
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const src = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'ui', 'web', 'src');
const { layout, plan } = await import(pathToFileURL(join(src, 'layout.js')).href);

// A seeded generator (mulberry32): the same graphs in every run.
function rng() {
  let seed = 1;
  return (k) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % k;
  };
}

// KINDS are the graphs measured, by what each stage i reads (deps(i)):
// dense is bench/uipage's kind.
const KINDS = {
  // up to three random earlier stages, anywhere before it
  dense: (i, rand) => pick(3, 0, i, rand),
  // up to three of the ten stages before it
  window: (i, rand) => pick(3, Math.max(0, i - 10), i, rand),
  // one random earlier stage: a tree, wide and shallow
  tree: (i, rand) => pick(1, 0, i, rand),
  // the stage before it, in chains of 100
  chains: (i) => (i % 100 ? [i - 1] : []),
  // the stage before it: one chain, as many layers as stages
  chain: (i) => (i ? [i - 1] : []),
};

function pick(k, lo, hi, rand) {
  const picked = new Set();
  while (picked.size < Math.min(k, hi - lo)) picked.add(lo + rand(hi - lo));
  return [...picked];
}

function graph(kind, n) {
  const rand = rng();
  const nodes = [];
  const edges = [];
  for (let i = 0; i < n; i++) {
    const id = 's' + i;
    nodes.push({ id, w: Math.max(56, Math.min(260, id.length * 7.2 + 26)), h: 34 });
    for (const d of KINDS[kind](i, rand)) edges.push({ from: 's' + d, to: id });
  }
  return { nodes, edges };
}

function cpu() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function time(g, p) {
  const t0 = cpu();
  const { path } = await layout(g.nodes, g.edges, p);
  return { ms: cpu() - t0, path };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const args = process.argv.slice(2);
const forced = args.includes('-routed');
const k = args.indexOf('-kinds');
const kinds = k >= 0 ? args[k + 1].split(',') : Object.keys(KINDS);
const sizes = args.filter((a, i) => /^\d+$/.test(a) && (k < 0 || i !== k + 1)).map(Number);
const rounds = Number(process.env.ROUNDS || 3);
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

await time(graph('dense', 100)); // the first layout in a process warms the JIT
console.log(`load average: ${load()}`);
for (const n of sizes.length ? sizes : [500, 1000, 1500]) {
  for (const kind of kinds) {
    if (!KINDS[kind]) throw new Error(`-kinds: no kind ${kind}; kinds are ${Object.keys(KINDS).join(', ')}`);
    const g = graph(kind, n);
    const p = plan(g.nodes, g.edges);
    const ms = [];
    let path;
    for (let i = 0; i < rounds; i++) ({ ms: ms[i], path } = await time(g, p));
    let line = `${n} nodes ${kind}, ${g.edges.length} edges, cost ${p.cost}: ${path} ${median(ms).toFixed(0)} ms CPU (median of ${rounds})`;
    // The routed layout forced, once: what the choice spares.
    if (forced && path !== 'routed') line += `; routed ${(await time(g, { path: 'routed', cost: p.cost })).ms.toFixed(0)} ms`;
    console.log(line + `; load ${load()}`);
  }
}
