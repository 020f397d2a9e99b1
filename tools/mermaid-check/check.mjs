// Usage: node check.mjs FILE...
//
// Parses each file with the real mermaid library (mermaid.parse, the same
// grammar and flowchart database a browser runs, on a jsdom window) and
// prints "ok FILE" for each. On the first failure it prints the file and
// mermaid's error to stderr and exits 1; a usage or setup error exits 2.
//
// Install once with: npm ci --prefix tools/mermaid-check
import { readFile } from 'node:fs/promises';

const here = new URL('./', import.meta.url);
const readJSON = async (path) => JSON.parse(await readFile(new URL(path, here), 'utf8'));

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node check.mjs FILE...');
  process.exit(2);
}

let mermaid;
try {
  // A node_modules left from an older package.json would check against the
  // wrong mermaid: insist on the pinned versions.
  const { dependencies } = await readJSON('package.json');
  for (const [name, want] of Object.entries(dependencies)) {
    const { version } = await readJSON(`node_modules/${name}/package.json`);
    if (version !== want) {
      throw new Error(`${name} ${version} is installed, package.json pins ${want}`);
    }
  }
  // mermaid sanitizes labels with DOMPurify, which binds to the global
  // window when it is first imported: set up the DOM before importing it.
  const { JSDOM } = await import('jsdom');
  const { window } = new JSDOM('<!doctype html><html><body></body></html>');
  globalThis.window = window;
  globalThis.document = window.document;
  ({ default: mermaid } = await import('mermaid'));
} catch (e) {
  console.error(`mermaid-check: cannot load mermaid/jsdom (${e.message}); run: npm ci --prefix tools/mermaid-check`);
  process.exit(2);
}

mermaid.initialize({
  startOnLoad: false,
  // The defaults (500 edges, 50,000 characters) are far below what weir
  // draws for large plans: above 20,000 tasks it draws every edge.
  maxEdges: 1_000_000,
  maxTextSize: 100_000_000,
  logLevel: 'fatal',
});

for (const file of files) {
  let text;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    console.error(`mermaid-check: ${file}: ${e.message}`);
    process.exit(2);
  }
  try {
    // Without suppressErrors, parse rejects on any error; it never returns false.
    await mermaid.parse(text);
  } catch (e) {
    const msg = (e && (e.message || e.str)) || String(e);
    console.error(`mermaid-check: ${file}: mermaid cannot parse it:\n${msg}`);
    process.exit(1);
  }
  console.log(`ok ${file}`);
}
