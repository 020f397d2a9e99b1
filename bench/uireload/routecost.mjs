// routecost measures what routing edges costs ELK's layout (ui/web/src/
// layout.js) on generated graphs below layout.js's BIG, where the page
// routes them: the layout as the page asks it (orthogonal routes, edges
// merged), against the same with the edges drawn straight as before
// (POLYLINE, not merged). CPU time of this process, rounds alternating,
// medians of the paired ratios. From the tree's root, once ui/web has its
// node_modules (npm ci there):
//
//	node bench/uireload/routecost.mjs 500 1000 1500
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'ui', 'web');
const src = readFileSync(join(web, 'src', 'layout.js'), 'utf8').replace(
  "'elkjs/lib/elk.bundled.js'",
  JSON.stringify(pathToFileURL(join(web, 'node_modules', 'elkjs', 'lib', 'elk.bundled.js')).href),
);
const straight = src.replace("big ? 'POLYLINE' : 'ORTHOGONAL'", "'POLYLINE'").replace("'elk.layered.mergeEdges': big ? 'false' : 'true'", "'elk.layered.mergeEdges': 'false'");
if (straight === src) throw new Error('layout.js: its edge routing options moved; update routecost.mjs');
const dir = mkdtempSync(join(tmpdir(), 'weir-routecost-'));
writeFileSync(join(dir, 'routed.mjs'), src);
writeFileSync(join(dir, 'straight.mjs'), straight);
const routed = await import(pathToFileURL(join(dir, 'routed.mjs')).href);
const plain = await import(pathToFileURL(join(dir, 'straight.mjs')).href);
rmSync(dir, { recursive: true });

// graph is bench/uipage's generated workflow in kind: stage i depends on
// up to three random earlier stages.
function graph(n) {
  let seed = 1;
  const rand = (k) => {
    // mulberry32: small, seeded, the same in every run
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % k;
  };
  const nodes = [];
  const edges = [];
  for (let i = 0; i < n; i++) {
    const id = 's' + i;
    nodes.push({ id, w: Math.max(56, Math.min(260, id.length * 7.2 + 26)), h: 34 });
    const picked = new Set();
    while (picked.size < Math.min(3, i)) picked.add(rand(i));
    for (const d of picked) edges.push({ from: 's' + d, to: id });
  }
  return { nodes, edges };
}

function cpu() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function time(mod, g) {
  const t0 = cpu();
  const { routes } = await mod.layout(g.nodes, g.edges);
  return { ms: cpu() - t0, routes: routes.size };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rounds = Number(process.env.ROUNDS || 3);
const sizes = process.argv.slice(2).map(Number);
await time(routed, graph(200)); // the first layout in a process warms the JIT
console.log(`load average: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
for (const n of sizes.length ? sizes : [500, 1000, 1500]) {
  const g = graph(n);
  const r = [];
  const s = [];
  for (let i = 0; i < rounds; i++) {
    const pair = i % 2 ? [plain, routed] : [routed, plain];
    const a = await time(pair[0], g);
    const b = await time(pair[1], g);
    const [ra, sa] = i % 2 ? [b, a] : [a, b];
    r.push(ra.ms);
    s.push(sa.ms);
    if (!ra.routes) throw new Error(`${n} nodes: no routes: above layout.js's BIG?`);
  }
  const ratios = r.map((x, i) => x / s[i]);
  console.log(
    `${n} nodes, ${g.edges.length} edges, CPU medians of ${rounds}: routed ${median(r).toFixed(0)} ms, straight ${median(s).toFixed(0)} ms, ` +
      `+${(median(r) - median(s)).toFixed(0)} ms, ${median(ratios).toFixed(2)}x`,
  );
}
